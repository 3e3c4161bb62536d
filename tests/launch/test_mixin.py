"""BinderSpawnerMixin: upstream's user_options protocol, the server's arguments and environment.

Each behaviour is checked on both spawners that use the mixin (DockerSpawner and
KubeSpawner based) and on a bare Spawner, so the mixin does not lean on either.
"""

import ast
import sys

import pytest
from jupyterhub.spawner import Spawner
from tornado.web import HTTPError

from binderd.launch import mixin
from binderd.launch.kubespawner import BinderKubeSpawner
from binderd.launch.mixin import SERVER_PICKER_CMD, BinderSpawnerMixin
from binderd.launch.spawner import BinderSpawner
from tests.launch.spawners import OPTIONS, call_start, make


class RecordingSpawner(Spawner):
    """A spawner whose start only records the image it would run."""

    async def start(self):
        self.started_image = self.image
        return ("127.0.0.1", self.port)

    async def stop(self, now=False):
        pass

    async def poll(self):
        return 0


class BareBinderSpawner(BinderSpawnerMixin, RecordingSpawner):
    pass


SPAWNERS = [BinderSpawner, BinderKubeSpawner, BareBinderSpawner]


@pytest.fixture(params=SPAWNERS, ids=lambda cls: cls.__name__)
def spawner_class(request, kubeconfig):
    return request.param


@pytest.mark.parametrize("missing, message", [("token", "token required"), ("image", "image required")])
async def test_anonymous_start_requires_token_and_image(spawner_class, missing, message):
    spawner = make(spawner_class, {k: v for k, v in OPTIONS.items() if k != missing})
    # Raised by the call itself, before anything is awaited: the hub then answers the start
    # request with 400 instead of accepting it (202) and failing the spawn later.
    with pytest.raises(HTTPError) as raised:
        spawner.start()
    assert raised.value.status_code == 400 and raised.value.log_message == message


async def test_empty_token_counts_as_missing(spawner_class):
    with pytest.raises(HTTPError, match="token required"):
        await call_start(make(spawner_class, {**OPTIONS, "token": ""}))


async def test_start_runs_the_requested_image():
    spawner = make(BareBinderSpawner)
    assert await spawner.start() == ("127.0.0.1", spawner.port)
    assert spawner.started_image == OPTIONS["image"]


async def test_auth_mode_needs_no_token_and_keeps_the_configured_image():
    spawner = make(BareBinderSpawner, {}, auth_enabled=True)
    spawner.image = "configured:1"
    await spawner.start()
    assert spawner.started_image == "configured:1"


async def test_server_args_carry_base_url_and_listen_address(spawner_class):
    spawner = make(spawner_class, default_url="/lab/tree/index.ipynb", args=["--debug"])
    args = spawner.get_args()
    assert not any(OPTIONS["token"] in a for a in args)  # argv is world-readable
    assert "--ServerApp.base_url=/user/ana/" in args
    assert "--ServerApp.trust_xheaders=True" in args
    assert "--ServerApp.default_url=/lab/tree/index.ipynb" in args
    assert f"--port={spawner.port}" in args
    assert args[-1] == "--debug"  # the configured args come last
    assert not any("allow_origin" in a for a in args)
    assert args[0] == "--ip=0.0.0.0"


def test_host_networking_listens_on_the_host_ip():
    spawner = make(BinderSpawner, network_name="host", host_ip="127.0.0.5")
    assert spawner.get_args()[0] == "--ip=127.0.0.5"


@pytest.mark.parametrize("origin, pattern", [("https://site.example", False), ("*", True)])
async def test_cors_allow_origin(spawner_class, origin, pattern):
    args = make(spawner_class, cors_allow_origin=origin).get_args()
    assert f"--ServerApp.allow_origin={origin}" in args
    assert ("--ServerApp.allow_origin_pat=.*" in args) is pattern


async def test_auth_mode_uses_the_singleuser_args_and_command(spawner_class):
    spawner = make(spawner_class, {"image": "x:1"}, auth_enabled=True)
    args = spawner.get_args()
    assert not any("token" in a for a in args)
    assert spawner.cmd == ["jupyterhub-singleuser"]


async def test_anonymous_command_is_the_server_picker(spawner_class):
    assert make(spawner_class).cmd == SERVER_PICKER_CMD


async def test_environment_has_the_binder_variables(spawner_class):
    env = make(spawner_class, {**OPTIONS, "other": "x"}).get_env()
    assert env["BINDER_REPO_URL"] == OPTIONS["repo_url"]
    for key in ("binder_ref_url", "binder_launch_host", "binder_request", "binder_persistent_request",
                "binder_client_ip"):
        assert env[key.upper()] == OPTIONS[key]
    assert "OTHER" not in env and "TOKEN" not in env
    assert env["JUPYTER_TOKEN"] == OPTIONS["token"]


async def test_auth_mode_puts_no_binder_token_in_the_environment(spawner_class):
    assert "JUPYTER_TOKEN" not in make(spawner_class, {**OPTIONS}, auth_enabled=True).get_env()


async def test_user_options_are_consumed_without_warning(spawner_class, caplog):
    spawner = make(spawner_class)
    await spawner._run_apply_user_options(OPTIONS)
    assert "unhandled user_options" not in caplog.text


def test_mixin_module_is_self_contained():
    """The module may import only the standard library, tornado, traitlets and jupyterhub."""
    tree = ast.parse(open(mixin.__file__).read())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import"
            roots.add(node.module.split(".")[0])
    allowed = {"tornado", "traitlets", "jupyterhub"} | set(sys.stdlib_module_names)
    assert roots and roots <= allowed, roots - allowed
