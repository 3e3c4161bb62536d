"""The pages a person opens in a browser, and the options operators customise them with.

`/` (the launch form), `/v2/<provider>/<spec>` (the loading page), `/about`, and
`/repo/...` (old links, redirected). Pages are Jinja templates under
`binderd/templates`, searched after an operator's `template_path`; the script
and stylesheet are built from `js/` into `binderd/static/bundle`. `UISettings`
holds upstream's customisation options; `BinderHub` inherits them.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader
from markupsafe import Markup
from tornado.httputil import url_concat
from traitlets import Dict, HasTraits, Unicode

from binderd import __version__
from binderd.handlers.base import BaseHandler

PACKAGE = os.path.dirname(os.path.dirname(__file__))
STATIC = os.path.join(PACKAGE, "static")
TEMPLATES = os.path.join(PACKAGE, "templates")


class UISettings(HasTraits):
    """Upstream BinderHub's options for its pages (mixed into BinderHub)."""

    banner_message = Unicode("", help="HTML shown in a banner at the top of every page.").tag(config=True)
    about_message = Unicode("", help="HTML added to the /about page.").tag(config=True)
    extra_header_html = Dict(
        help="HTML snippets added to every page's <head>, in the order of their keys.",
    ).tag(config=True)
    extra_footer_scripts = Dict(
        help="JavaScript snippets (without <script>) run at the end of every page, in the order of their keys.",
    ).tag(config=True)
    template_path = Unicode(
        "",
        help="Directory of templates searched before binderd's own; binderd's stay reachable as templates/<name>.",
    ).tag(config=True)
    template_variables = Dict(help="Extra variables for the templates.").tag(config=True)
    extra_static_path = Unicode("", help="Directory of extra static files, served under extra_static_url_prefix.").tag(
        config=True
    )
    extra_static_url_prefix = Unicode("extra_static/", help="URL prefix (under base_url) of extra_static_path.").tag(
        config=True
    )
    default_opengraph_title = Unicode(
        "The Binder Project", help="og:title of pages other than a launch page."
    ).tag(config=True)

    def template_environment(self) -> Environment:
        """The Jinja environment: template_path first, then binderd's templates (loaded now, not per request)."""
        own = FileSystemLoader(TEMPLATES)
        loaders = [FileSystemLoader(self.template_path)] if self.template_path else []
        loader = ChoiceLoader([*loaders, PrefixLoader({"templates": own}), own])
        env = Environment(loader=loader, autoescape=True, auto_reload=False)
        for name in loader.list_templates():
            if name.endswith(".html"):
                env.get_template(name)
        return env


@functools.cache
def static_version(path: str) -> str:
    """A short hash of a static file's content, so browsers fetch a new build at once."""
    try:
        with open(os.path.join(STATIC, path), "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()[:12]
    except OSError:
        return "missing"


def warm_pages(binder: UISettings) -> None:
    """Load the templates and hash the page assets at start-up, off the request path."""
    binder.page_templates = binder.template_environment()
    for path in ("bundle/binderd.js", "bundle/binderd.css", "favicon.svg"):
        static_version(path)


class PageHandler(BaseHandler):
    """Renders one of binderd's templates with upstream's pageConfig."""

    template = "home.html"
    page = "home"

    def page_config(self) -> dict:
        binder = self.binder
        return {
            "baseUrl": binder.base_url,
            "badgeBaseUrl": binder.badge_base_url,
            "logoUrl": self.static_url("favicon.svg"),
            "logoWidth": "320px",
            "repoProviders": [cls.display_config for cls in binder.repo_providers.values()],
            "aboutMessage": binder.about_message,
            "bannerHtml": binder.banner_message,
            "binderVersion": __version__,
        }

    def static_url(self, path: str, include_host=None, **kwargs) -> str:
        return f"{self.binder.base_url}static/{path}?v={static_version(path)}"

    def render_page(self, status: int = 200, opengraph_title: str | None = None, **context) -> None:
        binder = self.binder
        config = json.dumps(self.page_config()).replace("</", "<\\/")
        namespace = {
            **binder.template_variables,
            "base_url": binder.base_url,
            "static_url": self.static_url,
            "page": self.page,
            "page_config_json": Markup(config),
            "banner_message": Markup(binder.banner_message),
            "about_message": Markup(binder.about_message),
            "extra_header_html": {k: Markup(v) for k, v in binder.extra_header_html.items()},
            "extra_footer_scripts": {k: Markup(v) for k, v in binder.extra_footer_scripts.items()},
            "opengraph_title": opengraph_title or binder.default_opengraph_title,
            "version": __version__,
            **context,
        }
        html = binder.page_templates.get_template(self.template).render(**namespace)
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(html)


class HomePageHandler(PageHandler):

    def get(self) -> None:
        self.render_page()


class AboutPageHandler(PageHandler):
    template = "about.html"
    page = "about"

    def get(self) -> None:
        self.render_page()


class NotFoundPageHandler(PageHandler):
    """Any other path: upstream's "404: Not Found" page, with the right status."""

    template = "not_found.html"
    page = "not-found"

    def get(self, *args) -> None:
        self.render_page(404, message="There is no page here. Check the link, or launch a repository below.")


class LaunchPageHandler(PageHandler):
    """`/v2/<provider>/<spec>`: the loading page; its script follows `/build/<provider>/<spec>`."""

    template = "loading.html"
    page = "loading"

    def page_config(self) -> dict:
        prefix = self.path_args[0]
        token = self.issue_build_token(prefix, self.raw_spec("v2", prefix))  # for this page's /build request
        return {**super().page_config(), "providerId": prefix, "buildToken": token}

    def get(self, provider_id: str, spec: str) -> None:
        provider = self.binder.repo_providers.get(provider_id)
        if provider is None:
            self.template, self.page = NotFoundPageHandler.template, NotFoundPageHandler.page
            self.render_page(404, message=f"There is no repository provider {provider_id!r} on this Binder.")
            return
        name = provider.display_config["displayName"]
        self.render_page(opengraph_title=f"{name}: {spec}", spec=spec, display_name=name)


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
