"""The `figshare` provider: Figshare articles by DOI, `/build/figshare/<doi>`.

A Figshare DOI names an article (`10.6084/m9.figshare.<id>`) or one version of
it (`...<id>.v<n>`). The DOI must lead to a Figshare host; without a version,
the article's latest version is asked of the Figshare API, so the image is
pinned to `<id>.v<n>` either way.
"""

from __future__ import annotations

from traitlets import Unicode

from binderd.errors import ResolveError, SpecError
from binderd.providers.doi import DOIProvider
from binderd.providers.http import get_document


class FigshareProvider(DOIProvider):
    """Articles on figshare.com and its institutional portals."""

    name = "Figshare"
    display_config = {
        "displayName": "FigShare DOI",
        "id": "figshare",
        "spec": {"validateRegex": r"10\.\d+\/(.)+"},
        "repo": {"label": "FigShare DOI", "placeholder": "example: 10.6084/m9.figshare.9782777.v1", "urlEncode": False},
        "ref": {"enabled": False},
    }
    default_hosts = ("figshare.com", "*.figshare.com")
    record_word = "figshare"

    api_base_path = Unicode(
        "https://api.figshare.com/v2",
        help="Base URL of the Figshare v2 API, asked for an article's versions when the DOI names none.",
    ).tag(config=True)

    def __init__(self, spec: str, **kwargs):
        super().__init__(spec, **kwargs)
        fields = spec.split("/", 1)[1].split(".")
        if len(fields) < 3:
            raise SpecError(f'Spec is not a Figshare DOI like "10.6084/m9.figshare.<article id>", provided: "{spec}".')
        if fields[-1].startswith("v"):
            self.article_id, self.version = fields[-2], fields[-1][1:]
        else:
            self.article_id, self.version = fields[-1], ""
        if not self.article_id.isdigit() or not (self.version.isdigit() or not self.version):
            raise SpecError(f'"{spec}" does not end in a Figshare article id and optional version (".v<n>").')

    async def latest_version(self) -> str | None:
        path = f"/articles/{self.article_id}/versions"
        versions = await get_document(self.api_base_path, path, service="Figshare", limits=self.limits)
        if versions is None:
            return None
        if not isinstance(versions, list) or not all(isinstance(v, dict) for v in versions):
            raise ResolveError("Figshare answered something other than a list of article versions.")
        numbers = [v.get("version") for v in versions]
        if not all(isinstance(n, int) for n in numbers):
            raise ResolveError("Figshare answered an article version that is not a number.")
        return str(max(numbers)) if numbers else None

    async def get_resolved_ref(self) -> str | None:
        if await self.resolve_doi() is None:
            return None
        version = self.version or await self.latest_version()
        if version is None:
            return None
        self.record_id = f"{self.article_id}.v{version}"
        return self.record_id
