"""Builds shared between watchers.

Five people opening the same new link at once must cause one build, and each
of them must see that build's log from its first line. A `SharedBuild` runs
independently of any request: a watcher that disconnects stops watching, not
building. `BuildCoordinator` hands out one SharedBuild per image and limits how
many builds run at once, telling waiting watchers their place in the queue.
A finished build leaves the coordinator on a timer: a successful one after
`keep_finished` seconds (so a watcher arriving just after it sees it), a failed
one at once; memory does not grow with the number of distinct images built.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable

from binderd.buildlogs import log_event
from binderd.errors import BuildError, UserFacingError

log = logging.getLogger("binderd.builder")

BuildFactory = Callable[[], AsyncIterator[dict]]


class SharedBuild:
    """One running (or finished) build, its log, and its outcome."""

    def __init__(self, key: str):
        self.key = key
        self.events: list[dict] = []
        self.done = False
        self.error: UserFacingError | None = None
        self.finished_at: float | None = None
        self.watchers = 0
        self.log_id: str | None = None  # the kept log's id (binderd.buildlogs), when logs are kept
        self._changed = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.on_finish: Callable[[SharedBuild], None] | None = None

    def _append(self, event: dict) -> None:
        self.events.append(event)
        self._changed.set()
        self._changed = asyncio.Event()

    def _finish(self, error: UserFacingError | None) -> None:
        self.error = error
        self.done = True
        self.finished_at = time.monotonic()
        self._changed.set()
        if self.on_finish is not None:
            self.on_finish(self)

    async def watch(self) -> AsyncIterator[dict]:
        """Every event of the build from the first, then return (or raise the build's error)."""
        self.watchers += 1
        try:
            index = 0
            while True:
                changed = self._changed
                while index < len(self.events):
                    yield self.events[index]
                    index += 1
                if self.done:
                    break
                await changed.wait()
        finally:
            self.watchers -= 1
        if self.error:
            raise self.error


class BuildCoordinator:
    """Starts at most one build per key and at most `limit` builds at once."""

    def __init__(self, limit: int = 32, keep_finished: float = 60, build_logs=None):
        self.limit = limit
        self.build_logs = build_logs  # a binderd.buildlogs.BuildLogStore, or None
        self.keep_finished = keep_finished
        self.builds: dict[str, SharedBuild] = {}
        self._slots = asyncio.Semaphore(limit)
        self._queue: list[SharedBuild] = []
        self.started = 0  # builds started since start-up, for tests and metrics

    def _expire_later(self, build: SharedBuild) -> None:
        """Forget `build` after keep_finished seconds (at once if it failed)."""
        delay = 0 if build.error is not None else self.keep_finished
        asyncio.get_running_loop().call_later(delay, self._forget, build)

    def _forget(self, build: SharedBuild) -> None:
        if self.builds.get(build.key) is build:  # not a newer build of the same key
            del self.builds[build.key]

    def running(self) -> int:
        return sum(1 for b in self.builds.values() if not b.done)

    def get(self, key: str) -> SharedBuild | None:
        """The live (or recently finished, successful) build for key, if any."""
        build = self.builds.get(key)
        if build is None:
            return None
        if build.done and (
            build.error is not None or time.monotonic() - (build.finished_at or 0) > self.keep_finished
        ):
            del self.builds[key]
            return None
        return build

    def start(self, key: str, factory: BuildFactory) -> tuple[SharedBuild, bool]:
        """The build for `key`, starting it with `factory()` if none runs; (build, started)."""
        existing = self.get(key)
        if existing is not None:
            return existing, False
        build = SharedBuild(key)
        build.on_finish = self._expire_later
        self.builds[key] = build
        self.started += 1
        if self.build_logs is not None:
            build.log_id = self.build_logs.open(build)
        build.task = asyncio.create_task(self._run(build, factory), name=f"build {key}")
        return build, True

    async def _run(self, build: SharedBuild, factory: BuildFactory) -> None:
        self._queue.append(build)
        try:
            if build.log_id:
                build._append(log_event(build.log_id))
                await self.build_logs.begin(build.log_id)
            if self._slots.locked():
                position = self._queue.index(build) + 1
                build._append({
                    "phase": "waiting",
                    "message": f"All {self.limit} build slots are busy: position {position} in the queue...\n",
                    "queue_position": position,
                })
            async with self._slots:
                self._queue.remove(build)
                async for event in factory():
                    build._append(event)
            build._finish(None)
        except UserFacingError as e:
            build._finish(e)
        except asyncio.CancelledError:  # binderd is shutting down: tell the watchers, then stop
            build._finish(BuildError("The build was stopped because binderd is shutting down. Please try again."))
            raise
        except Exception:  # noqa: BLE001 - a bug must not leave watchers hanging
            log.exception("Build %s crashed", build.key)
            build._finish(BuildError("The build stopped because of an internal error. Please try again."))
        finally:
            if build in self._queue:
                self._queue.remove(build)
            if build.log_id:
                await self.build_logs.close(build.log_id)
