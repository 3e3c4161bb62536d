"""`BinderHub`: binderd's application, its configuration, and its HTTP server.

Class and option names are upstream BinderHub's, so existing `binderhub_config.py`
and Helm `config.yaml`/`secret.yaml` files configure binderd unchanged. This
module builds the stage objects from configuration, hands them to the pipeline,
and routes URLs to handlers; it contains no pipeline logic itself.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

import tornado.web
from tornado.web import StaticFileHandler
from tornado.httpserver import HTTPServer
from traitlets import Any, Bool, Dict, Float, Integer, List, Type, Unicode, default, validate
from traitlets.config import Application, Config
from traitlets.utils.importstring import import_item

from binderd import __version__
from binderd.access import BuildTokens, NetworkBans, RateLimiter
from binderd.access.secrets import secret_from
from binderd.events.eventlog import EventLog, emit_launch_event
from binderd.builder import BuildCoordinator, BuildExecutor, LocalRepo2dockerBuild
from binderd.builder.cleaner import KubernetesCleaner
from binderd.builder.kubernetes import KubernetesBuildExecutor
from binderd.config import ConfigError, load_files
from binderd.config.deprecated import copy_deprecated
from binderd.config import validate as validate_config
from binderd.handlers import BuildHandler, HealthHandler, MetricsHandler, RepoProvidersHandler, VersionHandler
from binderd.handlers.base import log_request
from binderd.handlers.health import HealthChecks
from binderd.buildlogs import BuildLogStore
from binderd.handlers.buildlogs import BuildLogPageHandler, BuildLogTextHandler
from binderd.handlers.pages import (
    STATIC, AboutPageHandler, HomePageHandler, LaunchPageHandler, LegacyRepoRedirectHandler, NotFoundPageHandler,
    UISettings, warm_pages,
)
from binderd.kubeapi import KubernetesAPI, KubernetesPart
from binderd.launch import Launcher
from binderd.launch.hub_address import HubAddressFinder
from binderd.launch.hubquota import HubLaunchQuota
from binderd.launch.pool import WarmPool
from binderd.launch.quota import KubernetesLaunchQuota, LaunchQuota
from binderd.pipeline import LaunchPipeline
from binderd.providers import RepoProvider, default_providers
from binderd.registry import REGISTRY_CLASSES, DockerRegistry, ImageRegistry, LocalDockerImages


def _with_slashes(url: str) -> str:
    url = url if url.startswith("/") else "/" + url
    return url if url.endswith("/") else url + "/"


class BinderHub(UISettings, Application):
    """binderd: turn repository links into running Jupyter servers."""

    name = "binderd"
    version = __version__
    description = __doc__

    aliases = {
        "f": "BinderHub.config_files",
        "config": "BinderHub.config_files",
        "port": "BinderHub.port",
        "ip": "BinderHub.ip",
        "log-level": "Application.log_level",
    }
    flags = {"debug": ({"BinderHub": {"debug": True}}, "Log at debug level.")}
    subcommands = {
        "check": ("binderd.cli.check.CheckApp", "Check that the registry, JupyterHub and tokens work."),
        "resolve": ("binderd.cli.resolve.ResolveApp", "Print what binderd would build for a link."),
        "local": ("binderd.cli.local.LocalApp", "Run binderd with its own JupyterHub on this machine."),
    }
    #: False for subcommands that use the configuration but do not serve.
    serves = True

    config_file = Unicode(
        "binderhub_config.py",
        help="Python configuration file loaded when no -f is given and it exists (upstream's default).",
    ).tag(config=True)
    config_files = List(
        Unicode(),
        help="Configuration files, loaded in order (later ones win): Python, or Helm-style YAML.",
    ).tag(config=True)

    port = Integer(8585, help="Port binderd listens on.").tag(config=True)
    ip = Unicode("127.0.0.1", help="Address binderd listens on (loopback unless configured otherwise).").tag(
        config=True
    )
    base_url = Unicode("/", help="URL prefix of every binderd route.").tag(config=True)
    debug = Bool(False, help="Log at debug level.").tag(config=True)

    hub_url = Unicode(help="Public URL of the JupyterHub that runs users' servers.").tag(config=True)
    hub_url_local = Unicode(help="URL binderd reaches JupyterHub's API at (default: hub_url).").tag(config=True)
    hub_api_token = Unicode(help="JupyterHub API token (default: $JUPYTERHUB_API_TOKEN). Never logged.").tag(
        config=True
    )
    auth_enabled = Bool(
        False,
        help="Require a JupyterHub login (binderd is then a hub service using HubOAuth, configured with "
        "HubOAuth.* or the $JUPYTERHUB_* service variables); launches go to the logged-in user's server.",
    ).tag(config=True)
    cookie_secret = Unicode(
        help="Hex secret signing binderd's login cookies (auth_enabled). Default: "
        "$BINDERHUB_COOKIE_SECRET, else random per process (replicas must share one). Never logged.",
    ).tag(config=True)
    enable_api_only_mode = Bool(
        False,
        help="Serve only the API (/build, /health, /versions, /metrics, /api/repoproviders): no pages; "
        "allows build_only=true requests.",
    ).tag(config=True)
    build_token_secret = Any(
        help="Secret signing build tokens: hex text or bytes. Default: $BINDERHUB_BUILD_TOKEN_SECRET (hex), "
        "else random per process (replicas must share one). Never logged.",
    ).tag(config=True)
    build_token_check_origin = Bool(
        True, help="Refuse a build token used from another origin than the page it was issued to."
    ).tag(config=True)
    build_token_expires_seconds = Integer(300, help="Seconds a build token stays valid.").tag(config=True)
    ban_networks = Dict(
        help='Client networks refused with a 403, as {"CIDR": "label"}; the label is named in the refusal.',
    ).tag(config=True)
    normalized_origin = Unicode(
        "", help="The `origin` recorded in launch events (default: the Host the request reached)."
    ).tag(config=True)
    ready_retry_ms = Integer(
        86_400_000,
        help="Milliseconds an EventSource waits before reconnecting after the stream ends on `ready` "
        "(the SSE retry field), so clients that do not close on `ready` launch only once.",
    ).tag(config=True)
    ready_linger_seconds = Float(
        0, help="Seconds the stream stays open after `ready` (upstream keeps it open 60 s after a build)."
    ).tag(config=True)

    use_registry = Bool(
        True,
        help="Push built images to a registry and look them up there; False: keep them in the local Docker engine.",
    ).tag(config=True)
    image_prefix = Unicode(
        "",
        help="Prefix of image names, including the registry host, e.g. gcr.io/<project>/<prefix>-.",
    ).tag(config=True)

    build_class = Type(
        klass=BuildExecutor,
        help="The BuildExecutor that builds images. Default: KubernetesBuildExecutor when binderd runs "
        "in a Kubernetes pod ($KUBERNETES_SERVICE_HOST is set), else LocalRepo2dockerBuild.",
    ).tag(config=True)
    build_cleaner_class = Type(
        KubernetesCleaner,
        klass=KubernetesCleaner,
        allow_none=True,
        help="Deletes finished and overdue build pods (Kubernetes builds only); None: no cleaner.",
    ).tag(config=True)
    build_cleanup_interval = Integer(60, min=1, help="Seconds between two runs of the build pod cleaner.").tag(
        config=True
    )
    launch_quota_class = Type(
        klass=LaunchQuota,
        help="The LaunchQuota counting running servers. Default: KubernetesLaunchQuota with Kubernetes "
        "builds, else HubLaunchQuota (the hub's active servers); LaunchQuota counts nothing.",
    ).tag(config=True)
    registry_class = Type(
        DockerRegistry, klass=ImageRegistry, help="The ImageRegistry used when use_registry is True."
    ).tag(config=True)
    repo_providers = Dict(
        help="Provider classes by URL prefix (/build/<prefix>/<spec>), in display order.",
    ).tag(config=True)

    concurrent_build_limit = Integer(32, help="Builds that run at once; more wait in a queue, in order.").tag(
        config=True
    )
    per_repo_quota = Integer(0, help="Servers one repository may run at once (0: no limit).").tag(config=True)
    per_repo_quota_higher = Integer(0, help="per_repo_quota for specs in high_quota_specs.").tag(config=True)
    badge_base_url = Unicode("", help="Public URL of binderd used in binder_launch_host (default: the request's).").tag(
        config=True
    )
    cors_allow_origin = Unicode("", help="Access-Control-Allow-Origin header for all responses.").tag(config=True)
    tornado_settings = Dict(help="Extra settings for the tornado Application.").tag(config=True)
    keepalive_interval = Float(25, help="Seconds of silence after which the event stream sends a keepalive.").tag(
        config=True
    )
    builder_required = Bool(True, help="Accepted for compatibility; binderd always has a builder.").tag(config=True)

    # Upstream's older names, copied to the classes that own the options now.
    build_namespace = Unicode(help="Deprecated: KubernetesBuildExecutor.namespace.").tag(config=True)
    build_image = Unicode(help="Deprecated: KubernetesBuildExecutor.build_image.").tag(config=True)
    build_node_selector = Dict(help="Deprecated: KubernetesBuildExecutor.node_selector.").tag(config=True)
    build_docker_host = Unicode(help="Deprecated: KubernetesBuildExecutor.docker_host.").tag(config=True)
    build_memory_limit = Unicode(help="Deprecated: KubernetesBuildExecutor.memory_limit.").tag(config=True)
    build_memory_request = Unicode(help="Deprecated: KubernetesBuildExecutor.memory_request.").tag(config=True)
    sticky_builds = Bool(help="Deprecated: KubernetesBuildExecutor.sticky_builds.").tag(config=True)
    log_tail_lines = Integer(help="Deprecated: KubernetesBuildExecutor.log_tail_lines.").tag(config=True)
    push_secret = Unicode(help="Deprecated: KubernetesBuildExecutor.push_secret.").tag(config=True)
    appendix = Unicode(help="Deprecated: BuildExecutor.appendix.").tag(config=True)
    build_max_age = Integer(help="Deprecated: KubernetesCleaner.max_age.").tag(config=True)
    pod_quota = Integer(None, allow_none=True, help="Deprecated: LaunchQuota.total_quota.").tag(config=True)

    @default("build_class")
    def _default_build_class(self):
        return KubernetesBuildExecutor if os.environ.get("KUBERNETES_SERVICE_HOST") else LocalRepo2dockerBuild

    @default("launch_quota_class")
    def _default_launch_quota_class(self):
        return KubernetesLaunchQuota if self.on_kubernetes else HubLaunchQuota

    @property
    def on_kubernetes(self) -> bool:
        """True when builds run as pods (so quotas, health and cleanup ask the cluster)."""
        return issubclass(self.build_class, KubernetesBuildExecutor)

    @default("hub_url_local")
    def _default_hub_url_local(self):
        return self.hub_url

    @default("hub_api_token")
    def _default_hub_api_token(self):
        return os.environ.get("JUPYTERHUB_API_TOKEN", "")

    @default("repo_providers")
    def _default_providers(self):
        return default_providers()

    @validate("base_url")
    def _check_base_url(self, proposal):
        return _with_slashes(proposal["value"])

    @validate("hub_url", "hub_url_local")
    def _check_hub_url(self, proposal):
        value = proposal["value"]
        return value if not value or value.endswith("/") else value + "/"

    @validate("repo_providers")
    def _check_providers(self, proposal):
        value = proposal["value"]
        if not value:
            raise ValueError("BinderHub.repo_providers must name at least one provider")
        value = dict(value)
        for prefix, cls in value.items():
            if isinstance(cls, str):  # an import string, as in a YAML file
                try:
                    value[prefix] = cls = import_item(cls)
                except (ImportError, ValueError) as e:
                    raise ValueError(f"BinderHub.repo_providers[{prefix!r}]: cannot import {cls!r}: {e}") from None
            if not (isinstance(cls, type) and issubclass(cls, RepoProvider)):
                raise ValueError(f"BinderHub.repo_providers[{prefix!r}] is not a RepoProvider subclass: {cls!r}")
        return value

    @property
    def classes(self):
        own = [type(self)] if type(self) is not BinderHub else []
        return [
            *own, BinderHub, *REGISTRY_CLASSES, BuildExecutor, LocalRepo2dockerBuild, BuildLogStore,
            KubernetesBuildExecutor, KubernetesCleaner, KubernetesAPI, KubernetesPart, LaunchQuota, KubernetesLaunchQuota, HubLaunchQuota,
            HubAddressFinder, Launcher, WarmPool, RateLimiter, EventLog, *self.login_classes(self.auth_enabled),
            RepoProvider, *default_providers().values(),
        ]

    @staticmethod
    def login_classes(logins: bool) -> list[type]:
        """JupyterHub's HubOAuth, when logins are on (importing it costs about 45 MB)."""
        if not logins:
            return []
        from binderd.access.hubauth import HubOAuth

        return [HubOAuth]

    # --- start-up ----------------------------------------------------------------------

    def load_config_files(self) -> None:
        """Load -f files (or binderhub_config.py), strictly validated; exit with the error."""
        paths = list(self.config_files)
        if not paths and os.path.exists(self.config_file):
            paths = [self.config_file]
        config, origins = load_files(paths)
        classes = list(self.classes)
        if not self.auth_enabled and ("HubOAuth" in config or config.get("BinderHub", {}).get("auth_enabled")):
            classes += self.login_classes(True)
        for cls in [*config.get("BinderHub", {}).get("repo_providers", {}).values(), *default_providers().values()]:
            if isinstance(cls, type):  # the providers and their intermediate classes, e.g. DOIProvider
                classes.extend(c for c in cls.__mro__ if isinstance(c, type) and issubclass(c, RepoProvider))
        validate_config(config, classes, self.log, origins)
        merged = Config(config)
        merged.merge(self.cli_config)  # the command line wins over files
        self.update_config(merged)
        self._apply_deprecated_names()

    def _apply_deprecated_names(self) -> None:
        copy_deprecated(self.config, self.log)

    def init_logging(self) -> None:
        if self.debug:
            self.log_level = logging.DEBUG
        logging.basicConfig(level=self.log_level, format="[%(levelname).1s %(asctime)s %(name)s] %(message)s")
        self.log = logging.getLogger("binderd")
        logging.getLogger("tornado.access").setLevel(logging.WARNING)

    def init_stages(self) -> None:
        """Build the stage objects from configuration and wire the pipeline."""
        self.init_access()
        self.kube = KubernetesAPI(parent=self)  # connects on first use only
        if self.serves and not self.hub_url and not self.on_kubernetes:
            raise ConfigError("BinderHub.hub_url is required: the URL of the JupyterHub to launch servers on")
        kube = {"kube": self.kube}
        self.registry = self.registry_class(parent=self) if self.use_registry else LocalDockerImages(parent=self)
        on_kubernetes = self.on_kubernetes
        self.builder = self.build_class(parent=self, **(kube if on_kubernetes else {}))
        self.cleaner = (
            self.build_cleaner_class(parent=self, kube=self.kube)
            if on_kubernetes and self.build_cleaner_class else None
        )
        quota_class = self.launch_quota_class
        self.launch_quota = quota_class(parent=self, **(kube if issubclass(quota_class, KubernetesLaunchQuota) else {}))
        # On Kubernetes the hub's public address may be left out (the setup guide sets it after
        # installing): binderd then reads it from the hub's proxy-public Service.
        self.hub_address = HubAddressFinder(parent=self, kube=self.kube) if on_kubernetes and not self.hub_url else None
        self.launcher = Launcher(
            parent=self, hub_url=self.hub_url, hub_url_local=self.hub_url_local,
            hub_api_token=self.hub_api_token, create_user=not self.auth_enabled,
        )
        self.build_logs = BuildLogStore(parent=self)
        if isinstance(self.launch_quota, HubLaunchQuota):
            self.launch_quota.launcher = self.launcher  # counts through the launcher's hub access
        self.coordinator = BuildCoordinator(limit=self.concurrent_build_limit, build_logs=self.build_logs)
        if self.serves:
            warm_pages(self)  # templates and asset hashes are read now, not on the event loop
        self.health_checks = HealthChecks()
        self.pipeline = LaunchPipeline(
            providers=self.repo_providers, provider_parent=self, registry=self.registry,
            builder=self.builder, coordinator=self.coordinator, launcher=self.launcher,
            image_prefix=self.image_prefix, per_repo_quota=self.per_repo_quota,
            per_repo_quota_higher=self.per_repo_quota_higher, launch_quota=self.launch_quota,
        )
        self.pipeline.allow_build_only = self.enable_api_only_mode
        self.pool = WarmPool(parent=self, launcher=self.launcher)
        self.launch_quota.pooled_users = self.pool.usernames  # warm servers are not users' servers
        self.pipeline.pool = self.pool
        self.event_log = EventLog(parent=self)
        self.pipeline.launch_listeners.append(lambda request, repo: emit_launch_event(self.event_log, request, repo))

    def init_access(self) -> None:
        """Build tokens, rate limiter, banned networks and (auth_enabled) the hub login."""
        try:
            self.build_tokens = BuildTokens(secret_from(self.build_token_secret, "BINDERHUB_BUILD_TOKEN_SECRET"),
                                            self.build_token_expires_seconds)
            self.network_bans = NetworkBans.parse(self.ban_networks)
            self.cookie_secret_bytes = secret_from(self.cookie_secret, "BINDERHUB_COOKIE_SECRET")
        except ValueError as e:
            raise ConfigError(str(e)) from None
        self.rate_limiter = RateLimiter(parent=self)
        self.hub_auth = None
        if self.auth_enabled:
            from binderd.access.hubauth import make_hub_auth
            from binderd.handlers.base import enable_hub_logins

            enable_hub_logins()
            self.hub_auth = make_hub_auth(self)

    def launch_host(self, request) -> str:
        """binder_launch_host: badge_base_url, or where this request reached binderd."""
        if self.badge_base_url:
            return self.badge_base_url if self.badge_base_url.endswith("/") else self.badge_base_url + "/"
        return f"{request.protocol}://{request.host}{self.base_url}"

    def make_app(self) -> tornado.web.Application:
        """The tornado Application with binderd's routes under base_url."""
        headers = dict(self.tornado_settings.get("headers", {}))
        if self.cors_allow_origin:
            headers["Access-Control-Allow-Origin"] = self.cors_allow_origin
        routes = [
            (r"metrics", MetricsHandler),
            (r"versions", VersionHandler),
            (r"build/([^/]+)/(.+)", BuildHandler),
            (r"health", HealthHandler),
            (r"api/repoproviders", RepoProvidersHandler),
        ]
        if self.auth_enabled:
            from binderd.access.hubauth import HubOAuthCallbackHandler, oauth_callback_route

            routes.append((oauth_callback_route(self), HubOAuthCallbackHandler))
        if not self.enable_api_only_mode:
            routes += self.page_routes()
        settings = {**self.tornado_settings, "headers": headers, "binder": self, "log_function": log_request,
                    "cookie_secret": self.cookie_secret_bytes}
        return tornado.web.Application([(self.base_url + route[0], *route[1:]) for route in routes], **settings)

    def page_routes(self) -> list[tuple]:
        """The routes a person's browser uses (none in API-only mode)."""
        return [
            (r"v2/([^/]+)/(.+)", LaunchPageHandler),
            (r"repo/([^/]+)/([^/]+)(/.*)?", LegacyRepoRedirectHandler),
            (r"(badge\.svg|badge_logo\.svg)", StaticFileHandler, {"path": STATIC}),
            (r"assets/images/(badge\.svg)", StaticFileHandler, {"path": STATIC}),
            (r"static/(.*)", StaticFileHandler, {"path": STATIC}),
            *([(self.extra_static_url_prefix + "(.*)", StaticFileHandler, {"path": self.extra_static_path})]
              if self.extra_static_path else []),
            (r"about", AboutPageHandler),
            (r"logs/([0-9a-f-]+)", BuildLogPageHandler),
            (r"logs/([0-9a-f-]+)\.txt", BuildLogTextHandler),
            (r"", HomePageHandler),
            (r".*", NotFoundPageHandler),
        ]

    def initialize(self, argv=None) -> None:
        super().initialize(argv)
        if self.subapp is not None:
            return
        try:
            self.load_config_files()
            self.init_logging()
            self.init_stages()
        except ConfigError as e:
            print(f"binderd: configuration error: {e}", file=sys.stderr)
            self.exit(2)

    def use_hub_url(self, url: str) -> None:
        """Adopt the hub's public URL found on the cluster (hub_url was not configured)."""
        self.hub_url = url
        self.launcher.hub_url = self.hub_url
        if not self.hub_url_local:
            self.hub_url_local = self.hub_url
            self.launcher.hub_url_local = self.hub_url_local

    async def clean_builds(self) -> None:
        """Run the build pod cleaner every build_cleanup_interval seconds."""
        while True:
            try:
                await self.cleaner.cleanup()
            except Exception as e:  # noqa: BLE001 - the API may be briefly away; try again next round
                self.log.warning("Build pod cleanup failed: %s", e)
            await asyncio.sleep(self.build_cleanup_interval)

    def background_tasks(self) -> list[asyncio.Task]:
        """What runs beside the server: build pod cleanup, finding the hub's address, the warm pool."""
        tasks = []
        if self.cleaner is not None:
            tasks.append(asyncio.create_task(self.clean_builds(), name="build cleaner"))
        if self.hub_address is not None:
            tasks.append(asyncio.create_task(self.hub_address.run(self.use_hub_url), name="hub address"))
        if self.pool.enabled:
            tasks.append(asyncio.create_task(self.pool.run(), name="warm pool"))
        return tasks

    async def serve(self) -> None:
        """Listen and serve until SIGINT/SIGTERM."""
        server = HTTPServer(self.make_app(), xheaders=True)
        server.listen(self.port, address=self.ip)
        self.log.info("binderd %s listening on http://%s:%d%s", __version__, self.ip, self.port, self.base_url)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        tasks = self.background_tasks()
        await stop.wait()
        server.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)  # the warm pool deletes its servers
        await self.kube.close()
        await asyncio.to_thread(self.event_log.close)  # writes the events still queued

    def start(self) -> None:
        if self.subapp is not None:
            return self.subapp.start()
        asyncio.run(self.serve())


def main(argv=None) -> None:
    """The `binderd` command."""
    BinderHub.launch_instance(argv)


if __name__ == "__main__":
    main()
