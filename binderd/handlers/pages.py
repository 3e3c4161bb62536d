"""`/`, `/v2/<provider>/<spec>` and `/repo/...`: the pages a person opens in a browser.

Both serve one small page; its script reads the path, follows the `/build`
event stream and sends the browser to the server when it is ready, honouring
upstream's `urlpath`, `labpath` and `filepath` query parameters.
"""

from __future__ import annotations

import functools
import json
import os

from tornado.httputil import url_concat

from binderd import __version__
from binderd.handlers.base import BaseHandler

STATIC = os.path.join(os.path.dirname(os.path.dirname(__file__)), "static")
_PAGE = os.path.join(STATIC, "page.html")


@functools.cache
def _page_template() -> str:
    """The page, read once (at the first request) and kept in memory."""
    with open(_PAGE) as f:
        return f.read()


class HomePageHandler(BaseHandler):
    def page_config(self) -> dict:
        return {
            "baseUrl": self.binder.base_url,
            "repoProviders": [cls.display_config for cls in self.binder.repo_providers.values()],
            "binderVersion": __version__,
        }

    def get(self, *args) -> None:
        page = _page_template()
        config = json.dumps(self.page_config()).replace("</", "<\\/")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.write(page.replace("{{PAGE_CONFIG}}", config))


class LaunchPageHandler(HomePageHandler):
    pass


class LegacyRepoRedirectHandler(BaseHandler):
    """`/repo/<user>/<repo>[/<path>]`: the oldest Binder links, sent on to `/v2/gh/...`.

    Upstream redirects to `/v2/gh/<user>/<repo>/master` without base_url; binderd
    keeps base_url so the redirect also works behind a prefix.
    """

    def get(self, user: str, repo: str, path: str | None = None) -> None:
        target = f"{self.binder.base_url}v2/gh/{user}/{repo}/master"
        path = (path or "").lstrip("/")
        if path:
            target = url_concat(target, {"urlpath": "/" + path})
        self.redirect(target)
