"""Build tokens: HS256 JSON Web Tokens that `/v2` pages hand to their own `/build` request.

The claims are upstream's (`exp`, `aud` = "<prefix>/<raw spec>", `origin`), so a
token signed by any replica (or federation member) sharing the secret is valid
on any other. Signing and checking use the standard library's `hmac`: HS256 is
HMAC-SHA256 over "<header>.<payload>" in unpadded base64url.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass


class BuildTokenError(Exception):
    """The token is malformed, forged, expired, or for another link or origin."""


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as e:
        raise BuildTokenError("not base64url") from e


_HEADER = _b64encode(json.dumps({"typ": "JWT", "alg": "HS256"}, separators=(",", ":")).encode())


@dataclass(frozen=True)
class BuildTokens:
    """Issues and checks the tokens of one secret."""

    secret: bytes
    expires_seconds: int = 300

    def _sign(self, signing_input: str) -> str:
        return _b64encode(hmac.new(self.secret, signing_input.encode("ascii"), hashlib.sha256).digest())

    def issue(self, audience: str, origin: str, now: float | None = None) -> str:
        """A token for `audience` ("<prefix>/<raw spec>") requested from `origin`."""
        now = time.time() if now is None else now
        claims = {"exp": int(now) + self.expires_seconds, "aud": audience, "origin": origin}
        payload = _b64encode(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{_HEADER}.{payload}"
        return f"{signing_input}.{self._sign(signing_input)}"

    def decode(self, token: str, audience: str, now: float | None = None) -> dict:
        """The claims of a valid token for `audience`; raises BuildTokenError otherwise."""
        parts = token.split(".")
        if len(parts) != 3:
            raise BuildTokenError("not a JWT")
        header_b64, payload_b64, signature = parts
        try:
            header = json.loads(_b64decode(header_b64))
            claims = json.loads(_b64decode(payload_b64))
        except ValueError as e:
            raise BuildTokenError("not JSON") from e
        if not isinstance(header, dict) or header.get("alg") != "HS256":
            raise BuildTokenError("not HS256")
        if not hmac.compare_digest(self._sign(f"{header_b64}.{payload_b64}"), signature):
            raise BuildTokenError("bad signature")
        if not isinstance(claims, dict):
            raise BuildTokenError("claims are not an object")
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or isinstance(exp, bool):
            raise BuildTokenError("no expiry")
        if (time.time() if now is None else now) >= exp:
            raise BuildTokenError("expired")
        aud = claims.get("aud")
        if audience not in (aud if isinstance(aud, list) else [aud]):
            raise BuildTokenError("for another link")
        return claims
