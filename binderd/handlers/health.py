"""`GET|HEAD /health`: can binderd reach its registry and JupyterHub (and, with
Kubernetes builds, the Kubernetes API)? 503 if not.

With Kubernetes builds it also reports the pod counts upstream reports ("Pod
quota": user and build pods against LaunchQuota.total_quota); that entry is
informational and never makes the answer 503.
"""

from __future__ import annotations

import asyncio
import time

from tornado.httpclient import AsyncHTTPClient

from binderd.handlers.base import BaseHandler

_CACHE_SECONDS = 15
_POD_STATS_SECONDS = 60


class HealthChecks:
    """Runs the checks concurrently and caches each result per target for a few seconds."""

    def __init__(self):
        self._cache: dict[str, tuple[float, bool]] = {}
        self._pod_stats: tuple[float, dict] | None = None

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

    async def pod_stats(self, binder) -> dict:
        """Upstream's "Pod quota" entry: user and build pods in the build namespace (cached 60 s)."""
        if self._pod_stats and time.monotonic() - self._pod_stats[0] < _POD_STATS_SECONDS:
            return self._pod_stats[1]
        from binderd.builder.kube_pod import BUILD_COMPONENT
        from binderd.launch.quota import USER_POD_SELECTOR

        quota, namespace = binder.launch_quota, binder.builder.namespace
        user_pods = len(await binder.kube.list_pods(namespace, USER_POD_SELECTOR))
        build_pods = len(await binder.kube.list_pods(namespace, f"component={BUILD_COMPONENT}"))
        total = user_pods + build_pods
        stats = {
            "service": "Pod quota", "total_pods": total, "build_pods": build_pods, "user_pods": user_pods,
            "quota": quota.total_quota, "ok": quota.total_quota is None or user_pods <= quota.total_quota,
            "_ignore_failure": True,
        }
        self._pod_stats = (time.monotonic(), stats)
        return stats

    async def run(self, binder) -> list[dict]:
        async def hub_ok() -> bool:
            url = binder.hub_url_local.rstrip("/") + "/hub/api/health"
            response = await AsyncHTTPClient().fetch(url, request_timeout=3, connect_timeout=3, raise_error=False)
            return response.code == 200

        async def kube_ok() -> bool:
            from binderd.kubeapi import read_json

            core = await binder.kube.core()
            await read_json(await core.get_api_resources(_preload_content=False, _request_timeout=(3, 3)))
            return True

        checks = []
        if binder.use_registry:
            checks.append(("Docker registry", "registry:" + getattr(binder.registry, "url", ""), binder.registry.healthy))
        if binder.hub_url_local:
            checks.append(("JupyterHub API", "hub:" + binder.hub_url_local, hub_ok))
        if binder.on_kubernetes:
            checks.append(("Kubernetes API", "kubernetes", kube_ok))
        results = await asyncio.gather(*(self._cached(key, fn) for _, key, fn in checks))
        report = [{"service": name, "ok": ok} for (name, _, _), ok in zip(checks, results)]
        if not binder.hub_url_local:
            report.insert(len(report) - binder.on_kubernetes, {
                "service": "JupyterHub API", "ok": False,
                "error": "BinderHub.hub_url is not set" + (
                    "; looking for it on the hub's proxy-public Service" if binder.hub_address else ""),
            })
        if binder.on_kubernetes:
            try:
                report.append(await self.pod_stats(binder))
            except Exception as e:  # noqa: BLE001 - informational only
                report.append({"service": "Pod quota", "ok": False, "error": str(e)[:200], "_ignore_failure": True})
        return report


class HealthHandler(BaseHandler):
    log_success_debug = True
    skip_check_request_ip = True  # federation members and probes must always reach it
    login_required = False

    async def _report(self) -> dict:
        checks = await self.binder.health_checks.run(self.binder)
        report = {"ok": all(c["ok"] for c in checks if not c.get("_ignore_failure")), "checks": checks}
        if not report["ok"]:
            self.set_status(503)
        return report

    async def get(self) -> None:
        self.write(await self._report())

    async def head(self) -> None:
        await self._report()
