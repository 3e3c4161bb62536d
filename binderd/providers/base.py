"""The RepoProvider plug-in point: one subclass per kind of link.

A provider is constructed per request with the spec from the URL
(`/build/<prefix>/<spec>`). Subclasses parse the spec in `__init__` (raising
SpecError with a message for the user) and implement the hooks that upstream
BinderHub's providers have, with the same names, so that a provider written for
upstream ports with little change:

    async get_resolved_ref()   -> the pinned version, or None if there is none
    get_repo_url()             -> what the builder fetches
    get_resolved_spec()        -> the spec with the ref pinned
    get_resolved_ref_url()     -> a human-readable URL of the pinned version
    get_build_slug()           -> the stable part of the image name

`resolve()` runs them in order and returns the ResolvedRepo that flows on.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from typing import ClassVar

from traitlets import Dict, Float, Integer, List, Unicode, default, validate
from traitlets.config import LoggingConfigurable

from binderd.errors import ResolveError, SpecError, UserFacingError
from binderd.model import ResolvedRepo
from binderd.providers.http import Limits

SHA1 = re.compile(r"[0-9a-f]{40}")


def is_valid_sha1(ref: str) -> bool:
    """True if `ref` starts with 40 lower-case hex digits (upstream's test)."""
    return bool(SHA1.match(ref))


def utc_epoch(timestamp: str) -> int:
    """Whole seconds since 1970 of "YYYY-MM-DDTHH:MM:SS[.ffffff][Z]", read as UTC (ValueError if not)."""
    core = timestamp.split(".")[0].removesuffix("Z")
    return int(datetime.strptime(core, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp())


def env_default(trait: str, variable: str):
    """A traitlets default for `trait`: the environment variable `variable`, or ""."""
    return default(trait)(lambda self: os.environ.get(variable, ""))


def _compile_all(patterns: list[str], trait: str) -> list[re.Pattern]:
    try:
        return [re.compile(p, re.IGNORECASE) for p in patterns]
    except re.error as e:
        raise ValueError(f"{trait}: invalid regular expression: {e}") from None


class RepoProvider(LoggingConfigurable):
    """Base class of repository providers. Subclasses set `name` and `display_config`."""

    #: Display and metric name, e.g. "GitHub" (upstream's `name`).
    name: ClassVar[str] = "Provider"
    #: What /api/repoproviders shows for this provider (upstream's format).
    display_config: ClassVar[dict] = {}

    allowed_specs = List(
        Unicode(),
        help="""Regular expressions (case-insensitive, anchored at the start) of specs that
        may be launched. If any are set, a spec matching none of them is refused.""",
    ).tag(config=True)

    banned_specs = List(
        Unicode(),
        help="""Regular expressions (case-insensitive, anchored at the start) of specs that
        are refused with "Sorry, <spec> is not allowed to launch".""",
    ).tag(config=True)

    high_quota_specs = List(
        Unicode(),
        help="""Regular expressions of specs that get `BinderHub.per_repo_quota_higher`
        instead of `BinderHub.per_repo_quota`.""",
    ).tag(config=True)

    spec_config = List(
        Dict(),
        help="""Per-spec settings: a list of {"pattern": <regex>, "config": {...}}. Every
        pattern matching the spec (case-insensitive) updates the repo's settings in order,
        so the last match wins. Only "quota" is used by binderd itself.""",
    ).tag(config=True)

    git_credentials = Unicode(
        "",
        help="""Credentials the builder uses to clone, in git-credential format
        (e.g. "username=x\\npassword=y"). Passed to the build's environment, never logged.""",
    ).tag(config=True)

    http_timeout = Float(
        10,
        help="""Seconds each call to a provider's web API (GitHub, GitLab, doi.org, Zenodo, ...)
        may take before it counts as failed.""",
    ).tag(config=True)

    http_retries = Integer(
        2,
        help="""How many times a provider's web API call is retried after a timeout, a
        connection failure or a 502/503/504 answer, before the launch fails with a message.""",
    ).tag(config=True)

    http_max_response_bytes = Integer(
        4 * 1024 * 1024,
        help="""Largest answer (in bytes, after decompression) binderd reads from a provider's
        web API; a larger one fails the launch instead of filling memory.""",
    ).tag(config=True)

    @validate("spec_config")
    def _check_spec_config(self, proposal):
        for item in proposal["value"]:
            if set(item) != {"pattern", "config"}:
                raise ValueError(
                    f"spec_config entries need exactly the keys 'pattern' and 'config', got {sorted(item)}"
                )
            if not isinstance(item["pattern"], str) or not isinstance(item["config"], dict):
                raise ValueError("spec_config: 'pattern' must be a string and 'config' a dict")
            _compile_all([item["pattern"]], "spec_config")
        return proposal["value"]

    def __init__(self, spec: str, prefix: str = "", **kwargs):
        super().__init__(**kwargs)
        self.spec = spec
        self.prefix = prefix
        self.unresolved_ref = ""
        # What the user should be told about how the link was read (e.g. GitHub's
        # master/main -> HEAD fallback); the pipeline sends it as a `waiting` event.
        self.notice = ""
        # git configuration for the build's clone (the git provider pins the checked host)
        self.clone_git_config: tuple[tuple[str, str], ...] = ()

    @property
    def limits(self) -> Limits:
        """The bounds on this provider's outbound HTTP calls, from configuration."""
        return Limits(self.http_timeout, self.http_retries, self.http_max_response_bytes)

    # --- the hooks subclasses implement -------------------------------------------------

    async def get_resolved_ref(self) -> str | None:
        """Resolve the spec's ref to a pinned version; None if it does not exist."""
        raise NotImplementedError

    def get_repo_url(self) -> str:
        """The URL (or DOI) the builder fetches."""
        raise NotImplementedError

    def get_resolved_spec(self) -> str:
        """The spec with the ref replaced by the resolved ref."""
        raise NotImplementedError

    def get_resolved_ref_url(self) -> str:
        """A URL showing exactly the resolved version."""
        raise NotImplementedError

    def get_build_slug(self) -> str:
        """The stable, human-meaningful part of the image name."""
        raise NotImplementedError

    def not_found_hints(self) -> list[str]:
        """Sentences added to "Could not resolve ref ..." (upstream adds GitHub tips)."""
        return []

    def not_found_message(self) -> str:
        """What the user reads when the ref resolves to nothing."""
        where = f"{self.prefix}:{self.spec}"
        message = f"Could not resolve ref for {where}. Double check your URL and that your repo is public."
        return " ".join([message, *self.not_found_hints()])

    # --- policy ---------------------------------------------------------------------------

    def _matches(self, patterns: list[str], trait: str) -> bool:
        return any(p.match(self.spec) for p in _compile_all(patterns, trait))

    def is_banned(self) -> bool:
        """True if banned_specs matches, or allowed_specs is set and does not match."""
        if self._matches(self.banned_specs, "banned_specs"):
            return True
        if self.allowed_specs and not self._matches(self.allowed_specs, "allowed_specs"):
            return True
        return False

    def has_higher_quota(self) -> bool:
        """True if one of high_quota_specs matches the spec."""
        return self._matches(self.high_quota_specs, "high_quota_specs")

    def repo_config(self, per_repo_quota: int = 0, per_repo_quota_higher: int = 0) -> dict:
        """Settings for this repo: the quota, then every matching spec_config in order."""
        config = {"quota": per_repo_quota_higher if self.has_higher_quota() else per_repo_quota}
        for item in self.spec_config:
            if re.match(item["pattern"], self.spec, re.IGNORECASE):
                config.update(item["config"])
        return config

    # --- the stage ------------------------------------------------------------------------

    async def resolve(self, per_repo_quota: int = 0, per_repo_quota_higher: int = 0) -> ResolvedRepo:
        """Run the hooks and return the ResolvedRepo; raise a UserFacingError on failure."""
        where = f"{self.prefix}:{self.spec}"
        if self.is_banned():
            raise SpecError(f"Sorry, {self.spec} is not allowed to launch. Please contact admins for more info!")
        try:
            resolved_ref = await self.get_resolved_ref()
        except UserFacingError as e:
            raise ResolveError(f"Error resolving ref for {where}: {e.message}") from None
        if resolved_ref is None:
            raise ResolveError(self.not_found_message())
        self.resolved_ref = resolved_ref
        return ResolvedRepo(
            provider_prefix=self.prefix,
            provider_name=self.name,
            spec=self.spec,
            resolved_spec=self.get_resolved_spec(),
            repo_url=self.get_repo_url(),
            unresolved_ref=self.unresolved_ref,
            resolved_ref=resolved_ref,
            ref_url=self.get_resolved_ref_url(),
            build_slug=self.get_build_slug(),
            git_credentials=self.git_credentials,
            git_config=self.clone_git_config,
            repo_config=self.repo_config(per_repo_quota, per_repo_quota_higher),
            notice=self.notice,
        )
