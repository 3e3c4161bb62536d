"""`KubernetesCleaner`: delete finished and overdue build pods.

Build pods delete themselves when a binderd follows them to the end; this
catches the rest (a binderd that died mid-build, a build nobody watched to the
end, a build stuck for hours). It only ever lists pods by binderd's own labels,
so pods of anything else in the namespace — an upstream BinderHub included —
are never touched.
"""

from __future__ import annotations

import datetime

from traitlets import Integer

from binderd.builder.kube_pod import BUILD_POD_SELECTOR
from binderd.kubeapi import ApiException, KubernetesPart


class KubernetesCleaner(KubernetesPart):
    """Deletes binderd's build pods that finished, or that are older than `max_age`."""

    max_age = Integer(14400, min=1, help="Seconds after which a build pod is deleted, finished or not.").tag(
        config=True
    )

    def _reason_to_delete(self, pod: dict, now: datetime.datetime) -> str:
        status = pod.get("status", {})
        if status.get("phase") in ("Succeeded", "Failed") or status.get("reason") == "Evicted":
            return status.get("reason") or status["phase"]
        started = status.get("startTime") or pod["metadata"].get("creationTimestamp")
        if started:
            age = now - datetime.datetime.fromisoformat(started.replace("Z", "+00:00"))
            if age.total_seconds() > self.max_age:
                return f"older than {self.max_age} s"
        return ""

    async def cleanup(self) -> list[str]:
        """Delete what is due; return the names of the pods deleted."""
        pods = await self.kube.list_pods(self.namespace, BUILD_POD_SELECTOR)
        now = datetime.datetime.now(datetime.timezone.utc)
        deleted = []
        for pod in pods:
            reason = self._reason_to_delete(pod, now)
            if not reason or pod["metadata"].get("deletionTimestamp"):
                continue
            name = pod["metadata"]["name"]
            try:
                await self.kube.delete_pod(self.namespace, name)
            except ApiException as e:
                if e.status != 404:
                    self.log.warning("Could not delete build pod %s: %s %s", name, e.status, e.reason)
                continue
            self.log.info("Deleted build pod %s (%s)", name, reason)
            deleted.append(name)
        return deleted
