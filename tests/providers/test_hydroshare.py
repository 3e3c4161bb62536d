"""The HydroShare provider against a fake HydroShare science-metadata API."""

import pytest

from binderd.errors import ResolveError, SpecError
from binderd.providers.hydroshare import HydroshareProvider
from tests.fixtures.fake_apis import HYDROSHARE_ID

ELEMENTS = f"/hsapi/resource/{HYDROSHARE_ID}/scimeta/elements"
# 2018-12-27T18:16:46Z, the recorded resource's "modified" date, in UTC epoch seconds
MODIFIED = 1545934606


def hydroshare(fake_apis, spec):
    return HydroshareProvider(spec=spec, prefix="hydroshare", config=fake_apis.config())


@pytest.mark.parametrize("spec", [
    HYDROSHARE_ID,
    f"https%3A%2F%2Fwww.hydroshare.org%2Fresource%2F{HYDROSHARE_ID}",
    f"https://www.hydroshare.org/resource/{HYDROSHARE_ID}/",
    f"10.4211/hs.{HYDROSHARE_ID}",
])
async def test_ids_urls_and_dois_resolve_to_the_modification_time(fake_apis, spec):
    repo = await hydroshare(fake_apis, spec).resolve()
    assert repo.resolved_ref == f"{HYDROSHARE_ID}.v{MODIFIED}"
    assert repo.repo_url == f"{fake_apis.hydroshare.url}/resource/{HYDROSHARE_ID}"
    assert repo.resolved_spec == repo.ref_url == repo.repo_url
    assert repo.build_slug == f"hydroshare-{HYDROSHARE_ID}.v{MODIFIED}"


def test_default_site_is_upstreams():
    url = HydroshareProvider(spec=HYDROSHARE_ID).get_repo_url()
    assert url == f"https://www.hydroshare.org/resource/{HYDROSHARE_ID}"


def test_unrecognised_id():
    with pytest.raises(SpecError) as e:
        HydroshareProvider(spec="not-a-resource")
    assert e.value.message == "The specified Hydroshare resource id was not recognized."


async def test_unknown_resource(fake_apis):
    with pytest.raises(ResolveError, match="Could not resolve ref for hydroshare:"):
        await hydroshare(fake_apis, "0" * 32).resolve()


@pytest.mark.parametrize("body", [
    {"dates": [{"type": "created", "start_date": "2018-10-11T20:50:07Z"}]},
    {"dates": [{"type": "modified", "start_date": "last tuesday"}]},
    {"title": "no dates"},
    [],
])
async def test_metadata_without_a_usable_date(fake_apis, body):
    fake_apis.hydroshare.reply(ELEMENTS, body=body)
    with pytest.raises(ResolveError, match="without a valid modification date"):
        await hydroshare(fake_apis, HYDROSHARE_ID).resolve()


def test_display_config_is_upstreams():
    assert HydroshareProvider.display_config == {
        "displayName": "Hydroshare resource",
        "id": "hydroshare",
        "spec": {"validateRegex": "[^/]+"},
        "repo": {"label": "Hydroshare resource id", "placeholder": "example: 8f7c2f0341ef4180b0dbe97f59130756",
                 "urlEncode": True},
        "ref": {"enabled": False},
    }
