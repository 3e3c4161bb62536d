"""The pages over HTTP, from a real BinderHub app: templates, upstream's customisation options, kept logs."""

import asyncio
import json
import re

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPClientError
from tornado.httpserver import HTTPServer

from binderd.app import BinderHub
from binderd.builder.shared import BuildCoordinator
from binderd.errors import BuildError
from tests.fixtures.procs import free_port


async def serve(tmp_path, **options):
    """A binderd app with `options` on BinderHub, listening on 127.0.0.1; (base URL, app, server)."""
    binder = BinderHub(hub_url="http://127.0.0.1:9/", use_registry=False, **options)
    binder.config.BuildLogStore.path = str(tmp_path / "logs")
    binder.init_stages()
    server = HTTPServer(binder.make_app())
    port = free_port()
    server.listen(port, address="127.0.0.1")
    return f"http://127.0.0.1:{port}{binder.base_url}", binder, server


async def fetch(url, **kwargs):
    try:
        return await AsyncHTTPClient().fetch(url, **kwargs)
    except HTTPClientError as e:
        return e.response


def page_config(html: str) -> dict:
    return json.loads(re.search(r"window.pageConfig = (.*?);</script>", html).group(1))


async def test_home_page_has_upstream_page_config_and_the_built_assets(tmp_path):
    url, binder, server = await serve(tmp_path, badge_base_url="https://binder.example.org/")
    try:
        html = (await fetch(url)).body.decode()
        config = page_config(html)
        assert config["baseUrl"] == "/" and config["badgeBaseUrl"] == "https://binder.example.org/"
        assert [p["id"] for p in config["repoProviders"]][:4] == ["gh", "gist", "git", "gl"]
        assert 'data-page="home"' in html and '<meta property="og:title" content="The Binder Project">' in html
        for asset in re.findall(r'(?:src|href)="/(static/bundle/[^"]+)"', html):
            response = await fetch(url + asset)
            assert response.code == 200 and len(response.body) > 1000, asset
    finally:
        server.stop()


async def test_customisation_hooks(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    # An operator's page.html that wraps binderd's own one, reached as templates/page.html.
    (templates / "page.html").write_text(
        '{% extends "templates/page.html" %}{% block title %}{{ site_name }}{% endblock %}'
    )
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "logo.txt").write_text("an operator's file")
    url, binder, server = await serve(
        tmp_path,
        banner_message='<div id="banner-x">Maintenance <b>tonight</b></div>',
        about_message="<p id='about-x'>Run by the example team.</p>",
        extra_header_html={"b": '<meta name="second">', "a": '<meta name="first">'},
        extra_footer_scripts={"z": "window.lastScript = 2;", "m": "window.firstScript = 1;"},
        template_path=str(templates),
        template_variables={"site_name": "Example Binder"},
        extra_static_path=str(extra),
        default_opengraph_title="Example Binder",
    )
    try:
        html = (await fetch(url)).body.decode()
        assert "<title>Example Binder</title>" in html  # template_path first, template_variables in it
        assert '<div id="banner-x">Maintenance <b>tonight</b></div>' in html  # raw HTML, not escaped
        assert html.index('<meta name="first">') < html.index('<meta name="second">') < html.index("</head>")
        assert html.index("window.firstScript") < html.index("window.lastScript")
        assert html.index("</script>", html.index("bundle/binderd.js")) < html.index("window.firstScript")
        assert '<meta property="og:title" content="Example Binder">' in html
        about = (await fetch(url + "about")).body.decode()
        assert "<p id='about-x'>Run by the example team.</p>" in about and "binderd" in about
        assert page_config(about)["aboutMessage"] == "<p id='about-x'>Run by the example team.</p>"
        assert (await fetch(url + "extra_static/logo.txt")).body == b"an operator's file"
    finally:
        server.stop()


async def test_launch_page_and_not_found_pages(tmp_path):
    url, binder, server = await serve(tmp_path, base_url="/binder/")
    try:
        response = await fetch(url + "v2/gh/binder-examples/requirements/HEAD")
        html = response.body.decode()
        assert response.code == 200 and 'data-page="loading"' in html
        assert '<meta property="og:title" content="GitHub: binder-examples/requirements/HEAD">' in html
        assert page_config(html)["providerId"] == "gh" and page_config(html)["baseUrl"] == "/binder/"
        unknown = await fetch(url + "v2/nope/a/b")
        assert unknown.code == 404 and "404: Not Found" in unknown.body.decode()
        elsewhere = await fetch(url + "no/such/page")
        assert elsewhere.code == 404 and "404: Not Found" in elsewhere.body.decode()
        spec = '<script>alert(1)</script>'
        escaped = (await fetch(url + "v2/gh/a/b/" + spec.replace("<", "%3C").replace(">", "%3E"))).body.decode()
        assert "<script>alert(1)" not in escaped
    finally:
        server.stop()


async def test_kept_log_page_and_text(tmp_path):
    url, binder, server = await serve(tmp_path)
    try:
        async def failing():
            yield {"phase": "building", "message": "Step 1/2 : FROM base\n"}
            raise BuildError("The build failed: RUN false returned 1")

        coordinator: BuildCoordinator = binder.coordinator
        build, _ = coordinator.start("img:tag", failing)
        with pytest.raises(BuildError):
            async for _ in build.watch():
                pass
        await build.task
        text = await fetch(f"{url}logs/{build.log_id}.txt")
        assert text.code == 200 and text.headers["X-Build-Finished"] == "true"
        assert text.body.decode() == "Step 1/2 : FROM base\n"
        assert (await fetch(f"{url}logs/{build.log_id}.txt?offset=5")).body == b"1/2 : FROM base\n"
        page = (await fetch(f"{url}logs/{build.log_id}")).body.decode()
        assert "The build failed: RUN false returned 1" in page and "img:tag" in page
        assert page_config(page)["logRawUrl"] == f"/logs/{build.log_id}.txt"
        assert (await fetch(f"{url}logs/20200101-000000-000000000000")).code == 404
        assert (await fetch(f"{url}logs/20200101-000000-000000000000.txt")).code == 404
    finally:
        server.stop()
        await asyncio.sleep(0)
