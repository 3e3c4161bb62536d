"""`KubernetesBuildExecutor`: build in a pod, one pod per image across every binderd.

The pod is named after the build (`ImageRef.build_name`), so the cluster itself
makes builds of one image exclusive: whichever binderd replica creates the pod
first runs the build, and any other replica — or this one after a restart —
gets 409 AlreadyExists and attaches to it, streaming its log from the first
line. binderd schedules nothing itself; a client that leaves stops only its own
watching, never the pod.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from urllib.parse import urlparse

from jupyterhub.traitlets import ByteSpecification
from traitlets import Bool, Dict, Integer, List, Unicode, default, validate

from binderd.builder.base import BuildExecutor, log_event
from binderd.builder.kube_pod import (
    BUILDER_DAEMON_SELECTOR,
    BuildPodSpec,
    build_affinity,
    build_pod_manifest,
)
from binderd.builder.secrets import Redactor, git_config_env
from binderd.errors import BuildError
from binderd.kubeapi import ApiException, KubernetesPart, ensure_ok, read_json
from binderd.model import ImageRef, ResolvedRepo

# Reasons a pod stays Pending for good: no point in waiting for it.
_STUCK_REASONS = {"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError",
                  "CreateContainerError"}
_TERMINAL = {"Succeeded", "Failed"}


class KubernetesBuildExecutor(BuildExecutor, KubernetesPart):
    """Runs repo2docker in a build pod on the cluster (upstream's default executor)."""


    build_image = Unicode(
        "quay.io/jupyterhub/repo2docker:2024.07.0",
        help="Image of the build pod: repo2docker, run with the whole command as container args.",
    ).tag(config=True)
    docker_host = Unicode(
        "/var/run/docker.sock",
        allow_none=True,
        help="""The node's container engine socket mounted into build pods (a path or unix:// URL):
        the host's Docker, or the dind/pink daemonset's socket. None: no socket is mounted.""",
    ).tag(config=True)
    push_secret = Unicode(
        "binder-build-docker-config",
        help="Secret with a docker `config.json` key that build pods push with ('' : do not mount one).",
    ).tag(config=True)
    image_pull_secrets = List(Unicode(), help="Secrets the build pod pulls build_image with.").tag(config=True)
    node_selector = Dict(help="Node selector of build pods.").tag(config=True)
    extra_envs = Dict(Unicode(), help="Extra environment variables of the build container.").tag(config=True)
    memory_request = ByteSpecification(0, help="Memory request of a build pod (deprecated: use resources).").tag(
        config=True
    )
    resources = Dict(
        help="Container resources of the build pod ({'limits': ..., 'requests': ...}). "
        "Default: memory from BuildExecutor.memory_limit and memory_request.",
    ).tag(config=True)
    sticky_builds = Bool(
        False,
        help="Prefer the builder node that built this repository before (its layer cache); needs the "
        "dind or pink builder daemonset. Otherwise builds spread across nodes.",
    ).tag(config=True)
    log_tail_lines = Integer(
        0,
        min=0,
        help="""Lines of an already running build's log replayed to a watcher that attaches to it
        (0: the whole log, from its first line; upstream cut it to 100).""",
    ).tag(config=True)
    pending_timeout = Integer(
        600, min=1, help="Seconds a build pod may stay Pending (unscheduled, pulling) before the build fails."
    ).tag(config=True)

    @default("resources")
    def _default_resources(self) -> dict:
        limits = {"memory": str(self.memory_limit)} if self.memory_limit else {}
        requests = {"memory": str(self.memory_request)} if self.memory_request else {}
        return {"limits": limits, "requests": requests}

    @default("repo2docker_config")
    def _default_repo2docker_config(self) -> str:
        # A path inside build_image: upstream's image has no binderd configuration, binderd's
        # (images/repo2docker) has it at /etc/binderd/repo2docker_config.py.
        return ""

    @default("builder_info")
    def _default_builder_info(self) -> dict:
        return {"build_image": self.build_image}

    @validate("docker_host")
    def _check_docker_host(self, proposal):
        value = proposal["value"]
        if value and "://" in value:
            parsed = urlparse(value)
            if parsed.scheme != "unix" or parsed.netloc:
                raise ValueError(f"docker_host must be a socket path or unix:///path, not {value!r}")
        return value

    # --- the pod ---------------------------------------------------------------------------

    async def _builder_nodes(self) -> list[str]:
        pods = await self.kube.list_pods(self.namespace, BUILDER_DAEMON_SELECTOR)
        return [p["spec"]["nodeName"] for p in pods if p.get("spec", {}).get("nodeName")]

    async def pod_spec(self, repo: ResolvedRepo, image: ImageRef, push_auth: dict | None, push: bool) -> BuildPodSpec:
        """The BuildPodSpec for building `image` (asks the API for builder nodes when sticky)."""
        env = dict(self.extra_envs)
        # The clone goes to the address binderd checked (the image's entrypoint appends its
        # credential helper after these).
        env.update(git_config_env(repo.git_config))
        if repo.git_credentials:
            env["GIT_CREDENTIAL_ENV"] = repo.git_credentials
        # Short-lived credentials (ECR, Artifact Registry tokens) cannot live in the push
        # Secret; they reach repo2docker through its environment, as upstream passes them.
        if push and push_auth and (push_auth.get("short_lived") or not self.push_secret):
            env["CONTAINER_ENGINE_REGISTRY_CREDENTIALS"] = json.dumps(
                {k: push_auth[k] for k in ("registry", "username", "password")}
            )
            mount_secret = False
        else:
            mount_secret = push and bool(self.push_secret)
        nodes = await self._builder_nodes() if self.sticky_builds else []
        return BuildPodSpec(
            name=image.build_name,
            build_image=self.build_image,
            args=["jupyter-repo2docker", *self.get_cmd(repo, image, push=push)],
            repo_url=repo.repo_url,
            docker_socket=urlparse(self.docker_host).path if self.docker_host else None,
            push_secret=self.push_secret if mount_secret else "",
            env=env,
            resources=self.resources,
            node_selector=dict(self.node_selector),
            image_pull_secrets=list(self.image_pull_secrets),
            affinity=build_affinity(repo.repo_url, nodes, self.sticky_builds),
        )

    async def _create_or_attach(self, core, manifest: dict) -> bool:
        """Create the pod; True if it already existed (another binderd, or us before a restart)."""
        name = manifest["metadata"]["name"]
        try:
            await self.kube.create_pod(self.namespace, manifest)
        except ApiException as e:
            if e.status == 409:
                self.log.info("Build pod %s already exists: attaching", name)
                return True
            raise _api_error("start the build pod", e) from None
        self.log.info("Started build pod %s/%s", self.namespace, name)
        return False

    async def delete_pod(self, name: str) -> None:
        """Delete a build pod now (grace 0); gone already is fine."""
        try:
            await self.kube.delete_pod(self.namespace, name)
        except ApiException as e:
            if e.status != 404:
                self.log.warning("Could not delete build pod %s: %s", name, e.reason)

    # --- following it ----------------------------------------------------------------------

    async def _pod_states(self, core, name: str) -> AsyncIterator[_PodView | None]:
        """The pod's state now (None if there is none), then on every change until it is deleted."""
        selector = f"name={name}"
        while True:
            response = await core.list_namespaced_pod(
                self.namespace, label_selector=selector, _preload_content=False, _request_timeout=self.kube.timeout
            )
            listing = await read_json(response)
            match = [p for p in listing.get("items", []) if p["metadata"]["name"] == name]
            yield _PodView(match[0]) if match else None
            if not match:
                return
            try:
                response = await core.list_namespaced_pod(
                    self.namespace, label_selector=selector, watch=True,
                    resource_version=listing["metadata"]["resourceVersion"], timeout_seconds=30,
                    _preload_content=False, _request_timeout=(self.kube.connect_timeout, 60),
                )
                async with response:
                    await ensure_ok(response)
                    async for line in _lines(response):
                        change = json.loads(line)
                        if change.get("type") == "ERROR":
                            break  # e.g. 410 Gone: list again
                        obj = change.get("object", {})
                        if obj.get("metadata", {}).get("name") != name:
                            continue
                        yield _PodView(obj, deleted=change["type"] == "DELETED")
                        if change["type"] == "DELETED":
                            return
            except (asyncio.TimeoutError, OSError, ValueError, ApiException) as e:
                self.log.debug("Watch of build pod %s ended (%s); listing again", name, e)

    async def _wait_for_pod(self, core, name: str, started: bool) -> _PodView | None:
        """Wait until the pod runs (started=False) or finishes (started=True), or is deleted."""
        async with asyncio.timeout(self.pending_timeout if not started else None):
            async for pod in self._pod_states(core, name):
                if pod is None or pod.deleted:
                    return pod
                phase = pod.phase
                if phase in _TERMINAL or (not started and phase not in ("Pending", None)):
                    return pod
                stuck = _stuck_reason(pod)
                if stuck:
                    raise BuildError(f"The build pod cannot start: {stuck}. Tell the operators.")
        return None

    async def _log_lines(self, core, name: str, skip: int, tail: int = 0) -> AsyncIterator[str]:
        """The build container's log, following it: from its first line minus `skip` lines, or
        its last `tail` lines."""
        extra = {"tail_lines": tail} if tail else {}
        try:
            response = await core.read_namespaced_pod_log(
                name, self.namespace, container="builder", follow=True, _preload_content=False,
                _request_timeout=(self.kube.connect_timeout, None), **extra,
            )
        except ApiException as e:
            if e.status in (400, 404):  # not started yet, or gone: the caller looks at the pod
                return
            raise _api_error("read the build log", e) from None
        async with response:
            if response.status in (400, 404):  # not started yet, or gone: the caller looks at the pod
                return
            await ensure_ok(response)
            index = 0
            async for line in _lines(response):
                index += 1
                if index > skip:
                    yield line

    async def build(
        self, repo: ResolvedRepo, image: ImageRef, push_auth: dict | None, push: bool = False
    ) -> AsyncIterator[dict]:
        core = await self.kube.core()
        spec = await self.pod_spec(repo, image, push_auth, push)
        name = spec.name
        attached = await self._create_or_attach(core, build_pod_manifest(spec))
        if attached:
            yield {"phase": "waiting", "message": f"Following the build of this image already running ({name}).\n"}
        redact = Redactor(repo.git_credentials, (push_auth or {}).get("password", ""))
        pod = await self._wait_for_pod(core, name, started=False)
        if pod is None or (pod.deleted and pod.phase != "Succeeded"):
            raise BuildError(f"The build pod {name} was deleted before it started. Please try again.")
        seen, last_error = 0, ""
        # A watcher attaching to a running build sees its whole log unless log_tail_lines
        # says otherwise; after a broken stream, the lines already shown are skipped.
        tail = self.log_tail_lines if attached else 0
        while True:
            async for line in self._log_lines(core, name, skip=0 if tail else seen, tail=tail):
                seen += 1
                event = log_event(redact(line))
                if event.get("phase") in ("failed", "failure"):
                    last_error = str(event.get("message", "")).strip()
                yield event
            pod = await self._wait_for_pod(core, name, started=True)
            if pod is None or pod.deleted or pod.phase in _TERMINAL:
                break
            # Still running: the log stream broke off; reconnect and skip what was shown.
            await asyncio.sleep(1)
        # Deleted after succeeding (by another replica, or the cleaner) still counts as built.
        phase = pod.phase if pod is not None else "Deleted"
        if pod is None or not pod.deleted:
            await self.delete_pod(name)
        if phase == "Succeeded":
            return
        detail = f": {last_error}" if last_error else _termination_detail(pod)
        raise BuildError(f"Building {repo.repo_url} at {repo.resolved_ref} failed{detail}")


class _PodView:
    """A pod as the API's JSON, with the few fields the executor reads."""

    def __init__(self, obj: dict, deleted: bool = False):
        self.raw = obj
        self.deleted = deleted  # the watch said DELETED; the phase is the pod's last

    @property
    def phase(self) -> str | None:
        return self.raw.get("status", {}).get("phase")

    @property
    def container_statuses(self) -> list[dict]:
        return self.raw.get("status", {}).get("containerStatuses") or []


def _stuck_reason(pod: _PodView) -> str:
    for status in pod.container_statuses:
        waiting = (status.get("state") or {}).get("waiting") or {}
        if waiting.get("reason") in _STUCK_REASONS:
            return f"{waiting['reason']}: {waiting.get('message') or status.get('image', '')}"
    return ""


def _termination_detail(pod: _PodView | None) -> str:
    if pod is None:
        return " (the build pod was deleted)"
    for status in pod.container_statuses:
        terminated = (status.get("state") or {}).get("terminated") or {}
        if terminated:
            reason = terminated.get("reason") or "Error"
            code = terminated.get("exitCode")
            if reason == "OOMKilled":
                return " (the build ran out of memory)"
            return f" (repo2docker exited with status {code}: {reason})"
    return ""


async def _lines(response) -> AsyncIterator[str]:
    """Lines of a streamed HTTP body, of any length."""
    buffer = b""
    async for chunk in response.content.iter_any():
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            yield line.decode("utf-8", "replace")
    if buffer:
        yield buffer.decode("utf-8", "replace")


def _api_error(doing: str, e: ApiException) -> BuildError:
    return BuildError(f"Could not {doing}: the Kubernetes API answered {e.status} {e.reason}. Tell the operators.")
