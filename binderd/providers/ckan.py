"""The `ckan` provider: datasets of any CKAN portal, `/build/ckan/<url-escaped dataset URL>`.

The dataset URL names the portal, so binderd contacts a host the link chooses:
by default only hosts on public networks (`netguard`), or only the portals in
`hosts`. The dataset's (or, for `/history/<activity id>` and `?activity_id=`
links, that activity's) `metadata_modified` time stands for the version.
"""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlencode, urlsplit, urlunsplit

from binderd.errors import ResolveError, SpecError
from binderd.providers.base import RepoProvider, utc_epoch
from binderd.providers.hosts import HostPolicy, hosts_trait, networks_trait
from binderd.providers.http import fetch


class CKANProvider(RepoProvider):
    """Datasets on CKAN portals (demo.ckan.org, data.gov.uk, ...)."""

    name = "CKAN"
    display_config = {
        "displayName": "CKAN dataset",
        "id": "ckan",
        "spec": {"validateRegex": r"[^/]+"},
        "repo": {
            "label": "CKAN dataset URL",
            "placeholder": "https://demo.ckan.org/dataset/my-sample-dataset-001",
            "urlEncode": True,
        },
        "ref": {"enabled": False},
    }

    hosts = hosts_trait("a CKAN dataset URL (the portal)")
    allowed_networks = networks_trait("a CKAN dataset URL")

    def __init__(self, spec: str, **kwargs):
        super().__init__(spec, **kwargs)
        self.repo = unquote(spec)
        parts = urlsplit(self.repo)
        if parts.scheme not in ("http", "https") or not parts.hostname or any(c in self.repo for c in "\0\r\n"):
            raise SpecError(f'Spec is not a URL-escaped CKAN dataset URL (https://...), provided: "{spec}".')

    def _api_request(self) -> tuple[str, str] | None:
        """(dataset id, API URL to ask), or None if the URL is not a dataset's."""
        parts = urlsplit(self.repo)
        if "/dataset/" not in parts.path:
            return None
        url_prefix, dataset_path = parts.path.split("/dataset/", 1)
        segments = dataset_path.split("/")
        dataset_id = segments[0]
        api = urlunsplit(parts._replace(path=f"{url_prefix}/api/3/action/", query="", fragment=""))
        activity_id = ""
        if "history" in segments[:-1]:
            activity_id = segments[segments.index("history") + 1]
        elif ids := parse_qs(parts.query).get("activity_id"):
            activity_id = ids[0]
        if activity_id:
            return dataset_id, api + "activity_data_show?" + urlencode({"id": activity_id, "object_type": "package"})
        return dataset_id, api + "package_show?" + urlencode({"id": dataset_id})

    async def get_resolved_ref(self) -> str | None:
        request = self._api_request()
        if request is None or not request[0]:
            return None
        dataset_id, url = request
        answer = await fetch(
            url, service=f"CKAN at {urlsplit(url).netloc}", limits=self.limits,
            policy=HostPolicy(self.hosts, self.allowed_networks),
        )
        document = answer.document(missing=(403, 404, 409, 410))  # CKAN's "not found" / "not authorized"
        if not isinstance(document, dict) or not document.get("success"):
            return None
        result = document.get("result")
        if not isinstance(result, dict):
            raise ResolveError(f"{answer.service} answered without a dataset.")
        try:
            epoch = utc_epoch(str(result["metadata_modified"]))
        except (KeyError, ValueError):
            raise ResolveError(f"{answer.service} answered a dataset without a valid metadata_modified.") from None
        self.dataset_id = dataset_id
        self.record_id = f"{dataset_id}.v{epoch}"
        return self.record_id

    def get_repo_url(self) -> str:
        return self.repo

    def get_resolved_spec(self) -> str:
        return self.repo

    def get_resolved_ref_url(self) -> str:
        return self.repo

    def get_build_slug(self) -> str:
        return f"ckan-{self.dataset_id}"
