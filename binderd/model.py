"""The values that flow one way through the pipeline.

Each stage takes the previous stage's value and returns the next one; nothing
flows backwards. They are frozen dataclasses so a stage cannot change what an
earlier stage decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ResolvedRepo:
    """What a provider made of a link: a repository pinned to one commit."""

    provider_prefix: str  # the URL prefix, e.g. "git", "gh"
    provider_name: str  # the provider's display/metric name, e.g. "Git", "GitHub"
    spec: str  # the spec as requested, trailing "/" stripped
    resolved_spec: str  # the spec with the ref replaced by the resolved ref
    repo_url: str  # what the builder fetches
    unresolved_ref: str
    resolved_ref: str  # a commit sha (or a record version for DOI providers)
    ref_url: str  # a human-readable URL of exactly this version
    build_slug: str  # the stable part of the image name
    # Credentials the builder needs to fetch a private repository. Never logged.
    git_credentials: str = field(default="", repr=False, compare=False)
    # git configuration the build's clone runs with: the repository host pinned to the
    # addresses binderd checked ((key, value) pairs, e.g. http.curloptResolve).
    git_config: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    # Per-repo settings from spec_config / high_quota_specs (e.g. {"quota": 0}).
    repo_config: dict[str, Any] = field(default_factory=dict, compare=False)
    # A message for the user about how the spec was read (e.g. GitHub's master -> HEAD
    # fallback, after which `spec` is the HEAD spec); sent as a `waiting` event.
    notice: str = field(default="", compare=False)


@dataclass(frozen=True)
class ImageRef:
    """The image a resolved repository maps to."""

    name: str  # full reference: prefix + slug + ":" + ref, as upstream names it
    repository: str  # the path inside the registry (no host), for the v2 API
    tag: str
    build_name: str  # <= 63 DNS-safe characters; builds of one image share it
