"""`WarmPool`: Jupyter servers started before anyone asks for them, claimed by launches.

This module owns the pool: which images get pre-started servers and how many,
starting them in the background, handing each to exactly one launch, and
removing the ones no longer wanted.

- Sizes: `sizes` names images (an exact `name:tag`, or a repository name without
  a tag, meaning its newest commit launched so far) and how many servers each
  keeps; `top_images` also keeps `top_size` servers for the images launched most
  in the last `window` seconds (or, with `top_rank = "recent"`, launched most
  recently). `max_servers` caps the pool's servers in all.
- Each pooled server is an ordinary binder launch through the `Launcher`: a
  temporary hub user of its own and a fresh token, so a claimed server is the
  same as a spawned one (the token is the only way in, the hub's culler applies;
  a claim records activity on it, so its idle time starts at the claim).
- `claim()` takes a ready server off the queue without awaiting in between, so
  no server is handed out twice, even to concurrent claims; it never waits for a
  server still starting, so a failing or slow pre-start never blocks a launch
  (the caller spawns instead).
- A launch of a newer commit of a repository drains the pooled servers of its
  older images; servers older than `max_age` are replaced.

Request-specific values cannot be known before the claim. A pooled server's
`BINDER_*` environment holds the values of the last launch of its image seen
before it was started (`BINDER_REPO_URL`, `BINDER_REF_URL`,
`BINDER_PERSISTENT_REQUEST` and `BINDER_LAUNCH_HOST` are the same for every
launch of an image reaching one binderd address; `BINDER_REQUEST` may differ,
e.g. a branch instead of a commit; `BINDER_CLIENT_IP` is another client's).
A server pre-started for a configured image before any launch of it has none
of them. The `ready` event a claim answers with carries the claiming request's
own values, as for a spawn.
"""

from __future__ import annotations

import asyncio
import collections
import datetime
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from traitlets import Any, Dict, Enum, Float, Integer
from traitlets.config import LoggingConfigurable

from binderd.launch.names import unique_name_from_repo

Emit = Callable[[dict], Awaitable[None]]


@dataclass(frozen=True)
class WarmServer:
    """One pre-started server waiting in the pool."""

    image: str
    username: str
    fields: dict = field(hash=False)  # the Launcher's ready fields: url, token, image, ...
    started: float = 0.0  # time.monotonic() when it became ready


@dataclass(frozen=True)
class PoolStatus:
    """What the pool holds and wants, per image (for tests, logs and metrics)."""

    ready: dict[str, int]
    starting: dict[str, int]
    wanted: dict[str, int]
    failed: dict[str, int]  # failed pre-starts so far


def split_image(image: str) -> tuple[str, str]:
    """(repository, tag) of an image name; the tag is "" when there is none."""
    name, sep, tag = image.rpartition(":")
    if not sep or "/" in tag:  # a registry's port, not a tag
        return image, ""
    return name, tag


# images and repositories whose last launch the pool remembers (the oldest are forgotten)
REMEMBERED = 10000


def _remember(memory: dict, key: str, value) -> None:
    """memory[key] = value as the newest entry, forgetting the oldest beyond REMEMBERED."""
    memory.pop(key, None)
    memory[key] = value
    while len(memory) > REMEMBERED:
        del memory[next(iter(memory))]


async def _quiet(event: dict) -> None:
    """Progress of pre-starts goes nowhere: nobody is watching them."""


class WarmPool(LoggingConfigurable):
    """Keeps pre-started servers for chosen images and hands them to launches."""

    sizes = Dict(
        value_trait=Integer(min=0),
        help="""Servers to keep started per image: {image: count}. A key is an image name with its
        tag (`registry/prefix-repo:commit`), or without a tag for the newest commit of that
        repository launched so far.""",
    ).tag(config=True)

    top_images = Integer(
        0,
        min=0,
        help="""Also keep top_size servers for each of this many images, chosen by top_rank among
        the launches of the last `window` seconds. 0: only the images in `sizes`.""",
    ).tag(config=True)

    top_size = Integer(1, min=0, help="Servers kept for each of the top_images.").tag(config=True)

    top_rank = Enum(
        ["frequent", "recent"],
        "frequent",
        help="""How the top_images are chosen: `frequent`, the images launched most in the window;
        `recent`, the images launched most recently.""",
    ).tag(config=True)

    window = Float(3600, help="Seconds of launch history top_images are chosen from.").tag(config=True)

    max_servers = Integer(
        10, min=0, help="Most servers the pool keeps in all (ready and starting); sizes are cut to fit, in order."
    ).tag(config=True)

    max_age = Float(
        1800,
        help="""Seconds a pooled server waits unclaimed before it is replaced by a fresh one (keep it
        below the hub's cull timeout, which also counts the time a server waited). 0: never.""",
    ).tag(config=True)

    concurrent_starts = Integer(
        2, min=1, help="Pre-starts running at once (they compete with launches for the machine)."
    ).tag(config=True)

    retry_delay = Float(30, help="Seconds before an image whose pre-start failed gets another attempt.").tag(config=True)
    check_interval = Float(10, help="Seconds between the pool's rounds when nothing wakes it.").tag(config=True)

    launcher = Any(help="The Launcher that starts and deletes the pool's servers (set by the application).")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._ready: dict[str, collections.deque[WarmServer]] = collections.defaultdict(collections.deque)
        self._starting: collections.Counter[str] = collections.Counter()
        self._launches: collections.deque[tuple[float, str]] = collections.deque()
        self._origin: dict[str, tuple[str, dict]] = {}  # image -> (repo_url, extra) of its last launch
        self._newest: dict[str, str] = {}  # repository -> tag of its newest launched commit
        self._failed_until: dict[str, float] = {}
        self._tasks: set[asyncio.Task] = set()
        self._prestarts: set[asyncio.Task] = set()
        self.failures: collections.Counter[str] = collections.Counter()  # failed pre-starts per image
        self._wake = asyncio.Event()

    @property
    def enabled(self) -> bool:
        return self.max_servers > 0 and (any(self.sizes.values()) or bool(self.top_images and self.top_size))

    # --- what the pool wants ------------------------------------------------------------

    def _ranked_images(self) -> list[str]:
        horizon = time.monotonic() - self.window
        while self._launches and self._launches[0][0] < horizon:
            self._launches.popleft()
        if self.top_rank == "recent":
            order = list(dict.fromkeys(image for _, image in reversed(self._launches)))
        else:
            counts = collections.Counter(image for _, image in self._launches)
            last = {image: t for t, image in self._launches}
            order = sorted(counts, key=lambda image: (-counts[image], -last[image]))
        return order[: self.top_images]

    def _replaced(self, image: str) -> bool:
        repo, tag = split_image(image)
        return self._newest.get(repo, tag) != tag

    def wanted(self) -> dict[str, int]:
        """Servers wanted per image, in priority order, within max_servers."""
        want: dict[str, int] = {}
        for key, count in self.sizes.items():
            repo, tag = split_image(key)
            image = key if tag else (f"{repo}:{self._newest[repo]}" if repo in self._newest else "")
            if image and count:
                want[image] = max(want.get(image, 0), count)
        if self.top_size:
            for image in self._ranked_images():
                want[image] = max(want.get(image, 0), self.top_size)
        room = self.max_servers
        capped: dict[str, int] = {}
        for image, count in want.items():
            if room > 0 and not self._replaced(image):
                capped[image] = min(count, room)
                room -= capped[image]
        return capped

    def status(self) -> PoolStatus:
        """How many servers are ready, starting and wanted, per image."""
        return PoolStatus(
            ready={image: len(q) for image, q in self._ready.items() if q},
            starting={image: n for image, n in self._starting.items() if n},
            wanted=self.wanted(),
            failed=dict(self.failures),
        )

    def usernames(self) -> set[str]:
        """Hub users whose servers wait in the pool, unclaimed (launch quotas should not count them)."""
        return {server.username for queue in self._ready.values() for server in queue}

    # --- launches -----------------------------------------------------------------------

    def note_launch(self, image: str, repo_url: str, extra: dict) -> None:
        """Count a launch of `image`; a newer commit than the pool's drains the older images."""
        self._launches.append((time.monotonic(), image))
        repo, tag = split_image(image)
        _remember(self._origin, image, (repo_url, dict(extra)))
        _remember(self._newest, repo, tag)
        self._wake.set()

    async def claim(self, image: str, repo_url: str, extra: dict, emit: Emit) -> dict | None:
        """A ready pooled server of `image` as Launcher.launch's fields, or None: spawn instead."""
        if not self.enabled or not self.launcher.create_user:
            return None  # logged-in users' launches start their own servers
        self.note_launch(image, repo_url, extra)
        queue = self._ready.get(image)
        while queue:
            server = queue.popleft()  # no await since the check: one claim per server
            self._wake.set()  # refill
            if await self._touch(server):
                self.log.info("Claimed pre-started server of %s (user %s)", image, server.username)
                await emit({"phase": "launching", "message": "Claimed a pre-started server\n"})
                return {**server.fields, "repo_url": repo_url, **extra}
            self._discard(server)
        return None

    async def _touch(self, server: WarmServer) -> bool:
        """True if the server is still up; then record activity now, so the culler counts from the claim."""
        user = quote(server.username, safe="@~")
        try:
            response = await self.launcher.api_request(f"users/{user}")
            if response.code != 200:
                return False
            model = json.loads(response.body)
            if not (model.get("servers", {}).get("", {}).get("ready")):
                return False
            now = datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")
            body = {"last_activity": now, "servers": {"": {"last_activity": now}}}
            response = await self.launcher.api_request(f"users/{user}/activity", "POST", body=body)
            if response.code >= 300:
                self.log.warning("Recording activity of claimed server %s: HTTP %s", server.username, response.code)
            return True
        except Exception as e:  # noqa: BLE001 - an unusable pooled server: the launch spawns instead
            self.log.warning("Pooled server %s unusable: %s", server.username, e)
            return False

    # --- keeping the pool ---------------------------------------------------------------

    def _spawn_task(self, coro) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _discard(self, server: WarmServer, timeout: float = 120) -> None:
        self._spawn_task(self.launcher.delete_user(server.username, timeout=timeout))

    def reconcile(self) -> None:
        """One round: drain what is not wanted or too old, then start what is missing."""
        want = self.wanted()
        now = time.monotonic()
        for image, queue in self._ready.items():
            keep = want.get(image, 0)
            for server in list(queue):
                if len(queue) > keep or (self.max_age and now - server.started > self.max_age):
                    queue.remove(server)
                    self.log.info("Draining pooled server of %s (user %s)", image, server.username)
                    self._discard(server)
        total = sum(len(q) for q in self._ready.values()) + sum(self._starting.values())
        for image, count in want.items():
            missing = count - len(self._ready[image]) - self._starting[image]
            while (missing > 0 and total < self.max_servers and sum(self._starting.values()) < self.concurrent_starts
                   and self._failed_until.get(image, 0) <= now):
                self._starting[image] += 1
                task = self._spawn_task(self._prestart(image))
                self._prestarts.add(task)
                task.add_done_callback(self._prestarts.discard)
                missing -= 1
                total += 1

    async def _prestart(self, image: str) -> None:
        repo_url, extra = self._origin.get(image, ("", {}))
        username = unique_name_from_repo(repo_url or split_image(image)[0])
        try:
            fields = await self.launcher.launch(image, repo_url, extra, _quiet, username=username)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # noqa: BLE001 - never fatal: launches of this image spawn meanwhile
            self.log.warning("Pre-starting a server of %s failed: %s", image, getattr(e, "message", e))
            self._failed_until[image] = time.monotonic() + self.retry_delay
            self.failures[image] += 1
            return
        finally:
            self._starting[image] -= 1
            self._wake.set()
        self._failed_until.pop(image, None)
        server = WarmServer(image, username, fields, time.monotonic())
        if self.wanted().get(image, 0) > len(self._ready[image]):
            self._ready[image].append(server)
            self.log.info("Pre-started a server of %s (user %s)", image, username)
        else:  # replaced or cut while it started
            self._discard(server)

    async def run(self) -> None:
        """Keep the pool until cancelled, then drain it."""
        try:
            while True:
                self._wake.clear()
                self.reconcile()
                try:  # not wait_for: it can swallow a cancellation arriving as the event is set
                    async with asyncio.timeout(self.check_interval):
                        await self._wake.wait()
                except TimeoutError:
                    pass
        finally:
            await asyncio.shield(asyncio.ensure_future(self.drain()))

    async def drain(self) -> None:
        """Delete every pooled server's user, cancel pre-starts (they clean up after themselves), wait."""
        self.sizes, self.top_images = {}, 0
        for task in self._prestarts:
            task.cancel()
        servers = [server for queue in self._ready.values() for server in queue]
        for queue in self._ready.values():
            queue.clear()
        for server in servers:
            self._discard(server, timeout=10)  # at shutdown the hub may be stopping too
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
