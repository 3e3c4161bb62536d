"""The warm pool on a real JupyterHub with BinderSpawner on the local Docker engine.

Each pooled image is a tag of the base image made for these tests, so images of
"newer commits" of one repository are cheap to have.
"""

import asyncio
import contextlib
import subprocess
import time
import urllib.request
from urllib.error import HTTPError

import pytest

from binderd.launch import Launcher
from binderd.launch import pool as pool_module
from binderd.launch.pool import WarmPool, split_image
from tests.fixtures.faults import FaultProxy
from tests.fixtures.servers import BASE_IMAGE, start_hub
from tests.launch.test_launcher import EXTRA, Recorder, container_env

REPO = "binderdtest-pool/repo"
A1, A2, B1, C1, D1 = f"{REPO}:c1", f"{REPO}:c2", "binderdtest-pool/b:c1", "binderdtest-pool/c:c1", "binderdtest-pool/d:c1"
REPO_URL = "https://example.org/org/pooled.git"


@pytest.fixture(scope="module")
def images(docker_engine):
    """Tags of the base image standing for commits of four repositories."""
    tags = [A1, A2, B1, C1, D1]
    for tag in tags:
        subprocess.run(["docker", "tag", BASE_IMAGE, tag], check=True)
    yield tags
    subprocess.run(["docker", "rmi", *tags], capture_output=True)


def launcher_for(hub, url=None) -> Launcher:
    return Launcher(hub_url=hub.url, hub_url_local=url or hub.url, hub_api_token=hub.api_token,
                    retries=1, retry_delay=0.1, launch_timeout=120)


@contextlib.asynccontextmanager
async def running_pool(hub, launcher=None, **config):
    """A WarmPool keeping itself in the background, on an empty hub; drained (and the hub emptied) afterwards."""
    hub.delete_all_users()  # what earlier tests left on the shared hub
    pool = WarmPool(launcher=launcher or launcher_for(hub), check_interval=0.5, **config)
    task = asyncio.ensure_future(pool.run())
    try:
        yield pool
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        hub.delete_all_users()


async def until(condition, timeout: float = 120, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {message}"
        await asyncio.sleep(0.1)


def ready(pool: WarmPool) -> dict[str, int]:
    return pool.status().ready


def status_code(url: str) -> int:
    request = urllib.request.Request(url)
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=10) as r:
            return r.status
    except HTTPError as e:
        return e.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


def username_of(fields: dict) -> str:
    return fields["url"].rstrip("/").rsplit("/", 1)[-1]


def test_image_names_split_into_repository_and_tag():
    assert split_image("reg:5000/p-r:abc") == ("reg:5000/p-r", "abc")
    assert split_image("reg:5000/p-r") == ("reg:5000/p-r", "")
    assert split_image("p-r:abc") == ("p-r", "abc")


async def test_claim_takes_a_ready_server_which_only_its_token_opens(hub, images):
    async with running_pool(hub, sizes={A1: 1}) as pool:
        await until(lambda: ready(pool) == {A1: 1}, message="a pre-started server")
        [pooled] = pool.usernames()
        assert hub.users() == [pooled]
        before = hub.api("GET", f"users/{pooled}")[1]["servers"][""]["last_activity"]

        emit = Recorder()
        fields = await pool.claim(A1, REPO_URL, EXTRA, emit)
        assert fields is not None and username_of(fields) == pooled
        assert [e["message"] for e in emit.events] == ["Claimed a pre-started server\n"]
        assert fields["image"] == A1 and fields["repo_url"] == REPO_URL
        assert {k: fields[k] for k in EXTRA} == EXTRA  # the claiming request's own values
        assert status_code(fields["url"] + "api/status?token=" + fields["token"]) == 200
        assert status_code(fields["url"] + "api/status") in (302, 403)
        assert status_code(fields["url"] + "api/status?token=x" + fields["token"]) in (302, 403)
        # the culler counts idle time from the claim, not from the pre-start
        assert hub.api("GET", f"users/{pooled}")[1]["servers"][""]["last_activity"] > before

        # the pool refills in the background, with the values of the launch it has seen
        await until(lambda: ready(pool) == {A1: 1}, message="the refill")
        [refill] = pool.usernames()
        assert refill != pooled and set(hub.users()) == {pooled, refill}
        env = container_env(hub, REPO_URL)
        assert env is not None and env["BINDER_REF_URL"] == EXTRA["binder_ref_url"]
        assert await pool.claim(B1, REPO_URL, EXTRA, Recorder()) is None  # not a pooled image


async def test_concurrent_claims_never_get_the_same_server(hub, images):
    async with running_pool(hub, sizes={A1: 2}, concurrent_starts=2) as pool:
        await until(lambda: ready(pool) == {A1: 2}, message="two pre-started servers")
        claims = await asyncio.gather(*(pool.claim(A1, REPO_URL, EXTRA, Recorder()) for _ in range(6)))
        got = [fields for fields in claims if fields is not None]
        assert len(got) == 2
        assert len({username_of(f) for f in got}) == 2 and len({f["token"] for f in got}) == 2


async def test_a_failing_prestart_never_blocks_a_launch(hub, images):
    proxy = FaultProxy(hub.url)
    starts = proxy.fail("POST", r"/hub/api/users/[^/]+/servers/$", 1000)
    try:
        async with running_pool(hub, launcher=launcher_for(hub, proxy.url + "/"), sizes={A1: 1},
                                retry_delay=0.2) as pool:
            await until(lambda: pool.failures[A1] >= 2, message="failed pre-starts")
            assert await pool.claim(A1, REPO_URL, EXTRA, Recorder()) is None  # the caller spawns
            assert ready(pool) == {} and hub.users() == []  # failed pre-starts left no user behind
            fields = await launcher_for(hub).launch(A1, REPO_URL, EXTRA, Recorder())
            assert status_code(fields["url"] + "api/status?token=" + fields["token"]) == 200
        assert len(starts.seen) >= 2
    finally:
        proxy.stop()


async def test_total_cap(hub, images):
    async with running_pool(hub, sizes={A1: 2, B1: 2}, max_servers=3) as pool:
        assert pool.wanted() == {A1: 2, B1: 1}
        await until(lambda: ready(pool) == {A1: 2, B1: 1}, message="three servers")
        await asyncio.sleep(1)  # a few more rounds: nothing beyond the cap
        assert ready(pool) == {A1: 2, B1: 1} and len(hub.users()) == 3


async def test_a_newer_commit_drains_the_older_image(hub, images):
    async with running_pool(hub, sizes={REPO: 1}) as pool:
        assert pool.wanted() == {}  # a repository key waits for its first launch
        assert await pool.claim(A1, REPO_URL, EXTRA, Recorder()) is None  # first launch: nothing yet
        await until(lambda: ready(pool) == {A1: 1}, message="a server of the launched commit")
        [old] = pool.usernames()
        pool.note_launch(A2, REPO_URL, EXTRA)  # a launch of a newer commit
        await until(lambda: ready(pool) == {A2: 1}, message="a server of the newer commit")
        await until(lambda: old not in hub.users(), message="the old server's user to go")
        assert await pool.claim(A1, REPO_URL, EXTRA, Recorder()) is None


async def test_most_launched_images_of_the_window_are_kept(hub, images):
    async with running_pool(hub, top_images=1, top_size=1) as pool:
        for image in (B1, A1, B1, C1):
            pool.note_launch(image, REPO_URL, EXTRA)
        assert pool.wanted() == {B1: 1}
        await until(lambda: ready(pool) == {B1: 1}, message="a server of the most launched image")
        pool.window = 0.001  # the launches fall out of the window: the pool lets them go
        await until(lambda: ready(pool) == {} and hub.users() == [], message="the pool to empty")


async def test_most_recent_images_are_kept_as_binderd_local_does(hub, images):
    async with running_pool(hub, top_images=3, top_rank="recent", concurrent_starts=3) as pool:
        for image in (A1, B1, C1, D1):
            pool.note_launch(image, REPO_URL, EXTRA)
        assert pool.wanted() == {D1: 1, C1: 1, B1: 1}
        await until(lambda: ready(pool) == {B1: 1, C1: 1, D1: 1}, message="three warm servers")
        pool.note_launch(A1, REPO_URL, EXTRA)
        await until(lambda: ready(pool) == {A1: 1, C1: 1, D1: 1}, message="B1 replaced by A1")
        await until(lambda: len(hub.users()) == 3, message="B1's server to go")


async def test_the_culler_applies_to_pooled_and_claimed_servers(tmp_path, images):
    hub = start_hub(str(tmp_path), cull_timeout=4, cull_every=1)
    try:
        async with running_pool(hub, sizes={A1: 1}) as pool:
            await until(lambda: ready(pool) == {A1: 1}, message="a pre-started server")
            pool.check_interval = 600  # no refill until a claim wakes the pool
            [culled] = pool.usernames()
            await until(lambda: culled not in hub.users(), message="the idle pooled server to be culled")
            assert await pool.claim(A1, REPO_URL, EXTRA, Recorder()) is None  # not handed out dead

            await until(lambda: ready(pool) == {A1: 1}, message="the refill")
            fields = await pool.claim(A1, REPO_URL, EXTRA, Recorder())
            assert fields is not None
            await pool.drain()
            await until(lambda: username_of(fields) not in hub.users(), message="the claimed server to be culled")
    finally:
        hub.delete_all_users()
        hub.process.stop()


def test_the_pool_forgets_the_oldest_images_it_saw(monkeypatch):
    monkeypatch.setattr(pool_module, "REMEMBERED", 2)
    pool = WarmPool(launcher=None, top_images=1)
    for image in (A1, B1, C1, A2):
        pool.note_launch(image, REPO_URL, EXTRA)
    assert list(pool._origin) == [C1, A2] and list(pool._newest) == [split_image(C1)[0], REPO]
