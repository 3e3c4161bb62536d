"""The `dataverse` provider: Dataverse datasets by DOI, `/build/dataverse/<doi>`.

Any of the many Dataverse installations may host a DOI, so by default the DOI may
lead to any public host (restrict with `hosts`). The landing page's
`?persistentId=doi:...` is then asked of that installation's native API
(`/api/datasets/:persistentId`); the dataset's latest version pins the image.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit, urlunsplit

import escapism

from binderd.errors import ResolveError
from binderd.providers.doi import DOIProvider
from binderd.providers.hosts import HostPolicy
from binderd.providers.http import fetch


class DataverseProvider(DOIProvider):
    """Datasets in a Dataverse installation (dataverse.harvard.edu and others)."""

    name = "Dataverse"
    display_config = {
        "displayName": "Dataverse DOI",
        "id": "dataverse",
        "spec": {"validateRegex": r"10\.\d+\/(.)+"},
        "repo": {"label": "Dataverse DOI", "placeholder": "example: 10.7910/DVN/TJCLKP", "urlEncode": False},
        "ref": {"enabled": False},
    }

    async def get_resolved_ref(self) -> str | None:
        landing = await self.resolve_doi()
        if landing is None:
            return None
        parts = urlsplit(landing)
        if not parse_qs(parts.query).get("persistentId"):
            raise ResolveError(f"The DOI {self.spec} leads to {landing}, which is not a Dataverse dataset page.")
        api_url = urlunsplit(parts._replace(path="/api/datasets/:persistentId", fragment=""))
        # the landing host passed the DOI's host check; the API must not redirect elsewhere
        policy = HostPolicy.same_host(landing)
        answer = await fetch(api_url, service=f"Dataverse at {parts.netloc}", limits=self.limits, policy=policy)
        document = answer.document()
        if document is None:
            return None
        try:
            if document["status"] != "OK":
                raise ResolveError(f"Dataverse at {parts.netloc} answered status {document['status']!r}.")
            data = document["data"]
            latest = data["latestVersion"]
            self.identifier = str(data["identifier"])
            self.record_id = f"{data['id']}.v{latest['versionNumber']}.{latest['versionMinorNumber']}"
            # NOTE (as upstream): data.protocol could be prepended, {protocol}:{authority}/{identifier}
            self.resolved_spec = f"{data['authority']}/{data['identifier']}"
            self.resolved_ref_url = str(data["persistentUrl"])
        except KeyError as e:
            raise ResolveError(f"Dataverse at {parts.netloc} answered a dataset without {e}.") from None
        except TypeError:
            raise ResolveError(f"Dataverse at {parts.netloc} answered an unexpected dataset document.") from None
        return self.record_id

    def get_resolved_spec(self) -> str:
        return self.resolved_spec

    def get_resolved_ref_url(self) -> str:
        return self.resolved_ref_url

    def get_build_slug(self) -> str:
        return "dataverse-" + escapism.escape(self.identifier, escape_char="-").lower()
