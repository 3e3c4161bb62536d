"""Every registry configuration the set-up guide shows (and the ones it doesn't), as written.

Each case is the guide's `secret.yaml` + `config.yaml` (written to files and loaded
by `binderd check`'s own start-up: load_files, strict validation, init_stages) and
the same configuration in Python (`binderhub_config.py`). Both must give the
registry the url, auth_config_url, token_url, username and password the guide
intends, so that an operator who follows it gets a working binderd.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import pytest

from binderd.cli.check import CheckApp
from binderd.registry import AmazonECR, DockerRegistry, GoogleArtifactRegistry
from binderd.registry.google import METADATA_TOKEN_URL

SA_KEY = '{\n"type": "service_account",\n"project_id": "my-project",\n"private_key": "-----BEGIN..."\n}\n'
SA_KEY_YAML = textwrap.indent(SA_KEY, "    ")
HUB = "https://auth.docker.io/token?service=registry.docker.io"


@dataclass
class Case:
    name: str
    secret: str  # secret.yaml
    config: str  # config.yaml
    python: str  # the same in binderhub_config.py
    url: str
    auth_config_url: str
    token_url: str
    username: str
    password: str
    cls: type = DockerRegistry


CASES = [
    Case(
        "gcr.io JSON key (3.2.1, 3.3.1)",
        f"registry:\n  url: https://gcr.io\n  password: |\n{SA_KEY_YAML}",
        "config:\n  BinderHub:\n    use_registry: true\n    image_prefix: gcr.io/my-project/binder-prod-\n",
        f"c.DockerRegistry.url = 'https://gcr.io'\nc.DockerRegistry.username = '_json_key'\n"
        f"c.DockerRegistry.password = {SA_KEY!r}\nc.BinderHub.image_prefix = 'gcr.io/my-project/binder-prod-'\n",
        "https://gcr.io", "https://gcr.io", "https://gcr.io/v2/token?service=gcr.io", "_json_key", SA_KEY,
    ),
    Case(
        "Docker Hub user (3.2.2, 3.3.2)",
        "registry:\n  username: mydockerid\n  password: hunter2\n",
        "config:\n  BinderHub:\n    use_registry: true\n    image_prefix: mydockerid/binder-prod-\n",
        "c.DockerRegistry.username = 'mydockerid'\nc.DockerRegistry.password = 'hunter2'\n"
        "c.BinderHub.image_prefix = 'mydockerid/binder-prod-'\n",
        "https://registry-1.docker.io", "https://index.docker.io/v1/", HUB, "mydockerid", "hunter2",
    ),
    Case(
        "Docker Hub organization (3.3.2)",
        "registry:\n  username: mydockerid\n  password: hunter2\n",
        "config:\n  BinderHub:\n    image_prefix: binderorg/binder-dev-\n",
        "c.DockerRegistry.username = 'mydockerid'\nc.DockerRegistry.password = 'hunter2'\n"
        "c.BinderHub.image_prefix = 'binderorg/binder-dev-'\n",
        "https://registry-1.docker.io", "https://index.docker.io/v1/", HUB, "mydockerid", "hunter2",
    ),
    Case(
        "Azure Container Registry service principal",
        "registry:\n  url: https://binderacr.azurecr.io\n  username: 0f7e-sp-app-id\n  password: sp-secret\n",
        "config:\n  BinderHub:\n    image_prefix: binderacr.azurecr.io/binder-project/prod-\n  DockerRegistry:\n"
        "    token_url: https://binderacr.azurecr.io/oauth2/token?service=binderacr.azurecr.io\n",
        "c.DockerRegistry.url = 'https://binderacr.azurecr.io'\nc.DockerRegistry.username = '0f7e-sp-app-id'\n"
        "c.DockerRegistry.password = 'sp-secret'\n"
        "c.DockerRegistry.token_url = 'https://binderacr.azurecr.io/oauth2/token?service=binderacr.azurecr.io'\n",
        "https://binderacr.azurecr.io", "https://binderacr.azurecr.io",
        "https://binderacr.azurecr.io/oauth2/token?service=binderacr.azurecr.io", "0f7e-sp-app-id", "sp-secret",
    ),
    Case(
        "OVH Managed Private Registry (Harbor)",
        "registry:\n  url: https://abc123.gra7.container-registry.ovh.net\n  username: binder\n  password: harbor-pw\n",
        "config:\n  BinderHub:\n    image_prefix: abc123.gra7.container-registry.ovh.net/binder-project/prod-\n"
        "  DockerRegistry:\n    token_url: https://abc123.gra7.container-registry.ovh.net/service/token?service=harbor-registry\n",
        "c.DockerRegistry.url = 'https://abc123.gra7.container-registry.ovh.net'\nc.DockerRegistry.username = 'binder'\n"
        "c.DockerRegistry.password = 'harbor-pw'\nc.DockerRegistry.token_url = "
        "'https://abc123.gra7.container-registry.ovh.net/service/token?service=harbor-registry'\n",
        "https://abc123.gra7.container-registry.ovh.net", "https://abc123.gra7.container-registry.ovh.net",
        "https://abc123.gra7.container-registry.ovh.net/service/token?service=harbor-registry", "binder", "harbor-pw",
    ),
    Case(
        "custom registry with token_url (3.3.3)",
        'registry:\n  url: "https://myregistry.io"\n  username: xxx\n  password: yyy\n',
        'config:\n  BinderHub:\n    use_registry: true\n    image_prefix: "myregistry.io/binder/prod-"\n'
        '  DockerRegistry:\n    token_url: "https://myregistry.io/v2/token?service="\n',
        "c.DockerRegistry.url = 'https://myregistry.io'\nc.DockerRegistry.username = 'xxx'\n"
        "c.DockerRegistry.password = 'yyy'\nc.DockerRegistry.token_url = 'https://myregistry.io/v2/token?service='\n",
        "https://myregistry.io", "https://myregistry.io", "https://myregistry.io/v2/token?service=", "xxx", "yyy",
    ),
    Case(
        "htpasswd registry, token_url None (3.3.3)",
        "registry:\n  url: https://registry.example.org:5000\n  username: binder\n  password: pw\n",
        "config:\n  DockerRegistry:\n    token_url: null\n",
        "c.DockerRegistry.url = 'https://registry.example.org:5000'\nc.DockerRegistry.username = 'binder'\n"
        "c.DockerRegistry.password = 'pw'\nc.DockerRegistry.token_url = None\n",
        "https://registry.example.org:5000", "https://registry.example.org:5000", "", "binder", "pw",
    ),
    Case(
        "htpasswd registry, token_url written as None in YAML",
        "registry:\n  url: https://registry.example.org:5000\n  username: binder\n  password: pw\n",
        "config:\n  DockerRegistry:\n    token_url: None\n",
        "c.DockerRegistry.url = 'https://registry.example.org:5000'\nc.DockerRegistry.username = 'binder'\n"
        "c.DockerRegistry.password = 'pw'\nc.DockerRegistry.token_url = 'None'\n",
        "https://registry.example.org:5000", "https://registry.example.org:5000", "", "binder", "pw",
    ),
    Case(
        "Docker Hub auth_config_url (3.3.3 note)",
        'registry:\n  url: "https://index.docker.io/v1"\n  username: mydockerid\n  password: hunter2\n',
        'config:\n  DockerRegistry:\n    url: "https://registry.hub.docker.com"\n'
        '    auth_config_url: "https://index.docker.io/v1"\n'
        '    token_url: "https://auth.docker.io/token?service=registry.docker.io"\n',
        "c.DockerRegistry.url = 'https://registry.hub.docker.com'\nc.DockerRegistry.auth_config_url = "
        "'https://index.docker.io/v1'\nc.DockerRegistry.token_url = 'https://auth.docker.io/token?service=registry.docker.io'\n"
        "c.DockerRegistry.username = 'mydockerid'\nc.DockerRegistry.password = 'hunter2'\n",
        "https://registry.hub.docker.com", "https://index.docker.io/v1", HUB, "mydockerid", "hunter2",
    ),
    Case(
        "Docker Hub by registry.url only (the chart's handling)",
        'registry:\n  url: "https://index.docker.io/v1"\n  username: mydockerid\n  password: hunter2\n',
        "config:\n  BinderHub:\n    image_prefix: mydockerid/binder-\n",
        "c.DockerRegistry.url = 'https://registry-1.docker.io'\nc.DockerRegistry.auth_config_url = "
        "'https://index.docker.io/v1'\nc.DockerRegistry.username = 'mydockerid'\nc.DockerRegistry.password = 'hunter2'\n",
        "https://registry-1.docker.io", "https://index.docker.io/v1", HUB, "mydockerid", "hunter2",
    ),
    # --- beyond the seeds ---
    Case(
        "Google Artifact Registry, JSON key",
        f"registry:\n  url: https://europe-west1-docker.pkg.dev\n  username: _json_key\n  password: |\n{SA_KEY_YAML}",
        "config:\n  BinderHub:\n    image_prefix: europe-west1-docker.pkg.dev/my-project/binder/prod-\n",
        "c.DockerRegistry.url = 'https://europe-west1-docker.pkg.dev'\nc.DockerRegistry.username = '_json_key'\n"
        f"c.DockerRegistry.password = {SA_KEY!r}\n",
        "https://europe-west1-docker.pkg.dev", "https://europe-west1-docker.pkg.dev", "", "_json_key", SA_KEY,
    ),
    Case(
        "regional gcr.io, JSON key without a username",
        f"registry:\n  url: https://eu.gcr.io\n  password: |\n{SA_KEY_YAML}",
        "config:\n  BinderHub:\n    image_prefix: eu.gcr.io/my-project/binder-\n",
        "c.DockerRegistry.url = 'https://eu.gcr.io'\nc.DockerRegistry.username = '_json_key'\n"
        f"c.DockerRegistry.password = {SA_KEY!r}\n",
        "https://eu.gcr.io", "https://eu.gcr.io", "https://eu.gcr.io/v2/token?service=eu.gcr.io", "_json_key", SA_KEY,
    ),
    Case(
        "Google Artifact Registry, metadata server (no key)",
        "",
        "config:\n  BinderHub:\n    registry_class: binderd.registry.GoogleArtifactRegistry\n"
        "    image_prefix: us-docker.pkg.dev/my-project/binder/prod-\n  DockerRegistry:\n    url: https://us-docker.pkg.dev\n",
        "c.BinderHub.registry_class = 'binderd.registry.GoogleArtifactRegistry'\n"
        "c.DockerRegistry.url = 'https://us-docker.pkg.dev'\n",
        "https://us-docker.pkg.dev", "https://us-docker.pkg.dev", METADATA_TOKEN_URL, "", "",
        GoogleArtifactRegistry,
    ),
    Case(
        "GitHub Container Registry",
        "registry:\n  url: https://ghcr.io\n  username: octocat\n  password: ghp_token\n",
        "config:\n  BinderHub:\n    image_prefix: ghcr.io/octocat/binder-\n",
        "c.DockerRegistry.url = 'https://ghcr.io'\nc.DockerRegistry.username = 'octocat'\n"
        "c.DockerRegistry.password = 'ghp_token'\n",
        "https://ghcr.io", "https://ghcr.io", "", "octocat", "ghp_token",
    ),
    Case(
        "Quay.io robot account",
        "registry:\n  url: https://quay.io\n  username: binderorg+builder\n  password: robot-token\n",
        "config:\n  BinderHub:\n    image_prefix: quay.io/binderorg/binder-\n",
        "c.DockerRegistry.url = 'https://quay.io'\nc.DockerRegistry.username = 'binderorg+builder'\n"
        "c.DockerRegistry.password = 'robot-token'\n",
        "https://quay.io", "https://quay.io", "", "binderorg+builder", "robot-token",
    ),
    Case(
        "Amazon ECR",
        "",
        "config:\n  BinderHub:\n    registry_class: binderd.registry.AmazonECR\n"
        "    image_prefix: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/binder/prod-\n"
        "  DockerRegistry:\n    url: https://123456789012.dkr.ecr.eu-west-1.amazonaws.com\n",
        "c.BinderHub.registry_class = 'binderd.registry.AmazonECR'\n"
        "c.DockerRegistry.url = 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com'\n",
        "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com", "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        "", "", "", AmazonECR,
    ),
]


@pytest.fixture(autouse=True)
def no_docker_config(tmp_path, monkeypatch):
    """No ~/.docker/config.json of the machine running the tests leaks in."""
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)


def registry_from(paths: list[str]) -> DockerRegistry:
    """The registry `binderd check -f PATHS` builds."""
    app = CheckApp()
    app.config_files = paths
    app.load_config_files()
    app.init_stages()
    return app.registry


def assert_registry(registry: DockerRegistry, case: Case) -> None:
    assert type(registry) is case.cls
    got = (registry.url, registry.auth_config_url, registry.token_url, registry.username, registry.password)
    assert got == (case.url, case.auth_config_url, case.token_url, case.username, case.password)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_yaml(case, tmp_path):
    secret, config = tmp_path / "secret.yaml", tmp_path / "config.yaml"
    secret.write_text(case.secret)
    config.write_text(case.config)
    assert_registry(registry_from([str(secret), str(config)]), case)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_python(case, tmp_path):
    path = tmp_path / "binderhub_config.py"
    path.write_text(case.python)
    assert_registry(registry_from([str(path)]), case)


def test_ecr_details_from_the_host(tmp_path):
    path = tmp_path / "binderhub_config.py"
    path.write_text(CASES[-1].python)
    registry = registry_from([str(path)])
    assert (registry.region, registry.registry_id) == ("eu-west-1", "123456789012")
    assert registry.api_endpoint == "https://api.ecr.eu-west-1.amazonaws.com"


def test_docker_hub_push_key_is_the_v1_url(tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text(CASES[1].secret)
    assert registry_from([str(secret)]).push_auth() == {
        "registry": "https://index.docker.io/v1/", "username": "mydockerid", "password": "hunter2",
    }
