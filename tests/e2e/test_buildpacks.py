"""Every kind of repository through /build, with binderd's default repo2docker configuration (uv buildpacks).

Each repository is built by real repo2docker on the local Docker engine FROM
binderd/jupyter-base, installs real packages from the package index (small
ones: tabulate), and is launched through the real JupyterHub; the running
server proves the environment by serving files that postBuild or start wrote.
"""

from __future__ import annotations

import json
import os
import urllib.request
from urllib.parse import quote

import pytest

from tests.fixtures.servers import BASE_IMAGE, binderd_config, start_binderd
from tests.fixtures.sse import read_stream

TABULATE = "tabulate==0.9.0"
# postBuild: proves the package is importable by the server's Python, and who ran it
POSTBUILD = (
    "#!/bin/bash\nset -euo pipefail\n"
    'python -c "import tabulate; print(tabulate.__version__)" > version.txt\n'
    "id -un > postbuild-user.txt\n"
)


def build_url(binderd, repo) -> str:
    return f"{binderd.url}build/git/{quote(repo.git_url, safe='')}/main"


def contents(ready: dict, path: str) -> str:
    """A file of the running server, read through its contents API with the launch token."""
    url = f"{ready['url']}api/contents/{path}?content=1&token={ready['token']}"
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)["content"]


async def build(binderd, repo):
    stream = await read_stream(build_url(binderd, repo))
    return stream


async def ready_event(binderd, repo) -> dict:
    stream = await build(binderd, repo)
    assert stream.phases[-1] == "ready", [e.get("message") for e in stream.events[-15:]]
    return stream.events[-1]


async def failure(binderd, repo) -> str:
    stream = await build(binderd, repo)
    assert stream.phases[-1] == "failed", stream.events[-5:]
    assert "ready" not in stream.phases and "built" not in stream.phases
    message = stream.events[-1]["message"]
    assert "Traceback" not in message
    return message


def no_raw_json(stream) -> None:
    for event in stream.events:
        assert "exc_info" not in event
        assert '{"aux"' not in event.get("message", "")


async def test_requirements_apt_postbuild_start_and_content_rebuild(binderd_local, git_server):
    repo = git_server.create("bp-requirements", {
        "requirements.txt": TABULATE + "\n",
        "apt.txt": "# a Debian package\njq\n",
        "postBuild": POSTBUILD + "jq --version > jq.txt\necho \"$REPO_DIR $NB_USER\" > env.txt\n",
        "start": "#!/bin/bash\necho \"started with $*\" > \"$HOME/started.txt\"\nexec \"$@\"\n",
        "notebook.txt": "first\n",
    })
    first = await build(binderd_local, repo)
    assert first.phases[-1] == "ready", [e.get("message") for e in first.events[-15:]]
    no_raw_json(first)
    ready = first.events[-1]
    assert contents(ready, "version.txt") == "0.9.0\n"
    assert contents(ready, "postbuild-user.txt") == "jovyan\n"
    assert contents(ready, "jq.txt").startswith("jq-1.")
    assert contents(ready, "env.txt") == "/home/jovyan jovyan\n"
    assert contents(ready, "started.txt").startswith("started with ")  # start wrapped the server command
    assert any("Image ID: sha256:" in e.get("message", "") for e in first.events)

    # a content-only commit: the environment layers come from the cache, the new content is served
    repo.commit({"notebook.txt": "second\n"}, "content only")
    second = await build(binderd_local, repo)
    assert second.phases[-1] == "ready", second.events[-5:]
    messages = [e.get("message", "") for e in second.events]
    install = next(i for i, m in enumerate(messages) if m.startswith("Step") and "uv pip install" in m)
    apt = next(i for i, m in enumerate(messages) if m.startswith("Step") and "apt-get" in m)
    for step in (install, apt):
        assert "Using cache" in "".join(messages[step : step + 3]), messages[step : step + 3]
    assert contents(second.events[-1], "notebook.txt") == "second\n"
    assert contents(second.events[-1], "version.txt") == "0.9.0\n"  # postBuild ran again


async def test_pyproject_package(binderd_local, git_server):
    repo = git_server.create("bp-pyproject", {
        "pyproject.toml": (
            '[project]\nname = "bpdemo"\nversion = "1.2.3"\ndependencies = ["' + TABULATE + '"]\n'
            '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
            "[tool.setuptools]\npy-modules = ['bpdemo']\n"
        ),
        "bpdemo.py": "ANSWER = 42\n",
        "postBuild": POSTBUILD + 'cd / && python -c "import bpdemo, importlib.metadata as m; '
        "print(bpdemo.ANSWER, m.version('bpdemo'))\" > \"$HOME/package.txt\"\n",
    })
    ready = await ready_event(binderd_local, repo)
    assert contents(ready, "version.txt") == "0.9.0\n"
    assert contents(ready, "package.txt") == "42 1.2.3\n"


async def test_binder_folder_wins_and_runtime_txt_of_the_base_python(binderd_local, git_server):
    repo = git_server.create("bp-binderdir", {
        # the root's files are ignored when binder/ exists: these would fail the build
        "requirements.txt": "this-package-does-not-exist-binderd==0.0.1\n",
        "postBuild": "#!/bin/bash\nexit 1\n",
        "binder/runtime.txt": "python-3.11\n",
        "binder/requirements.txt": TABULATE + "\n",
        "binder/postBuild": POSTBUILD + "echo binder > which.txt\n",
    })
    ready = await ready_event(binderd_local, repo)
    assert contents(ready, "which.txt") == "binder\n"
    assert contents(ready, "version.txt") == "0.9.0\n"


async def test_runtime_txt_python_the_base_lacks(binderd_local, git_server):
    repo = git_server.create("bp-oldpython", {"runtime.txt": "python-3.8\n", "requirements.txt": TABULATE + "\n"})
    message = await failure(binderd_local, repo)
    assert "runtime.txt asks for Python 3.8" in message
    assert "Python 3.11" in message and "python-3.11" in message


async def test_failing_postbuild_shows_its_last_lines(binderd_local, git_server):
    repo = git_server.create("bp-badpostbuild", {
        "requirements.txt": TABULATE + "\n",
        "postBuild": "#!/bin/bash\necho preparing the data\necho 'cannot find data.csv' >&2\nexit 3\n",
    })
    message = await failure(binderd_local, repo)
    assert "cannot find data.csv" in message and "preparing the data" in message
    assert "non-zero code: 3" in message


async def test_dockerfile_repository_keeps_repo2dockers_buildpack(binderd_local, git_server):
    repo = git_server.create("bp-dockerfile", {
        "Dockerfile": f"FROM {BASE_IMAGE}\nRUN echo from-dockerfile > /home/jovyan/marker.txt\n",
        "requirements.txt": "this-package-does-not-exist-binderd==0.0.1\n",  # a Dockerfile wins
    })
    ready = await ready_event(binderd_local, repo)
    assert contents(ready, "marker.txt") == "from-dockerfile\n"


async def test_environment_yml_fails_clearly(binderd_local, git_server):
    repo = git_server.create("bp-conda", {"environment.yml": "dependencies:\n  - python=3.11\n  - numpy\n"})
    message = await failure(binderd_local, repo)
    assert "conda" in message and "unreachable" in message
    assert "requirements.txt" in message  # what to do instead


@pytest.fixture(scope="module")
def binderd_limits(tmp_path_factory, hub, git_server, docker_engine):
    """binderd whose builds have small limits: 2 MB repositories, 300 MiB of memory, 30 s."""
    lines = binderd_config(hub, git_server, None, "binderd-e2e-limits/") + [
        "c.BuildExecutor.max_repo_size = '2M'",
        "c.BuildExecutor.memory_limit = '300M'",
        "c.LocalRepo2dockerBuild.build_timeout = 30",
    ]
    b = start_binderd(str(tmp_path_factory.mktemp("binderd-limits")), lines)
    yield b
    b.process.stop()


async def test_repository_over_the_size_limit(binderd_limits, git_server):
    repo = git_server.create("bp-big", {"requirements.txt": TABULATE + "\n"})
    with open(os.path.join(repo.workdir, "data.bin"), "wb") as f:
        f.write(os.urandom(3 * 1024 * 1024))
    repo.commit({}, "big data")
    message = await failure(binderd_limits, repo)
    assert "The repository is" in message and "limit of 2.1 MB" in message


async def test_build_over_the_memory_limit(binderd_limits, git_server):
    repo = git_server.create("bp-memory", {
        "Dockerfile": f"FROM {BASE_IMAGE}\nRUN python3 -c \"b = bytearray(1024 * 2**20); print(len(b))\"\n",
    })
    message = await failure(binderd_limits, repo)
    assert "ran out of memory" in message and "300 MiB" in message


async def test_build_over_the_time_limit(binderd_limits, git_server):
    repo = git_server.create("bp-slow", {"Dockerfile": f"FROM {BASE_IMAGE}\nRUN sleep 600\n"})
    message = await failure(binderd_limits, repo)
    assert "longer than 30 seconds" in message
