"""Image and build names for a link of every provider: upstream's names, pinned.

The resolutions come from the fake services; the names are checked against
literal values and against upstream's algorithm written out here independently
of binderd.naming (§4.6 of the upstream reference), so a change in either a
provider's build slug / resolved ref or in the naming code shows up.
"""

import hashlib
import string
from urllib.parse import quote

import escapism
import pytest

from binderd.naming import image_for
from binderd.providers import default_providers

PREFIX = "gcr.io/binder-prod/r2d-"
TABLE = [
    ("gh", "jupyterhub/zero-to-jupyterhub-k8s/0.9.1",
     "r2d-jupyterhub-2dzero-2dto-2djupyterhub-2dk8s-b3e028:38e50c71130fcf56655685f0992f4f125bef3879",
     "build-jupyterhub-2dzero-2dto-2djupyterhub-2dk8s-b3e028-38e-84"),
    ("gh", "binder-examples/requirements/master",
     "r2d-binder-2dexamples-2drequirements-55ab5c:a9c2e1ca3c95cfc1d2d0e3d2d1b84f9f5a6f3c10",
     "build-binder-2dexamples-2drequirements-55ab5c-a9c-91"),
    ("gist", "mariusvniekerk/8a658f7f63b13768d1e75fa2464f5092",
     "r2d-8a658f7f63b13768d1e75fa2464f5092-ae58b0:7daa381aae8409bfe28193e2ed8f767c26371237",
     "build-8a658f7f63b13768d1e75fa2464f5092-ae58b0-7da-c7"),
    ("gl", "gitlab-org%2Fgitlab-foss/v10.0.6",  # slug vector from upstream's reference
     "r2d-gitlab-5f-2dorg-2dgitlab-5f-2dfoss-a53a80:b3344b7f17c335a817c5d7608c5e47fd7cabc023",
     "build-gitlab-5f-2dorg-2dgitlab-5f-2dfoss-a53a80-b33-2f"),
    ("zenodo", "10.5281/zenodo.3242073", "r2d-zenodo-2d3242074-b993d2:3242074", "build-zenodo-2d3242074-b993d2-324-ea"),
    ("figshare", "10.6084/m9.figshare.9782777", "r2d-figshare-2d9782777-2ev3-cf7eea:9782777.v3",
     "build-figshare-2d9782777-2ev3-cf7eea-978-60"),
    ("dataverse", "10.7910/DVN/TJCLKP", "r2d-dataverse-2ddvn-2d2ftjclkp-a1371f:3035124.v4.0",
     "build-dataverse-2ddvn-2d2ftjclkp-a1371f-303-24"),
    ("hydroshare", "142c59757ed54de1816777828c9716e7",
     "r2d-hydroshare-2d142c59757ed54de1816777828c9716e7-2ev1545934606-728e24:"
     "142c59757ed54de1816777828c9716e7.v1545934606",
     "build-hydroshare-2d142c59757ed54de1816777828c9716-728e24-142-fe"),
    ("ckan", "{ckan}/dataset/my-sample-dataset-001",
     "r2d-ckan-2dmy-2dsample-2ddataset-2d001-5226f9:my-sample-dataset-001.v1672780001",
     "build-ckan-2dmy-2dsample-2ddataset-2d001-5226f9-my--97"),
    ("swh", "swh:1:dir:d198bc9d7a6bcf6db04f476d29314f157507d505",
     "r2d-swh-2ddir-2dd198bc9d7a6bcf6db04f476d29314f157507d505-fdeb87:d198bc9d7a6bcf6db04f476d29314f157507d505",
     "build-swh-2ddir-2dd198bc9d7a6bcf6db04f476d29314f1-fdeb87-d19-a7"),
]


def upstream_slug(slug: str, limit: int, hash_length: int = 6) -> str:
    """builder.py's _safe_build_slug, as the reference describes it."""
    escaped = escapism.escape(slug, safe=set(string.ascii_letters + string.digits), escape_char="-")
    return (escaped[: limit - hash_length - 1] + "-" + hashlib.sha256(slug.encode()).hexdigest()[:hash_length]).lower()


@pytest.mark.parametrize("prefix, spec, image, build", TABLE)
async def test_names_match_upstream(fake_apis, prefix, spec, image, build):
    if prefix == "ckan":
        spec = quote(spec.format(ckan=fake_apis.ckan.url), safe="")
    provider = default_providers()[prefix](spec=spec, prefix=prefix, config=fake_apis.config())
    repo = await provider.resolve()
    names = image_for(repo, PREFIX)
    assert names.name == "gcr.io/binder-prod/" + image
    assert names.build_name == build
    slug, ref = repo.build_slug, repo.resolved_ref
    assert names.name == f"{PREFIX}{upstream_slug(slug, 255 - len(PREFIX))}:{ref}".replace("_", "-").lower()
    assert names.build_name == f"build-{upstream_slug(slug, 50)}-{upstream_slug(ref, 6, 2)}".lower()
    assert len(names.build_name) <= 63 and names.build_name[-1] not in "-_."
