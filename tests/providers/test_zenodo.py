"""The Zenodo provider: a DOI followed through a fake doi.org to a fake Zenodo."""

import pytest

from binderd.errors import ResolveError, SpecError
from binderd.providers.zenodo import ZenodoProvider


def zenodo(fake_apis, spec, **settings):
    return ZenodoProvider(spec=spec, prefix="zenodo", config=fake_apis.config(ZenodoProvider=settings))


async def test_concept_doi_resolves_to_the_latest_version(fake_apis):
    repo = await zenodo(fake_apis, "10.5281/zenodo.3242073").resolve()
    assert repo.resolved_ref == "3242074"
    assert repo.resolved_spec == "10.5281/zenodo.3242074"
    assert repo.repo_url == "10.5281/zenodo.3242073"  # repo2docker resolves the DOI itself
    assert repo.ref_url == f"{fake_apis.doi.url}/10.5281/zenodo.3242074"
    assert repo.build_slug == "zenodo-3242074"
    assert [s.uri for s in fake_apis.zenodo.seen] == ["/doi/10.5281/zenodo.3242073", "/records/3242074"]


async def test_default_resolver_and_ref_url_are_doi_org():
    p = ZenodoProvider(spec="10.5281/zenodo.3242074")
    p.record_id = "3242074"
    assert p.doi_resolver_url == "https://doi.org"
    assert p.get_resolved_ref_url() == "https://doi.org/10.5281/zenodo.3242074"
    assert p.hosts == ["zenodo.org", "sandbox.zenodo.org", "data.caltech.edu"]


async def test_unknown_doi(fake_apis):
    with pytest.raises(ResolveError, match="Could not resolve ref for zenodo:10.5281/zenodo.999"):
        await zenodo(fake_apis, "10.5281/zenodo.999").resolve()


async def test_doi_of_another_service_is_refused(fake_apis):
    fake_apis.doi.reply("/10.5281/zenodo.1", code=302, location=fake_apis.figshare.url + "/articles/x/1")
    with pytest.raises(ResolveError) as e:
        await zenodo(fake_apis, "10.5281/zenodo.1").resolve()
    assert e.value.message == (
        f"Error resolving ref for zenodo:10.5281/zenodo.1: The DOI 10.5281/zenodo.1 leads to 127.0.0.1, "
        f"which is not a Zenodo host ({fake_apis.zenodo.netloc}).")
    assert not fake_apis.figshare.seen


async def test_landing_page_that_is_not_a_record(fake_apis):
    fake_apis.doi.reply("/10.5281/zenodo.2", code=302, location=fake_apis.zenodo.url + "/communities/abc")
    fake_apis.zenodo.reply("/communities/abc", body="<html></html>")
    with pytest.raises(ResolveError, match="not a Zenodo record page"):
        await zenodo(fake_apis, "10.5281/zenodo.2").resolve()


async def test_resolver_errors_are_clear(fake_apis):
    fake_apis.doi.reply("/10.5281/zenodo.3", code=500, body="oops")
    with pytest.raises(ResolveError, match="the DOI resolver answered 500 Internal Server Error for the DOI"):
        await zenodo(fake_apis, "10.5281/zenodo.3").resolve()


@pytest.mark.parametrize("spec", ["zenodo.3242073", "11.5281/zenodo.1", "10.5281", "10.x/zenodo", "10.5281/a b"])
def test_specs_must_be_dois(spec):
    with pytest.raises(SpecError, match='Spec is not a DOI of the form "10.NNNN/<suffix>"'):
        ZenodoProvider(spec=spec)


def test_display_config_is_upstreams():
    assert ZenodoProvider.display_config == {
        "displayName": "Zenodo DOI",
        "id": "zenodo",
        "spec": {"validateRegex": r"10\.\d+\/(.)+"},
        "repo": {"label": "Zenodo DOI", "placeholder": "example: 10.5281/zenodo.3242074", "urlEncode": False},
        "ref": {"enabled": False},
    }
