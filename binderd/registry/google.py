"""`GoogleArtifactRegistry`: Artifact Registry (`<region>-docker.pkg.dev`) with the machine's service account.

With a JSON key (`registry.username: _json_key`, the key as password) plain
`DockerRegistry` works for Artifact Registry: the registry's challenge leads to
its token service. This class is upstream's other way, for GKE/GCE without a
key: an OAuth access token from the metadata server (GET `token_url` with
`Metadata-Flavor: Google`, read `access_token`), sent to the registry as the
bearer token and given to `docker push` as user `oauth2accesstoken`.
"""

from __future__ import annotations

from tornado.httpclient import HTTPResponse
from traitlets import default

from binderd.errors import RegistryError
from binderd.model import ImageRef
from binderd.registry.auth import TokenResponseError, parse_token_response
from binderd.registry.docker import DockerRegistry

METADATA_TOKEN_URL = "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token"
ACCESS_TOKEN_USER = "oauth2accesstoken"


class GoogleArtifactRegistry(DockerRegistry):
    """Google Artifact Registry, authenticated by the metadata server's access token (no key needed)."""

    @default("token_url")
    def _default_token_url(self):
        # upstream's default; with a configured JSON key (password) the registry's challenge is used instead.
        return "" if self.password else METADATA_TOKEN_URL

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._push_token = ""

    def _from_metadata(self, url: str) -> bool:
        return bool(self.token_url) and url.split("?")[0] == self.token_url.split("?")[0]

    async def token_request(self, url: str) -> HTTPResponse:
        if self._from_metadata(url):
            # the metadata server takes no scope: the access token is good for every repository.
            return await self._fetch("GET", self.token_url, {"Metadata-Flavor": "Google"})
        return await super().token_request(url)

    async def prepare_push(self, image: ImageRef) -> None:
        """Get a current access token for `docker push` (when using the metadata server)."""
        if not self.token_url or self.token_url_problem:
            return
        response = await self.token_request(self.token_url)
        try:
            if response.code != 200:
                raise TokenResponseError(f"HTTP {response.code}")
            self._push_token, _ = parse_token_response(response.body)
        except TokenResponseError as e:
            raise RegistryError(
                f"The metadata server {self.token_url} gave no access token for pushing to {self.host} ({e}). "
                "Run binderd on GCE/GKE with a service account that may write to Artifact Registry, or "
                "configure a JSON key (registry.username: _json_key, registry.password: the key)."
            ) from None

    def push_auth(self) -> dict | None:
        if self._push_token:
            return {"registry": self.host, "username": ACCESS_TOKEN_USER, "password": self._push_token}
        return super().push_auth()
