"""The pipeline: spec -> resolved repo -> image -> (build) -> launch -> ready.

`LaunchPipeline.run` is the whole story of one `/build` request, told as
events through `emit`. Each stage is a plug-in object (provider class,
registry, builder, launcher) configured by the application; this module only
decides the order and turns failures into `failed` events.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from binderd import events, metrics, naming
from binderd.builder import BuildCoordinator, BuildExecutor
from binderd.buildlogs import link_events
from binderd.errors import LaunchError, SpecError, UserFacingError
from binderd.launch.launcher import HubUnavailable, Launcher
from binderd.launch.names import unique_name_from_repo
from binderd.launch.pool import WarmPool
from binderd.launch.quota import LaunchQuota, LaunchQuotaExceeded
from binderd.model import ImageRef, ResolvedRepo
from binderd.providers import RepoProvider
from binderd.registry import ImageRegistry
from binderd.singleflight import SingleFlight

log = logging.getLogger("binderd.pipeline")
Emit = Callable[[dict], Awaitable[None]]


class _StageClock:
    """Milliseconds spent in each stage of one request, for the debug log."""

    def __init__(self):
        self.last = time.perf_counter()
        self.laps: list[tuple[str, float]] = []

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps.append((name, (now - self.last) * 1000))
        self.last = now

    def __str__(self) -> str:
        return ", ".join(f"{name} {ms:.1f} ms" for name, ms in self.laps)


@dataclass(frozen=True)
class LaunchRequest:
    """What a `/build/<prefix>/<spec>` request asks for, in HTTP-free terms."""

    provider_prefix: str
    spec: str  # trailing "/" stripped
    launch_host: str  # binder_launch_host: where this binderd is reached
    client_ip: str
    build_only: bool = False  # build (or find) the image, launch nothing
    username: str = ""  # auth mode: the logged-in user whose server starts ("" = a temporary user)
    build_token: bool = False  # the request carried a valid build token (for the launch event)
    origin: str = ""  # the launch event's origin: normalized_origin or the request's Host
    request_origin: str = ""  # the request's Origin (or Sec-Fetch-Site) header


#: Called after each successful launch with the request and what it resolved to.
LaunchListener = Callable[[LaunchRequest, ResolvedRepo], None]


class LaunchPipeline:
    """Runs the stages for one request; shared by all requests."""

    def __init__(
        self,
        providers: dict[str, type[RepoProvider]],
        provider_parent,
        registry: ImageRegistry,
        builder: BuildExecutor,
        coordinator: BuildCoordinator,
        launcher: Launcher,
        image_prefix: str,
        per_repo_quota: int = 0,
        per_repo_quota_higher: int = 0,
        launch_quota: LaunchQuota | None = None,
    ):
        self.providers = providers
        self.provider_parent = provider_parent
        self.registry = registry
        self.builder = builder
        self.coordinator = coordinator
        self.launcher = launcher
        self.image_prefix = image_prefix
        self.quotas = (per_repo_quota, per_repo_quota_higher)
        self.launch_quota = launch_quota or LaunchQuota()
        self.pool: WarmPool | None = None  # pre-started servers a launch claims (set by the application)
        self.allow_build_only = False  # BinderHub.enable_api_only_mode
        self.launch_listeners: list[LaunchListener] = []  # e.g. the launch event log
        self._in_flight = SingleFlight()

    # --- stage 1 --------------------------------------------------------------------------

    def make_provider(self, prefix: str, spec: str) -> RepoProvider:
        """The provider for `prefix`, constructed with `spec` (raises SpecError)."""
        cls = self.providers.get(prefix)
        if cls is None:
            raise SpecError(f"No provider found for prefix {prefix}")
        try:
            return cls(spec=spec, prefix=prefix, parent=self.provider_parent)
        except UserFacingError:
            raise
        except ValueError as e:
            raise SpecError(str(e)) from None

    async def resolve(self, prefix: str, spec: str) -> ResolvedRepo:
        """Stages 1 and 2's input: the ResolvedRepo for a link (concurrent requests for it share one)."""
        provider = self.make_provider(prefix, spec)
        return await self._in_flight.run(("resolve", prefix, spec), lambda: provider.resolve(*self.quotas))

    # --- stages 3 and 4 -------------------------------------------------------------------

    async def ensure_image(self, repo: ResolvedRepo, image: ImageRef, emit: Emit, build_only: bool = False) -> bool:
        """Make sure the image exists: found in the registry (False), or built (shared) now (True).

        With `build_only` the last event is upstream's build-only `ready` instead of `built`.
        """
        done = events.build_only_ready if build_only else events.built
        build = self.coordinator.get(image.name)
        finished = build is not None and build.done  # get() only keeps successful finished builds
        if finished or (build is None and await self._in_flight.run(
            ("image", image.name), lambda: self.registry.image_exists(image)
        )):
            await emit(done(image.name, cached=True))
            return False
        push = self.registry.pushes
        build, _ = self.coordinator.start(image.name, lambda: self._timed_build(repo, image, push))
        await emit(events.waiting())
        async for event in build.watch():
            await emit(event)
        await emit(done(image.name, cached=False))
        return True

    async def _timed_build(self, repo: ResolvedRepo, image: ImageRef, push: bool):
        started = time.perf_counter()
        status = "failure"
        metrics.BUILDS_INPROGRESS.inc()
        try:
            if push:
                await self.registry.prepare_push(image)  # e.g. ECR: fresh password, repository created
            auth = self.registry.push_auth() if push else None
            async for event in self.builder.build(repo, image, auth, push):
                yield event
            status = "success"
        finally:
            metrics.BUILDS_INPROGRESS.dec()
            metrics.BUILD_TIME.labels(status=status).observe(time.perf_counter() - started)
            metrics.BUILD_COUNT.labels(status=status, provider=repo.provider_name, repo=repo.repo_url).inc()

    # --- stage 5 --------------------------------------------------------------------------

    async def check_quota(self, repo: ResolvedRepo, image: ImageRef) -> None:
        """Refuse (LaunchQuotaExceeded) when no server may start: before a build, and at launch."""
        try:
            await self.launch_quota.check_repo_quota(image.name, repo.repo_config, repo.repo_url)
        except LaunchQuotaExceeded as e:
            metrics.LAUNCH_COUNT.labels(status=e.status, provider=repo.provider_name, repo=repo.repo_url).inc()
            raise

    def _server_name(self, request: LaunchRequest, repo: ResolvedRepo) -> str:
        """A logged-in user's launch goes to a new named server when the hub allows them."""
        if request.username and self.launcher.allow_named_servers:
            return unique_name_from_repo(repo.repo_url)
        return ""

    async def launch(self, repo: ResolvedRepo, image: ImageRef, request: LaunchRequest, emit: Emit) -> dict:
        """Start the server, retrying whole launches that failed on the hub's side."""
        extra = {
            "binder_ref_url": repo.ref_url,
            "binder_launch_host": request.launch_host,
            "binder_request": f"v2/{request.provider_prefix}/{request.spec}",
            "binder_persistent_request": f"v2/{request.provider_prefix}/{repo.resolved_spec}",
            "binder_client_ip": request.client_ip,
        }
        await emit(events.launching())
        started = time.perf_counter()
        delay = self.launcher.retry_delay
        metrics.LAUNCHES_INPROGRESS.inc()
        try:
            claimed = await self.pool.claim(image.name, repo.repo_url, extra, emit) if self.pool else None
            if claimed is not None:  # a pre-started server: no spawn
                metrics.LAUNCH_TIME.labels(status="success", retries=0).observe(time.perf_counter() - started)
                metrics.LAUNCH_COUNT.labels(status="success", provider=repo.provider_name, repo=repo.repo_url).inc()
                return claimed
            for attempt in range(self.launcher.retries):
                try:
                    fields = await self.launcher.launch(
                        image.name, repo.repo_url, extra, emit,
                        username=request.username or None, server_name=self._server_name(request, repo),
                    )
                except HubUnavailable:
                    raise
                except LaunchError:
                    metrics.LAUNCH_TIME.labels(status="retry", retries=-1).observe(time.perf_counter() - started)
                    if attempt + 1 >= self.launcher.retries:
                        raise
                    await emit(events.launching(f"Launch attempt {attempt + 1} failed, retrying..."))
                    await asyncio.sleep(delay)
                    delay *= 2
                    continue
                metrics.LAUNCH_TIME.labels(status="success", retries=attempt).observe(time.perf_counter() - started)
                metrics.LAUNCH_COUNT.labels(status="success", provider=repo.provider_name, repo=repo.repo_url).inc()
                return fields
        except UserFacingError:
            metrics.LAUNCH_TIME.labels(status="failure", retries=-1).observe(time.perf_counter() - started)
            metrics.LAUNCH_COUNT.labels(status="failure", provider=repo.provider_name, repo=repo.repo_url).inc()
            raise
        finally:
            metrics.LAUNCHES_INPROGRESS.dec()
        raise AssertionError("unreachable")

    # --- the whole story ------------------------------------------------------------------

    async def run(self, request: LaunchRequest, emit: Emit) -> bool:
        """Run every stage, telling it through `emit`; True if the server is ready.

        Never raises for anything a user can cause: failures end in one `failed` event.
        """
        clock = _StageClock()
        emit = link_events(emit, request.launch_host)  # kept build logs as absolute URLs
        try:
            repo = await self.resolve(request.provider_prefix, request.spec)
            clock.lap("resolve")
            if repo.notice:  # e.g. GitHub's master/main -> HEAD fallback (upstream also sleeps 10 s)
                await emit(events.waiting(repo.notice))
            request = dataclasses.replace(request, spec=repo.spec)  # binder_request uses the spec resolved
            image = naming.image_for(repo, self.image_prefix)
            if request.build_only:
                return await self._build_only(repo, image, emit)
            await self.check_quota(repo, image)  # no build for a launch that would be refused
            if await self.ensure_image(repo, image, emit):
                await self.check_quota(repo, image)  # the build took a while: count again
            clock.lap("image")
            fields = await self.launch(repo, image, request, emit)
            clock.lap("launch")
            log.debug("%s/%s stage times: %s", request.provider_prefix, request.spec, clock)
        except UserFacingError as e:
            log.info("%s/%s failed: %s", request.provider_prefix, request.spec, e.message)
            await emit(events.failed(e.message, e.status_code))
            return False
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - a bug: log it, tell the user without a traceback
            log.exception("Unexpected error for %s/%s", request.provider_prefix, request.spec)
            await emit(events.failed("Internal error in binderd. Please try again; if it persists, tell the operators.", 500))
            return False
        await emit(events.ready(fields))
        for listener in self.launch_listeners:
            try:
                listener(request, repo)
            except Exception:  # noqa: BLE001 - a listener's bug must not turn a launch into a failure
                log.exception("Launch listener %r failed", listener)
        return True

    async def _build_only(self, repo: ResolvedRepo, image: ImageRef, emit: Emit) -> bool:
        """`build_only=true`: the image, and no server (API-only mode only)."""
        if not self.allow_build_only:
            raise SpecError(
                "Building but not launching is not permitted when the API only mode was not enabled "
                "by setting `enable_api_only_mode` to True. ",
                400,
            )
        await self.ensure_image(repo, image, emit, build_only=True)
        return True
