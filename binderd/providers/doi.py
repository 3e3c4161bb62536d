"""What the DOI-based providers (Zenodo, Figshare, Dataverse) share: the spec is a DOI.

Owns turning a DOI into the landing page it names: `GET <doi_resolver_url>/<doi>`
and its redirects, followed only to hosts of the provider's service, so a DOI
that belongs to another service is an error that says so rather than a fetch
from wherever the DOI points. The builder gets the DOI itself (repo2docker
resolves it again and downloads the record).
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from traitlets import Unicode, default

from binderd.errors import ResolveError, SpecError
from binderd.providers.base import RepoProvider
from binderd.providers.hosts import HostPolicy, RedirectRefused, hosts_trait, networks_trait
from binderd.providers.http import fetch

DOI = re.compile(r"10\.\d+/\S+")


class DOIProvider(RepoProvider):
    """Base class of providers whose spec is a DOI. Subclasses set `default_hosts`."""

    #: Hosts of the service the DOI must lead to (empty: any public host).
    default_hosts: tuple[str, ...] = ()
    #: The word before the record id in the service's DOIs ("zenodo" in 10.5281/zenodo.<id>);
    #: the resolved spec is the DOI of the version built, 10.NNNN/...<word>.<record_id>.
    record_word = ""

    doi_resolver_url = Unicode(
        "https://doi.org",
        help="""The DOI resolver: DOIs are looked up as <doi_resolver_url>/<doi>, which must
        redirect to the service's landing page.""",
    ).tag(config=True)

    hosts = hosts_trait("a DOI")
    allowed_networks = networks_trait("a DOI")

    @default("hosts")
    def _default_hosts(self):
        return list(self.default_hosts)

    def __init__(self, spec: str, **kwargs):
        super().__init__(spec, **kwargs)
        if not DOI.fullmatch(spec):
            raise SpecError(f'Spec is not a DOI of the form "10.NNNN/<suffix>", provided: "{spec}".')

    def service_policy(self) -> HostPolicy:
        """Where requests to the service may go."""
        return HostPolicy(self.hosts, self.allowed_networks)

    async def resolve_doi(self) -> str | None:
        """The URL of the landing page the DOI leads to, or None if the resolver does not know it."""
        resolver = self.doi_resolver_url.rstrip("/")
        policy = HostPolicy([urlsplit(resolver).netloc, *self.hosts], self.allowed_networks)
        if not self.hosts:  # any public host: check the landing host, not only the resolver's
            policy = HostPolicy((), self.allowed_networks)
        try:
            answer = await fetch(
                f"{resolver}/{quote(self.spec, safe='/:;()')}",
                service="the DOI resolver", limits=self.limits, policy=policy,
            )
        except RedirectRefused as e:
            raise ResolveError(
                f"The DOI {self.spec} leads to {e.host or 'an unusable URL'}, which is not a "
                f"{self.name} host ({', '.join(self.hosts)})."
            ) from None
        if answer.code == 404:
            return None
        if answer.code != 200:
            raise answer.error(f"for the DOI {self.spec}")
        if self.hosts and not self.service_policy().matches(answer.url):
            raise ResolveError(f"The DOI {self.spec} does not lead to a {self.name} record (it ends at {answer.url}).")
        return answer.url

    def doi_url(self, doi: str) -> str:
        """The resolver URL of `doi`: a human-readable link to that record."""
        return f"{self.doi_resolver_url.rstrip('/')}/{doi}"

    def get_repo_url(self) -> str:
        # passed to repo2docker, which resolves the DOI itself
        return self.spec

    def get_resolved_spec(self) -> str:
        # a DOI may name all versions (it resolves to the latest): name the version built
        return self.spec.split(self.record_word)[0] + f"{self.record_word}." + self.record_id

    def get_resolved_ref_url(self) -> str:
        return self.doi_url(self.get_resolved_spec())

    def get_build_slug(self) -> str:
        return f"{self.record_word}-{self.record_id}"
