"""The git provider: spec parsing, safety checks, and resolution against a real git server."""

import pytest
from traitlets.config import Config

from binderd.errors import ResolveError, SpecError
from binderd.providers.git import GitRepoProvider
from urllib.parse import quote


def provider(spec, **config):
    c = Config()
    c.GitRepoProvider.update(config)
    return GitRepoProvider(spec=spec, prefix="git", config=c)


@pytest.mark.parametrize(
    "spec, message",
    [
        ("no-slash", "Spec is not of the form"),
        (quote("https://h/r", safe="") + "/", "Spec is not of the form"),
        (quote("ftp://h/r", safe="") + "/main", "protocol ftp not in"),
        (quote("file:///etc", safe="") + "/main", "protocol file not in"),
        (quote("ext::sh -c id", safe="") + "/main", "Unsupported git url"),
        ("not%20a%20repo/main", "Unsupported git url"),
        (quote("--upload-pack=id", safe="") + "/main", "may not start with '-'"),
        (quote("https://h/r", safe="") + "/--output=x", "may not start with '-'"),
        (quote("https://h/r", safe="") + "/a%0Ab", "control characters"),
    ],
)
def test_bad_specs(spec, message):
    with pytest.raises(SpecError, match=message):
        provider(spec)


def test_scp_like_urls_become_ssh():
    p = provider(quote("git@github.com:jupyterhub/binderhub", safe="") + "/HEAD")
    assert p.get_repo_url() == "ssh://git@github.com/jupyterhub/binderhub"


@pytest.mark.parametrize(
    "url, why",
    [
        ("http://169.254.169.254/latest", "link-local or cloud metadata"),
        ("http://[fd00:ec2::254]/x", "link-local or cloud metadata"),
        ("http://[::ffff:169.254.169.254]/x", "link-local or cloud metadata"),
        ("http://127.0.0.1/x", "loopback"),
        ("http://localhost/x", "loopback"),
        ("http://10.1.2.3/x", "private network"),
        ("http://192.168.0.1/x", "private network"),
    ],
)
async def test_forbidden_hosts(url, why):
    with pytest.raises(ResolveError, match=why):
        await provider(quote(url, safe="") + "/main").resolve()


async def test_metadata_refused_even_when_operator_allows_everything():
    p = provider(quote("http://169.254.169.254/x", safe="") + "/main", allowed_networks=["0.0.0.0/0"])
    with pytest.raises(ResolveError, match="metadata"):
        await p.resolve()


def test_bad_allowed_networks_is_a_config_error():
    with pytest.raises(Exception, match="allowed_networks"):
        provider("x/y", allowed_networks=["not-a-cidr"])


async def test_sha_passes_through_without_contacting_the_server():
    # a public address literal: the host check needs no DNS, and nothing listens there for us
    sha = "a" * 40
    repo = await provider(quote("https://192.0.2.250/r", safe="") + f"/{sha}", allowed_networks=["192.0.2.0/24"]).resolve()
    assert repo.resolved_ref == sha


async def test_resolves_against_real_server(git_server):
    repo = git_server.create("provider-git")
    sha = repo.commit({"x": "1"})
    for url in (repo.git_url, repo.http_url):
        resolved = await provider(quote(url, safe="") + "/main", allowed_networks=["127.0.0.1/32"]).resolve()
        assert resolved.resolved_ref == sha
        assert resolved.repo_url == url == resolved.build_slug == resolved.ref_url
        assert resolved.resolved_spec == quote(url, safe="") + "/" + sha
        assert resolved.provider_name == "Git"


async def test_unresolvable_ref(git_server):
    repo = git_server.create("provider-git-noref")
    with pytest.raises(ResolveError, match="Could not resolve ref for git:"):
        await provider(quote(repo.git_url, safe="") + "/nosuchbranch", allowed_networks=["127.0.0.1/32"]).resolve()


def test_bans_are_case_insensitive_and_anchored():
    p = provider("https%3A%2F%2FEvil.org%2Fr/main", banned_specs=["https%3a%2f%2fevil"])
    assert p.is_banned()
    assert not provider("http%3A%2F%2Fhttps%3A%2F%2Fevil.org/main", banned_specs=["https%3a%2f%2fevil"]).is_banned()
    assert provider("https%3A%2F%2Fa/b", allowed_specs=["^https%3A%2F%2Fc"]).is_banned()
    assert not provider("https%3A%2F%2Fc/b", allowed_specs=["^https%3A%2F%2Fc"]).is_banned()


def test_spec_config_last_match_wins():
    p = provider("https%3A%2F%2Fabc/main", spec_config=[{"pattern": "https", "config": {"quota": 1}}, {"pattern": "HTTPS%3a", "config": {"quota": 2}}, {"pattern": "x", "config": {"quota": 3}}])
    assert p.repo_config(5, 10) == {"quota": 2}


@pytest.mark.parametrize(
    "escaped",
    [
        "https%3A%2F%2F192.0.2.250%2Frepo(1)",  # parentheses left as the client sent them
        "git%40192.0.2.250%3Arepo.git",  # scp-like: not rewritten to an ssh:// URL in the spec
        "https%3a%2f%2f192.0.2.250%2fr",  # lower-case escapes kept
    ],
)
async def test_resolved_spec_keeps_the_clients_escaping(escaped):
    sha = "b" * 40
    repo = await provider(f"{escaped}/{sha}", allowed_networks=["192.0.2.0/24"]).resolve()
    assert repo.resolved_spec == f"{escaped}/{sha}"
