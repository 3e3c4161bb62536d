"""`binderd check [-f CONFIG ...] [--json]`: is this configuration going to work?

Reads the same configuration as the service and checks, one line each: the
registry answers; the credentials authenticate; token_url works; image_prefix
puts images where they are found (host, path depth); pull and push under
image_prefix work (push proven by starting and cancelling a blob upload); the
JupyterHub API token works (when hub_url is set); the GitHub token's rate limit
(when GitHubRepoProvider.access_token is set). Each failure says what to change.
Exit status 0 only if no check fails. `--json` prints the same as data.
"""

from __future__ import annotations

import asyncio
import json
import time

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest, HTTPResponse
from traitlets import Bool

from binderd.app import BinderHub
from binderd.providers.github import GitHubRepoProvider
from binderd.cli.registry_checks import Result, registry_checks

TIMEOUT = 10


async def _get(url: str, headers: dict) -> HTTPResponse:
    """GET url; connection failures come back as a 599 response (tornado raises them)."""
    request = HTTPRequest(url, headers=headers, request_timeout=TIMEOUT, connect_timeout=TIMEOUT, user_agent="binderd")
    try:
        return await AsyncHTTPClient().fetch(request, raise_error=False)
    except (OSError, HTTPClientError) as e:
        return HTTPResponse(request, 599, error=e)


def _json(response: HTTPResponse) -> dict:
    try:
        data = json.loads(response.body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class CheckApp(BinderHub):
    """Check the registry, JupyterHub and provider credentials of a configuration."""

    name = "binderd check"
    description = __doc__
    serves = False

    json_output = Bool(False, help="Print the results as JSON.").tag(config=True)
    flags = {**BinderHub.flags, "json": ({"CheckApp": {"json_output": True}}, "Print the results as JSON.")}

    async def check_hub(self) -> Result:
        """GET /hub/api/user with hub_api_token: the token works and has the scopes binderd needs."""
        name = "JupyterHub API token"
        if not self.hub_url:
            return Result(name, "skip", "BinderHub.hub_url is not set")
        if not self.hub_api_token:
            return Result(
                name, "fail", "BinderHub.hub_api_token is empty",
                "set BinderHub.hub_api_token (jupyterhub.hub.services.binder.apiToken) or $JUPYTERHUB_API_TOKEN",
            )
        url = self.hub_url_local.rstrip("/") + "/hub/api/user"
        response = await _get(url, {"Authorization": f"token {self.hub_api_token}"})
        if response.code == 599:
            return Result(name, "fail", f"JupyterHub at {self.hub_url_local} did not answer ({response.error})",
                          "check BinderHub.hub_url (and hub_url_local) and that the hub is running")
        if response.code in (401, 403):
            return Result(
                name, "fail", f"JupyterHub at {self.hub_url_local} refused BinderHub.hub_api_token (HTTP {response.code})",
                "use the token of the hub's `binder` service (jupyterhub.hub.services.binder.apiToken)",
            )
        if response.code != 200:
            return Result(name, "fail", f"{url} answered HTTP {response.code}: is hub_url a JupyterHub?")
        owner = _json(response)
        scopes = set(owner.get("scopes") or [])
        who = f"{owner.get('kind', 'token')} {owner.get('name', '?')!r}"
        if scopes and not ({"admin:users"} <= scopes and scopes & {"servers", "admin:servers"}):
            return Result(
                name, "fail", f"the token belongs to {who}, which lacks scopes binderd needs (has {sorted(scopes)})",
                "give the binder service the scopes admin:users and servers (hub.loadRoles.binder)",
            )
        return Result(name, "ok", f"accepted by {self.hub_url_local} as {who}")

    def _github_settings(self) -> tuple[str, str]:
        """(token, API base) as the configured GitHub provider itself computes them."""
        github = GitHubRepoProvider(spec="binderd/check/HEAD", prefix="gh", parent=self)
        return github.access_token, github.api_base

    async def check_github(self) -> Result:
        """GET {api_base}/rate_limit with GitHubRepoProvider.access_token."""
        name = "GitHub token"
        token, api_base = self._github_settings()
        if not token:
            return Result(name, "skip", "GitHubRepoProvider.access_token is not set (GitHub allows 60 API requests an hour)")
        response = await _get(api_base + "/rate_limit", {"Authorization": f"token {token}", "Accept": "application/json"})
        if response.code == 599:
            return Result(name, "fail", f"{api_base} did not answer ({response.error})",
                          "check GitHubRepoProvider.hostname/api_base_path")
        if response.code in (401, 403):
            message = _json(response).get("message", f"HTTP {response.code}")
            return Result(name, "fail", f"GitHub refused GitHubRepoProvider.access_token ({message})",
                          "create a new token and set GitHubRepoProvider.access_token")
        core = (_json(response).get("resources") or {}).get("core") or {}
        if response.code != 200 or "limit" not in core:
            return Result(name, "fail", f"{api_base}/rate_limit answered HTTP {response.code} without a rate limit")
        reset = time.strftime("%H:%M UTC", time.gmtime(core.get("reset", 0)))
        text = f"{core.get('remaining')}/{core['limit']} API requests left this hour (resets {reset})"
        if not core.get("remaining"):
            return Result(name, "fail", f"rate limit exhausted: {text}")
        return Result(name, "ok", text)

    async def run_checks(self) -> list[Result]:
        """Every check, in order."""
        results = await registry_checks(self.registry, self.image_prefix, self.use_registry)
        results.append(await self.check_hub())
        results.append(await self.check_github())
        return results

    def start(self) -> None:
        results = asyncio.run(self.run_checks())
        ok = all(r.ok for r in results)
        if self.json_output:
            print(json.dumps({"ok": ok, "checks": [r.as_dict() for r in results]}, indent=2))
        else:
            for r in results:
                print(f"{r.status.upper() if r.status == 'fail' else r.status:<5} {r.check}: {r.message}")
                if r.fix:
                    print(f"      fix: {r.fix}")
        self.exit(0 if ok else 1)
