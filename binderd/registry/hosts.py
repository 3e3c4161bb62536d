"""What binderd knows about well-known registries, by host name.

Used for defaults (upstream's gcr.io and Docker Hub token URLs) and, above all, for
error messages and `binderd check`: the token_url a registry's documentation gives,
how many path levels its repositories need, and which class speaks its dialect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from binderd.registry.dockerconfig import is_docker_hub

_ECR_HOST = re.compile(r"^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$")


@dataclass(frozen=True)
class RegistryKind:
    """One family of registries and the rules it imposes."""

    name: str
    min_depth: int = 1  # path levels a repository needs, e.g. 2 for "<project>/<image>"
    max_depth: int | None = None
    layout: str = "<host>/<prefix>-"  # the image_prefix shape its docs give
    token_url: str = ""  # the token_url its docs give ("" = leave empty: the challenge finds it)
    registry_class: str = ""  # the class to use instead of DockerRegistry, if any


def ecr_host(host: str) -> tuple[str, str] | None:
    """(account id, region) of an Amazon ECR registry host, else None."""
    m = _ECR_HOST.match(host.split(":")[0])
    return (m.group(1), m.group(2)) if m else None


# (matches hostname, name, min depth, max depth, image_prefix layout, token_url, class); "{host}" is filled in.
_KINDS = [
    (is_docker_hub, "Docker Hub", 2, 2, "<docker-id or organization>/<prefix>-",
     "https://auth.docker.io/token?service=registry.docker.io", ""),
    (lambda h: h == "gcr.io" or h.endswith(".gcr.io"), "Google Container Registry", 2, None,
     "{host}/<google-project-id>/<prefix>-", "https://{host}/v2/token?service={host}", ""),
    (lambda h: h.endswith("-docker.pkg.dev"), "Google Artifact Registry", 3, None,
     "{host}/<project>/<repository>/<prefix>-", "", "binderd.registry.GoogleArtifactRegistry"),
    (lambda h: h.endswith(".azurecr.io"), "Azure Container Registry", 1, None,
     "{host}/<project-name>/<prefix>-", "https://{host}/oauth2/token?service={host}", ""),
    (lambda h: h.endswith(".container-registry.ovh.net"), "OVH Managed Private Registry (Harbor)", 2, None,
     "{host}/<harbor-project>/<prefix>-", "https://{host}/service/token?service=harbor-registry", ""),
    (lambda h: ecr_host(h) is not None, "Amazon ECR", 1, None, "{host}/<prefix>-", "", "binderd.registry.AmazonECR"),
    (lambda h: h == "ghcr.io", "GitHub Container Registry", 2, None, "ghcr.io/<owner>/<prefix>-", "", ""),
    (lambda h: h == "quay.io", "Quay.io", 2, 2, "quay.io/<namespace>/<prefix>-", "", ""),
]


def kind_of(host: str) -> RegistryKind:
    """The registry family of `host` (a hostname, optionally with :port)."""
    hostname = host.split(":")[0].lower()
    for matches, name, min_depth, max_depth, layout, token_url, cls in _KINDS:
        if matches(hostname):
            return RegistryKind(
                name, min_depth, max_depth, layout.format(host=hostname), token_url.format(host=hostname), cls
            )
    return RegistryKind("registry")
