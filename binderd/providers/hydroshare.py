"""The `hydroshare` provider: HydroShare resources, `/build/hydroshare/<resource id, URL or DOI>`.

Anything containing a 32-hex-digit resource id works (the id, the resource URL,
or its DOI `10.4211/hs.<id>`). HydroShare keeps no version history, so the
resource's last-modified time (from its science metadata) stands for the
version: the image is rebuilt when the resource changes.
"""

from __future__ import annotations

import re

from traitlets import Unicode

from binderd.errors import ResolveError, SpecError
from binderd.providers.base import RepoProvider, utc_epoch
from binderd.providers.http import get_document

_RESOURCE_ID = re.compile(r".*([0-9a-f]{32}).*")


class HydroshareProvider(RepoProvider):
    """Resources on www.hydroshare.org."""

    name = "Hydroshare"
    display_config = {
        "displayName": "Hydroshare resource",
        "id": "hydroshare",
        "spec": {"validateRegex": r"[^/]+"},
        "repo": {
            "label": "Hydroshare resource id",
            "placeholder": "example: 8f7c2f0341ef4180b0dbe97f59130756",
            "urlEncode": True,
        },
        "ref": {"enabled": False},
    }

    base_url = Unicode(
        "https://www.hydroshare.org",
        help="""The HydroShare site: its API is asked at <base_url>/hsapi/, and the builder gets
        <base_url>/resource/<id>.""",
    ).tag(config=True)

    def __init__(self, spec: str, **kwargs):
        super().__init__(spec, **kwargs)
        match = _RESOURCE_ID.match(spec)
        if not match:
            raise SpecError("The specified Hydroshare resource id was not recognized.")
        self.resource_id = match.group(1)

    async def get_resolved_ref(self) -> str | None:
        path = f"/hsapi/resource/{self.resource_id}/scimeta/elements"
        metadata = await get_document(self.base_url, path, service="HydroShare", limits=self.limits)
        if metadata is None:
            return None
        dates = metadata.get("dates") if isinstance(metadata, dict) else None
        modified = [d.get("start_date") for d in dates or [] if isinstance(d, dict) and d.get("type") == "modified"]
        try:
            epoch = utc_epoch(str(modified[0]))
        except (IndexError, ValueError):
            raise ResolveError("HydroShare answered resource metadata without a valid modification date.") from None
        self.record_id = f"{self.resource_id}.v{epoch}"
        return self.record_id

    def get_repo_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/resource/{self.resource_id}"

    def get_resolved_spec(self) -> str:
        # HydroShare has no history: the resource URL is as pinned as it gets
        return self.get_repo_url()

    def get_resolved_ref_url(self) -> str:
        return self.get_repo_url()

    def get_build_slug(self) -> str:
        return f"hydroshare-{self.record_id}"
