"""`DockerRegistry`: a registry spoken to through the Docker Registry HTTP API v2.

Options and defaults follow upstream BinderHub (`DockerRegistry.url`,
`auth_config_url`, `token_url`, `username`, `password`, read from Docker's
config.json when unset), so existing `config.yaml`/`secret.yaml` files work.
Three ways to authenticate: HTTP basic; a bearer token from `token_url`; or a
bearer token from the realm the registry names in its WWW-Authenticate
challenge, so that most registries need no `token_url` at all. Tokens are
cached per scope until they expire.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
from urllib.parse import urlencode, urlsplit

from tornado.httpclient import AsyncHTTPClient, HTTPRequest, HTTPResponse
from traitlets import Bool, Float, Unicode, default

from binderd.errors import RegistryError
from binderd.model import ImageRef
from binderd.registry.base import ImageRegistry

DOCKER_HUB_AUTH_KEY = "https://index.docker.io/v1/"
DOCKER_HUB_API = "https://registry-1.docker.io"

MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]
)

_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


def parse_bearer_challenge(header: str) -> dict[str, str]:
    """The realm/service/scope of a `WWW-Authenticate: Bearer ...` header; {} if not bearer."""
    scheme, _, params = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return {}
    return {k.lower(): v for k, v in _CHALLENGE_PARAM.findall(params)}


class DockerRegistry(ImageRegistry):
    """A Registry v2 API registry (distribution, Harbor, GCR/GAR, ACR, Docker Hub, ...)."""

    docker_config_path = Unicode(
        help="Docker config.json to read default url and credentials from "
        "($DOCKER_CONFIG/config.json or ~/.docker/config.json).",
    ).tag(config=True)

    url = Unicode(
        help="""The registry's API URL, e.g. https://gcr.io or http://127.0.0.1:5000. Default:
        the first registry in docker_config_path (Docker Hub's v1 key maps to
        https://registry-1.docker.io), else Docker Hub.""",
    ).tag(config=True)

    auth_config_url = Unicode(
        help="""The key under which config.json holds this registry's credentials, if it
        differs from `url` (Docker Hub: https://index.docker.io/v1/).""",
    ).tag(config=True)

    token_url = Unicode(
        help="""URL to get bearer tokens from, e.g. https://<acr>.azurecr.io/oauth2/token?service=<acr>.azurecr.io.
        Empty: use basic auth, or the realm named in the registry's WWW-Authenticate challenge.""",
        allow_none=True,
    ).tag(config=True)

    username = Unicode(help="Registry username (default: from config.json).").tag(config=True)

    password = Unicode(help="Registry password or token (default: from config.json). Never logged.").tag(
        config=True
    )

    not_found_401 = Bool(
        help="Treat 401 on a manifest as 'not found' (Docker Hub answers 401 for missing repositories).",
    ).tag(config=True)

    request_timeout = Float(10, help="Seconds to wait for each registry request.").tag(config=True)

    @default("docker_config_path")
    def _default_docker_config_path(self):
        return os.path.join(os.environ.get("DOCKER_CONFIG", os.path.expanduser("~/.docker")), "config.json")

    def _docker_config_auths(self) -> dict:
        try:
            with open(self.docker_config_path) as f:
                return json.load(f).get("auths", {}) or {}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, AttributeError) as e:
            self.log.warning("Ignoring unreadable docker config %s: %s", self.docker_config_path, e)
            return {}

    @default("url")
    def _default_url(self):
        auths = self._docker_config_auths()
        if not auths:
            return DOCKER_HUB_API
        first = next(iter(auths))
        if first == DOCKER_HUB_AUTH_KEY:
            return DOCKER_HUB_API
        return first if "://" in first else "https://" + first

    @default("auth_config_url")
    def _default_auth_config_url(self):
        auths = self._docker_config_auths()
        hostname = urlsplit(self.url).hostname or ""
        if self.url in auths:
            return self.url
        if hostname in auths:
            return hostname
        if ("." + hostname).endswith((".docker.io", ".docker.com")):
            return DOCKER_HUB_AUTH_KEY
        return self.url

    def _config_credentials(self) -> tuple[str, str]:
        entry = self._docker_config_auths().get(self.auth_config_url, {})
        try:
            user, _, password = base64.b64decode(entry.get("auth", "")).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return "", ""
        return user, password

    @default("username")
    def _default_username(self):
        return self._config_credentials()[0]

    @default("password")
    def _default_password(self):
        return self._config_credentials()[1]

    @default("token_url")
    def _default_token_url(self):
        hostname = urlsplit(self.url).hostname or ""
        if hostname == "gcr.io" or hostname.endswith(".gcr.io"):
            return f"https://{hostname}/v2/token?service={hostname}"
        if self.url.endswith(".docker.io"):
            return "https://auth.docker.io/token?service=registry.docker.io"
        return ""

    @default("not_found_401")
    def _default_not_found_401(self):
        return self.url.endswith(".docker.io")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._tokens: dict[str, tuple[str, float]] = {}  # scope -> (token, expiry)
        self._client = AsyncHTTPClient()
        #: HTTP requests made, for benchmarks and tests.
        self.request_count = 0

    # --- plumbing -------------------------------------------------------------------------

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    def _basic_auth(self) -> dict:
        if not (self.username or self.password):
            return {}
        return {"auth_username": self.username, "auth_password": self.password, "auth_mode": "basic"}

    async def _fetch(self, url: str, headers: dict | None = None, **kwargs) -> HTTPResponse:
        self.request_count += 1
        request = HTTPRequest(
            url,
            headers=headers or {},
            request_timeout=self.request_timeout,
            connect_timeout=self.request_timeout,
            user_agent="binderd",
            **kwargs,
        )
        response = await self._client.fetch(request, raise_error=False)
        if response.code == 599:
            raise RegistryError(f"The registry at {self.host} did not answer: {response.error}")
        return response

    async def get_token(self, realm: str, service: str | None, scope: str) -> str:
        """A bearer token for `scope`, from the cache when it is still valid."""
        cached = self._tokens.get(scope)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        params = {"scope": scope}
        if service and "service=" not in realm:
            params["service"] = service
        sep = "&" if "?" in realm else "?"
        response = await self._fetch(realm + sep + urlencode(params), **self._basic_auth())
        if response.code in (401, 403):
            raise RegistryError(
                f"The registry's token service ({urlsplit(realm).netloc}) refused the credentials "
                f"for {self.host} (HTTP {response.code}). Check DockerRegistry.username and password "
                "(registry.username/password in secret.yaml)."
            )
        try:
            body = json.loads(response.body)
            token = body.get("token") or body["access_token"]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise RegistryError(
                f"The token URL {urlsplit(realm).netloc}{urlsplit(realm).path} answered HTTP "
                f"{response.code} without a token. Check DockerRegistry.token_url."
            ) from None
        lifetime = body.get("expires_in") or 60
        self._tokens[scope] = (token, time.monotonic() + max(float(lifetime) - 10, 5))
        return token

    # --- the hooks ------------------------------------------------------------------------

    @property
    def pushes(self) -> bool:
        return True

    def push_auth(self) -> dict | None:
        if not (self.username or self.password):
            return None
        key = self.auth_config_url if self.auth_config_url == DOCKER_HUB_AUTH_KEY else self.host
        return {"registry": key, "username": self.username, "password": self.password}

    async def get_manifest(self, repository: str, tag: str) -> dict | None:
        """The manifest of repository:tag, None if absent; RegistryError if not allowed."""
        url = f"{self.url.rstrip('/')}/v2/{repository}/manifests/{tag}"
        headers = {"Accept": MANIFEST_TYPES}
        scope = f"repository:{repository}:pull"
        auth: dict = {}
        if self.token_url:
            token = await self.get_token(self.token_url, None, scope)
            headers["Authorization"] = f"Bearer {token}"
        else:
            auth = self._basic_auth()
        response = await self._fetch(url, headers, **auth)
        if response.code == 401 and not self.token_url:
            challenge = parse_bearer_challenge(response.headers.get("WWW-Authenticate", ""))
            if challenge.get("realm"):
                token = await self.get_token(challenge["realm"], challenge.get("service"), challenge.get("scope") or scope)
                headers["Authorization"] = f"Bearer {token}"
                response = await self._fetch(url, headers)
        if response.code == 200:
            try:
                return json.loads(response.body)
            except ValueError:
                raise RegistryError(f"The registry at {self.host} sent a manifest that is not JSON.") from None
        if response.code == 404:
            return None
        if response.code == 401 and self.not_found_401:
            return None
        if response.code in (401, 403):
            self._tokens.pop(scope, None)
            raise RegistryError(
                f"The registry at {self.host} refused access to {repository} (HTTP {response.code}). "
                "Check DockerRegistry.username/password"
                + (" and token_url" if self.token_url else "")
                + " and that image_prefix names a repository these credentials may read."
            )
        raise RegistryError(f"The registry at {self.host} answered HTTP {response.code} for {repository}:{tag}.")

    async def image_exists(self, image: ImageRef) -> bool:
        return await self.get_manifest(image.repository, image.tag) is not None

    async def healthy(self) -> bool:
        try:
            response = await self._fetch(f"{self.url.rstrip('/')}/v2/")
        except RegistryError:
            return False
        return response.code in (200, 401)
