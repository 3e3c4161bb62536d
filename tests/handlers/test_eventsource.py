"""A plain EventSource in Chromium that never closes on `ready` launches exactly one server.

An EventSource reconnects a few seconds after its stream ends; binderd ends a
successful stream with the SSE `retry` field, so the browser waits (a day)
instead of reconnecting into a second launch.
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from playwright.async_api import async_playwright

from tests.handlers.test_build_controls import client_ip

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

LISTEN = """url => {
  window.seen = {opens: 0, errors: 0, phases: []};
  const source = new EventSource(url);  // never closed
  source.onopen = () => { window.seen.opens += 1; };
  source.onerror = () => { window.seen.errors += 1; window.seen.state = source.readyState; };
  source.onmessage = e => { window.seen.phases.push(JSON.parse(e.data).phase); };
}"""


async def test_eventsource_that_never_closes_launches_once(ui_binderd, git_server, hub):
    repo = git_server.create("access-eventsource")
    prefix = "access-eventsource-"
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            context = await browser.new_context(extra_http_headers={"X-Real-Ip": client_ip()})
            page = await context.new_page()
            await page.goto(ui_binderd.url + "versions")  # same origin as /build
            await page.evaluate(LISTEN, f"{ui_binderd.url}build/git/{quote(repo.git_url, safe='')}/main")
            await page.wait_for_function("window.seen.phases.includes('ready')", timeout=180_000)
            await page.wait_for_function("window.seen.errors > 0", timeout=30_000)  # the stream ended
            # Chromium's own reconnection delay is about 3 s: give it well over that
            await asyncio.sleep(10)
            seen = await page.evaluate("window.seen")
        finally:
            await browser.close()
    assert seen["opens"] == 1, seen
    assert seen["phases"].count("ready") == 1 and seen["state"] == 0  # waiting to reconnect, not reconnected
    assert len([u for u in hub.users() if u.startswith(prefix)]) == 1
    assert ui_binderd.binderd.log_text().count(f"/build/git/{quote(repo.git_url, safe='')}/main") == 1
