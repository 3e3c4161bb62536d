"""The `gist` provider: GitHub Gists, `/build/gist/<user>/<gist id>[/<ref>]`.

A subclass of the GitHub provider, as upstream's is: configuration set for
`GitHubRepoProvider` (the API base, the token, banned_specs, ...) applies to
Gists too, through the class hierarchy. It owns the Gists API answer: the gist's
revision history, and refusing secret gists unless the operator allows them.
"""

from __future__ import annotations

from traitlets import Bool, Unicode

from binderd.errors import ResolveError, SpecError
from binderd.providers.base import is_valid_sha1
from binderd.providers.github import GitHubRepoProvider, check_name, check_ref


class GistRepoProvider(GitHubRepoProvider):
    """Gists on gist.github.com, resolved through the GitHub API."""

    name = "Gist"
    display_config = {
        "displayName": "GitHub Gist",
        "id": "gist",
        "spec": {"validateRegex": r"[^/]+/[^/]+(/[^/]+)?"},
        "detect": {"regex": r"^(https?://gist.github.com/)?(?<repo>.*[^/])/?"},
        "repo": {
            "label": "Gist ID (username/gistId) or URL",
            "placeholder": "",
            "urlEncode": False,
        },
        "ref": {"enabled": True, "default": "HEAD"},
    }

    # Not configurable, as upstream: c.GitHubRepoProvider.hostname (a GitHub Enterprise
    # host) must not turn gist URLs into that host's URLs.
    hostname = Unicode(
        "gist.github.com",
        help="""Host of gist URLs given to the builder. The API is GitHub's: `api_base_path`,
        where "{hostname}" stands for this host without "gist.".""",
    )

    allow_secret_gist = Bool(
        False,
        help="""Launch secret (unlisted) gists too. Off by default: a secret gist's link is
        its only protection, and a launch would make its contents visible in logs and images.""",
    ).tag(config=True)

    def __init__(self, spec: str, **kwargs):
        # GitHubRepoProvider.__init__ parses user/repo/ref; gists have their own form
        super(GitHubRepoProvider, self).__init__(spec, **kwargs)
        parts = spec.split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise SpecError(f'Spec is not of the form "user/gist_id[/ref]", provided: "{spec}".')
        self.user = check_name(parts[0], "GitHub user")
        self.gist_id = check_name(parts[1], "gist id")
        self.unresolved_ref = check_ref(parts[2]) if len(parts) == 3 else ""

    @property
    def api_base(self) -> str:
        return self.api_base_path.replace("{hostname}", self.hostname.removeprefix("gist.")).rstrip("/")

    async def get_resolved_ref(self) -> str | None:
        answer = await self.api_get(f"{self.api_base}/gists/{self.gist_id}")
        gist = answer.document()
        if gist is None:
            return None
        if not isinstance(gist, dict) or not isinstance(gist.get("history"), list):
            raise ResolveError("GitHub answered a gist without a revision history.")
        if not gist.get("public") and not self.allow_secret_gist:
            raise ResolveError(
                "You seem to want to use a secret Gist, but do not have permission to do so. "
                "To enable secret Gist support, set (or have an administrator set) "
                "'GistRepoProvider.allow_secret_gist = True'"
            )
        versions = [entry.get("version") for entry in gist["history"] if isinstance(entry, dict)]
        if not versions:
            return None
        if not all(isinstance(v, str) and is_valid_sha1(v) for v in versions):
            raise ResolveError("GitHub answered a gist history with a version that is not a commit sha.")
        if self.unresolved_ref in ("", "HEAD", "master", "main"):
            return versions[0]
        return self.unresolved_ref if self.unresolved_ref in versions else None

    def not_found_hints(self) -> list[str]:
        return []

    def get_repo_url(self) -> str:
        return f"https://{self.hostname}/{self.user}/{self.gist_id}.git"

    def get_resolved_spec(self) -> str:
        return f"{self.user}/{self.gist_id}/{self.resolved_ref}"

    def get_resolved_ref_url(self) -> str:
        return f"https://{self.hostname}/{self.user}/{self.gist_id}/{self.resolved_ref}"

    def get_build_slug(self) -> str:
        return self.gist_id
