"""`AmazonECR`: Amazon Elastic Container Registry.

ECR has no long-lived registry password: the ECR API's GetAuthorizationToken
(signed with an AWS access key, SigV4) returns `AWS:<password>` valid for 12
hours, which the registry API accepts as HTTP basic auth and `docker push` as a
login. ECR also does not create repositories on push, so `prepare_push` creates
the image's repository first (CreateRepository; "already exists" is fine).

    c.BinderHub.registry_class = "binderd.registry.AmazonECR"
    c.DockerRegistry.url = "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    c.BinderHub.image_prefix = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/binder/prod-"
    # credentials: $AWS_ACCESS_KEY_ID / $AWS_SECRET_ACCESS_KEY, or c.AmazonECR.aws_*
"""

from __future__ import annotations

import base64
import json
import os
import time

from traitlets import Bool, Dict, Unicode, default

from binderd.errors import RegistryError
from binderd.model import ImageRef
from binderd.registry.docker import DockerRegistry
from binderd.registry.messages import RepositoryMissing
from binderd.registry.hosts import ecr_host
from binderd.registry.sigv4 import AWSCredentials, sign

_TARGET = "AmazonEC2ContainerRegistry_V20150921."
_RENEW_BEFORE = 300  # seconds before expiresAt at which the password is renewed


class AmazonECR(DockerRegistry):
    """An Amazon ECR registry: short-lived passwords from the ECR API, repositories created before pushing."""

    region = Unicode(help="AWS region of the registry. Default: from the url's host (<account>.dkr.ecr.<region>...).").tag(
        config=True
    )
    registry_id = Unicode(help="AWS account id that owns the registry. Default: from the url's host.").tag(config=True)
    api_endpoint = Unicode(
        help="ECR API endpoint (requests are POSTed to it, SigV4-signed). Default: https://api.ecr.<region>.amazonaws.com."
    ).tag(config=True)
    aws_access_key_id = Unicode(help="AWS access key id. Default: $AWS_ACCESS_KEY_ID.").tag(config=True)
    aws_secret_access_key = Unicode(help="AWS secret access key. Default: $AWS_SECRET_ACCESS_KEY. Never logged.").tag(
        config=True
    )
    aws_session_token = Unicode(
        help="Session token of temporary AWS credentials. Default: $AWS_SESSION_TOKEN. Never logged."
    ).tag(config=True)
    create_repositories = Bool(
        True, help="Create each image's repository (ecr:CreateRepository) before its first push."
    ).tag(config=True)
    repository_settings = Dict(
        help="Extra CreateRepository parameters, e.g. {'imageScanningConfiguration': {'scanOnPush': True}}."
    ).tag(config=True)

    @default("region")
    def _default_region(self):
        parsed = ecr_host(self.host)
        return parsed[1] if parsed else os.environ.get("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION", ""))

    @default("registry_id")
    def _default_registry_id(self):
        parsed = ecr_host(self.host)
        return parsed[0] if parsed else ""

    @default("api_endpoint")
    def _default_api_endpoint(self):
        return f"https://api.ecr.{self.region}.amazonaws.com"

    @default("aws_access_key_id")
    def _default_key_id(self):
        return os.environ.get("AWS_ACCESS_KEY_ID", "")

    @default("aws_secret_access_key")
    def _default_secret(self):
        return os.environ.get("AWS_SECRET_ACCESS_KEY", "")

    @default("aws_session_token")
    def _default_session_token(self):
        return os.environ.get("AWS_SESSION_TOKEN", "")

    @default("token_url")
    def _default_token_url(self):
        return ""  # ECR takes its password as basic auth

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._login: tuple[str, str, float] | None = None  # (user, password, expires at, wall clock)
        self._created: set[str] = set()
        self.clock = time.time

    @property
    def uses_api(self) -> bool:
        """True when passwords come from the ECR API (an access key is set); else the static password is used."""
        return bool(self.aws_access_key_id or not self.password)

    async def api(self, action: str, payload: dict) -> dict:
        """Call an ECR API action; RegistryError with what to change if AWS refuses."""
        if not (self.aws_access_key_id and self.aws_secret_access_key):
            raise RegistryError(
                f"No AWS credentials for Amazon ECR ({self.host}): set $AWS_ACCESS_KEY_ID and "
                "$AWS_SECRET_ACCESS_KEY, or AmazonECR.aws_access_key_id and aws_secret_access_key."
            )
        if not self.region:
            raise RegistryError(f"AmazonECR.region is not set and {self.host} is not an ECR host name.")
        body = json.dumps(payload).encode()
        url = self.api_endpoint.rstrip("/") + "/"
        headers = sign(
            "POST", url,
            {"content-type": "application/x-amz-json-1.1", "x-amz-target": _TARGET + action},
            body,
            AWSCredentials(self.aws_access_key_id, self.aws_secret_access_key, self.aws_session_token),
            self.region, "ecr",
        )
        headers.pop("host")
        try:
            response = await self._fetch("POST", url, headers, body)
        except RegistryError:
            raise RegistryError(
                f"The Amazon ECR API at {self.api_endpoint} did not answer. Check AmazonECR.region/api_endpoint."
            ) from None
        try:
            data = json.loads(response.body or b"{}")
        except ValueError:
            data = {}
        if response.code == 200:
            return data
        kind = str(data.get("__type", "")).rsplit("#", 1)[-1]
        message = data.get("message") or data.get("Message") or f"HTTP {response.code}"
        if kind == "RepositoryAlreadyExistsException":
            return {"alreadyExists": True}
        if kind in ("UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException"):
            fix = "Check the AWS access key (AmazonECR.aws_access_key_id/aws_secret_access_key/aws_session_token)."
        elif kind == "AccessDeniedException":
            fix = f"Allow this IAM identity ecr:{action} (e.g. the AmazonEC2ContainerRegistryPowerUser policy)."
        else:
            fix = ""
        raise RegistryError(f"Amazon ECR refused {action} for {self.host}: {kind or 'error'}: {message}. {fix}".strip())

    async def credentials(self) -> tuple[str, str]:
        if not self.uses_api:
            return await super().credentials()
        if self._login is None or self._login[2] - _RENEW_BEFORE <= self.clock():
            data = await self.api("GetAuthorizationToken", {"registryIds": [self.registry_id]} if self.registry_id else {})
            try:
                entry = data["authorizationData"][0]
                user, _, password = base64.b64decode(entry["authorizationToken"]).decode().partition(":")
                expires_at = float(entry.get("expiresAt") or self.clock() + 12 * 3600)
            except (KeyError, IndexError, TypeError, ValueError):
                raise RegistryError("Amazon ECR's GetAuthorizationToken answer had no authorization token.") from None
            self._login = (user, password, expires_at)
        return self._login[0], self._login[1]

    async def prepare_push(self, image: ImageRef) -> None:
        """Renew the ECR password and create the image's repository if it is new."""
        await self.credentials()
        if self.create_repositories and image.repository not in self._created:
            payload = {**self.repository_settings, "repositoryName": image.repository}
            if self.registry_id:
                payload["registryId"] = self.registry_id
            result = await self.api("CreateRepository", payload)
            self.log.info(
                "ECR repository %s %s", image.repository, "exists" if result.get("alreadyExists") else "created"
            )
            self._created.add(image.repository)

    def credentials_owner(self) -> tuple[str, bool]:
        if not self.uses_api:
            return super().credentials_owner()
        return (self._login[0] if self._login else "AWS"), bool(self.aws_access_key_id)

    def push_auth(self) -> dict | None:
        if not self.uses_api:
            return super().push_auth()
        if self._login is None:
            raise RegistryError("AmazonECR.push_auth() called before prepare_push(): no ECR password yet.")
        return {"registry": self.host, "username": self._login[0], "password": self._login[1]}

    async def check_push(self, repository: str) -> str:
        try:
            return await super().check_push(repository)
        except RepositoryMissing:
            if not self.create_repositories:
                raise
            return f"may log in; {repository} does not exist yet and is created before the first push"
