"""The `git` provider: any git repository by URL, `/build/git/<url-escaped URL>/<ref>`."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from traitlets import Float, Set, Unicode

from binderd import netguard
from binderd.errors import SpecError
from binderd.providers.base import RepoProvider, is_valid_sha1
from binderd.providers.gitrefs import resolve_ref
from binderd.providers.hosts import HostPolicy, networks_trait

_SCP_LIKE = re.compile(r"^(?P<user>[^@/:]+)@(?P<host>[^/:]+):(?P<path>.+)$")


class GitRepoProvider(RepoProvider):
    """Bare git repositories, resolved with git's own ref-matching rules."""

    name = "Git"
    display_config = {
        "displayName": "Git repository",
        "id": "git",
        "spec": {"validateRegex": r"[^/]+/.+"},
        "repo": {
            "label": "Arbitrary git repository URL",
            "placeholder": "example: http://git.example.com/repo",
            "urlEncode": True,
        },
        "ref": {"enabled": True, "default": "HEAD"},
    }

    allowed_protocols = Set(
        Unicode(),
        default_value={"http", "https", "git", "ssh"},
        help="""URL schemes a git link may use. Add "file" only on a machine where users
        may read any repository on the local disk.""",
    ).tag(config=True)

    allowed_networks = networks_trait("a git URL", with_hosts=False)

    resolve_timeout = Float(
        30,
        help="Seconds to wait for the git server when resolving a ref.",
    ).tag(config=True)

    def __init__(self, spec: str, **kwargs):
        super().__init__(spec, **kwargs)
        escaped_url, sep, ref = spec.partition("/")
        if not sep or not ref:
            raise SpecError(
                f'Spec is not of the form "<url-escaped repository URL>/<ref>", provided: "{spec}".'
            )
        self.escaped_url = escaped_url  # as the client escaped it: the resolved spec keeps it
        url = unquote(escaped_url)
        if m := _SCP_LIKE.match(url):
            url = f"ssh://{m['user']}@{m['host']}/{m['path']}"
        self.repo = url
        self.unresolved_ref = unquote(ref)
        if url.startswith("-") or self.unresolved_ref.startswith("-"):
            raise SpecError("A repository URL or ref may not start with '-'.")
        if any(c in url + self.unresolved_ref for c in "\0\n\r"):
            raise SpecError("The repository URL or ref contains control characters.")
        parts = urlsplit(url)
        if not parts.scheme or not (parts.netloc or parts.scheme == "file"):
            raise SpecError(f"Unsupported git url {url}: it is not a URL like https://host/repo.")
        if parts.scheme not in self.allowed_protocols:
            raise SpecError(
                f"Unsupported git url {url}, protocol {parts.scheme} not in "
                f"{', '.join(sorted(self.allowed_protocols))}"
            )

    async def _check_host(self, host: str) -> list[netguard.IPAddress]:
        return await netguard.check_host(host, netguard.parse_networks(self.allowed_networks), "repository URL")

    @property
    def host_policy(self) -> HostPolicy:
        """Where resolution (and its redirects) may go: public hosts, plus allowed_networks."""
        return HostPolicy((), self.allowed_networks)

    async def get_resolved_ref(self) -> str | None:
        parts = urlsplit(self.repo)
        pins: list[netguard.IPAddress] = []
        if parts.scheme != "file":
            pins = await self._check_host(parts.hostname or "")
            # the build's clone connects to these addresses, not to a later lookup's
            self.clone_git_config = tuple(netguard.git_pins(self.repo, pins))
        if is_valid_sha1(self.unresolved_ref):
            return self.unresolved_ref
        sha = await resolve_ref(
            self.repo,
            self.unresolved_ref,
            policy=self.host_policy,
            allowed_protocols=set(self.allowed_protocols),
            timeout=self.resolve_timeout,
            pins=pins,
        )
        if sha is not None and not is_valid_sha1(sha):
            raise SpecError(f"git ls-remote answered {sha!r}, which is not a commit sha.")
        return sha

    def get_repo_url(self) -> str:
        return self.repo

    def get_resolved_spec(self) -> str:
        return f"{self.escaped_url}/{self.resolved_ref}"

    def get_resolved_ref_url(self) -> str:
        return self.repo

    def get_build_slug(self) -> str:
        return self.repo
