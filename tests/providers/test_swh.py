"""The Software Heritage provider against a fake SWH web API (/api/1/resolve/)."""

import pytest

from binderd.errors import ResolveError, SpecError
from binderd.providers.swh import SwhidProvider
from tests.fixtures.fake_apis import SWH_DIR

SWHID = f"swh:1:dir:{SWH_DIR}"


def swh(fake_apis, spec=SWHID, **settings):
    return SwhidProvider(spec=spec, prefix="swh", config=fake_apis.config(SwhidProvider=settings))


async def test_archived_directory_resolves_to_its_hash(fake_apis):
    repo = await swh(fake_apis).resolve()
    assert repo.resolved_ref == SWH_DIR
    assert repo.repo_url == repo.resolved_spec == SWHID  # repo2docker fetches SWHIDs itself
    assert repo.ref_url == f"{fake_apis.swh.url}/{SWHID}"
    assert repo.build_slug == f"swh-dir-{SWH_DIR}"
    assert fake_apis.swh.seen[-1].uri == f"/api/1/resolve/{SWHID}/"


async def test_unknown_object(fake_apis):
    with pytest.raises(ResolveError, match=f"Could not resolve ref for swh:swh:1:rev:{'0' * 40}"):
        await swh(fake_apis, f"swh:1:rev:{'0' * 40}").resolve()


async def test_wrong_kind_or_object_is_an_error(fake_apis):
    rev = f"swh:1:rev:{SWH_DIR}"
    fake_apis.swh.reply(f"/api/1/resolve/{rev}/", body={"object_id": SWH_DIR, "object_type": "directory"})
    with pytest.raises(ResolveError, match="is a directory"):
        await swh(fake_apis, rev).resolve()
    fake_apis.swh.reply(f"/api/1/resolve/{SWHID}/", body={"object_id": "1" * 40, "object_type": "directory"})
    with pytest.raises(ResolveError, match="answered something other than"):
        await swh(fake_apis).resolve()


async def test_token_and_rate_limit(fake_apis):
    await swh(fake_apis, access_token="swh-tok").resolve()
    assert fake_apis.swh.seen[-1].headers["Authorization"] == "Bearer swh-tok"
    fake_apis.swh.reply(f"/api/1/resolve/{SWHID}/", code=429, body={"exception": "Throttled"},
                        headers={"Retry-After": "1200"})
    with pytest.raises(ResolveError, match="Software Heritage rate limit exceeded. Try again in 25 minutes."):
        await swh(fake_apis).resolve()


@pytest.mark.parametrize("spec", [
    "swh:1:cnt:" + "a" * 40, "swh:1:dir:" + "A" * 40, "swh:1:dir:abc", "swh:2:dir:" + "a" * 40,
    "swh:1:dir:" + "a" * 40 + ";origin=https://github.com/x/y", "https://github.com/x/y",
])
def test_bad_specs(spec):
    with pytest.raises(SpecError, match="Software Heritage identifier"):
        SwhidProvider(spec=spec)


def test_display_config():
    config = SwhidProvider.display_config
    assert config["id"] == "swh" and config["ref"] == {"enabled": False}
    import re
    pattern = re.compile(config["spec"]["validateRegex"])
    assert pattern.fullmatch(SWHID) and not pattern.fullmatch("swh:1:cnt:" + "a" * 40)
