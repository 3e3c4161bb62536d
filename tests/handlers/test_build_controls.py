"""The controls of a public BinderHub on `/build`, against running binderds and JupyterHub.

API-only mode and build_only, build tokens (issued by /v2 pages, checked on
/build, shared by replicas), the per-IP rate limit, banned networks, the total
launch quota, and what follows `ready`. Every refusal is checked to the exact
upstream event.
"""

from __future__ import annotations

import json
import re
import secrets
import time
import urllib.error
import urllib.request
from urllib.parse import quote

from binderd.access import BuildTokens
from tests.fixtures.access import RATE_LIMIT
from tests.fixtures.servers import binderd_config, start_binderd
from tests.fixtures.sse import read_stream


def build_url(binder, repo, ref: str = "main", **query) -> str:
    url = f"{binder.url}build/git/{quote(repo.git_url, safe='')}/{ref}"
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def client_ip() -> str:
    """A fresh client address per test, so rate limit windows do not mix (binderd trusts X-Real-Ip)."""
    return f"192.168.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"


def page_token(binder, spec: str, origin: str | None = None) -> str:
    headers = {"Origin": origin} if origin else {}
    request = urllib.request.Request(f"{binder.url}v2/git/{spec}", headers=headers)
    with urllib.request.urlopen(request, timeout=30) as r:
        page = r.read().decode()
    config = json.loads(re.search(r"window\.pageConfig = (\{.*?\});?\s*</script>", page, re.S).group(1))
    return config["buildToken"]


# --- API-only mode and build_only ----------------------------------------------------------------

async def test_build_only_in_api_mode_builds_and_launches_nothing(api_binderd, git_server, hub):
    repo = git_server.create("access-build-only")
    users_before = set(hub.users())
    first = await read_stream(build_url(api_binderd, repo, build_only="True"), headers={"X-Real-Ip": client_ip()})
    assert first.phases[0] == "waiting" and first.phases[-1] == "ready"
    assert first.events[-1]["message"] == "Done! Image built\n" and "imageName" in first.events[-1]
    assert "launching" not in first.phases and "built" not in first.phases
    again = await read_stream(build_url(api_binderd, repo, build_only="true"), headers={"X-Real-Ip": client_ip()})
    assert again.events == [{"phase": "ready", "imageName": first.events[-1]["imageName"],
                             "message": "Done! Found built image\n"}]
    assert set(hub.users()) == users_before


async def test_build_only_without_api_mode_is_refused(ui_binderd, git_server):
    repo = git_server.create("access-build-only-refused")
    stream = await read_stream(build_url(ui_binderd, repo, build_only="true"), headers={"X-Real-Ip": client_ip()})
    assert stream.status == 200
    assert stream.events == [{
        "phase": "failed", "status_code": 400,
        "message": "Building but not launching is not permitted when the API only mode was not enabled by "
                   "setting `enable_api_only_mode` to True. \n",
    }]


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_api_mode_serves_no_pages(api_binderd, ui_binderd):
    for path in ("", "v2/git/x/main", "repo/a/b", "badge.svg", "about"):
        assert status_of(api_binderd.url + path) == 404, path
    for path in ("versions", "health", "api/repoproviders", "metrics"):
        assert status_of(api_binderd.url + path) == 200, path
    assert status_of(ui_binderd.url + "v2/git/x/main") == 200


# --- build tokens --------------------------------------------------------------------------------

async def test_page_token_is_accepted_by_another_replica_and_skips_the_rate_limit(ui_binderd, api_binderd,
                                                                                  git_server):
    repo = git_server.create("access-token")
    spec = f"{quote(repo.git_url, safe='')}/main"
    token = page_token(ui_binderd, spec, origin="https://binder.example.org")
    claims = BuildTokens(bytes.fromhex(ui_binderd.secret)).decode(token, f"git/{spec}")
    assert claims["origin"] == "binder.example.org" and claims["exp"] - time.time() <= 300
    ip = client_ip()
    for _ in range(RATE_LIMIT + 2):  # more than the limit: a valid token is never counted
        stream = await read_stream(build_url(api_binderd, repo, build_token=token, build_only="true"),
                                   headers={"X-Real-Ip": ip, "Origin": "https://binder.example.org"})
        assert stream.phases[-1] == "ready", stream.events
        assert "x-ratelimit-remaining" not in {k.lower() for k in stream.headers}


async def test_invalid_build_tokens_are_refused(ui_binderd, api_binderd, git_server):
    repo = git_server.create("access-bad-token")
    spec = f"{quote(repo.git_url, safe='')}/main"
    other = f"{quote(repo.git_url, safe='')}/HEAD"
    good = page_token(ui_binderd, spec)  # no Origin header: the token's origin is the Host
    forged = BuildTokens(secrets.token_bytes(32)).issue(f"git/{spec}", ui_binderd.url.split("/")[2])
    expired = BuildTokens(bytes.fromhex(ui_binderd.secret)).issue(f"git/{spec}", "x", now=time.time() - 301)
    refused = {"phase": "failed", "status_code": 403, "message": "Invalid build token\n"}
    cases = [
        (build_url(api_binderd, repo, build_token="bogus"), {}),
        (build_url(api_binderd, repo, build_token=forged), {}),
        (build_url(api_binderd, repo, build_token=expired), {}),
        (f"{api_binderd.url}build/git/{other}?build_token={good}", {}),  # issued for another link
        (build_url(api_binderd, repo, build_token=good), {"Origin": "https://elsewhere.example"}),
    ]
    for url, headers in cases:
        stream = await read_stream(url, headers={"X-Real-Ip": client_ip(), **headers})
        assert stream.status == 200 and stream.events == [refused], url


# --- rate limit and banned networks ----------------------------------------------------------------

async def test_rate_limit_per_client_ip_tells_the_time_left(api_binderd, git_server):
    repo = git_server.create("access-rate")
    ip = client_ip()
    for used in range(1, RATE_LIMIT + 1):
        stream = await read_stream(build_url(api_binderd, repo, build_only="true"), headers={"X-Real-Ip": ip})
        assert stream.phases[-1] == "ready"
        assert stream.headers["X-Ratelimit-Limit"] == str(RATE_LIMIT)
        assert stream.headers["X-Ratelimit-Remaining"] == str(RATE_LIMIT - used)
        reset = int(stream.headers["X-Ratelimit-Reset"])
        assert 0 < reset - time.time() <= 3600
    refused = await read_stream(build_url(api_binderd, repo, build_only="true"), headers={"X-Real-Ip": ip})
    [event] = refused.events
    assert event["phase"] == "failed" and event["status_code"] == 429
    seconds = int(re.fullmatch(r"Rate limit exceeded\. Try again in (\d+) seconds\.\n", event["message"]).group(1))
    assert reset - time.time() - 2 <= seconds <= reset - time.time() + 2  # the time left, not the period
    other = await read_stream(build_url(api_binderd, repo, build_only="true"), headers={"X-Real-Ip": client_ip()})
    assert other.phases[-1] == "ready"  # another address has its own window


async def test_banned_networks_are_refused_except_health_and_versions(api_binderd, ui_binderd, git_server):
    repo = git_server.create("access-banned")
    banned = {"X-Real-Ip": "10.20.30.40"}
    stream = await read_stream(build_url(api_binderd, repo), headers=banned)
    assert stream.status == 200 and stream.headers["Content-Type"] == "text/event-stream"
    assert stream.events == [{"phase": "failed", "status_code": 403,
                              "message": "Requests from a test network are not allowed\n"}]
    for path, expected in (("health", 200), ("versions", 200), ("api/repoproviders", 403)):
        request = urllib.request.Request(api_binderd.url + path, headers=banned)
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                assert r.status == expected, path
        except urllib.error.HTTPError as e:
            assert e.code == expected, path
            assert b"Requests from a test network are not allowed" in e.read()
    page = urllib.request.Request(ui_binderd.url + "v2/git/x/main", headers=banned)
    try:
        urllib.request.urlopen(page, timeout=30)
        raise AssertionError("a banned client got the page")
    except urllib.error.HTTPError as e:
        assert e.code == 403


# --- quota ------------------------------------------------------------------------------------------

async def test_total_quota_zero_refuses_with_upstreams_message(tmp_path, hub, git_server, docker_engine):
    repo = git_server.create("access-quota")
    b = start_binderd(str(tmp_path), [*binderd_config(hub, git_server, None, "binderd-quota/"),
                                      "c.LaunchQuota.total_quota = 0"])
    try:
        stream = await read_stream(build_url(b, repo))
        assert stream.events == [{"phase": "failed", "status_code": 429,
                                  "message": "Too many users on this BinderHub! Try again soon.\n"}]
        metrics = urllib.request.urlopen(b.url + "metrics", timeout=30).read().decode()
        assert (f'binderhub_launch_count_total{{provider="Git",repo="{repo.git_url}",status="pod_quota"}} 1.0'
                in metrics)
    finally:
        b.process.stop()
