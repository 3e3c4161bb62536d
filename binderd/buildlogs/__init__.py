"""Permanent build logs: every build's whole log, kept compressed and served at a stable URL.

`BuildLogStore` owns a directory of `<id>.log.gz` (the log text, ANSI colours and
all) and `<id>.json` (what was built, when, and how it ended) files. A build gets
its id when it starts; while it runs its log is read from the live build, and
when it ends the whole log is written once, compressed, off the event loop.
Files older than `retention_days` are removed. Ids are time-ordered and random,
so a log URL can be shared without revealing or guessing other builds.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import re
import secrets
import time
from dataclasses import asdict, dataclass
from collections.abc import Awaitable, Callable
from typing import Protocol

from traitlets import Bool, Float, Unicode, default
from traitlets.config import LoggingConfigurable

LOG_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{12}$")


class LiveBuild(Protocol):
    """What the store reads from a running build (binderd.builder.shared.SharedBuild)."""

    key: str
    events: list[dict]
    done: bool
    error: Exception | None


@dataclass(frozen=True)
class BuildLogInfo:
    """What is known about a kept log; `outcome` is running, succeeded, failed or interrupted."""

    log_id: str
    image: str
    started: float
    finished: float | None
    outcome: str
    message: str = ""


@dataclass(frozen=True)
class BuildLogChunk:
    """Part of a log from a byte offset, and whether the build has ended."""

    info: BuildLogInfo
    text: bytes
    finished: bool


def _log_text(build: LiveBuild) -> str:
    return "".join(event.get("message", "") for event in build.events)


class BuildLogStore(LoggingConfigurable):
    """Keeps every build's log under a state directory and reads it back by id."""

    enabled = Bool(True, help="Keep build logs. False: logs live only as long as the build.").tag(config=True)
    path = Unicode(
        help="Directory for kept build logs. Default: $BINDERD_STATE_DIR/build-logs, else "
        "$XDG_STATE_HOME/binderd/builder-logs (~/.local/state/binderd/builder-logs).",
    ).tag(config=True)
    retention_days = Float(
        30, min=0, help="Days a kept build log is served before it is deleted (0: keep forever)."
    ).tag(config=True)
    cleanup_interval = Float(3600, min=1, help="Seconds between two sweeps for logs older than retention_days.").tag(
        config=True
    )

    @default("path")
    def _default_path(self) -> str:
        state = os.environ.get("BINDERD_STATE_DIR")
        if state:
            return os.path.join(state, "build-logs")
        xdg = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
        return os.path.join(xdg, "binderd", "build-logs")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.live: dict[str, tuple[LiveBuild, BuildLogInfo]] = {}
        self._last_sweep = 0.0
        self._usable: bool | None = None

    # --- writing ----------------------------------------------------------------------------

    def _ensure_dir(self) -> bool:
        if self._usable is None:
            try:
                os.makedirs(self.path, exist_ok=True)
                self._usable = os.access(self.path, os.W_OK)
            except OSError:
                self._usable = False
            if not self._usable:
                self.log.warning("Build logs cannot be kept: %s is not writable", self.path)
        return self._usable

    def _file(self, log_id: str, suffix: str) -> str:
        return os.path.join(self.path, log_id + suffix)

    def _write_info(self, info: BuildLogInfo) -> None:
        tmp = self._file(info.log_id, ".json.tmp")
        with open(tmp, "w") as f:
            json.dump(asdict(info), f)
        os.replace(tmp, self._file(info.log_id, ".json"))

    def _write_log(self, info: BuildLogInfo, text: str) -> None:
        tmp = self._file(info.log_id, ".log.gz.tmp")
        with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=6) as f:
            f.write(text)
        os.replace(tmp, self._file(info.log_id, ".log.gz"))
        self._write_info(info)

    def open(self, build: LiveBuild) -> str | None:
        """Start keeping `build`'s log (served from memory until it ends); its id, or None."""
        if not self.enabled or self._usable is False:
            return None
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        info = BuildLogInfo(f"{stamp}-{secrets.token_hex(6)}", build.key, time.time(), None, "running")
        self.live[info.log_id] = (build, info)
        return info.log_id

    async def begin(self, log_id: str) -> None:
        """Record on disk that the build started, so its URL answers even if binderd stops."""
        if not await asyncio.to_thread(self._ensure_dir):
            return
        try:
            await asyncio.to_thread(self._write_info, self.live[log_id][1])
        except OSError as e:
            self.log.warning("Build log %s: %s", log_id, e)

    async def close(self, log_id: str) -> None:
        """The build ended: write its whole log, compressed, and stop serving it from memory."""
        build, info = self.live[log_id]
        error = build.error
        done = BuildLogInfo(
            log_id, info.image, info.started, time.time(),
            "failed" if error is not None else "succeeded", getattr(error, "message", "") if error else "",
        )
        try:
            if self._usable:
                await asyncio.to_thread(self._write_log, done, _log_text(build))
        except OSError as e:
            self.log.warning("Build log %s could not be kept: %s", log_id, e)
        finally:
            del self.live[log_id]
        if time.monotonic() - self._last_sweep > self.cleanup_interval:
            self._last_sweep = time.monotonic()
            await self.sweep()

    # --- reading ----------------------------------------------------------------------------

    def _read(self, log_id: str) -> tuple[BuildLogInfo, bytes] | None:
        try:
            with open(self._file(log_id, ".json")) as f:
                info = BuildLogInfo(**json.load(f))
        except (OSError, ValueError, TypeError):
            return None
        try:
            with gzip.open(self._file(log_id, ".log.gz"), "rb") as f:
                return info, f.read()
        except OSError:
            # Written at the start, never finished: binderd stopped during the build.
            return BuildLogInfo(log_id, info.image, info.started, None, "interrupted"), b""

    async def read(self, log_id: str, offset: int = 0) -> BuildLogChunk | None:
        """The log from byte `offset` (None: no such log)."""
        if not LOG_ID.match(log_id):
            return None
        if log_id in self.live:
            build, info = self.live[log_id]
            return BuildLogChunk(info, _log_text(build).encode()[offset:], False)
        found = await asyncio.to_thread(self._read, log_id)
        if found is None:
            return None
        info, text = found
        return BuildLogChunk(info, text[offset:], True)

    # --- retention --------------------------------------------------------------------------

    def _sweep(self, now: float) -> int:
        removed = 0
        limit = now - self.retention_days * 86400
        for entry in os.scandir(self.path):
            log_id = entry.name.split(".", 1)[0]
            if LOG_ID.match(log_id) and log_id not in self.live and entry.stat().st_mtime < limit:
                os.unlink(entry.path)
                removed += 1
        return removed

    async def sweep(self, now: float | None = None) -> int:
        """Delete the files of logs older than retention_days; how many files went."""
        if not self.retention_days or not self._usable:
            return 0
        try:
            return await asyncio.to_thread(self._sweep, time.time() if now is None else now)
        except OSError as e:
            self.log.warning("Sweeping old build logs failed: %s", e)
            return 0


def log_event(log_id: str) -> dict:
    """The event that starts a kept build's log: where to read it (made absolute by `link_events`)."""
    return {"phase": "waiting", "message": "", "build_log": f"logs/{log_id}"}


def link_events(emit: Callable[[dict], Awaitable[None]], public_url: str) -> Callable[[dict], Awaitable[None]]:
    """`emit` for one request, telling the kept log's absolute URL, also in the `failed` message."""
    seen: list[str] = []

    async def linked(event: dict) -> None:
        if "build_log" in event:
            url = public_url + event["build_log"]
            seen.append(url)
            event = {**event, "message": f"The whole build log is kept at {url}\n", "build_log_url": url}
        elif event.get("phase") == "failed" and seen:
            message = event.get("message", "")
            message += "" if not message or message.endswith("\n") else "\n"
            event = {**event, "message": message + f"The whole build log: {seen[-1]}\n"}
        await emit(event)

    return linked
