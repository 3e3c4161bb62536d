"""Budgets of binderd's pages: asset size, log latency, and a 10,000-line log.

    .venv/bin/python bench/ui.py [--lines 10000] [--spaced 300]

Serves binderd's real application (pages, assets, `/build` event stream) on
127.0.0.1 with a stand-in pipeline that replays a build's event shapes (no
repository, no Docker: this measures the page), opens the loading page in
Debian's chromium, and prints:

  size      the script and stylesheet every page loads, gzip-compressed (budget 150 kB)
  latency   from an event's arrival in the page to the animation frame that shows it,
            for `--spaced` lines sent 10 ms apart (budget: p95 and max within 50 ms)
  flood     `--lines` lines sent as fast as binderd writes them: the longest gap between
            two animation frames (the page is stalled while none is drawn; budget 200 ms)
            and whether every line arrived in the viewer
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from playwright.async_api import async_playwright  # noqa: E402
from tornado.httpserver import HTTPServer  # noqa: E402

from binderd.app import BinderHub  # noqa: E402
from binderd.handlers.pages import STATIC  # noqa: E402
from tests.fixtures.browser import CHROMIUM, FLAGS  # noqa: E402
from tests.fixtures.procs import free_port  # noqa: E402

SIZE_BUDGET = 150_000
LATENCY_BUDGET_MS = 50
STALL_BUDGET_MS = 200

FRAME_GAPS = """
window.frameGaps = {max: 0, last: 0, on: false};
(function tick(t) {
  const g = window.frameGaps;
  if (g.on && g.last) g.max = Math.max(g.max, t - g.last);
  g.last = t;
  requestAnimationFrame(tick);
})();
"""


class ReplayPipeline:
    """Stands in for LaunchPipeline: a build's events, spaced, then a flood, then the end."""

    def __init__(self, spaced: int, flood: int):
        self.spaced, self.flood = spaced, flood
        self.flood_may_start = asyncio.Event()

    async def run(self, request, emit) -> bool:
        await emit({"phase": "waiting", "message": "Waiting for build to start...\n"})
        for i in range(self.spaced):
            await emit({"phase": "building", "message": f"\x1b[32mStep {i + 1}\x1b[0m: spaced line {i + 1}\n"})
            await asyncio.sleep(0.01)
        await self.flood_may_start.wait()
        for i in range(self.flood):
            await emit({"phase": "building", "message": f"flood line {i + 1} of {self.flood}: " + "x" * 60 + "\n"})
        await emit({"phase": "failed", "message": "Benchmark finished.\n"})
        return False


def asset_sizes() -> dict[str, int]:
    sizes = {}
    for name in ("bundle/binderd.js", "bundle/binderd.css"):
        with open(os.path.join(STATIC, name), "rb") as f:
            sizes[name] = len(gzip.compress(f.read(), 9))
    return sizes


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=10_000, help="lines in the flood")
    parser.add_argument("--spaced", type=int, default=300, help="lines sent 10 ms apart for the latency figure")
    args = parser.parse_args()
    ok = True

    sizes = asset_sizes()
    total = sum(sizes.values())
    ok &= total <= SIZE_BUDGET
    print(f"size     JS {sizes['bundle/binderd.js'] / 1000:.1f} kB + CSS {sizes['bundle/binderd.css'] / 1000:.1f} kB "
          f"= {total / 1000:.1f} kB gzip (budget {SIZE_BUDGET // 1000} kB): {'ok' if total <= SIZE_BUDGET else 'OVER'}")

    binder = BinderHub(hub_url="http://127.0.0.1:9/", use_registry=False)
    binder.config.BuildLogStore.enabled = False
    binder.init_stages()
    replay = ReplayPipeline(args.spaced, args.lines)
    binder.pipeline = replay
    server = HTTPServer(binder.make_app())
    port = free_port()
    server.listen(port, address="127.0.0.1")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.add_init_script(FRAME_GAPS)
        await page.goto(f"http://127.0.0.1:{port}/v2/gh/bench/ui/HEAD")
        await page.wait_for_function(f"window.binderdLog && window.binderdLog.stats.drawn >= {args.spaced + 1}",
                                     timeout=120_000)
        latencies = sorted((await page.evaluate("window.binderdLog.stats.latencies"))[1:])
        p50, p95, worst = statistics.median(latencies), latencies[int(len(latencies) * 0.95) - 1], latencies[-1]
        within = p95 <= LATENCY_BUDGET_MS and worst <= LATENCY_BUDGET_MS
        ok &= within
        print(f"latency  event -> drawn, {len(latencies)} lines: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
              f"max {worst:.1f} ms (budget {LATENCY_BUDGET_MS} ms): {'ok' if within else 'OVER'}")

        await page.evaluate("window.frameGaps.on = true; window.frameGaps.max = 0; window.frameGaps.last = 0")
        started = asyncio.get_running_loop().time()
        replay.flood_may_start.set()
        probes = []
        while not await page.evaluate("document.getElementById('status').classList.contains('failed')"):
            t0 = asyncio.get_running_loop().time()
            await page.evaluate("1")  # the page answers while the flood is drawn
            probes.append((asyncio.get_running_loop().time() - t0) * 1000)
            await asyncio.sleep(0.05)
        await page.wait_for_function("window.binderdLog.pending.length === 0")
        elapsed = asyncio.get_running_loop().time() - started
        gap = await page.evaluate("window.frameGaps.max")
        text = await page.evaluate("window.binderdLog.text")
        every = all(f"flood line {i} of" in text for i in (1, args.lines // 2, args.lines))
        last_drawn = f"flood line {args.lines} of" in await page.inner_text("#log .xterm-rows")
        calm = gap <= STALL_BUDGET_MS and every and last_drawn
        ok &= calm
        print(f"flood    {args.lines} lines in {elapsed:.2f} s; longest frame gap {gap:.0f} ms, slowest page "
              f"answer {max(probes or [0]):.0f} ms (budget {STALL_BUDGET_MS} ms); every line kept: {every}, "
              f"last line drawn: {last_drawn}: {'ok' if calm else 'STALLED'}")
        await browser.close()
    server.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
