"""The `swh` provider: Software Heritage archive objects, `/build/swh/swh:1:<dir|rev>:<sha1>`.

binderd's addition (upstream BinderHub has no such provider); repo2docker
fetches these identifiers from the Software Heritage vault. A SWHID names its
content by hash, so it is already pinned: resolving only asks the archive
(`GET <base_url>/api/1/resolve/<swhid>/`) whether it holds the object, so a
typo fails at once instead of deep inside the build. The spec is the SWHID
itself (no qualifiers); the image tag is its 40-hex-digit hash.
"""

from __future__ import annotations

import re

from traitlets import Unicode

from binderd.errors import ResolveError, SpecError
from binderd.providers.base import RepoProvider, env_default
from binderd.providers.http import get_document

SWHID = re.compile(r"swh:1:(?P<kind>dir|rev):(?P<sha>[0-9a-f]{40})")
_OBJECT_TYPES = {"dir": "directory", "rev": "revision"}


class SwhidProvider(RepoProvider):
    """Directories and revisions archived by Software Heritage."""

    name = "SoftwareHeritage"
    display_config = {
        "displayName": "Software Heritage ID",
        "id": "swh",
        "spec": {"validateRegex": r"swh:1:(dir|rev):[0-9a-f]{40}"},
        "repo": {
            "label": "Software Heritage identifier (SWHID) of a directory or revision",
            "placeholder": "example: swh:1:dir:d198bc9d7a6bcf6db04f476d29314f157507d505",
            "urlEncode": False,
        },
        "ref": {"enabled": False},
    }

    base_url = Unicode(
        "https://archive.softwareheritage.org",
        help="""The Software Heritage archive: its API is at <base_url>/api/1/, and links to
        the archived object (binder_ref_url) are <base_url>/<swhid>.""",
    ).tag(config=True)

    access_token = Unicode(
        help="""Software Heritage API bearer token (default: $SWH_ACCESS_TOKEN), for a higher
        API rate limit. Never logged.""",
    ).tag(config=True)

    _default_access_token = env_default("access_token", "SWH_ACCESS_TOKEN")

    def __init__(self, spec: str, **kwargs):
        super().__init__(spec, **kwargs)
        match = SWHID.fullmatch(spec)
        if not match:
            raise SpecError(
                'Spec is not a Software Heritage identifier of the form "swh:1:dir:<40 hex digits>" '
                f'or "swh:1:rev:<40 hex digits>", provided: "{spec}".'
            )
        self.kind, self.sha = match["kind"], match["sha"]

    async def get_resolved_ref(self) -> str | None:
        headers = {"Authorization": f"Bearer {self.access_token}"} if self.access_token else {}
        found = await get_document(
            self.base_url, f"/api/1/resolve/{self.spec}/", service="Software Heritage", limits=self.limits,
            headers=headers, missing=(400, 404),
        )
        if found is None:
            return None
        if not isinstance(found, dict) or found.get("object_id") != self.sha:
            raise ResolveError(f"Software Heritage answered something other than {self.spec}.")
        if found.get("object_type") != _OBJECT_TYPES[self.kind]:
            raise ResolveError(f"Software Heritage says {self.spec} is a {found.get('object_type')}.")
        return self.sha

    def get_repo_url(self) -> str:
        return self.spec

    def get_resolved_spec(self) -> str:
        return self.spec

    def get_resolved_ref_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/{self.spec}"

    def get_build_slug(self) -> str:
        return f"swh-{self.kind}-{self.sha}"
