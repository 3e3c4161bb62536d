"""The Dataverse provider: DOI through a fake doi.org to a fake Dataverse native API."""

import pytest

from binderd.errors import ResolveError, SpecError
from binderd.providers.dataverse import DataverseProvider
from tests.fixtures.fake_apis import dataverse_dataset

API = "/api/datasets/:persistentId?persistentId=doi:10.7910/DVN/TJCLKP"


def dataverse(fake_apis, spec="10.7910/DVN/TJCLKP", **settings):
    return DataverseProvider(spec=spec, prefix="dataverse", config=fake_apis.config(DataverseProvider=settings))


async def test_resolves_like_upstream(fake_apis):
    repo = await dataverse(fake_apis).resolve()
    assert repo.resolved_ref == "3035124.v4.0"
    assert repo.resolved_spec == "10.7910/DVN/TJCLKP"
    assert repo.ref_url == "https://doi.org/10.7910/DVN/TJCLKP"
    assert repo.repo_url == "10.7910/DVN/TJCLKP"
    assert repo.build_slug == "dataverse-dvn-2ftjclkp"
    assert fake_apis.dataverse.hits(API)


async def test_any_public_host_by_default_but_not_private_ones(fake_apis):
    with pytest.raises(ResolveError, match="loopback"):
        await dataverse(fake_apis, allowed_networks=[]).resolve()
    assert not fake_apis.dataverse.seen


async def test_hosts_restrict_where_the_doi_may_lead(fake_apis):
    repo = await dataverse(fake_apis, hosts=[fake_apis.dataverse.netloc]).resolve()
    assert repo.resolved_ref == "3035124.v4.0"
    with pytest.raises(ResolveError, match="which is not a Dataverse host"):
        await dataverse(fake_apis, hosts=["dataverse.harvard.edu"]).resolve()


async def test_doi_of_another_service_is_refused(fake_apis):
    fake_apis.doi.reply("/10.5281/zenodo.3242073", code=302, location=fake_apis.zenodo.url + "/records/3242074")
    with pytest.raises(ResolveError, match="leads to .*/records/3242074, which is not a Dataverse dataset page"):
        await dataverse(fake_apis, "10.5281/zenodo.3242073").resolve()


async def test_api_redirect_to_another_host_is_refused(fake_apis):
    fake_apis.dataverse.reply(API, code=302, location=fake_apis.elsewhere.url + "/api")
    with pytest.raises(ResolveError, match=f"Dataverse at {fake_apis.dataverse.netloc} redirected"):
        await dataverse(fake_apis).resolve()
    assert not fake_apis.elsewhere.seen


@pytest.mark.parametrize("body, message", [
    ({"status": "ERROR", "message": "no"}, "answered status 'ERROR'"),
    ({"status": "OK", "data": {"id": 1}}, "answered a dataset without 'latestVersion'"),
    ({"status": "OK", "data": {**dataverse_dataset()["data"], "latestVersion": None}}, "unexpected dataset document"),
    (["OK"], "unexpected dataset document"),
    ("<html>", "malformed JSON"),
])
async def test_malformed_answers(fake_apis, body, message):
    fake_apis.dataverse.reply(API, body=body)
    with pytest.raises(ResolveError, match=message):
        await dataverse(fake_apis).resolve()


async def test_unknown_dataset(fake_apis):
    fake_apis.dataverse.reply(API, code=404, body={"status": "ERROR", "message": "Dataset not found"})
    with pytest.raises(ResolveError, match="Could not resolve ref for dataverse:10.7910/DVN/TJCLKP"):
        await dataverse(fake_apis).resolve()


def test_bad_spec():
    with pytest.raises(SpecError, match="DOI"):
        DataverseProvider(spec="doi:10.7910/DVN/TJCLKP")


def test_display_config_is_upstreams():
    assert DataverseProvider.display_config == {
        "displayName": "Dataverse DOI",
        "id": "dataverse",
        "spec": {"validateRegex": r"10\.\d+\/(.)+"},
        "repo": {"label": "Dataverse DOI", "placeholder": "example: 10.7910/DVN/TJCLKP", "urlEncode": False},
        "ref": {"enabled": False},
    }
