"""LaunchQuota's rules and messages (upstream's), on counts given directly.

The counting itself, from pods in a cluster, is tested in tests/kubernetes/test_quota.py.
"""

from __future__ import annotations

import pytest

from binderd.launch.quota import LaunchQuota, LaunchQuotaExceeded, ServerCount

RUNNING = [
    ServerCount("u1", ["example.org/test/kubernetes_quota:1"]),
    ServerCount("u2", ["example.org/test/kubernetes_quota:2"]),
    ServerCount("u3", ["example.org/test/other:1"]),
]


class Counted(LaunchQuota):
    async def running_servers(self):
        return RUNNING


async def test_no_quota_counts_nothing():
    assert await Counted().check_repo_quota("example.org/test/kubernetes_quota:3", {}, "repo.url") is None


async def test_repo_quota_counts_any_tag_of_the_image():
    check = await Counted().check_repo_quota("example.org/test/kubernetes_quota:3", {"quota": 3}, "repo.url")
    assert (check.total, check.matching, check.quota) == (3, 2, 3)


async def test_total_quota_refuses_with_upstreams_message():
    with pytest.raises(LaunchQuotaExceeded) as e:
        await Counted(total_quota=3).check_repo_quota("example.org/test/kubernetes_quota:3", {}, "repo.url")
    assert (e.value.message, e.value.status, e.value.used) == (
        "Too many users on this BinderHub! Try again soon.", "pod_quota", 3)


async def test_repo_quota_refuses_with_upstreams_message():
    with pytest.raises(LaunchQuotaExceeded) as e:
        await Counted().check_repo_quota("example.org/test/kubernetes_quota:3", {"quota": 2}, "repo.url")
    assert (e.value.message, e.value.status, e.value.used) == (
        "Too many users running repo.url! Try again soon.", "repo_quota", 2)


async def test_registry_ports_are_not_tags():
    # "host:5000/name" has no tag: the port must not be taken for one.
    check = await Counted().check_repo_quota("127.0.0.1:5000/test/other", {"quota": 5}, "repo.url")
    assert check.matching == 0


async def test_the_base_class_cannot_count_but_zero_still_refuses():
    assert await LaunchQuota(total_quota=5).check_repo_quota("img:1", {"quota": 1}, "r") is None
    with pytest.raises(LaunchQuotaExceeded):
        await LaunchQuota(total_quota=0).check_repo_quota("img:1", {}, "r")


async def test_warm_pool_servers_are_not_counted():
    quota = Counted(total_quota=3)
    quota.pooled_users = lambda: {"u2"}  # u2's server waits unclaimed in the warm pool
    check = await quota.check_repo_quota("example.org/test/kubernetes_quota:3", {"quota": 2}, "repo.url")
    assert (check.total, check.matching) == (2, 1)
