"""The GitHub provider against a fake GitHub REST API (commits endpoint, ETags, rate limits)."""

import time

import pytest

from binderd import metrics
from binderd.errors import ResolveError, SpecError
from binderd.providers.github import GitHubRepoProvider
from tests.fixtures.fake_apis import REQUIREMENTS_HEAD, Z2JH, Z2JH_091, Z2JH_HEAD, Reply, github_commit
from tests.providers.stages import make_pipeline, run


def gh(fake_apis, spec, **settings):
    return GitHubRepoProvider(spec=spec, prefix="gh", config=fake_apis.config(GitHubRepoProvider=settings))


@pytest.mark.parametrize(
    "spec, message",
    [
        ("nothing_to_split", 'Spec is not of the form "user/repo/ref", provided: "nothing_to_split".'),
        ("short/suggestion", 'Spec is not of the form "user/repo/ref", provided: "short/suggestion". '
                             'Did you mean "short/suggestion/HEAD"?'),
        ("short/HEAD", 'Spec is not of the form "user/repo/ref", provided: "short/HEAD".'),
        ("short/master", 'Spec is not of the form "user/repo/ref", provided: "short/master".'),
    ],
)
def test_upstream_spec_messages(spec, message):
    with pytest.raises(SpecError) as e:
        GitHubRepoProvider(spec=spec)
    assert e.value.message == message


@pytest.mark.parametrize("spec", ["us er/repo/HEAD", "user/../HEAD", "user/re?po/HEAD", "user/repo/a b",
                                  "user/repo/x/../../y", "user//HEAD"])
def test_unusable_names_and_refs_are_spec_errors(spec):
    with pytest.raises(SpecError):
        GitHubRepoProvider(spec=spec)


def test_ref_may_contain_slashes_and_git_suffix_is_stripped():
    p = GitHubRepoProvider(spec="a/long/specification/with/many/slashes/to/split/on")
    assert (p.user, p.repo, p.unresolved_ref) == ("a", "long", "specification/with/many/slashes/to/split/on")
    assert GitHubRepoProvider(spec="jupyterhub/binderhub.git/HEAD").repo == "binderhub"


async def test_resolves_like_upstream(fake_apis):
    repo = await gh(fake_apis, f"{Z2JH}/0.9.1").resolve()
    assert repo.resolved_ref == Z2JH_091
    assert repo.repo_url == f"https://github.com/{Z2JH}"
    assert repo.resolved_spec == f"{Z2JH}/{Z2JH_091}"
    assert repo.ref_url == f"https://github.com/{Z2JH}/tree/{Z2JH_091}"
    assert repo.build_slug == "jupyterhub-zero-to-jupyterhub-k8s"
    assert repo.provider_name == "GitHub" and repo.notice == "" and repo.git_credentials == ""
    assert fake_apis.github.seen[-1].headers["User-Agent"].startswith("BinderHub")


async def test_unknown_ref_and_repo(fake_apis):
    with pytest.raises(ResolveError) as e:
        await gh(fake_apis, f"{Z2JH}/nosuchref").resolve()
    assert e.value.message == (f"Could not resolve ref for gh:{Z2JH}/nosuchref. "
                               "Double check your URL and that your repo is public.")
    with pytest.raises(ResolveError, match="Could not resolve ref for gh:nobody/nothing/HEAD"):
        await gh(fake_apis, "nobody/nothing/HEAD").resolve()


async def test_etag_cache_sends_conditional_requests(fake_apis):
    url = f"/repos/{Z2JH}/commits/0.9.1"
    assert await gh(fake_apis, f"{Z2JH}/0.9.1").get_resolved_ref() == Z2JH_091
    # the fake now has a different sha, but its ETag still matches: 304 means "use your copy"
    etag = fake_apis.github.lookup(url).etag
    fake_apis.github.reply(url, body=github_commit("f" * 40), etag=etag)
    assert await gh(fake_apis, f"{Z2JH}/0.9.1").get_resolved_ref() == Z2JH_091
    first, second = fake_apis.github.hits(url)
    assert "If-None-Match" not in first.headers and second.headers["If-None-Match"] == etag
    # a changed ETag gets the new answer
    fake_apis.github.reply(url, body=github_commit("f" * 40), etag='W/"new"')
    assert await gh(fake_apis, f"{Z2JH}/0.9.1").get_resolved_ref() == "f" * 40


async def test_not_found_is_cached_briefly(fake_apis, monkeypatch):
    url = f"/repos/{Z2JH}/commits/nosuchref"
    for _ in range(3):
        assert await gh(fake_apis, f"{Z2JH}/nosuchref").get_resolved_ref() is None
    assert len(fake_apis.github.hits(url)) == 1
    later = time.monotonic() + 301
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert await gh(fake_apis, f"{Z2JH}/nosuchref").get_resolved_ref() is None
    assert len(fake_apis.github.hits(url)) == 2


async def test_rate_limit_says_when_to_try_again(fake_apis):
    reset = int(time.time()) + 17 * 60
    fake_apis.github.reply(f"/repos/{Z2JH}/commits/HEAD", code=403, body={
        "message": "API rate limit exceeded for 127.0.0.1.",
        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"},
        headers={"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)})
    with pytest.raises(ResolveError) as e:
        await gh(fake_apis, f"{Z2JH}/HEAD").resolve()
    assert e.value.message == (f"Error resolving ref for gh:{Z2JH}/HEAD: "
                               "GitHub rate limit exceeded. Try again in 20 minutes.")


async def test_garbled_rate_limit_headers_do_not_break(fake_apis):
    fake_apis.github.reply(f"/repos/{Z2JH}/commits/HEAD", code=403, body={"message": "API rate limit exceeded"},
                           headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "soon"})
    with pytest.raises(ResolveError, match="GitHub rate limit exceeded. Try again in 5 minutes."):
        await gh(fake_apis, f"{Z2JH}/HEAD").resolve()


async def test_secondary_rate_limit_uses_retry_after(fake_apis):
    fake_apis.github.reply(f"/repos/{Z2JH}/commits/HEAD", code=429, body={"message": "secondary rate limit"},
                           headers={"Retry-After": "60"})
    with pytest.raises(ResolveError, match="GitHub rate limit exceeded. Try again in 5 minutes."):
        await gh(fake_apis, f"{Z2JH}/HEAD").resolve()


@pytest.mark.parametrize("code, text", [
    (403, "GitHub answered 403 Forbidden \\(access refused\\): Resource protected"),
    (401, "GitHub answered 401 Unauthorized \\(it refused binderd's credentials: check GitHubRepoProvider"),
    (500, "GitHub answered 500 Internal Server Error: Resource protected"),
])
async def test_refusals_are_clear(fake_apis, code, text):
    fake_apis.github.reply(f"/repos/{Z2JH}/commits/HEAD", code=code, body={"message": "Resource protected"})
    with pytest.raises(ResolveError, match=text):
        await gh(fake_apis, f"{Z2JH}/HEAD").resolve()


async def test_malformed_answers(fake_apis):
    fake_apis.github.reply(f"/repos/{Z2JH}/commits/HEAD", body="<html>not json</html>")
    with pytest.raises(ResolveError, match="GitHub answered .* with malformed JSON"):
        await gh(fake_apis, f"{Z2JH}/HEAD").resolve()
    fake_apis.github.reply(f"/repos/{Z2JH}/commits/HEAD", body={"sha": "not-a-sha"})
    with pytest.raises(ResolveError, match="not a commit sha"):
        await gh(fake_apis, f"{Z2JH}/HEAD").resolve()
    fake_apis.github.reply(f"/repos/{Z2JH}/commits/HEAD", body={"message": "no sha here"})
    with pytest.raises(ResolveError, match="Could not resolve ref"):
        await gh(fake_apis, f"{Z2JH}/HEAD").resolve()


async def test_redirect_off_the_api_host_is_refused(fake_apis):
    fake_apis.github.reply(f"/repos/{Z2JH}/commits/HEAD", code=301, location=fake_apis.elsewhere.url + "/x")
    with pytest.raises(ResolveError, match="GitHub redirected to 127.0.0.1, which binderd does not fetch from"):
        await gh(fake_apis, f"{Z2JH}/HEAD").resolve()
    assert not fake_apis.elsewhere.seen


async def test_rate_limit_headers_set_the_gauge(fake_apis):
    fake_apis.github.reply(f"/repos/{Z2JH}/commits/HEAD", body=github_commit(Z2JH_HEAD),
                           headers={"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "4321"})
    await gh(fake_apis, f"{Z2JH}/HEAD").resolve()
    assert metrics.GITHUB_RATE_LIMIT._value.get() == 4321


@pytest.mark.parametrize("ref, hint", [("master", True), ("main", False)])
async def test_master_and_main_fall_back_to_head_with_a_notice(fake_apis, ref, hint):
    repo = await gh(fake_apis, f"binder-examples/requirements/{ref}").resolve()
    assert repo.resolved_ref == REQUIREMENTS_HEAD
    assert repo.spec == "binder-examples/requirements/HEAD" and repo.unresolved_ref == "HEAD"
    expected = (f"Could not resolve ref for gh:binder-examples/requirements/{ref}. "
                "Double check your URL and that your repo is public. "
                + ('GitHub has changed default branches from "master" to "main". ' if hint else "")
                + "Tip: HEAD will always resolve to a repository's default branch.\n"
                f"Trying again with HEAD instead of {ref}. Please update your links.\n")
    assert repo.notice == expected


async def test_failed_fallback_keeps_the_hints(fake_apis):
    with pytest.raises(ResolveError) as e:
        await gh(fake_apis, "nobody/nothing/master").resolve()
    assert e.value.message == (
        "Could not resolve ref for gh:nobody/nothing/master. Double check your URL and that your repo is public. "
        'GitHub has changed default branches from "master" to "main". '
        "Tip: HEAD will always resolve to a repository's default branch.")
    fake_apis.github.reply("/repos/binder-examples/requirements/commits/HEAD", code=503)
    with pytest.raises(ResolveError, match="Could not resolve ref for gh:binder-examples/requirements/master"):
        await gh(fake_apis, "binder-examples/requirements/master", http_retries=0).resolve()


async def test_other_refs_do_not_fall_back(fake_apis):
    with pytest.raises(ResolveError) as e:
        await gh(fake_apis, "binder-examples/requirements/develop").resolve()
    assert "Tip" not in e.value.message
    assert not fake_apis.github.hits("/repos/binder-examples/requirements/commits/HEAD")


async def test_access_token_is_sent_and_becomes_git_credentials(fake_apis):
    p = gh(fake_apis, f"{Z2JH}/HEAD", access_token="tok123")
    await p.resolve()
    assert fake_apis.github.seen[-1].headers["Authorization"] == "token tok123"
    assert p.git_credentials == r"username=tok123\npassword=x-oauth-basic"
    p = gh(fake_apis, f"{Z2JH}/HEAD", access_token="tok123", client_id="cid")
    assert p.git_credentials == r"username=cid\npassword=tok123"


async def test_client_id_and_secret_use_basic_auth(fake_apis):
    await gh(fake_apis, f"{Z2JH}/HEAD", client_id="cid", client_secret="csecret").resolve()
    assert fake_apis.github.seen[-1].headers["Authorization"] == "Basic Y2lkOmNzZWNyZXQ="


def test_tokens_default_to_the_environment(monkeypatch):
    monkeypatch.setenv("GITHUB_ACCESS_TOKEN", "from-env")
    monkeypatch.setenv("GITHUB_CLIENT_ID", "id-env")
    p = GitHubRepoProvider(spec="a/b/HEAD")
    assert p.access_token == "from-env" and p.client_id == "id-env"


async def test_github_enterprise_hostname(fake_apis):
    c = fake_apis.config()
    c.GitHubRepoProvider.hostname = fake_apis.github.netloc
    c.GitHubRepoProvider.api_base_path = "http://{hostname}/api/v3"
    fake_apis.github.reply(f"/api/v3/repos/{Z2JH}/commits/HEAD", body=github_commit(Z2JH_HEAD))
    repo = await GitHubRepoProvider(spec=f"{Z2JH}/HEAD", prefix="gh", config=c).resolve()
    assert repo.resolved_ref == Z2JH_HEAD
    assert repo.repo_url == f"https://{fake_apis.github.netloc}/{Z2JH}"


async def test_banned_and_allowed_specs(fake_apis):
    with pytest.raises(SpecError, match="Sorry, jupyterhub/zero-to-jupyterhub-k8s/HEAD is not allowed to launch"):
        await gh(fake_apis, f"{Z2JH}/HEAD", banned_specs=["^JupyterHub/.*"]).resolve()
    assert not fake_apis.github.seen
    assert gh(fake_apis, f"{Z2JH}/HEAD", allowed_specs=["^binder-examples/"]).is_banned()
    assert not gh(fake_apis, f"{Z2JH}/HEAD", allowed_specs=["^JUPYTERHUB/"]).is_banned()


async def test_quota_config(fake_apis):
    p = gh(fake_apis, f"{Z2JH}/HEAD", high_quota_specs=["^jupyterhub/"],
           spec_config=[{"pattern": "^jupyterhub/", "config": {"quota": 7}}])
    repo = await p.resolve(per_repo_quota=1, per_repo_quota_higher=3)
    assert repo.repo_config == {"quota": 7}
    assert gh(fake_apis, "other/repo/HEAD", high_quota_specs=["^jupyterhub/"]).repo_config(1, 3) == {"quota": 1}


def test_display_config_is_upstreams():
    assert GitHubRepoProvider.display_config == {
        "displayName": "GitHub",
        "id": "gh",
        "spec": {"validateRegex": "[^/]+/[^/]+/.+"},
        "detect": {"regex": "^(https?://github.com/)?(?<repo>.*[^/])/?"},
        "repo": {
            "label": "GitHub repository name or URL",
            "placeholder": "example: binder-examples/requirements or https://github.com/binder-examples/requirements",
            "urlEncode": False,
        },
        "ref": {"enabled": True, "default": "HEAD"},
    }


def test_replies_are_not_shared_between_tests(fake_apis):
    assert isinstance(fake_apis.github.lookup(f"/repos/{Z2JH}/commits/HEAD"), Reply)
    assert not fake_apis.github.seen


async def test_pipeline_emits_the_fallback_as_a_waiting_event(fake_apis):
    pipeline = make_pipeline(fake_apis.config())
    events = await run(pipeline, "gh", "binder-examples/requirements/master")
    assert events[0] == {"phase": "waiting", "message": (
        "Could not resolve ref for gh:binder-examples/requirements/master. Double check your URL and that your repo "
        'is public. GitHub has changed default branches from "master" to "main". Tip: HEAD will always resolve to '
        "a repository's default branch.\nTrying again with HEAD instead of master. Please update your links.\n")}
    assert events[-1]["phase"] == "ready"
    assert events[-1]["binder_request"] == "v2/gh/binder-examples/requirements/HEAD"
    assert events[-1]["binder_persistent_request"] == f"v2/gh/binder-examples/requirements/{REQUIREMENTS_HEAD}"


async def test_pipeline_without_fallback_has_no_extra_event(fake_apis):
    events = await run(make_pipeline(fake_apis.config()), "gh", f"{Z2JH}/0.9.1")
    assert [e["phase"] for e in events] == ["waiting", "building", "built", "launching", "ready"]
    assert events[0]["message"] == "Waiting for build to start...\n"
    assert events[-1]["binder_request"] == f"v2/gh/{Z2JH}/0.9.1"
