"""Stage 2: name the image and the build, exactly as upstream BinderHub does.

Existing registries are full of images named by upstream's algorithm; computing
the same names is what lets an operator switch to binderd without a rebuild.
"""

from __future__ import annotations

import hashlib
import re
import string

import escapism

from binderd.model import ImageRef, ResolvedRepo

_SAFE_CHARS = set(string.ascii_letters + string.digits)
_DOCKER_HUB_STYLE = re.compile(r"[a-z0-9]{4,40}/[a-z0-9._-]{2,255}")


def safe_build_slug(slug: str, limit: int, hash_length: int = 6) -> str:
    """Escape `slug` for image/pod names and append a short hash of it."""
    digest = hashlib.sha256(slug.encode("utf-8")).hexdigest()
    escaped = escapism.escape(slug, safe=_SAFE_CHARS, escape_char="-")
    escaped = escaped[: limit - hash_length - 1]
    return f"{escaped}-{digest[:hash_length]}".lower()


def build_name(slug: str, ref: str, prefix: str = "build-", limit: int = 63) -> str:
    """A deterministic, DNS-safe (<= 63 characters) name for the build of slug@ref."""
    ref_length = 6
    slug_part = safe_build_slug(slug, limit=limit - len(prefix) - ref_length - 1)
    ref_part = safe_build_slug(ref, limit=ref_length, hash_length=2)
    return f"{prefix}{slug_part}-{ref_part}".lower()


def image_name(image_prefix: str, slug: str, resolved_ref: str) -> str:
    """Upstream's image name: prefix + escaped slug + hash, tagged with the ref."""
    slugged = safe_build_slug(slug, limit=255 - len(image_prefix))
    return f"{image_prefix}{slugged}:{resolved_ref}".replace("_", "-").lower()


def split_image_name(name: str) -> tuple[str, str]:
    """Split a full image name into (repository path without host, tag)."""
    if ":" in name.rsplit("/", 1)[-1]:
        base, tag = name.rsplit(":", 1)
    else:
        base, tag = name, "latest"
    if _DOCKER_HUB_STYLE.fullmatch(base):
        return base, tag
    return base.split("/", 1)[1] if "/" in base else "", tag


def image_for(repo: ResolvedRepo, image_prefix: str) -> ImageRef:
    """Stage 2 entry point: the ImageRef a resolved repository is built into."""
    name = image_name(image_prefix, repo.build_slug, repo.resolved_ref)
    repository, tag = split_image_name(name)
    return ImageRef(
        name=name,
        repository=repository,
        tag=tag,
        build_name=build_name(repo.build_slug, repo.resolved_ref),
    )
