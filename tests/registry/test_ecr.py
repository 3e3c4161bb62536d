"""Amazon ECR: SigV4 (AWS's published vectors), the ECR API (a fake that verifies signatures), a real registry."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from binderd.errors import RegistryError
from binderd.registry import AmazonECR
from binderd.registry.sigv4 import AWSCredentials, sign
from tests.fixtures.fake_registry import fake_ecr
from tests.fixtures.servers import start_registry
from tests.registry.test_docker import image

KEY, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


@pytest.mark.parametrize(
    "url, signature",
    [  # aws-sig-v4-test-suite: get-vanilla, get-vanilla-query-order-key-case
        ("https://example.amazonaws.com/", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        ("https://example.amazonaws.com/?Param2=value2&Param1=value1",
         "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
    ],
)
def test_sigv4_test_suite(url, signature):
    headers = sign("GET", url, {}, b"", AWSCredentials(KEY, SECRET), "us-east-1", "service",
                   now=datetime(2015, 8, 30, 12, 36, tzinfo=timezone.utc))
    assert headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        f"SignedHeaders=host;x-amz-date, Signature={signature}")
    assert headers["x-amz-date"] == "20150830T123600Z"


def test_session_token_is_signed_and_never_shown():
    creds = AWSCredentials(KEY, SECRET, "session-token")
    headers = sign("POST", "https://api.ecr.eu-west-1.amazonaws.com/", {"x-amz-target": "T"}, b"{}", creds, "eu-west-1", "ecr")
    assert headers["x-amz-security-token"] == "session-token"
    assert "x-amz-security-token" in headers["Authorization"]
    assert SECRET not in repr(creds) and "session-token" not in repr(creds)


@pytest.fixture(scope="module")
def aws_registry(tmp_path_factory):
    """A real registry whose (htpasswd) user is ECR's `AWS`."""
    reg = start_registry(str(tmp_path_factory.mktemp("ecr-registry")), username="AWS")
    yield reg
    reg.process.stop()


def ecr(fake, registry, **traits) -> AmazonECR:
    settings = dict(url=registry.url, region="eu-west-1", registry_id="123456789012", api_endpoint=fake.url,
                    aws_access_key_id=KEY, aws_secret_access_key=SECRET, docker_config_path="/nonexistent")
    return AmazonECR(**{**settings, **traits})


async def test_password_from_the_ecr_api(aws_registry):
    async with fake_ecr(KEY, SECRET, "eu-west-1", ("AWS", aws_registry.password)) as fake:
        r = ecr(fake, aws_registry)
        assert not await r.image_exists(image("binder/prod-x", "abc"))
        assert not await r.image_exists(image("binder/prod-y", "abc"))
        assert [c[0] for c in fake.calls] == ["GetAuthorizationToken"]  # once, then reused
        assert fake.calls[0][1] == {"registryIds": ["123456789012"]}
        await r.check_push("binder/prod-x")


async def test_repositories_are_created_before_the_first_push(aws_registry):
    async with fake_ecr(KEY, SECRET, "eu-west-1", ("AWS", aws_registry.password)) as fake:
        r = ecr(fake, aws_registry, repository_settings={"imageTagMutability": "IMMUTABLE"})
        with pytest.raises(RegistryError, match="before prepare_push"):
            r.push_auth()
        await r.prepare_push(image("binder/prod-x", "abc"))
        await r.prepare_push(image("binder/prod-x", "def"))  # known: no second call
        fake.repositories.add("binder/prod-y")
        await r.prepare_push(image("binder/prod-y", "abc"))  # RepositoryAlreadyExists is fine
        creates = [p for action, p in fake.calls if action == "CreateRepository"]
        assert creates == [
            {"imageTagMutability": "IMMUTABLE", "repositoryName": "binder/prod-x", "registryId": "123456789012"},
            {"imageTagMutability": "IMMUTABLE", "repositoryName": "binder/prod-y", "registryId": "123456789012"},
        ]
        assert r.push_auth() == {"registry": aws_registry.host, "username": "AWS", "password": aws_registry.password}


async def test_password_is_renewed_before_it_expires(aws_registry):
    async with fake_ecr(KEY, SECRET, "eu-west-1", ("AWS", aws_registry.password)) as fake:
        r = ecr(fake, aws_registry)
        now = [time.time()]
        r.clock = lambda: now[0]
        fake.expires_at = now[0] + 12 * 3600
        await r.image_exists(image("binder/prod-x", "abc"))
        now[0] += 11 * 3600
        await r.image_exists(image("binder/prod-x", "abc"))
        assert len(fake.calls) == 1
        now[0] += 3600 - 200  # within 5 minutes of expiry
        await r.image_exists(image("binder/prod-x", "abc"))
        assert [c[0] for c in fake.calls] == ["GetAuthorizationToken"] * 2


async def test_wrong_secret_key_says_what_to_check(aws_registry):
    async with fake_ecr(KEY, SECRET, "eu-west-1", ("AWS", aws_registry.password)) as fake:
        with pytest.raises(RegistryError, match="InvalidSignatureException.*aws_secret_access_key"):
            await ecr(fake, aws_registry, aws_secret_access_key="wrong").image_exists(image("binder/x", "y"))
        assert fake.calls == []


async def test_no_aws_credentials(aws_registry, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    r = AmazonECR(url=aws_registry.url, region="eu-west-1", docker_config_path="/nonexistent")
    with pytest.raises(RegistryError, match=r"No AWS credentials.*\$AWS_ACCESS_KEY_ID"):
        await r.image_exists(image("binder/x", "y"))
