"""`GET|HEAD /health`: can binderd reach its registry and JupyterHub? 503 if not."""

from __future__ import annotations

import asyncio
import time

from tornado.httpclient import AsyncHTTPClient

from binderd.handlers.base import BaseHandler

_CACHE_SECONDS = 15


class HealthChecks:
    """Runs the checks concurrently and caches each result per target for a few seconds."""

    def __init__(self):
        self._cache: dict[str, tuple[float, bool]] = {}

    async def _cached(self, key: str, check) -> bool:
        hit = self._cache.get(key)
        if hit and time.monotonic() - hit[0] < _CACHE_SECONDS and hit[1]:
            return hit[1]
        try:
            ok = bool(await check())
        except Exception:  # noqa: BLE001 - any failure is "not ok"
            ok = False
        self._cache[key] = (time.monotonic(), ok)
        return ok

    async def run(self, binder) -> list[dict]:
        async def hub_ok() -> bool:
            url = binder.hub_url_local.rstrip("/") + "/hub/api/health"
            response = await AsyncHTTPClient().fetch(url, request_timeout=3, connect_timeout=3, raise_error=False)
            return response.code == 200

        checks = []
        if binder.use_registry:
            checks.append(("Docker registry", "registry:" + getattr(binder.registry, "url", ""), binder.registry.healthy))
        checks.append(("JupyterHub API", "hub:" + binder.hub_url_local, hub_ok))
        results = await asyncio.gather(*(self._cached(key, fn) for _, key, fn in checks))
        return [{"service": name, "ok": ok} for (name, _, _), ok in zip(checks, results)]


class HealthHandler(BaseHandler):
    log_success_debug = True

    async def _report(self) -> dict:
        checks = await self.binder.health_checks.run(self.binder)
        report = {"ok": all(c["ok"] for c in checks), "checks": checks}
        if not report["ok"]:
            self.set_status(503)
        return report

    async def get(self) -> None:
        self.write(await self._report())

    async def head(self) -> None:
        await self._report()
