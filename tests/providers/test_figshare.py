"""The Figshare provider: DOI through a fake doi.org, versions from a fake Figshare v2 API."""

import pytest

from binderd.errors import ResolveError, SpecError
from binderd.providers.figshare import FigshareProvider


def figshare(fake_apis, spec, **settings):
    return FigshareProvider(spec=spec, prefix="figshare", config=fake_apis.config(FigshareProvider=settings))


async def test_unversioned_doi_gets_the_latest_version(fake_apis):
    repo = await figshare(fake_apis, "10.6084/m9.figshare.9782777").resolve()
    assert repo.resolved_ref == "9782777.v3"
    assert repo.resolved_spec == "10.6084/m9.figshare.9782777.v3"
    assert repo.repo_url == "10.6084/m9.figshare.9782777"
    assert repo.ref_url == f"{fake_apis.doi.url}/10.6084/m9.figshare.9782777.v3"
    assert repo.build_slug == "figshare-9782777.v3"


async def test_versioned_doi_keeps_its_version(fake_apis):
    repo = await figshare(fake_apis, "10.6084/m9.figshare.9782777.v1").resolve()
    assert repo.resolved_ref == "9782777.v1" and repo.resolved_spec == "10.6084/m9.figshare.9782777.v1"
    assert not fake_apis.figshare.hits("/v2/articles/9782777/versions")


@pytest.mark.parametrize("spec, message", [
    ("10.6084/figshare", "is not a Figshare DOI"),
    ("10.6084/m9.figshare.abc", "does not end in a Figshare article id"),
    ("10.6084/m9.figshare.1.vX", "does not end in a Figshare article id"),
])
def test_bad_specs(spec, message):
    with pytest.raises(SpecError, match=message):
        FigshareProvider(spec=spec)


async def test_doi_of_another_service_is_refused(fake_apis):
    fake_apis.doi.reply("/10.6084/m9.figshare.1", code=302, location=fake_apis.zenodo.url + "/records/1")
    with pytest.raises(ResolveError, match="leads to 127.0.0.1, which is not a Figshare host"):
        await figshare(fake_apis, "10.6084/m9.figshare.1").resolve()


async def test_unknown_article(fake_apis):
    fake_apis.doi.reply("/10.6084/m9.figshare.5", code=302, location=fake_apis.figshare.url + "/articles/x/5")
    fake_apis.figshare.reply("/articles/x/5", body="<html></html>")
    with pytest.raises(ResolveError, match="Could not resolve ref for figshare:10.6084/m9.figshare.5"):
        await figshare(fake_apis, "10.6084/m9.figshare.5").resolve()


@pytest.mark.parametrize("body, message", [
    ({"version": 1}, "something other than a list of article versions"),
    ([{"version": "one"}], "not a number"),
    ("[{", "malformed JSON"),
])
async def test_malformed_version_lists(fake_apis, body, message):
    fake_apis.figshare.reply("/v2/articles/9782777/versions", body=body)
    with pytest.raises(ResolveError, match=message):
        await figshare(fake_apis, "10.6084/m9.figshare.9782777").resolve()


def test_institutional_portals_are_figshare_hosts():
    p = FigshareProvider(spec="10.6084/m9.figshare.1.v1")
    assert p.service_policy().matches("https://springernature.figshare.com/articles/1")
    assert not p.service_policy().matches("https://zenodo.org/records/1")


def test_display_config_is_upstreams():
    assert FigshareProvider.display_config == {
        "displayName": "FigShare DOI",
        "id": "figshare",
        "spec": {"validateRegex": r"10\.\d+\/(.)+"},
        "repo": {"label": "FigShare DOI", "placeholder": "example: 10.6084/m9.figshare.9782777.v1", "urlEncode": False},
        "ref": {"enabled": False},
    }
