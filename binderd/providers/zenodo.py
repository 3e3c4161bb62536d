"""The `zenodo` provider: Zenodo records by DOI, `/build/zenodo/<doi>`.

A Zenodo DOI may name one version of a record or all of them (the "concept"
DOI, which resolves to the latest version). Resolving follows the DOI to its
record page on a Zenodo host; the record id in that URL is the version built,
and the resolved spec names that version's DOI, so the image is pinned.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from binderd.errors import ResolveError
from binderd.providers.doi import DOIProvider


class ZenodoProvider(DOIProvider):
    """Zenodo (and Invenio-based look-alikes such as CaltechDATA) records."""

    name = "Zenodo"
    display_config = {
        "displayName": "Zenodo DOI",
        "id": "zenodo",
        "spec": {"validateRegex": r"10\.\d+\/(.)+"},
        "repo": {"label": "Zenodo DOI", "placeholder": "example: 10.5281/zenodo.3242074", "urlEncode": False},
        "ref": {"enabled": False},
    }
    default_hosts = ("zenodo.org", "sandbox.zenodo.org", "data.caltech.edu")
    record_word = "zenodo"

    async def get_resolved_ref(self) -> str | None:
        landing = await self.resolve_doi()
        if landing is None:
            return None
        record_id = urlsplit(landing).path.rstrip("/").rsplit("/", 1)[-1]
        if not record_id.isdigit():
            raise ResolveError(f"The DOI {self.spec} leads to {landing}, which is not a Zenodo record page.")
        self.record_id = record_id
        return record_id
