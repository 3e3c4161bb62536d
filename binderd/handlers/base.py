"""What every binderd handler shares: headers, CORS preflight, and access-log scrubbing."""

from __future__ import annotations

import logging
import re

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


class BaseHandler(RequestHandler):
    """Base of binderd's handlers."""

    log_success_debug = False

    @property
    def binder(self):
        """The BinderHub application object (configuration and pipeline)."""
        return self.settings["binder"]

    def set_default_headers(self) -> None:
        for name, value in self.settings.get("headers", {}).items():
            self.set_header(name, value)
        self.set_header("access-control-allow-headers", "cache-control")

    def options(self, *args, **kwargs) -> None:
        self.finish()
