"""Docker's `config.json`: where `DockerRegistry` finds its default url and credentials.

The rules are upstream BinderHub's (reference §4.1), so a `config.json` that worked
there (the Helm chart's `binder-build-docker-config` secret, or `docker login`'s
file) gives the same url, auth key and credentials here:

- url: the first key of `auths` (`https://` added when it has no scheme); Docker
  Hub's v1 key `https://index.docker.io/v1/` means the v2 API at
  `https://registry-1.docker.io`; no `auths` at all means Docker Hub.
- auth_config_url: `url` if it is a key; else its hostname (or, beyond upstream,
  host:port) if that is a key; else Docker Hub's v1 key for `*.docker.io` /
  `*.docker.com`; else `url`.
- username/password: `auths[auth_config_url].auth`, base64 of `user:password`.

It also knows which key docker-py (and so repo2docker's push) looks credentials up
under for an image, so the push credentials binderd writes are found.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from urllib.parse import urlsplit

DOCKER_HUB_AUTH_KEY = "https://index.docker.io/v1/"
DOCKER_HUB_API = "https://registry-1.docker.io"
DOCKER_HUB_HOSTS = ("docker.io", "docker.com")


def default_config_path() -> str:
    """$DOCKER_CONFIG/config.json, else ~/.docker/config.json (as the docker CLI reads)."""
    return os.path.join(os.environ.get("DOCKER_CONFIG", os.path.expanduser("~/.docker")), "config.json")


def load(path: str, log: logging.Logger) -> dict:
    """The parsed config.json; {} (and a warning) when it is missing or unreadable."""
    try:
        with open(path) as f:
            config = json.load(f)
    except FileNotFoundError:
        log.warning("No docker config at %s", path)
        return {}
    except (OSError, ValueError) as e:
        log.warning("Ignoring unreadable docker config %s: %s", path, e)
        return {}
    if not isinstance(config, dict):
        log.warning("Ignoring docker config %s: not a JSON object", path)
        return {}
    return config


def auths_of(config: dict) -> dict:
    """The `auths` mapping of a parsed config.json ({} if absent or malformed)."""
    auths = config.get("auths")
    return auths if isinstance(auths, dict) else {}


def is_docker_hub(hostname: str) -> bool:
    """True for docker.io / docker.com and their subdomains (registry-1.docker.io, ...)."""
    return ("." + hostname).endswith(tuple("." + h for h in DOCKER_HUB_HOSTS))


def default_url(auths: dict) -> str:
    """The registry API URL a config.json implies (upstream's rule)."""
    if not auths:
        return DOCKER_HUB_API
    first = next(iter(auths))
    if first.rstrip("/") == DOCKER_HUB_AUTH_KEY.rstrip("/"):
        return DOCKER_HUB_API
    return first if "://" in first else "https://" + first


def default_auth_config_url(url: str, auths: dict) -> str:
    """The key under which config.json holds the credentials for `url` (upstream's rule)."""
    hostname = urlsplit(url).hostname or ""
    if url in auths:
        return url
    if hostname in auths:
        return hostname
    if urlsplit(url).netloc in auths:  # beyond upstream: `docker login host:port` writes host:port
        return urlsplit(url).netloc
    if is_docker_hub(hostname):
        return DOCKER_HUB_AUTH_KEY
    return url


def credentials(config: dict, key: str, log: logging.Logger) -> tuple[str, str]:
    """(username, password) stored under `key`; ("", "") and a warning when there are none."""
    entry = auths_of(config).get(key)
    encoded = entry.get("auth", "") if isinstance(entry, dict) else ""
    if not encoded:
        helper = (config.get("credHelpers") or {}).get(urlsplit(key).hostname or key) or config.get("credsStore")
        if helper:
            log.warning(
                "Docker config names credential helper %r for %s; binderd does not run credential "
                "helpers: set DockerRegistry.username and DockerRegistry.password instead",
                helper, key,
            )
        else:
            log.warning("No credentials for docker registry %s in the docker config", key)
        return "", ""
    try:
        user, _, password = base64.b64decode(encoded).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        log.warning("Ignoring malformed credentials for %s in the docker config", key)
        return "", ""
    return user, password


def push_auth_key(registry_url: str, auth_config_url: str) -> str:
    """The config.json key docker-py finds for images on `registry_url`.

    docker-py reduces each key to a hostname (scheme and path dropped) and maps
    `index.docker.io` to Docker Hub; Docker Hub's canonical key is the v1 URL.
    """
    hostname = urlsplit(registry_url).hostname or ""
    if is_docker_hub(hostname) or auth_config_url.rstrip("/") == DOCKER_HUB_AUTH_KEY.rstrip("/"):
        return DOCKER_HUB_AUTH_KEY
    return urlsplit(registry_url).netloc


def write_config(directory: str, key: str, username: str, password: str) -> str:
    """Write `directory`/config.json (mode 0600, created exclusively) holding one credential."""
    auth = base64.b64encode(f"{username}:{password}".encode()).decode()
    path = os.path.join(directory, "config.json")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"auths": {key: {"auth": auth}}}, f)
    return path
