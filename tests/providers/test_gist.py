"""The Gist provider: a GitHub subclass, against a fake GitHub Gists API."""

import pytest
from traitlets.config import Config

from binderd.errors import ResolveError, SpecError
from binderd.providers.gist import GistRepoProvider
from tests.fixtures.fake_apis import GIST_PUBLIC, GIST_PUBLIC_VERSION, GIST_SECRET, GIST_SECRET_VERSIONS


def gist(fake_apis, spec, **settings):
    return GistRepoProvider(spec=spec, prefix="gist", config=fake_apis.config(GistRepoProvider=settings))


@pytest.mark.parametrize("ref", ["", "/HEAD", "/master", "/main"])
async def test_default_refs_resolve_to_the_latest_revision(fake_apis, ref):
    repo = await gist(fake_apis, f"mariusvniekerk/{GIST_PUBLIC}{ref}").resolve()
    assert repo.resolved_ref == GIST_PUBLIC_VERSION
    assert repo.repo_url == f"https://gist.github.com/mariusvniekerk/{GIST_PUBLIC}.git"
    assert repo.resolved_spec == f"mariusvniekerk/{GIST_PUBLIC}/{GIST_PUBLIC_VERSION}"
    assert repo.ref_url == f"https://gist.github.com/mariusvniekerk/{GIST_PUBLIC}/{GIST_PUBLIC_VERSION}"
    assert repo.build_slug == GIST_PUBLIC and repo.provider_name == "Gist"


async def test_secret_gists_need_permission(fake_apis):
    with pytest.raises(ResolveError) as e:
        await gist(fake_apis, f"mariusvniekerk/{GIST_SECRET}").resolve()
    assert e.value.message == (
        f"Error resolving ref for gist:mariusvniekerk/{GIST_SECRET}: You seem to want to use a secret Gist, but do "
        "not have permission to do so. To enable secret Gist support, set (or have an administrator set) "
        "'GistRepoProvider.allow_secret_gist = True'")
    repo = await gist(fake_apis, f"mariusvniekerk/{GIST_SECRET}", allow_secret_gist=True).resolve()
    assert repo.resolved_ref == GIST_SECRET_VERSIONS[0]


async def test_a_ref_must_be_in_the_history(fake_apis):
    older = GIST_SECRET_VERSIONS[1]
    repo = await gist(fake_apis, f"u/{GIST_SECRET}/{older}", allow_secret_gist=True).resolve()
    assert repo.resolved_ref == older
    with pytest.raises(ResolveError, match=f"Could not resolve ref for gist:u/{GIST_SECRET}/{'0' * 40}"):
        await gist(fake_apis, f"u/{GIST_SECRET}/{'0' * 40}", allow_secret_gist=True).resolve()
    with pytest.raises(ResolveError, match="Could not resolve ref for gist:u/nosuchgist"):
        await gist(fake_apis, "u/nosuchgist").resolve()


async def test_malformed_gist_answers(fake_apis):
    fake_apis.github.reply(f"/gists/{GIST_PUBLIC}", body={"public": True, "history": [{"version": "v1"}]})
    with pytest.raises(ResolveError, match="not a commit sha"):
        await gist(fake_apis, f"u/{GIST_PUBLIC}").resolve()
    fake_apis.github.reply(f"/gists/{GIST_PUBLIC}", body={"public": True})
    with pytest.raises(ResolveError, match="without a revision history"):
        await gist(fake_apis, f"u/{GIST_PUBLIC}").resolve()


@pytest.mark.parametrize("spec", ["justone", "a/b/c/d", "u//x", "u/gist id"])
def test_bad_specs(spec):
    with pytest.raises(SpecError):
        GistRepoProvider(spec=spec)


async def test_github_configuration_applies_to_gists(fake_apis):
    c = Config()
    c.GitHubRepoProvider.api_base_path = fake_apis.github.url
    c.GitHubRepoProvider.access_token = "gh-token"
    c.GitHubRepoProvider.banned_specs = ["^evil/"]
    c.GitHubRepoProvider.hostname = "github.example.com"  # GitHub Enterprise does not move gists
    p = GistRepoProvider(spec=f"mariusvniekerk/{GIST_PUBLIC}", prefix="gist", config=c)
    repo = await p.resolve()
    assert fake_apis.github.seen[-1].headers["Authorization"] == "token gh-token"
    assert repo.repo_url.startswith("https://gist.github.com/")
    assert GistRepoProvider(spec="evil/123", config=c).is_banned()
    c.GistRepoProvider.banned_specs = []  # the subclass's own setting wins
    assert not GistRepoProvider(spec="evil/123", config=c).is_banned()


def test_api_base_uses_the_github_host():
    assert GistRepoProvider(spec="u/1").api_base == "https://api.github.com"


def test_display_config_is_upstreams():
    assert GistRepoProvider.display_config == {
        "displayName": "GitHub Gist",
        "id": "gist",
        "spec": {"validateRegex": "[^/]+/[^/]+(/[^/]+)?"},
        "detect": {"regex": "^(https?://gist.github.com/)?(?<repo>.*[^/])/?"},
        "repo": {"label": "Gist ID (username/gistId) or URL", "placeholder": "", "urlEncode": False},
        "ref": {"enabled": True, "default": "HEAD"},
    }
