"""HubLaunchQuota: total and per-repository quotas counted from JupyterHub's running servers.

Two binderd processes share one hub, as replicas do: servers one starts count
against the quota the other enforces. Refusals carry upstream's messages.
"""

from __future__ import annotations

import urllib.request
from urllib.parse import quote

from tests.fixtures.servers import binderd_config, start_binderd
from tests.fixtures.sse import read_stream


def build_url(binder, repo) -> str:
    return f"{binder.url}build/git/{quote(repo.git_url, safe='')}/main"


async def test_quotas_count_the_hubs_servers_across_replicas(tmp_path, hub, git_server, docker_engine):
    hub.delete_all_users()  # count from a known state: no servers of other tests
    repo, other = git_server.create("hubquota-a"), git_server.create("hubquota-b")
    base = binderd_config(hub, git_server, None, "binderd-hubquota/")
    first = start_binderd(str(tmp_path / "a"), [*base, "c.BinderHub.per_repo_quota = 1"])
    second = start_binderd(str(tmp_path / "b"), [*base, "c.LaunchQuota.total_quota = 2",
                                                  "c.BinderHub.per_repo_quota = 1"])
    try:
        assert (await read_stream(build_url(first, repo))).phases[-1] == "ready"
        refused = await read_stream(build_url(second, repo))  # the other replica counts the first's server
        assert refused.events[-1] == {"phase": "failed", "status_code": 429,
                                      "message": f"Too many users running {repo.git_url}! Try again soon.\n"}
        assert "ready" not in refused.phases
        assert (await read_stream(build_url(second, other))).phases[-1] == "ready"
        third = git_server.create("hubquota-c")
        full = await read_stream(build_url(second, third))  # 2 servers run: the total quota is reached
        assert full.events == [{"phase": "failed", "status_code": 429,
                                "message": "Too many users on this BinderHub! Try again soon.\n"}]
        metrics = urllib.request.urlopen(second.url + "metrics", timeout=30).read().decode()
        assert f'binderhub_launch_count_total{{provider="Git",repo="{repo.git_url}",status="repo_quota"}} 1.0' in metrics
        assert f'binderhub_launch_count_total{{provider="Git",repo="{third.git_url}",status="pod_quota"}} 1.0' in metrics
    finally:
        first.process.stop()
        second.process.stop()
        hub.delete_all_users()
