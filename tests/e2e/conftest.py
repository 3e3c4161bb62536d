"""binderd processes wired to the real servers of tests/fixtures/servers.py."""

import secrets

import pytest

from tests.fixtures.servers import binderd_config, start_binderd


@pytest.fixture(scope="session")
def binderd_registry(tmp_path_factory, hub, git_server, registry):
    """binderd that pushes to (and looks images up in) the htpasswd registry."""
    prefix = f"{registry.host}/binder/e2e{secrets.token_hex(3)}-"
    b = start_binderd(str(tmp_path_factory.mktemp("binderd-reg")), binderd_config(hub, git_server, registry, prefix))
    yield b
    b.process.stop()


@pytest.fixture(scope="session")
def binderd_local(tmp_path_factory, hub, git_server, docker_engine):
    """binderd that keeps images in the local Docker engine (use_registry = False)."""
    prefix = f"binderd-e2e-{secrets.token_hex(3)}/"
    b = start_binderd(str(tmp_path_factory.mktemp("binderd-local")), binderd_config(hub, git_server, None, prefix))
    yield b
    b.process.stop()
