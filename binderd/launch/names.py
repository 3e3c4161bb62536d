"""Names of temporary users, in upstream's `<repo-path>-<8 random>` scheme."""

from __future__ import annotations

import base64
import secrets
import string
import uuid
from urllib.parse import urlsplit

_ALPHABET = string.ascii_lowercase + string.digits


def unique_name_from_repo(repo_url: str) -> str:
    """A fresh JupyterHub user name derived from the repository's path."""
    if "://" not in repo_url and ":" in repo_url and "@" in repo_url.split(":", 1)[0]:
        path = repo_url.split(":", 1)[1]  # user@host:path
    else:
        path = urlsplit(repo_url).path
    prefix = path.strip("/").replace("/", "-").lower()
    if prefix.endswith(".git"):
        prefix = prefix[:-4]
    if len(prefix) > 32:
        prefix = f"{prefix[:15]}-{prefix[-15:]}"
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{prefix}-{suffix}" if prefix else suffix


def new_server_token() -> str:
    """A fresh 22-character token for the user's server (upstream's format)."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=\n")
