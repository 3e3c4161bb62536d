"""The operational endpoints of a running binderd, in upstream's formats."""

import json
import urllib.error
import urllib.request


def get(url: str):
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.status, dict(r.headers), r.read()


def test_health_checks_registry_and_hub(binderd_registry):
    status, _, body = get(binderd_registry.url + "health")
    assert status == 200
    assert json.loads(body) == {"ok": True, "checks": [{"service": "Docker registry", "ok": True},
                                                        {"service": "JupyterHub API", "ok": True}]}
    head = urllib.request.Request(binderd_registry.url + "health", method="HEAD")
    with urllib.request.urlopen(head, timeout=30) as r:
        assert r.status == 200 and r.read() == b""


def test_health_without_registry_checks_only_the_hub(binderd_local):
    assert json.loads(get(binderd_local.url + "health")[2])["checks"] == [{"service": "JupyterHub API", "ok": True}]


def test_versions(binderd_local):
    status, headers, body = get(binderd_local.url + "versions")
    data = json.loads(body)
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert data["builder_info"] == {"repo2docker-version": "2024.7.0"}
    assert isinstance(data["binderhub"], str)


def test_repoproviders_in_upstream_order(binderd_local):
    providers = json.loads(get(binderd_local.url + "api/repoproviders")[2])
    assert [p["id"] for p in providers][:9] == ["gh", "gist", "git", "gl", "zenodo", "figshare", "hydroshare",
                                               "dataverse", "ckan"]
    git = next(p for p in providers if p["id"] == "git")
    assert git == {"displayName": "Git repository", "id": "git", "spec": {"validateRegex": "[^/]+/.+"},
                   "repo": {"label": "Arbitrary git repository URL",
                            "placeholder": "example: http://git.example.com/repo", "urlEncode": True},
                   "ref": {"enabled": True, "default": "HEAD"}}


def test_metrics_use_upstreams_names(binderd_local):
    text = get(binderd_local.url + "metrics")[2].decode()
    for name in ("binderhub_build_time_seconds", "binderhub_launch_time_seconds", "binderhub_inprogress_builds",
                 "binderhub_inprogress_launches"):
        assert f"# TYPE {name}" in text


def test_launch_page_carries_page_config(binderd_local):
    status, headers, body = get(binderd_local.url + "v2/git/https%3A%2F%2Fexample.org%2Fr/HEAD")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    page = body.decode()
    assert "window.pageConfig = " in page and '"baseUrl": "/"' in page


def test_badges_embedded_in_readmes_still_load(binderd_local):
    for path in ("badge.svg", "badge_logo.svg", "assets/images/badge.svg"):
        status, headers, body = get(binderd_local.url + path)
        assert status == 200 and headers["Content-Type"] == "image/svg+xml"
        assert body.startswith(b"<svg") and b"launch" in body


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def location(url: str) -> tuple[int, str]:
    try:
        urllib.request.build_opener(NoRedirect).open(url, timeout=30)
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Location"]
    raise AssertionError("no redirect")


def test_legacy_repo_links_redirect_to_v2(binderd_local):
    assert location(binderd_local.url + "repo/binder-examples/requirements") == (
        302, "/v2/gh/binder-examples/requirements/master")
    assert location(binderd_local.url + "repo/binder-examples/requirements/notebooks/index.ipynb") == (
        302, "/v2/gh/binder-examples/requirements/master?urlpath=%2Fnotebooks%2Findex.ipynb")
