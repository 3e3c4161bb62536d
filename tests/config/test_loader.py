"""Configuration from Python and from the YAML files the setup guide shows; strict validation."""

import subprocess
import sys
import textwrap

import pytest

from binderd.app import BinderHub
from binderd.config import ConfigError, load_files


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def app_with(*paths, argv=()):
    app = BinderHub()
    app.config_files = list(paths)
    app.parse_command_line(list(argv))
    app.load_config_files()
    return app


SECRET = """
jupyterhub:
  hub:
    services:
      binder:
        apiToken: "0123abcd"
  proxy:
    secretToken: "feedbeef"
registry:
  username: my-docker-id
  password: s3cret
"""

CONFIG = """
config:
  BinderHub:
    use_registry: true
    image_prefix: my-docker-id/binder-dev-
    hub_url: http://10.0.0.1
  GitRepoProvider:
    allowed_protocols: [https]
"""


def test_seed_yaml_files_as_written(tmp_path):
    app = app_with(write(tmp_path, "secret.yaml", SECRET), write(tmp_path, "config.yaml", CONFIG))
    assert app.hub_api_token == "0123abcd"
    assert app.image_prefix == "my-docker-id/binder-dev-"
    assert app.hub_url == "http://10.0.0.1/" and app.use_registry is True
    registry = app.config.DockerRegistry
    assert registry.username == "my-docker-id" and registry.password == "s3cret"
    assert registry.url == "https://registry-1.docker.io"
    assert registry.auth_config_url == "https://index.docker.io/v1/"


def test_python_config_and_later_files_win(tmp_path):
    py = write(tmp_path, "binderhub_config.py", "c.BinderHub.image_prefix = 'from-python-'\nc.BinderHub.port = 9000\n")
    app = app_with(write(tmp_path, "config.yaml", CONFIG), py)
    assert app.image_prefix == "from-python-" and app.port == 9000 and app.use_registry is True


def test_command_line_wins_over_files(tmp_path):
    py = write(tmp_path, "c.py", "c.BinderHub.port = 9000\n")
    assert app_with(py, argv=["--port=9100"]).port == 9100


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("bad.yaml", "config:\n  BinderHub:\n    prot: 80\n", "config.BinderHub.prot: BinderHub has no option 'prot' (did you mean 'port'?)"),
        ("bad.yaml", "config:\n  BinderHub:\n    port: eighty\n", "config.BinderHub.port"),
        ("bad.yaml", "config:\n  BinderHubb:\n    port: 80\n", "Unknown configuration class 'BinderHubb' (did you mean 'BinderHub'?)"),
        ("bad.yaml", "regsitry:\n  url: x\n", "regsitry: unknown key"),
        ("bad.yaml", "registry:\n  usrname: x\n", "registry.usrname: unknown key"),
        ("bad.yaml", "registry:\n  password: 123\n", "registry.password must be a string"),
        ("bad.yaml", "config: [1, 2]\n", "config must be a mapping"),
        ("bad.yaml", "config:\n  BinderHub: {port: 1\n", "not valid YAML"),
        ("bad.py", "c.BinderHub.use_registry = 'maybe'\n", "BinderHub.use_registry"),
        ("bad.py", "c.DockerRegistry.tokn_url = ''\n", "DockerRegistry has no option 'tokn_url'"),
        ("bad.py", "c.GitRepoProvider.allowed_networks = ['10.0.0.0/33']\n", "allowed_networks"),
        ("bad.py", "1/0\n", "ZeroDivisionError"),
    ],
)
def test_bad_configuration_names_the_key(tmp_path, name, text, message):
    with pytest.raises(ConfigError) as e:
        app_with(write(tmp_path, name, text))
    assert message in str(e.value)


def test_chart_only_settings_are_accepted(tmp_path):
    path = write(tmp_path, "values.yaml", "service:\n  type: ClusterIP\ningress:\n  enabled: false\nreplicas: 2\n"
                 "config:\n  KubernetesBuildExecutor: {}\n")
    app_with(path)


def test_extra_config_runs_with_c(tmp_path):
    path = write(tmp_path, "values.yaml", "extraConfig:\n  10-x: |\n    c.BinderHub.image_prefix = 'extra-'\n")
    assert app_with(path).image_prefix == "extra-"


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_files([str(tmp_path / "nope.yaml")])


def test_startup_error_is_one_clear_line(tmp_path):
    path = write(tmp_path, "config.yaml", "config:\n  BinderHub:\n    use_regsitry: false\n")
    result = subprocess.run([sys.executable, "-m", "binderd", "-f", path], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "config.BinderHub.use_regsitry: BinderHub has no option 'use_regsitry' (did you mean 'use_registry'?)" in result.stderr
    assert "Traceback" not in result.stderr
