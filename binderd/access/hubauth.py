"""Logins (`auth_enabled`): binderd as a JupyterHub service that users log in to with HubOAuth.

JupyterHub's own `HubOAuth` does the work; this module only gives it defaults
from binderd's configuration, so a binderd that knows its hub needs little
more: `c.HubOAuth.*` settings and the `$JUPYTERHUB_*` variables a hub gives its
services win over these defaults.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from jupyterhub.services.auth import HubOAuth
from jupyterhub.services.auth import HubOAuthCallbackHandler as _HubCallback

__all__ = ["HubOAuth", "HubOAuthCallbackHandler", "make_hub_auth", "oauth_callback_route"]

#: The hub service name binderd is registered under (upstream's chart uses "binder").
SERVICE_NAME = "binder"


def _defaults(app) -> dict[str, tuple[str, object]]:
    """HubOAuth trait -> (environment variable that overrides it, binderd's default)."""
    hub = urlsplit(app.hub_url)
    redirect = (app.badge_base_url.rstrip("/") + "/" if app.badge_base_url else app.base_url) + "oauth_callback"
    return {
        "api_token": ("JUPYTERHUB_API_TOKEN", app.hub_api_token),
        "api_url": ("JUPYTERHUB_API_URL", (app.hub_url_local or app.hub_url).rstrip("/") + "/hub/api"),
        "hub_host": ("JUPYTERHUB_HOST", f"{hub.scheme}://{hub.netloc}" if hub.netloc else ""),
        "base_url": ("JUPYTERHUB_SERVICE_PREFIX", app.base_url),
        "oauth_client_id": ("JUPYTERHUB_CLIENT_ID", f"service-{SERVICE_NAME}"),
        "oauth_redirect_uri": ("JUPYTERHUB_OAUTH_CALLBACK_URL", redirect),
        "access_scopes": ("JUPYTERHUB_OAUTH_ACCESS_SCOPES", {f"access:services!service={SERVICE_NAME}"}),
    }


def make_hub_auth(app) -> HubOAuth:
    """The HubOAuth binderd's handlers authenticate with (BinderHub `app` is its parent)."""
    configured = app.config.get("HubOAuth", {})
    kwargs = {
        name: value
        for name, (env, value) in _defaults(app).items()
        if name not in configured and not os.environ.get(env)
    }
    return HubOAuth(parent=app, cache_max_age=60, **kwargs)


class HubOAuthCallbackHandler(_HubCallback):
    """Finishes a login: JupyterHub's callback, with binderd's HubOAuth rather than a global one."""

    @property
    def hub_auth(self) -> HubOAuth:
        return self.settings["binder"].hub_auth


def oauth_callback_route(app) -> str:
    """The callback's route under base_url: the path of the OAuth redirect URI."""
    path = urlsplit(app.hub_auth.oauth_redirect_uri).path
    if not path.startswith(app.base_url):
        raise ValueError(f"HubOAuth.oauth_redirect_uri {path!r} is not under BinderHub.base_url {app.base_url!r}")
    return path[len(app.base_url):]


def hub_login_config(callback_url: str, password: str, named_servers: bool = True) -> list[str]:
    """jupyterhub_config.py lines for a one-machine hub that users log in to, with binderd as its OAuth client.

    Users log in with any name and `password` (DummyAuthenticator); each may use
    the binder service; their servers are ordinary jupyterhub-singleuser servers
    on the host network, since they must reach the hub's API.
    """
    return [
        "c.JupyterHub.authenticator_class = 'dummy'",
        f"c.DummyAuthenticator.password = {password!r}",
        "c.Authenticator.allow_all = True",
        f"c.JupyterHub.allow_named_servers = {named_servers!r}",
        "c.BinderSpawner.auth_enabled = True",
        "c.DockerSpawner.network_name = 'host'",
        "c.JupyterHub.default_url = '/hub/home'",  # no server of the hub's own after login
        f"c.JupyterHub.load_roles.append({{'name': 'user', 'scopes': ['self', 'access:services!service={SERVICE_NAME}']}})",
        f"c.JupyterHub.services[0].update({{'oauth_client_id': 'service-{SERVICE_NAME}', "
        f"'oauth_redirect_uri': {callback_url!r}, 'oauth_no_confirm': True}})",
    ]
