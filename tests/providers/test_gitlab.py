"""The GitLab provider against a fake GitLab v4 API."""

import pytest

from binderd.errors import ResolveError, SpecError
from binderd.providers.gitlab import GitLabRepoProvider
from tests.fixtures.fake_apis import GITLAB_FOSS_HEAD, GITLAB_FOSS_V10

FOSS = "gitlab-org%2Fgitlab-foss"


def gl(fake_apis, spec, **settings):
    return GitLabRepoProvider(spec=spec, prefix="gl", config=fake_apis.config(GitLabRepoProvider=settings))


async def test_resolves_like_upstream(fake_apis):
    repo = await gl(fake_apis, f"{FOSS}/v10.0.6").resolve()
    assert repo.resolved_ref == GITLAB_FOSS_V10
    assert repo.repo_url == "https://gitlab.com/gitlab-org/gitlab-foss.git"
    assert repo.resolved_spec == f"{FOSS}/{GITLAB_FOSS_V10}"
    assert repo.ref_url == f"https://gitlab.com/gitlab-org/gitlab-foss/tree/{GITLAB_FOSS_V10}"
    assert repo.build_slug == "gitlab_-org-gitlab_-foss"
    assert fake_apis.gitlab.seen[-1].uri == "/api/v4/projects/gitlab-org%2Fgitlab-foss/repository/commits/v10.0.6"


async def test_ref_is_escaped_into_the_api_path(fake_apis):
    fake_apis.gitlab.reply("/api/v4/projects/gitlab-org/gitlab-foss/repository/commits/feature/x",
                           body={"id": GITLAB_FOSS_HEAD})
    repo = await gl(fake_apis, f"{FOSS}/feature%2Fx").resolve()
    assert repo.resolved_ref == GITLAB_FOSS_HEAD
    assert fake_apis.gitlab.seen[-1].uri.endswith("/commits/feature%2Fx")


async def test_unknown_ref(fake_apis):
    with pytest.raises(ResolveError, match=f"Could not resolve ref for gl:{FOSS}/nosuchref"):
        await gl(fake_apis, f"{FOSS}/nosuchref").resolve()


@pytest.mark.parametrize("spec, message", [
    ("gitlab-org%2Fgitlab-foss", "Spec is not of the form"),
    ("gitlab-org%2Fgitlab-foss/", "An unresolved ref is required"),
    ("gitlab-org%2F..%2Fx/HEAD", "is not a GitLab project path"),
    ("a%3Fb/HEAD", "is not a GitLab project path"),
    ("a%2Fb/x%20y", "not a valid git ref"),
])
def test_bad_specs(spec, message):
    with pytest.raises(SpecError, match=message):
        GitLabRepoProvider(spec=spec)


@pytest.mark.parametrize("code, message", [
    (401, "GitLab answered 401 Unauthorized: 401 Unauthorized"),
    (403, "GitLab answered 403 Forbidden"),
])
async def test_refusals(fake_apis, code, message):
    fake_apis.gitlab.reply("/api/v4/projects/gitlab-org/gitlab-foss/repository/commits/HEAD",
                           code=code, body={"message": "401 Unauthorized"})
    with pytest.raises(ResolveError, match=message):
        await gl(fake_apis, f"{FOSS}/HEAD").resolve()


async def test_rate_limit(fake_apis):
    fake_apis.gitlab.reply("/api/v4/projects/gitlab-org/gitlab-foss/repository/commits/HEAD",
                           code=429, body="Retry later", headers={"Retry-After": "400"})
    with pytest.raises(ResolveError, match="GitLab rate limit exceeded. Try again in 10 minutes."):
        await gl(fake_apis, f"{FOSS}/HEAD").resolve()


async def test_non_sha_id_is_an_error(fake_apis):
    fake_apis.gitlab.reply("/api/v4/projects/gitlab-org/gitlab-foss/repository/commits/HEAD", body={"id": 42})
    with pytest.raises(ResolveError, match="not a commit sha"):
        await gl(fake_apis, f"{FOSS}/HEAD").resolve()


async def test_private_token_is_a_header_and_the_git_password(fake_apis):
    fake_apis.gitlab.reply("/api/v4/projects/me/private/repository/commits/HEAD",
                           body={"id": GITLAB_FOSS_HEAD}, require={"PRIVATE-TOKEN": "glpat-secret"})
    with pytest.raises(ResolveError, match="Could not resolve ref"):
        await gl(fake_apis, "me%2Fprivate/HEAD").resolve()
    p = gl(fake_apis, "me%2Fprivate/HEAD", private_token="glpat-secret")
    repo = await p.resolve()
    assert repo.git_credentials == r"username=binderhub\npassword=glpat-secret"
    assert "glpat-secret" not in fake_apis.gitlab.seen[-1].uri  # not in the URL, unlike upstream


async def test_access_token_is_a_bearer_token(fake_apis, monkeypatch):
    monkeypatch.setenv("GITLAB_ACCESS_TOKEN", "oauth-env")
    await gl(fake_apis, f"{FOSS}/HEAD").resolve()
    assert fake_apis.gitlab.seen[-1].headers["Authorization"] == "Bearer oauth-env"
    assert gl(fake_apis, f"{FOSS}/HEAD").git_credentials == ""


async def test_self_hosted_gitlab(fake_apis):
    c = fake_apis.config()
    c.GitLabRepoProvider.hostname = fake_apis.gitlab.netloc
    c.GitLabRepoProvider.api_base_path = "http://{hostname}/api/v4"
    repo = await GitLabRepoProvider(spec=f"{FOSS}/HEAD", prefix="gl", config=c).resolve()
    assert repo.resolved_ref == GITLAB_FOSS_HEAD
    assert repo.repo_url == f"https://{fake_apis.gitlab.netloc}/gitlab-org/gitlab-foss.git"


def test_bans_match_the_escaped_spec():
    p = GitLabRepoProvider(spec=f"{FOSS}/HEAD", banned_specs=["^gitlab-org%2f"])
    assert p.is_banned()


def test_display_config_is_upstreams():
    assert GitLabRepoProvider.display_config == {
        "displayName": "GitLab",
        "id": "gl",
        "spec": {"validateRegex": "[^/]+/.+"},
        "detect": {"regex": "^(https?://gitlab.com/)?(?<repo>.*[^/])/?"},
        "repo": {
            "label": "GitLab repository name or URL",
            "placeholder": "example: https://gitlab.com/mosaik/examples/mosaik-tutorials-on-binder or "
            "mosaik/examples/mosaik-tutorials-on-binder",
            "urlEncode": True,
        },
        "ref": {"enabled": True, "default": "HEAD"},
    }
