"""Temporary users do not pile up: the hub binderd configures culls idle servers and their users."""

import asyncio
import os

from binderd.launch import Launcher
from tests.fixtures.servers import BASE_IMAGE, start_hub


async def test_idle_temporary_user_is_culled(tmp_path, docker_engine):
    hub = start_hub(str(tmp_path), cull_timeout=4, cull_every=1)
    try:
        launcher = Launcher(hub_url=hub.url, hub_url_local=hub.url, hub_api_token=hub.api_token)

        async def ignore(event):
            pass

        fields = await launcher.launch(BASE_IMAGE, "https://example.org/idle.git", {}, ignore)
        username = fields["url"].rstrip("/").rsplit("/", 1)[-1]
        assert username in hub.users() and hub.containers()
        for _ in range(60):
            if username not in hub.users() and not hub.containers():
                break
            await asyncio.sleep(1)
        assert username not in hub.users(), "the idle user was not culled"
        assert not hub.containers(), "the idle server's container is still there"
        assert "idle-culler" in open(os.path.join(tmp_path, "hub.log")).read()
    finally:
        hub.delete_all_users()
        hub.process.stop()
