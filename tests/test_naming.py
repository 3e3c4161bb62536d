"""Image and build names must equal upstream BinderHub's, or existing caches break."""

import re

import pytest

from binderd.model import ResolvedRepo
from binderd.naming import build_name, image_for, image_name, safe_build_slug, split_image_name


@pytest.mark.parametrize(
    "slug, expected",
    [
        ("binder-examples-octave", "binder-2dexamples-2doctave-03025a"),
        ("gitlab_-org-gitlab_-foss", "gitlab-5f-2dorg-2dgitlab-5f-2dfoss-a53a80"),
        (
            "https://github.com/binderhub-ci-repos/cached-minimal-dockerfile",
            "https-3a-2f-2fgithub-2ecom-2fbinderhub-2dci-2drepos-2fcached-2dminimal-2ddockerfile-f3b374",
        ),
    ],
)
def test_slug_matches_upstream(slug, expected):
    assert safe_build_slug(slug, limit=255) == expected


def test_build_name_matches_upstream():
    assert (
        build_name("binder-examples-octave", "1479e0252b2e648bb755ee913292b79495931717")
        == "build-binder-2dexamples-2doctave-03025a-147-e2"
    )


def test_image_name_from_upstream_event_stream():
    # the image of upstream's recorded fullbuild.eventsource
    assert (
        image_name("", "binder-examples-octave", "1479e0252b2e648bb755ee913292b79495931717")
        == "binder-2dexamples-2doctave-03025a:1479e0252b2e648bb755ee913292b79495931717"
    )


def test_prefix_and_tag_are_lowered_and_underscores_replaced():
    name = image_name("Reg.io/My_Project/bin-", "a", "Tag_1")
    assert name.startswith("reg.io/my-project/bin-")
    assert name.endswith(":tag-1")


@pytest.mark.parametrize("ref", ["3035124.v3.0", "20460.v1.0", "123456", "x" * 100, "ü-ß"])
@pytest.mark.parametrize("slug", ["dataverse-dvn-2ftjclkp", "a" * 300, "ünïcödé/repo"])
def test_build_names_are_dns_safe(slug, ref):
    name = build_name(slug, ref)
    assert len(name) <= 63
    assert re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?", name)


def test_long_slug_is_bounded():
    assert len(image_name("127.0.0.1:5000/binder/x-", "s" * 1000, "a" * 40)) <= 255 + 41


@pytest.mark.parametrize(
    "full, repository, tag",
    [
        ("jupyterhub/k8s-binderhub:0.2.0-a2079a5", "jupyterhub/k8s-binderhub", "0.2.0-a2079a5"),
        ("jupyterhub/jupyterhub", "jupyterhub/jupyterhub", "latest"),
        ("gcr.io/project/image:tag", "project/image", "tag"),
        ("weirdregistry.com/image:tag", "image", "tag"),
        ("gitlab-registry.example.com/group/project/my/image:rc1", "group/project/my/image", "rc1"),
        ("127.0.0.1:5000/binder/x-abc:123", "binder/x-abc", "123"),
    ],
)
def test_split_image_name(full, repository, tag):
    assert split_image_name(full) == (repository, tag)


def test_image_for_ties_it_together():
    repo = ResolvedRepo("git", "Git", "s", "s2", "https://h/r", "HEAD", "a" * 40, "https://h/r", "https://h/r")
    image = image_for(repo, "127.0.0.1:5000/binder/p-")
    assert image.name == image_name("127.0.0.1:5000/binder/p-", "https://h/r", "a" * 40)
    assert image.repository.startswith("binder/p-") and image.tag == "a" * 40
    assert image.build_name == build_name("https://h/r", "a" * 40)
