"""AWS Signature Version 4 for the few JSON API calls binderd makes (Amazon ECR), stdlib only.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html:
a canonical request (method, path, sorted query, sorted lower-case headers, the
signed header names, the body's SHA-256) is hashed into a "string to sign", which
is signed with a key derived from the secret by HMAC-SHA256 over date, region,
service and "aws4_request".
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import parse_qsl, quote, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"


@dataclass(frozen=True, repr=False)
class AWSCredentials:
    """An access key (and session token for temporary credentials). Never logged."""

    access_key_id: str
    secret_access_key: str
    session_token: str = ""

    def __repr__(self) -> str:
        return f"AWSCredentials({self.access_key_id!r}, ...)"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def canonical_request(method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[str, str]:
    """(canonical request, signed header names) of a request whose `headers` include host."""
    parts = urlsplit(url)
    path = quote(parts.path or "/", safe="/-_.~")
    query = "&".join(
        f"{_encode(k)}={_encode(v)}" for k, v in sorted(parse_qsl(parts.query, keep_blank_values=True))
    )
    canonical = {k.lower(): " ".join(str(v).split()) for k, v in headers.items()}
    signed = ";".join(sorted(canonical))
    header_block = "".join(f"{k}:{canonical[k]}\n" for k in sorted(canonical))
    payload = hashlib.sha256(body).hexdigest()
    return "\n".join([method.upper(), path, query, header_block, signed, payload]), signed


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """The derived key: HMAC chain over date (YYYYMMDD), region, service, "aws4_request"."""
    key = _hmac(("AWS4" + secret).encode("utf-8"), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return key


def sign(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    credentials: AWSCredentials,
    region: str,
    service: str,
    now: datetime | None = None,
) -> dict[str, str]:
    """`headers` plus Host, X-Amz-Date, X-Amz-Security-Token (if any) and Authorization."""
    now = now or datetime.now(timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    date = amz_date[:8]
    signed_headers = {**headers, "host": urlsplit(url).netloc, "x-amz-date": amz_date}
    if credentials.session_token:
        signed_headers["x-amz-security-token"] = credentials.session_token
    request, signed = canonical_request(method, url, signed_headers, body)
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(request.encode("utf-8")).hexdigest()])
    signature = hmac.new(
        signing_key(credentials.secret_access_key, date, region, service), to_sign.encode("utf-8"), hashlib.sha256
    ).hexdigest()
    authorization = f"{ALGORITHM} Credential={credentials.access_key_id}/{scope}, SignedHeaders={signed}, Signature={signature}"
    return {**signed_headers, "Authorization": authorization}
