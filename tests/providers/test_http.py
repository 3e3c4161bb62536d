"""The providers' outbound HTTP: timeouts, retries, size caps, redirects, JSON, caching."""

import asyncio
import time

import pytest

from binderd.errors import ResolveError
from binderd.providers.hosts import HostPolicy
from binderd.providers.http import Cache, Limits, fetch, rate_limit_message


def get(service, path, limits=Limits(timeout=5, retries=0), policy=None, **kwargs):
    policy = policy or HostPolicy.same_host(service.url)
    return fetch(service.url + path, service="Svc", limits=limits, policy=policy, **kwargs)


async def test_answers_any_status_for_the_caller(fake_apis):
    fake_apis.elsewhere.reply("/x", code=418, body={"message": "teapot"})
    answer = await get(fake_apis.elsewhere, "/x")
    assert answer.code == 418
    assert answer.api_message() == "teapot"
    assert str(answer.error()) == "Svc answered 418 I'm a Teapot: teapot"


async def test_same_host_redirects_are_followed(fake_apis):
    fake_apis.elsewhere.reply("/old", code=301, location="/new")
    fake_apis.elsewhere.reply("/new", body={"ok": 1})
    answer = await get(fake_apis.elsewhere, "/old")
    assert answer.json() == {"ok": 1}
    assert answer.url == fake_apis.elsewhere.url + "/new"


async def test_redirect_to_another_host_is_refused(fake_apis):
    fake_apis.elsewhere.reply("/away", code=302, location=fake_apis.zenodo.url + "/records/1")
    with pytest.raises(ResolveError, match=r"Svc redirected to 127\.0\.0\.1, which binderd does not fetch from"):
        await get(fake_apis.elsewhere, "/away")
    assert not fake_apis.zenodo.seen


async def test_redirect_to_a_non_http_url_is_refused(fake_apis):
    fake_apis.elsewhere.reply("/file", code=302, location="file:///etc/passwd")
    with pytest.raises(ResolveError, match="not an http"):
        await get(fake_apis.elsewhere, "/file")


async def test_redirect_loops_end(fake_apis):
    fake_apis.elsewhere.reply("/loop", code=302, location="/loop")
    with pytest.raises(ResolveError, match="redirected more than"):
        await get(fake_apis.elsewhere, "/loop")


async def test_malformed_json_is_a_clear_error(fake_apis):
    fake_apis.elsewhere.reply("/bad", body='{"sha": "abc",', headers={"Content-Type": "application/json"})
    answer = await get(fake_apis.elsewhere, "/bad")
    with pytest.raises(ResolveError, match="Svc answered /bad with malformed JSON"):
        answer.json()


@pytest.mark.parametrize("chunked", [False, True])
async def test_oversized_answers_are_cut_off(fake_apis, chunked):
    fake_apis.elsewhere.reply("/big", body="x" * 200_000, chunked=chunked)
    started = time.monotonic()
    with pytest.raises(ResolveError, match="larger than 10000 bytes"):
        await get(fake_apis.elsewhere, "/big", Limits(timeout=5, retries=2, max_bytes=10_000))
    assert len(fake_apis.elsewhere.hits("/big")) == 1  # not retried
    assert time.monotonic() - started < 2
    fake_apis.elsewhere.reply("/small", body="x" * 10_000)
    assert len((await get(fake_apis.elsewhere, "/small", Limits(max_bytes=10_000))).body) == 10_000


async def test_timeouts_are_retried_then_reported(fake_apis):
    fake_apis.elsewhere.reply("/slow", body="late", delay=2)
    started = time.monotonic()
    with pytest.raises(ResolveError, match=r"Svc did not answer within 0.3 seconds \(2 attempts\)"):
        await get(fake_apis.elsewhere, "/slow", Limits(timeout=0.3, retries=1))
    assert time.monotonic() - started < 1.5
    assert len(fake_apis.elsewhere.hits("/slow")) == 2


async def test_unavailable_service_is_retried(fake_apis):
    fake_apis.elsewhere.reply("/flaky", code=503, body="down")
    with pytest.raises(ResolveError, match=r"Svc is unavailable: it answered 503 Service Unavailable \(3 attempts\)"):
        await get(fake_apis.elsewhere, "/flaky", Limits(timeout=5, retries=2))
    assert len(fake_apis.elsewhere.hits("/flaky")) == 3


async def test_dead_service_is_reported():
    with pytest.raises(ResolveError, match=r"Could not reach Svc at 127\.0\.0\.1:9: .*\(2 attempts\)"):
        await fetch("http://127.0.0.1:9/x", service="Svc", limits=Limits(timeout=2, retries=1),
                    policy=HostPolicy.same_host("http://127.0.0.1:9"))


async def test_a_slow_service_does_not_stall_other_requests(fake_apis):
    fake_apis.elsewhere.reply("/slow", body="late", delay=3)
    fake_apis.zenodo.reply("/fast", body="quick")
    slow = [asyncio.create_task(get(fake_apis.elsewhere, "/slow", Limits(timeout=1, retries=0))) for _ in range(15)]
    await asyncio.sleep(0.1)  # all 15 are waiting on the slow service now
    started = time.monotonic()
    fast = await get(fake_apis.zenodo, "/fast")
    assert fast.body == b"quick" and time.monotonic() - started < 0.5
    results = await asyncio.gather(*slow, return_exceptions=True)
    assert all(isinstance(r, ResolveError) and "did not answer within 1 seconds" in r.message for r in results)


async def test_headers_and_basic_auth_are_sent(fake_apis):
    fake_apis.elsewhere.reply("/auth", body="ok", require={"X-Token": "t1"})
    assert (await get(fake_apis.elsewhere, "/auth")).code == 404
    assert (await get(fake_apis.elsewhere, "/auth", headers={"X-Token": "t1"})).code == 200
    await get(fake_apis.elsewhere, "/auth", basic_auth=("id", "secret"))
    assert fake_apis.elsewhere.seen[-1].headers["Authorization"] == "Basic aWQ6c2VjcmV0"


@pytest.mark.parametrize("seconds, minutes", [(0, 5), (299, 5), (300, 10), (3599, 60), (-5, 5)])
def test_rate_limit_message_rounds_up_to_five_minutes(seconds, minutes):
    assert rate_limit_message("GitHub", seconds) == f"GitHub rate limit exceeded. Try again in {minutes} minutes."


def test_cache_is_lru_and_expires(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    cache = Cache(max_size=2, max_age=10)
    cache.set("a", 1)
    cache.set("b", 2)
    assert cache.get("a") == 1  # refreshes a's LRU position
    cache.set("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and len(cache) == 2
    now[0] += 9
    assert cache.get("a") == 1  # get does not refresh the age
    now[0] += 2
    assert cache.get("a") is None and cache.get("c") is None
