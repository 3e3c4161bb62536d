"""`HubLaunchQuota`: launch quotas counted from JupyterHub's own list of running servers.

Where servers are not Kubernetes pods (binderd's Docker set-up), the hub is
the one place that knows them all, so every binderd replica using that hub
counts the same servers. A server counts from the moment its start is
requested (pending ones included) until it stops; its image is the `image`
binderd put in its user_options.
"""

from __future__ import annotations

import json

from traitlets import Any, Integer

from binderd.errors import LaunchError
from binderd.launch.quota import LaunchQuota, ServerCount

class HubLaunchQuota(LaunchQuota):
    """Counts the active servers the hub reports (GET /hub/api/users?state=active)."""

    launcher = Any(help="The Launcher whose hub API access is used (set by the application).")
    page_size = Integer(200, help="Users asked for per hub API request when counting servers.").tag(config=True)

    async def running_servers(self) -> list[ServerCount]:
        images: list[ServerCount] = []
        offset = 0
        while True:
            response = await self.launcher.api_request(f"users?state=active&limit={self.page_size}&offset={offset}")
            if response.code != 200:
                raise LaunchError(f"Could not count the running servers (hub answered HTTP {response.code})", 503)
            users = json.loads(response.body)
            for user in users:
                for server in (user.get("servers") or {}).values():
                    image = str((server.get("user_options") or {}).get("image", ""))
                    images.append(ServerCount(owner=user.get("name", ""), images=[image]))
            if len(users) < self.page_size:  # the last page (the hub may also cap the page size lower)
                return images
            offset += len(users)
