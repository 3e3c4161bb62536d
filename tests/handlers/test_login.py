"""auth_enabled: a real JupyterHub login (DummyAuthenticator) launches a repository into that user's server.

binderd is the hub's OAuth service: a page visit without a login goes to the
hub's authorization, a /build without one is refused with upstream's 403
event, and a logged-in user's launch starts a named server of theirs (not a
temporary user), without counting against the rate limit.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import quote

from playwright.async_api import async_playwright

from tests.fixtures.access import AUTH_PASSWORD
from tests.fixtures.servers import BASE_IMAGE
from tests.fixtures.sse import read_stream

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# the server of a logged-in user is jupyterhub-singleuser, which the base image lacks
DOCKERFILE = (f"FROM {BASE_IMAGE}\nRUN pip install --no-cache-dir -q jupyterhub==6.1.1\n"
              "COPY --chown=1000:1000 . /home/jovyan/\n")

# what upstream's JavaScript client sends: the event stream with the xsrf token of the login cookie
BUILD = """async url => {
  const xsrf = (document.cookie.match(/(?:^|; )_xsrf=([^;]+)/) || [])[1];
  const response = await fetch(url, {headers: {Accept: "text/event-stream", "X-Xsrftoken": xsrf || ""}});
  const text = await response.text();
  return text.split("\\n\\n").filter(f => f.startsWith("data: ")).map(f => JSON.parse(f.slice(6)));
}"""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


async def test_without_login_pages_redirect_and_build_is_refused(auth_setup, git_server):
    binder = auth_setup.binderd
    try:
        urllib.request.build_opener(NoRedirect).open(binder.url + "v2/git/x/main", timeout=30)
        raise AssertionError("no redirect to the hub's login")
    except urllib.error.HTTPError as e:
        assert e.code == 302
        assert e.headers["Location"].startswith(auth_setup.hub.url + "hub/api/oauth2/authorize?")
        assert "client_id=service-binder" in e.headers["Location"]
    repo = git_server.create("auth-refused")
    stream = await read_stream(f"{binder.url}build/git/{quote(repo.git_url, safe='')}/main")
    assert stream.events == [{"phase": "failed", "status_code": 403, "message": "Forbidden\n"}]
    with urllib.request.urlopen(binder.url + "metrics", timeout=30) as r:  # no login needed
        assert r.status == 200


async def test_login_launches_into_the_users_named_server(auth_setup, git_server):
    hub, binder = auth_setup.hub, auth_setup.binderd
    repo = git_server.create("auth-launch", {"Dockerfile": DOCKERFILE, "README.md": "# logged in\n"})
    spec = f"{quote(repo.git_url, safe='')}/main"
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = await browser.new_page()
            await page.goto(hub.url + "hub/login")
            await page.fill("input[name=username]", "alice")
            await page.fill("input[name=password]", AUTH_PASSWORD)
            await page.click("[type=submit]")
            await page.wait_for_url("**/hub/home", timeout=30_000)
            # the page's own launch is held back: this test makes the request itself, as upstream's client does
            await page.route("**/build/**", lambda route: route.abort())
            await page.goto(f"{binder.url}v2/git/{spec}")  # -> hub authorization -> callback -> the page
            await page.wait_for_url(f"{binder.url}v2/git/**", timeout=30_000)
            await page.unroute("**/build/**")
            runs = []
            for _ in range(2):  # twice, over a rate limit of 1: logged-in users are not counted
                runs.append(await page.evaluate(BUILD, f"{binder.url}build/git/{spec}"))
            for events in runs:
                assert events[-1]["phase"] == "ready", events
            ready = runs[0][-1]
            assert ready["url"].startswith(hub.url + "user/alice/auth-launch-")
            # the loading page's own launch works logged in too (it sends the login cookie's xsrf token)
            await page.goto(f"{binder.url}v2/git/{spec}")
            await page.wait_for_url(hub.url + "user/alice/**", timeout=120_000)
            await page.goto(ready["url"])  # the user's own server: its login goes through the hub too
            await page.wait_for_url(ready["url"] + "lab**", timeout=60_000)
            await page.goto(ready["url"] + "api/contents/README.md")
            assert "logged in" in await page.content()
        finally:
            await browser.close()
    status, user = hub.api("GET", "users/alice")
    servers = user["servers"]
    assert status == 200 and len(servers) == 3 and "" not in servers  # named servers, no temporary user
    assert all(s["user_options"]["repo_url"] == repo.git_url for s in servers.values())
    assert [u for u in hub.users() if u.startswith("auth-launch")] == []
    assert json.dumps(ready).count(binder.url) == 1  # binder_launch_host only
