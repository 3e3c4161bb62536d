"""The `gl` provider: GitLab projects, `/build/gl/<url-escaped namespace>/<ref>`.

Owns GitLab's v4 API (`GET /projects/:id/repository/commits/:sha`) on gitlab.com
or a self-hosted GitLab (`hostname`, `api_base_path`), and the tokens: unlike
upstream, which sends them as query parameters (where proxies and access logs
keep them), binderd sends them as headers. `private_token` is also the git
password builds clone private projects with, as the operator docs promise.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

from traitlets import Unicode, default

from binderd.errors import ResolveError, SpecError
from binderd.providers.base import RepoProvider, env_default, is_valid_sha1
from binderd.providers.github import check_ref
from binderd.providers.http import get_document

_SEGMENT = re.compile(r"[\w.+~-]+")


class GitLabRepoProvider(RepoProvider):
    """Projects on gitlab.com or a self-hosted GitLab."""

    name = "GitLab"
    display_config = {
        "displayName": "GitLab",
        "id": "gl",
        "spec": {"validateRegex": r"[^/]+/.+"},
        "detect": {"regex": r"^(https?://gitlab.com/)?(?<repo>.*[^/])/?"},
        "repo": {
            "label": "GitLab repository name or URL",
            "placeholder": "example: https://gitlab.com/mosaik/examples/mosaik-tutorials-on-binder or "
            "mosaik/examples/mosaik-tutorials-on-binder",
            "urlEncode": True,
        },
        "ref": {"enabled": True, "default": "HEAD"},
    }

    hostname = Unicode(
        "gitlab.com",
        help="""The GitLab server: gitlab.com or your own. Repository URLs given to the builder
        are https://<hostname>/<namespace>.git.""",
    ).tag(config=True)

    api_base_path = Unicode(
        "https://{hostname}/api/v4",
        help="""Base URL of the GitLab v4 API; "{hostname}" is replaced by `hostname`.
        (binderd only: upstream always uses https://<hostname>/api/v4.)""",
    ).tag(config=True)

    access_token = Unicode(
        help="""GitLab OAuth2 access token (default: $GITLAB_ACCESS_TOKEN) for API calls, sent
        as "Authorization: Bearer ...". Never logged.""",
    ).tag(config=True)

    private_token = Unicode(
        help="""GitLab personal access token (default: $GITLAB_PRIVATE_TOKEN) with the "api"
        and "read_repository" scopes, sent as the PRIVATE-TOKEN header. It is also the git
        password builds clone with, so private projects build. Never logged.""",
    ).tag(config=True)

    _default_access_token = env_default("access_token", "GITLAB_ACCESS_TOKEN")
    _default_private_token = env_default("private_token", "GITLAB_PRIVATE_TOKEN")

    @default("git_credentials")
    def _default_git_credentials(self):
        # upstream's format, with a literal backslash-n (the credential helper expands it)
        return rf"username=binderhub\npassword={self.private_token}" if self.private_token else ""

    def __init__(self, spec: str, **kwargs):
        super().__init__(spec, **kwargs)
        quoted_namespace, sep, ref = spec.partition("/")
        if not sep:
            raise SpecError(f'Spec is not of the form "<url-escaped namespace>/<ref>", provided: "{spec}".')
        if not ref:
            raise SpecError("An unresolved ref is required")
        self.quoted_namespace = quoted_namespace
        self.namespace = unquote(quoted_namespace)
        segments = self.namespace.split("/")
        if not all(_SEGMENT.fullmatch(s) and s not in (".", "..") for s in segments):
            raise SpecError(f'"{self.namespace}" is not a GitLab project path like "group/project".')
        self.unresolved_ref = check_ref(unquote(ref))

    def _headers(self) -> dict[str, str]:
        if self.private_token:
            return {"PRIVATE-TOKEN": self.private_token}
        if self.access_token:
            return {"Authorization": f"Bearer {self.access_token}"}
        return {}

    async def get_resolved_ref(self) -> str | None:
        api = self.api_base_path.replace("{hostname}", self.hostname)
        path = f"/projects/{quote(self.namespace, safe='')}/repository/commits/{quote(self.unresolved_ref, safe='')}"
        commit = await get_document(api, path, service="GitLab", limits=self.limits, headers=self._headers())
        if commit is None:
            return None
        sha = commit.get("id") if isinstance(commit, dict) else None
        if not isinstance(sha, str) or not is_valid_sha1(sha):
            raise ResolveError(f"GitLab answered {sha!r} as the commit id, which is not a commit sha.")
        return sha

    def get_repo_url(self) -> str:
        return f"https://{self.hostname}/{self.namespace}.git"

    def get_resolved_spec(self) -> str:
        return f"{self.quoted_namespace}/{self.resolved_ref}"

    def get_resolved_ref_url(self) -> str:
        return f"https://{self.hostname}/{self.namespace}/tree/{self.resolved_ref}"

    def get_build_slug(self) -> str:
        return "-".join(p.replace("-", "_-") for p in self.namespace.split("/"))
