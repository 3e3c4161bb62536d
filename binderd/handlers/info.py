"""`/versions`, `/api/repoproviders` and `/metrics`: what binderd is and offers."""

from __future__ import annotations

import json

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from binderd import __version__
from binderd.handlers.base import BaseHandler


class VersionHandler(BaseHandler):
    log_success_debug = True
    skip_check_request_ip = True  # federation members and probes must always reach it
    login_required = False

    def set_default_headers(self) -> None:
        self.set_header("Access-Control-Allow-Origin", "*")
        super().set_default_headers()

    def get(self) -> None:
        info = dict(self.binder.builder.builder_info)
        body = {"builder_info": info, "binderhub": __version__}
        if "build_image" in info:
            body["builder"] = info["build_image"]
        self.write(body)


class RepoProvidersHandler(BaseHandler):
    login_required = False
    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps([cls.display_config for cls in self.binder.repo_providers.values()]))


class MetricsHandler(BaseHandler):
    log_success_debug = True
    login_required = False

    def get(self) -> None:
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.write(generate_latest(REGISTRY))
