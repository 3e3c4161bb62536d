"""image_prefix analysis: where builds push versus where binderd looks, and path depth (issue #800)."""

from __future__ import annotations

import pytest

from binderd.registry.prefix import analyze, docker_reference


@pytest.mark.parametrize(
    "name, expected",
    [
        ("user/image:tag", ("docker.io", "user/image")),
        ("image", ("docker.io", "library/image")),
        ("gcr.io/project/image:tag", ("gcr.io", "project/image")),
        ("localhost/image", ("localhost", "image")),
        ("127.0.0.1:5000/a/b:c", ("127.0.0.1:5000", "a/b")),
        ("index.docker.io/user/image", ("docker.io", "user/image")),
    ],
)
def test_docker_reference(name, expected):
    assert docker_reference(name) == expected


@pytest.mark.parametrize(
    "prefix, url",
    [
        ("gcr.io/my-project/binder-prod-", "https://gcr.io"),
        ("mydockerid/binder-prod-", "https://registry-1.docker.io"),
        ("docker.io/my-org/binder-", "https://registry-1.docker.io"),
        ("binderacr.azurecr.io/binder-project/prod-", "https://binderacr.azurecr.io"),
        ("binderacr.azurecr.io/binder-", "https://binderacr.azurecr.io"),
        ("abc.gra7.container-registry.ovh.net/project/prod-", "https://abc.gra7.container-registry.ovh.net"),
        ("europe-west1-docker.pkg.dev/proj/repo/binder-", "https://europe-west1-docker.pkg.dev"),
        ("ghcr.io/octocat/binder-", "https://ghcr.io"),
        ("quay.io/org/binder-", "https://quay.io"),
        ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/binder-", "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com"),
        ("127.0.0.1:5000/binder/x-", "http://127.0.0.1:5000"),
        ("127.0.0.1:5000/binder-", "http://127.0.0.1:5000"),
    ],
)
def test_good_prefixes(prefix, url):
    report = analyze(prefix, url)
    assert report.ok, report.message
    assert report.looked_up.split("/", 1)[1] == report.pushed.split("/", 1)[1]


@pytest.mark.parametrize(
    "prefix, url, message, fix",
    [
        ("", "https://gcr.io", "image_prefix is empty", "gcr.io/<google-project-id>/<prefix>-"),
        ("gcr.io/binder-", "https://gcr.io", "need at least 2 path levels but image_prefix gives 1",
         "gcr.io/<google-project-id>/<prefix>-"),
        ("myregistry.io/binder-", "https://myregistry.io", None, None),  # fine for a plain registry
        ("abc.gra7.container-registry.ovh.net/binder-", "https://abc.gra7.container-registry.ovh.net",
         "need at least 2 path levels", "<harbor-project>"),
        ("europe-west1-docker.pkg.dev/proj/binder-", "https://europe-west1-docker.pkg.dev",
         "need at least 3 path levels", "<project>/<repository>"),
        ("quay.io/org/team/binder-", "https://quay.io", "need exactly 2 path levels", "quay.io/<namespace>/<prefix>-"),
        # Docker Hub names with '-' (or 3 characters) miss upstream's [a-z0-9]{4,40}/ pattern
        ("my-org/binder-", "https://registry-1.docker.io", "looks images up as 'binder-", "docker.io/my-org/binder-"),
        ("abc/binder-", "https://registry-1.docker.io", "looks images up as 'binder-", "docker.io/abc/binder-"),
        ("your-registry.io/binder-", "https://myregistry.io", "builds push to your-registry.io", "myregistry.io/"),
        ("user/binder-", "http://127.0.0.1:5000", "builds push to docker.io", "127.0.0.1:5000/"),
        ("gcr.io/My_Project/binder-", "https://gcr.io", "becomes 'gcr.io/my-project/binder-'", "gcr.io/my-project/binder-"),
    ],
)
def test_bad_prefixes(prefix, url, message, fix):
    report = analyze(prefix, url)
    if message is None:
        assert report.ok, report.message
        return
    assert not report.ok
    assert message in report.message
    assert fix in report.fix
