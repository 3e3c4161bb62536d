"""`/` and `/v2/<provider>/<spec>`: the pages a person opens in a browser.

Both serve one small page; its script reads the path, follows the `/build`
event stream and sends the browser to the server when it is ready, honouring
upstream's `urlpath`, `labpath` and `filepath` query parameters.
"""

from __future__ import annotations

import functools
import json
import os

from binderd import __version__
from binderd.handlers.base import BaseHandler

_PAGE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "static", "page.html")


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
