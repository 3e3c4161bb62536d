"""The CKAN provider against a fake CKAN action API (package_show, activity_data_show)."""

from urllib.parse import quote

import pytest

from binderd.errors import ResolveError, SpecError
from binderd.providers.ckan import CKANProvider
from tests.fixtures.fake_apis import CKAN_ACTIVITY, CKAN_DATASET, ckan_package

MODIFIED = 1672780001  # 2023-01-03T21:06:41Z
ACTIVITY_MODIFIED = 1619863200  # 2021-05-01T10:00:00Z


def ckan(fake_apis, url, **settings):
    return CKANProvider(spec=quote(url, safe=""), prefix="ckan", config=fake_apis.config(CKANProvider=settings))


async def test_dataset_resolves_to_its_modification_time(fake_apis):
    url = f"{fake_apis.ckan.url}/dataset/{CKAN_DATASET}"
    repo = await ckan(fake_apis, url).resolve()
    assert repo.resolved_ref == f"{CKAN_DATASET}.v{MODIFIED}"
    assert repo.repo_url == repo.resolved_spec == repo.ref_url == url
    assert repo.build_slug == f"ckan-{CKAN_DATASET}"
    assert fake_apis.ckan.seen[-1].uri == f"/api/3/action/package_show?id={CKAN_DATASET}"


@pytest.mark.parametrize("suffix", [f"/history/{CKAN_ACTIVITY}", f"?activity_id={CKAN_ACTIVITY}"])
async def test_activity_links_pin_that_activity(fake_apis, suffix):
    repo = await ckan(fake_apis, f"{fake_apis.ckan.url}/dataset/{CKAN_DATASET}{suffix}").resolve()
    assert repo.resolved_ref == f"{CKAN_DATASET}.v{ACTIVITY_MODIFIED}"
    assert fake_apis.ckan.seen[-1].uri.startswith(f"/api/3/action/activity_data_show?id={CKAN_ACTIVITY}")


async def test_portal_under_a_path_prefix(fake_apis):
    fake_apis.ckan.reply(f"/portal/api/3/action/package_show?id={CKAN_DATASET}",
                         body=ckan_package("2023-01-03T21:06:41"))
    repo = await ckan(fake_apis, f"{fake_apis.ckan.url}/portal/dataset/{CKAN_DATASET}").resolve()
    assert repo.resolved_ref == f"{CKAN_DATASET}.v{MODIFIED}"


@pytest.mark.parametrize("path", ["/group/x", "/dataset/", "/dataset/nosuch"])
async def test_not_a_dataset(fake_apis, path):
    with pytest.raises(ResolveError, match="Could not resolve ref for ckan:"):
        await ckan(fake_apis, fake_apis.ckan.url + path).resolve()


async def test_private_networks_need_the_operators_permission(fake_apis):
    with pytest.raises(ResolveError, match="loopback address"):
        await ckan(fake_apis, f"{fake_apis.ckan.url}/dataset/{CKAN_DATASET}", allowed_networks=[]).resolve()
    assert not fake_apis.ckan.seen
    with pytest.raises(ResolveError, match="link-local or cloud metadata"):
        await ckan(fake_apis, "http://169.254.169.254/dataset/x", allowed_networks=["0.0.0.0/0"]).resolve()


async def test_hosts_restrict_portals(fake_apis):
    with pytest.raises(ResolveError, match="which binderd does not fetch from"):
        await ckan(fake_apis, f"{fake_apis.ckan.url}/dataset/{CKAN_DATASET}", hosts=["demo.ckan.org"]).resolve()
    repo = await ckan(fake_apis, f"{fake_apis.ckan.url}/dataset/{CKAN_DATASET}", hosts=["127.0.0.1"]).resolve()
    assert repo.resolved_ref.endswith(f".v{MODIFIED}")


@pytest.mark.parametrize("body, message", [
    ({"success": True, "result": {"name": "x"}}, "without a valid metadata_modified"),
    ({"success": True, "result": {"metadata_modified": "yesterday"}}, "without a valid metadata_modified"),
    ({"success": True, "result": []}, "answered without a dataset"),
    ("{nope", "malformed JSON"),
])
async def test_malformed_answers(fake_apis, body, message):
    fake_apis.ckan.reply(f"/api/3/action/package_show?id={CKAN_DATASET}", body=body)
    with pytest.raises(ResolveError, match=message):
        await ckan(fake_apis, f"{fake_apis.ckan.url}/dataset/{CKAN_DATASET}").resolve()


@pytest.mark.parametrize("spec", ["not-a-url", quote("ftp://h/dataset/x", safe=""),
                                  quote("https:///dataset/x", safe="")])
def test_bad_specs(spec):
    with pytest.raises(SpecError, match="CKAN dataset URL"):
        CKANProvider(spec=spec)


def test_bad_allowed_networks_is_a_config_error():
    with pytest.raises(Exception, match="allowed_networks"):
        CKANProvider(spec=quote("https://h/dataset/x", safe=""), allowed_networks=["nope"])


def test_display_config_is_upstreams():
    assert CKANProvider.display_config == {
        "displayName": "CKAN dataset",
        "id": "ckan",
        "spec": {"validateRegex": "[^/]+"},
        "repo": {"label": "CKAN dataset URL", "placeholder": "https://demo.ckan.org/dataset/my-sample-dataset-001",
                 "urlEncode": True},
        "ref": {"enabled": False},
    }
