"""The `gh` provider: GitHub (and GitHub Enterprise) repositories, `/build/gh/<user>/<repo>/<ref>`.

Owns GitHub's REST API as upstream BinderHub uses it: one `GET /repos/{user}/{repo}/commits/{ref}`
per launch, made cheap by conditional requests (an ETag cache) and a short cache
of "not found"; the rate-limit answer turned into "try again in N minutes";
the `master`/`main` -> `HEAD` fallback (reported through `RepoProvider.notice`);
and the git credential derived from the token so private repositories build.
"""

from __future__ import annotations

import re
import time
from urllib.parse import quote

from traitlets import Unicode, default

from binderd import metrics
from binderd.errors import ResolveError, SpecError, UserFacingError
from binderd.providers.base import RepoProvider, env_default, is_valid_sha1
from binderd.providers.hosts import HostPolicy
from binderd.providers.http import Answer, Cache, fetch, rate_limit_message

_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_BAD_REF = re.compile(r"[\x00-\x20\x7f]|(^|/)\.\.(/|$)")
DEFAULT_BRANCHES = ("master", "main")


def tokenize_spec(spec: str) -> list[str]:
    """Split `user/repo/ref` (the ref may contain "/"), with upstream's error message."""
    parts = spec.split("/", 2)
    if len(parts) != 3:
        message = f'Spec is not of the form "user/repo/ref", provided: "{spec}".'
        if len(parts) == 2 and parts[-1] not in {"main", "master", "HEAD"}:
            message += f' Did you mean "{spec}/HEAD"?'
        raise SpecError(message)
    return parts


def check_name(value: str, what: str) -> str:
    """`value` if it can be a GitHub user or repository name, else SpecError."""
    if not _NAME.fullmatch(value) or value in (".", ".."):
        raise SpecError(f'"{value}" is not a valid {what} name.')
    return value


def check_ref(ref: str) -> str:
    """`ref` unless it is empty, has control characters or spaces, or a ".." segment."""
    if not ref or _BAD_REF.search(ref):
        raise SpecError(f'"{ref}" is not a valid git ref (branch, tag or commit).')
    return ref


def _reset_in(answer: Answer) -> int:
    """Seconds until GitHub's rate limit resets (x-ratelimit-reset is an epoch time)."""
    reset = answer.headers.get("x-ratelimit-reset", "")
    return max(int(reset) - int(time.time()), 0) if reset.isdigit() else 0


class GitHubRepoProvider(RepoProvider):
    """Repositories on GitHub.com or a GitHub Enterprise server."""

    name = "GitHub"
    display_config = {
        "displayName": "GitHub",
        "id": "gh",
        "spec": {"validateRegex": r"[^/]+/[^/]+/.+"},
        "detect": {"regex": r"^(https?://github.com/)?(?<repo>.*[^/])/?"},
        "repo": {
            "label": "GitHub repository name or URL",
            "placeholder": "example: binder-examples/requirements or https://github.com/binder-examples/requirements",
            "urlEncode": False,
        },
        "ref": {"enabled": True, "default": "HEAD"},
    }

    #: Class-level caches shared by every request (and by GistRepoProvider):
    #: API URL -> {"etag", "sha"}, and API URLs that answered "not found" recently.
    cache = Cache(1024)
    cache_404 = Cache(1024, max_age=300)

    hostname = Unicode(
        "github.com",
        help="""The GitHub server: github.com, or your GitHub Enterprise host. Repository URLs
        given to the builder are https://<hostname>/<user>/<repo>.""",
    ).tag(config=True)

    api_base_path = Unicode(
        "https://api.{hostname}",
        help="""Base URL of the GitHub REST API; "{hostname}" is replaced by `hostname`.
        For GitHub Enterprise use "https://{hostname}/api/v3".""",
    ).tag(config=True)

    client_id = Unicode(
        help="""GitHub OAuth application client id (default: $GITHUB_CLIENT_ID). With
        `client_secret`, API calls use HTTP basic auth, lifting the 60/hour limit.""",
    ).tag(config=True)

    client_secret = Unicode(
        help="GitHub OAuth application client secret (default: $GITHUB_CLIENT_SECRET). Never logged.",
    ).tag(config=True)

    access_token = Unicode(
        help="""GitHub access token (default: $GITHUB_ACCESS_TOKEN), sent as
        "Authorization: token ...": 5000 API calls an hour instead of 60. A token with the
        `repo` scope also lets builds clone private repositories (through `git_credentials`).
        Never logged.""",
    ).tag(config=True)

    _default_client_id = env_default("client_id", "GITHUB_CLIENT_ID")
    _default_client_secret = env_default("client_secret", "GITHUB_CLIENT_SECRET")
    _default_access_token = env_default("access_token", "GITHUB_ACCESS_TOKEN")

    @default("git_credentials")
    def _default_git_credentials(self):
        # upstream's format, with a literal backslash-n (the credential helper expands it)
        if not self.access_token:
            return ""
        if self.client_id:
            return rf"username={self.client_id}\npassword={self.access_token}"
        return rf"username={self.access_token}\npassword=x-oauth-basic"

    def __init__(self, spec: str, **kwargs):
        super().__init__(spec, **kwargs)
        user, repo, ref = tokenize_spec(spec)
        self.user = check_name(user, "GitHub user")
        self.repo = check_name(repo.removesuffix(".git"), "GitHub repository")
        self.unresolved_ref = check_ref(ref)

    # --- the API --------------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        return self.api_base_path.replace("{hostname}", self.hostname).rstrip("/")

    def _auth(self) -> tuple[dict[str, str], tuple[str, str] | None]:
        """(headers, basic auth) for API calls; the token wins when both are configured."""
        if self.access_token:
            return {"Authorization": f"token {self.access_token}"}, None
        if self.client_id and self.client_secret:
            return {}, (self.client_id, self.client_secret)
        return {}, None

    async def api_get(self, url: str, etag: str = "") -> Answer:
        """GET a GitHub API URL; raises ResolveError for rate limits and refusals."""
        headers, basic = self._auth()
        headers["Accept"] = "application/vnd.github+json"
        if etag:
            headers["If-None-Match"] = etag
        answer = await fetch(
            url, service="GitHub", limits=self.limits, policy=HostPolicy.same_host(self.api_base),
            headers=headers, basic_auth=basic,
        )
        self._note_rate_limit(answer)
        if answer.code in (403, 429):
            if answer.headers.get("x-ratelimit-remaining") == "0":
                raise ResolveError(rate_limit_message("GitHub", _reset_in(answer)))
            if "Retry-After" in answer.headers:  # GitHub's secondary rate limits
                raise ResolveError(rate_limit_message("GitHub", answer.retry_after()))
            raise answer.error("(access refused)")
        if answer.code == 401:
            raise answer.error("(it refused binderd's credentials: check GitHubRepoProvider.access_token)")
        return answer

    def _note_rate_limit(self, answer: Answer) -> None:
        remaining = answer.headers.get("x-ratelimit-remaining")
        limit = answer.headers.get("x-ratelimit-limit")
        if not (remaining and remaining.isdigit() and limit and limit.isdigit() and int(limit)):
            return
        metrics.GITHUB_RATE_LIMIT.set(int(remaining))
        fraction = int(remaining) / int(limit)
        log = self.log.warning if fraction < 0.2 else self.log.info if fraction < 0.5 else self.log.debug
        log("GitHub rate limit remaining %s/%s. Reset in %ds.", remaining, limit, _reset_in(answer))

    async def commit_sha(self, ref: str) -> str | None:
        """The sha GitHub resolves `ref` to, None if repo or ref does not exist (cached)."""
        url = f"{self.api_base}/repos/{self.user}/{self.repo}/commits/{quote(ref, safe='/')}"
        if self.cache_404.get(url):
            self.log.debug("Cached 404 for %s", url)
            return None
        cached = self.cache.get(url)
        answer = await self.api_get(url, etag=cached["etag"] if cached else "")
        if answer.code == 304 and cached:
            self.log.debug("Cached sha for %s (304 Not Modified)", url)
            return cached["sha"]
        if answer.code in (404, 422):
            self.cache_404.set(url, True)
            return None
        if answer.code != 200:
            raise answer.error()
        data = answer.json()
        sha = data.get("sha") if isinstance(data, dict) else None
        if not sha:
            return None
        if not isinstance(sha, str) or not is_valid_sha1(sha):
            raise ResolveError(f"GitHub answered {sha!r}, which is not a commit sha.")
        if etag := answer.headers.get("ETag"):
            self.cache.set(url, {"etag": etag, "sha": sha})
        return sha

    # --- the hooks ------------------------------------------------------------------------

    async def get_resolved_ref(self) -> str | None:
        sha = await self.commit_sha(self.unresolved_ref)
        if sha is None and self.unresolved_ref in DEFAULT_BRANCHES:
            sha = await self._fall_back_to_head()
        return sha

    def not_found_hints(self) -> list[str]:
        hints = []
        if self.unresolved_ref == "master":
            hints.append('GitHub has changed default branches from "master" to "main".')
        if self.unresolved_ref in DEFAULT_BRANCHES:
            hints.append("Tip: HEAD will always resolve to a repository's default branch.")
        return hints

    async def _fall_back_to_head(self) -> str | None:
        """Upstream keeps old master/main links working by resolving HEAD instead."""
        original_ref, where = self.unresolved_ref, f"{self.prefix}:{self.spec}"
        try:
            sha = await self.commit_sha("HEAD")
        except UserFacingError as e:
            self.log.error("Error redirecting %s to HEAD: %s", where, e.message)
            return None
        if sha is None:
            return None
        self.notice = (
            self.not_found_message()
            + f"\nTrying again with HEAD instead of {original_ref}. Please update your links.\n"
        )
        self.spec, self.unresolved_ref = f"{self.user}/{self.repo}/HEAD", "HEAD"
        return sha

    def get_repo_url(self) -> str:
        return f"https://{self.hostname}/{self.user}/{self.repo}"

    def get_resolved_spec(self) -> str:
        return f"{self.user}/{self.repo}/{self.resolved_ref}"

    def get_resolved_ref_url(self) -> str:
        return f"https://{self.hostname}/{self.user}/{self.repo}/tree/{self.resolved_ref}"

    def get_build_slug(self) -> str:
        return f"{self.user}-{self.repo}"
