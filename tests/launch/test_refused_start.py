"""A start request without a token is refused by the hub itself (400), on the Docker spawner too."""

from __future__ import annotations

import json

from binderd.launch.launcher import Launcher
from tests.fixtures.servers import BASE_IMAGE


async def test_a_start_without_token_is_a_400_and_starts_no_container(hub):
    launcher = Launcher(hub_url=hub.url, hub_url_local=hub.url, hub_api_token=hub.api_token, retry_delay=0.2)
    assert (await launcher.api_request("users/no-token-docker", "POST", body={})).code == 201
    try:
        response = await launcher.api_request("users/no-token-docker/servers/", "POST",
                                              body={"image": BASE_IMAGE, "repo_url": "https://example.org/r"})
        assert response.code == 400 and json.loads(response.body)["message"] == "token required"
        assert not [c for c in hub.containers() if c.endswith("no-token-docker")]
    finally:
        await launcher.delete_user("no-token-docker")
