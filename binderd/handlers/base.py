"""What every binderd handler shares: headers, CORS preflight, access-log scrubbing, and access control.

Access control happens in `prepare`, before any handler's own code: banned
networks are refused (upstream's 403), and with `auth_enabled` a JupyterHub
login (HubOAuth) is required. Handlers that must always answer (health,
versions, metrics) opt out with class attributes.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from tornado.web import RequestHandler

access_log = logging.getLogger("binderd.access")
_SECRET_PARAM = re.compile(r"([?&][^=&]*(?:token|auth|key|code|state|password)[^=&]*=)[^&]*", re.IGNORECASE)


def scrub_uri(uri: str) -> str:
    """The URI with the values of secret-looking query parameters replaced by [secret]."""
    return _SECRET_PARAM.sub(r"\1[secret]", uri)


def log_request(handler: RequestHandler) -> None:
    """Tornado's log_function: one line per request, secrets scrubbed, health checks quiet."""
    status = handler.get_status()
    request = handler.request
    level = logging.DEBUG if status < 400 and getattr(handler, "log_success_debug", False) else (
        logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
    )
    access_log.log(
        level,
        "%d %s %s (%s) %.2fms",
        status,
        request.method,
        scrub_uri(request.uri or ""),
        request.remote_ip,
        1000.0 * request.request_time(),
    )


def enable_hub_logins() -> None:
    """Make every handler a JupyterHub login client (HubOAuthenticated), for auth_enabled.

    jupyterhub.services.auth brings sqlalchemy and costs about 45 MB, so it is
    imported only when logins are on: the class gains its login base then,
    in the same place of its method order as a static base would have.
    """
    from jupyterhub.services.auth import HubOAuthenticated

    if HubOAuthenticated not in BaseHandler.__mro__:
        BaseHandler.__bases__ = (HubOAuthenticated, RequestHandler)


class BaseHandler(RequestHandler):
    """Base of binderd's handlers (JupyterHub's HubOAuthenticated joins when logins are on)."""

    log_success_debug = False
    #: True: answer even clients in ban_networks (upstream: /health and /versions).
    skip_check_request_ip = False
    #: False: answer without a JupyterHub login, also when auth_enabled.
    login_required = True

    @property
    def binder(self):
        """The BinderHub application object (configuration and pipeline)."""
        return self.settings["binder"]

    @property
    def hub_auth(self):
        """The application's HubOAuth (auth_enabled only)."""
        return self.binder.hub_auth

    def get_current_user(self):
        """The hub's user model when auth_enabled, else "anonymous" (as upstream)."""
        if not self.binder.auth_enabled:
            return "anonymous"
        return super().get_current_user()

    def refuse(self, status: int, message: str) -> None:
        """Answer a refused request with its reason (handlers with another wire format override this)."""
        self.set_status(status)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(message + "\n")

    def prepare(self):
        if not self.skip_check_request_ip:
            label = self.binder.network_bans.label_for(self.request.remote_ip or "")
            if label is not None:
                return self.refuse(403, self.binder.network_bans.message(label))
        if self.binder.auth_enabled and self.login_required and not self.current_user:
            if self.request.method in ("GET", "HEAD") and self.redirect_to_login:
                return self.redirect(self.get_login_url())
            return self.refuse(403, "Forbidden")
        return None

    #: Pages send a browser that is not logged in to the hub's login; APIs answer 403.
    redirect_to_login = True

    def token_origin(self) -> str:
        """Where the request comes from, as build tokens record it: Origin's host, else Host."""
        origin = self.request.headers.get("Origin")
        return urlsplit(origin).netloc if origin else self.request.host

    def raw_spec(self, route: str, prefix: str) -> str:
        """The spec exactly as in the URL after <route>/<prefix>/ (tornado would unquote %2F)."""
        path = self.request.path
        marker = f"{route}/{prefix}/"
        return path[path.index(marker) + len(marker):]

    def issue_build_token(self, prefix: str, raw_spec: str) -> str:
        """A build token for the `/build` request this page will make."""
        return self.binder.build_tokens.issue(f"{prefix}/{raw_spec}", self.token_origin())

    def set_default_headers(self) -> None:
        for name, value in self.settings.get("headers", {}).items():
            self.set_header(name, value)
        self.set_header("access-control-allow-headers", "cache-control")

    def options(self, *args, **kwargs) -> None:
        self.finish()
