"""The set of providers: upstream's order, display configs, configuration, documentation."""

import json

import pytest
import tornado.httpclient
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from traitlets.config import Config

from binderd.app import BinderHub
from binderd.config import ConfigError
from binderd.config import validate as validate_config
from binderd.providers import RepoProvider, default_providers


def test_upstream_order_then_swh():
    assert list(default_providers()) == [
        "gh", "gist", "git", "gl", "zenodo", "figshare", "hydroshare", "dataverse", "ckan", "swh"]


def test_upstream_class_and_display_names():
    names = {prefix: (cls.__name__, cls.name) for prefix, cls in default_providers().items()}
    assert names == {
        "gh": ("GitHubRepoProvider", "GitHub"), "gist": ("GistRepoProvider", "Gist"),
        "git": ("GitRepoProvider", "Git"), "gl": ("GitLabRepoProvider", "GitLab"),
        "zenodo": ("ZenodoProvider", "Zenodo"), "figshare": ("FigshareProvider", "Figshare"),
        "hydroshare": ("HydroshareProvider", "Hydroshare"), "dataverse": ("DataverseProvider", "Dataverse"),
        "ckan": ("CKANProvider", "CKAN"), "swh": ("SwhidProvider", "SoftwareHeritage"),
    }
    for prefix, cls in default_providers().items():
        assert cls.display_config["id"] == prefix


@pytest.mark.parametrize("cls", list(default_providers().values()), ids=lambda c: c.__name__)
def test_every_option_is_documented(cls):
    for name, trait in cls.class_traits(config=True).items():
        assert trait.help and len(trait.help.split()) >= 4, f"{cls.__name__}.{name} needs a help string"


def test_operator_config_from_the_docs_is_accepted():
    config = Config()
    config.GitHubRepoProvider.access_token = "x"  # secret.yaml of the "Set up BinderHub" page
    config.GitLabRepoProvider.private_token = "y"
    config.GistRepoProvider.allow_secret_gist = True
    config.ZenodoProvider.doi_resolver_url = "https://doi.example"
    config.RepoProvider.http_timeout = 3.0
    validate_config(config, BinderHub().classes, log=None)
    config.ZenodoProvider.no_such_option = 1
    with pytest.raises(ConfigError, match="ZenodoProvider has no option 'no_such_option'"):
        validate_config(config, BinderHub().classes, log=None)


def test_repo_provider_config_applies_to_all():
    config = Config()
    config.RepoProvider.http_timeout = 1.5
    config.RepoProvider.banned_specs = ["^bad"]
    for prefix, cls in default_providers().items():
        assert cls.class_traits()["http_timeout"]
        provider = RepoProvider.__new__(cls)
        RepoProvider.__init__(provider, spec="bad", config=config)
        assert provider.http_timeout == 1.5 and provider.is_banned(), prefix


async def test_api_repoproviders_serves_each_display_config():
    app = BinderHub(hub_url="http://hub.invalid/", use_registry=False)
    app.init_stages()
    sockets = bind_sockets(0, "127.0.0.1")
    server = HTTPServer(app.make_app())
    server.add_sockets(sockets)
    try:
        url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}/api/repoproviders"
        response = await tornado.httpclient.AsyncHTTPClient().fetch(url)
    finally:
        server.stop()
    assert response.headers["Content-Type"] == "application/json"
    assert json.loads(response.body) == [cls.display_config for cls in default_providers().values()]
