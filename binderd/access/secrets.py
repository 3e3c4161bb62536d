"""Shared secrets from configuration or the environment, as upstream reads them (hex text)."""

from __future__ import annotations

import logging
import os
import secrets

log = logging.getLogger("binderd.access")


def secret_from(value: str | bytes | None, env: str) -> bytes:
    """The configured secret (hex text or bytes), else $env (hex), else 32 random bytes.

    A random secret is per process: replicas behind one address must share a
    configured one, or what one signs the others refuse. Raises ValueError for
    text that is not hex; the message never contains the secret.
    """
    if isinstance(value, bytes) and value:
        return value
    text = value if isinstance(value, str) and value else os.environ.get(env, "")
    if not text:
        log.info("No %s configured: using a random one for this process only", env)
        return secrets.token_bytes(32)
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ValueError(f"the secret (or ${env}) must be hex text") from None
