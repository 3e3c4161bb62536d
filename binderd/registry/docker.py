"""`DockerRegistry`: a registry spoken to through the Docker Registry HTTP API v2.

Options and defaults follow upstream BinderHub (`url`, `auth_config_url`,
`token_url`, `username`, `password`, read from Docker's config.json when unset;
see `dockerconfig`), so existing `config.yaml`/`secret.yaml` files work.

Authentication, in `request()`: a cached bearer token if one is valid (one round
trip); else a token from `token_url`, or from the realm the registry named in an
earlier challenge; else HTTP basic auth. A 401 with a `WWW-Authenticate: Bearer`
challenge is answered once with a token from the realm it names, so most
registries need no `token_url`. A configured `token_url` that does not work is
abandoned for the registry's own realm, with a warning that says what to set.

Answers are never ambiguous: 200 = found, 404 = not found, 401/403 = a
RegistryError naming the registry and what to check; no answer = a RegistryError
saying the registry is down. None of them turns into a silent rebuild or a 500.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import urljoin, urlsplit

from tornado.httpclient import HTTPRequest, HTTPResponse
from traitlets import Bool, Float, Integer, Unicode, default, validate

from binderd.errors import RegistryError
from binderd.http import RetryPolicy, Unreachable, send
from binderd.model import ImageRef
from binderd.registry import dockerconfig, messages
from binderd.registry.messages import RegistryUnreachable, RepositoryMissing  # noqa: F401 - re-exported
from binderd.registry.auth import (
    Challenge, TokenCache, TokenResponseError, configured_token_request_url,
    parse_challenge, parse_token_response, same_token_endpoint, token_request_url,
)
from binderd.registry.base import ImageRegistry
from binderd.registry.hosts import kind_of

MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]
)
class _TokenURLBroken(Exception):
    """The configured token_url did not give a token (and not because of the credentials)."""


class DockerRegistry(ImageRegistry):
    """A Registry v2 API registry (distribution, Harbor, GCR/GAR, ACR, GHCR, Quay, Docker Hub, ...)."""

    docker_config_path = Unicode(
        help="Docker config.json to read the default url and credentials from "
        "($DOCKER_CONFIG/config.json, else ~/.docker/config.json).",
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
        Default: Docker Hub's and gcr.io's; otherwise empty, which means basic auth or the
        realm named in the registry's WWW-Authenticate challenge (most registries need no token_url).""",
        allow_none=True,
    ).tag(config=True)

    username = Unicode(help="Registry username (default: from config.json).").tag(config=True)

    password = Unicode(help="Registry password or token (default: from config.json). Never logged.").tag(
        config=True
    )

    not_found_401 = Bool(
        help="""Treat 401 on a manifest (after a token was granted) as 'not found': Docker Hub
        answers 401 for repositories that do not exist. Default: True for Docker Hub hosts.""",
    ).tag(config=True)

    request_timeout = Float(10, min=0.1, help="Seconds to wait for each registry or token request.").tag(config=True)

    retries = Integer(
        3, min=1, help="Attempts of each registry or token request; 5xx answers and connection errors are retried."
    ).tag(config=True)

    retry_delay = Float(0.5, min=0, help="Seconds before the first retry; doubles on each further one.").tag(
        config=True
    )

    max_response_bytes = Integer(
        16 * 1024 * 1024, min=1024, help="Largest registry or token answer binderd reads (bytes)."
    ).tag(config=True)

    # --- defaults (upstream's rules, reference §4) -------------------------------------------

    @default("docker_config_path")
    def _default_docker_config_path(self):
        return dockerconfig.default_config_path()

    @property
    def docker_config(self) -> dict:
        """The parsed docker_config_path (read once)."""
        if self._docker_config is None:
            self._docker_config = dockerconfig.load(self.docker_config_path, self.log)
        return self._docker_config

    @default("url")
    def _default_url(self):
        return dockerconfig.default_url(dockerconfig.auths_of(self.docker_config))

    @default("auth_config_url")
    def _default_auth_config_url(self):
        return dockerconfig.default_auth_config_url(self.url, dockerconfig.auths_of(self.docker_config))

    def _config_credentials(self) -> tuple[str, str]:
        if self._stored_credentials is None:
            self._stored_credentials = dockerconfig.credentials(self.docker_config, self.auth_config_url, self.log)
        return self._stored_credentials

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
        if self.url.rstrip("/").endswith(".docker.io"):
            return "https://auth.docker.io/token?service=registry.docker.io"
        return ""

    @default("not_found_401")
    def _default_not_found_401(self):
        # upstream: url ends with .docker.io; registry.hub.docker.com (the seeds' example) too.
        return dockerconfig.is_docker_hub(urlsplit(self.url).hostname or "")

    @validate("url")
    def _check_url(self, proposal):
        value = proposal["value"].strip()
        if value and "://" not in value:
            self.log.warning("DockerRegistry.url %r has no scheme; using https://%s", value, value)
            value = "https://" + value
        return value

    @validate("token_url")
    def _check_token_url(self, proposal):
        value = (proposal["value"] or "").strip()
        if value.lower() in ("none", "null", "~"):  # "set token_url to None", written in YAML
            return ""
        return value

    _docker_config: dict | None
    _stored_credentials: tuple[str, str] | None

    def __init__(self, **kwargs):
        self._docker_config = None
        self._stored_credentials = None
        super().__init__(**kwargs)
        self.tokens = TokenCache()
        self._realm: Challenge | None = None  # the token service the registry named
        self._token_url_failure = ""  # why the configured token_url was abandoned ("" = it was not)
        #: HTTP requests made (registry and token service), for benchmarks and tests.
        self.request_count = 0
        # resolve config.json-derived defaults now, at start-up, not with a file read on the event loop
        self.url, self.auth_config_url, self.username, self.password  # noqa: B018

    # --- plumbing -------------------------------------------------------------------------

    @property
    def host(self) -> str:
        """host[:port] of the registry API."""
        return urlsplit(self.url).netloc

    @property
    def api_url(self) -> str:
        return self.url.rstrip("/")

    async def credentials(self) -> tuple[str, str]:
        """(username, password) for basic auth and token requests. Subclasses may refresh them."""
        return self.username, self.password

    def credentials_owner(self) -> tuple[str, bool]:
        """(username, whether any credentials are configured), for messages; never the password."""
        return self.username, bool(self.username or self.password)

    def push_auth(self) -> dict | None:
        """{"registry", "username", "password"} for the build's config.json; None without credentials."""
        if not (self.username or self.password):
            return None
        key = dockerconfig.push_auth_key(self.url, self.auth_config_url)
        return {"registry": key, "username": self.username, "password": self.password}

    @property
    def pushes(self) -> bool:
        return True

    async def _fetch(self, method: str, url: str, headers: dict, body: bytes | None = None) -> HTTPResponse:
        self.request_count += 1
        request = HTTPRequest(
            url, method=method, headers=headers, body=body if body is not None else (b"" if method in ("POST", "PUT") else None),
            request_timeout=self.request_timeout, connect_timeout=self.request_timeout,
            user_agent="binderd", follow_redirects=method in ("GET", "HEAD"),
        )
        policy = RetryPolicy.server_errors(self.retries, self.retry_delay)
        error: str | None = None
        try:
            response = await send(request, policy, max_body=self.max_response_bytes, what="registry")
        except Unreachable as e:  # refused, unreachable, timeout, TLS
            error = e.reason
        if error is not None:
            where = urlsplit(url).netloc
            what = f"The registry at {where}" if where == self.host else f"The token service at {where} (for {self.host})"
            raise messages.RegistryUnreachable(
                f"{what} did not answer ({error}). Check that it is running and that "
                + ("DockerRegistry.url (registry.url in secret.yaml) is right." if where == self.host
                   else "DockerRegistry.token_url is right (or leave it empty)."),
                str(error),
            )
        return response

    @staticmethod
    def _basic(username: str, password: str) -> dict:
        if not (username or password):
            return {}
        return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}

    async def token_request(self, url: str) -> HTTPResponse:
        """GET a token URL with the credentials (subclasses with other token services override this)."""
        return await self._fetch("GET", url, self._basic(*await self.credentials()))

    async def _token(self, realm: str, service: str | None, scope: str, configured: bool) -> str:
        """A new token for scope; RegistryError if refused, _TokenURLBroken if a configured URL misbehaves."""
        url = configured_token_request_url(realm, scope) if configured else token_request_url(realm, service, scope)
        where = urlsplit(realm).netloc + urlsplit(realm).path
        try:
            response = await self.token_request(url)
        except messages.RegistryUnreachable as e:
            if configured:
                raise _TokenURLBroken(f"it did not answer ({e.reason})") from None
            raise
        if response.code in (401, 403):
            raise RegistryError(
                f"The token service {where} refused the credentials for {self.host} (HTTP {response.code}"
                + (f", {messages.registry_error_detail(response)}" if messages.registry_error_detail(response) else "")
                + f"). Check {messages.CREDENTIALS}." + messages.token_url_hint(self.host, self.token_url, configured)
            )
        if response.code != 200:
            problem = f"it answered HTTP {response.code}"
        else:
            try:
                token, expires_in = parse_token_response(response.body)
            except TokenResponseError as e:
                problem = str(e)
            else:
                self.tokens.put((realm, service, scope), token, expires_in)
                return token
        if configured:
            raise _TokenURLBroken(problem)
        raise RegistryError(f"The token service {where} named by {self.host} gave no token: {problem}.")

    @property
    def token_url_problem(self) -> str:
        """Why the configured token_url was abandoned for the registry's realm, and what to set ("" if it works)."""
        if not self._token_url_failure:
            return ""
        return messages.token_url_problem(self.host, self.token_url, self._token_url_failure, self._realm)

    def _abandon_token_url(self, reason: str, challenge: Challenge | None = None) -> None:
        if self._token_url_failure:
            return
        self._token_url_failure = reason
        if challenge is not None:
            self._realm = Challenge("bearer", challenge.realm, challenge.service)
        self.log.warning("%s Using the registry's own token service meanwhile.", self.token_url_problem)

    async def _authorization(self, scope: str) -> tuple[dict, tuple | None, bool]:
        """(headers, token cache key or None, whether the token was just issued)."""
        if self.token_url and not self.token_url_problem:
            source: tuple | None = (self.token_url, None, True)
        elif self._realm is not None:
            source = (self._realm.realm, self._realm.service, False)
        else:
            source = None
        if source is not None:
            realm, service, configured = source
            key = (realm, service, scope)
            token = self.tokens.get(key)
            fresh = token is None
            try:
                if token is None:
                    token = await self._token(realm, service, scope, configured)
                return {"Authorization": f"Bearer {token}"}, key, fresh
            except _TokenURLBroken as e:
                self._abandon_token_url(str(e))
        return self._basic(*await self.credentials()), None, False

    async def request(
        self, method: str, path: str, scope: str, headers: dict | None = None, body: bytes | None = None,
        retry: bool = True,
    ) -> HTTPResponse:
        """An authenticated request to the registry API (`path` from /v2/..., or a full URL).

        With `retry` (the default) a 401 bearer challenge is answered once with a new token.
        """
        url = path if "://" in path else self.api_url + path
        headers = dict(headers or {})
        auth, key, fresh = await self._authorization(scope)
        response = await self._fetch(method, url, {**headers, **auth}, body)
        if response.code != 401 or not retry:
            return response
        challenge = parse_challenge(response.headers.get("WWW-Authenticate"))
        if not challenge.is_bearer:
            return response
        same_realm = key is not None and key[0].split("?")[0].rstrip("/") == challenge.realm.rstrip("/")
        if key is not None:
            self.tokens.drop(key)
        if fresh and same_realm and challenge.error != "invalid_token":
            return response  # a token issued just now for this realm: a retry would get the same answer
        token = ""
        if self.token_url and not self.token_url_problem:
            if same_token_endpoint(self.token_url, challenge):
                try:  # e.g. a cached token that expired early: renew it where it came from
                    token = await self._token(self.token_url, None, scope, configured=True)
                except _TokenURLBroken as e:
                    self._abandon_token_url(str(e), challenge)
            else:
                self._abandon_token_url(f"the registry refused its token and asks for {challenge.realm}", challenge)
        if not token:
            self._realm = Challenge("bearer", challenge.realm, challenge.service)
            token = await self._token(challenge.realm, challenge.service, scope or challenge.scope, configured=False)
        return await self._fetch(method, url, {**headers, "Authorization": f"Bearer {token}"}, body)

    def _refused(self, response: HTTPResponse, action: str, repository: str) -> RegistryError:
        return messages.refused(self, response, action, repository, plain=type(self) is DockerRegistry)

    # --- the hooks ------------------------------------------------------------------------

    async def get_manifest(self, repository: str, tag: str) -> dict | None:
        """The manifest (or index) of repository:tag, None if absent; RegistryError otherwise."""
        if not repository:
            raise RegistryError(
                "The image name has no repository path: BinderHub.image_prefix must name one, "
                f"e.g. {kind_of(self.host).layout.replace('<host>', self.host)!r}."
            )
        response = await self.request(
            "GET", f"/v2/{repository}/manifests/{tag}", f"repository:{repository}:pull", {"Accept": MANIFEST_TYPES}
        )
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
            raise self._refused(response, "read", repository)
        detail = messages.registry_error_detail(response)
        raise RegistryError(
            f"The registry at {self.host} answered HTTP {response.code} for {repository}:{tag}"
            + (f" ({detail})." if detail else ".")
        )

    async def image_exists(self, image: ImageRef) -> bool:
        return await self.get_manifest(image.repository, image.tag) is not None

    async def healthy(self) -> bool:
        """The registry answers and, when credentials are configured, accepts them."""
        try:
            if self.username or self.password:
                await self.login()
                return True
            response = await self._fetch("GET", self.api_url + "/v2/", {})
        except RegistryError:
            return False
        return response.code in (200, 401)

    # --- used by `binderd check` ------------------------------------------------------------

    async def ping(self) -> tuple[int, Challenge]:
        """GET /v2/ without credentials: (HTTP status, challenge); RegistryError if nothing answers."""
        response = await self._fetch("GET", self.api_url + "/v2/", {})
        return response.code, parse_challenge(response.headers.get("WWW-Authenticate"))

    async def login(self) -> None:
        """Authenticate against /v2/ (basic or token); RegistryError if refused."""
        response = await self.request("GET", "/v2/", "")
        if response.code == 200:
            return
        if response.code in (401, 403):
            raise self._refused(response, "log in to", self.host)
        raise RegistryError(f"The registry at {self.host} answered HTTP {response.code} on /v2/.")

    async def check_push(self, repository: str) -> str:
        """Start and cancel a blob upload to `repository`: proves push access without writing."""
        scope = f"repository:{repository}:pull,push"
        response = await self.request("POST", f"/v2/{repository}/blobs/uploads/", scope)
        if response.code == 202 and response.headers.get("Location"):
            location = urljoin(self.api_url + "/", response.headers["Location"])
            # best effort: distribution wants `delete` access to cancel; an abandoned upload is purged anyway
            cancel = await self.request("DELETE", location, scope, retry=False)
            if cancel.code >= 400:
                self.log.info("Cancelling the check upload to %s answered HTTP %s", repository, cancel.code)
            return f"may push to {repository}"
        if response.code in (401, 403):
            raise self._refused(response, "push to", repository)
        if response.code == 404:
            raise messages.RepositoryMissing(
                f"The registry at {self.host} has no repository {repository} and did not create it "
                f"({messages.registry_error_detail(response) or 'HTTP 404'}): create it, or use a registry that "
                "creates repositories on push."
            )
        raise RegistryError(
            f"The registry at {self.host} answered HTTP {response.code} to a push of {repository}"
            + (f" ({messages.registry_error_detail(response)})." if messages.registry_error_detail(response) else ".")
        )
