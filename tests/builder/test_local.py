"""LocalRepo2dockerBuild: the argument list, log forwarding, cleanup and failure messages.

repo2docker itself runs in the end-to-end tests; here a stand-in command records what
the executor gives it, so each promise of the wrapper can be checked on its own.
"""

import json
import os
import sys

import pytest

from binderd.builder import LocalRepo2dockerBuild
from binderd.builder.buildpacks import CONFIG_FILE
from binderd.errors import BuildError
from binderd.model import ImageRef, ResolvedRepo

STAND_IN = r'''
import json, os, sys
record = {"argv": sys.argv[1:], "tmpdir": os.environ.get("TMPDIR"), "git": os.environ.get("GIT_CREDENTIAL_ENV")}
open(os.environ["RECORD"], "w").write(json.dumps(record))
print(json.dumps({"message": "Picked Git content provider.\n"}), flush=True)
print("plain text line", flush=True)
print(json.dumps({"message": "token was " + os.environ.get("GIT_CREDENTIAL_ENV", "").split("password=")[-1], "phase": "building"}), flush=True)
if os.environ.get("FAIL"):
    print(json.dumps({"message": "The command 'RUN exit 3' returned a non-zero code: 3", "phase": "failed"}), flush=True)
    sys.exit(1)
'''

REPO = ResolvedRepo("git", "Git", "s", "s", "https://example.org/r.git", "main", "a" * 40, "u", "slug",
                    git_credentials=r"username=binderhub\npassword=glpat-secret-token")
IMAGE = ImageRef("127.0.0.1:5000/binder/x-abc:" + "a" * 40, "binder/x-abc", "a" * 40, "build-x")


@pytest.fixture
def executor(tmp_path, monkeypatch):
    script = tmp_path / "r2d.py"
    script.write_text(STAND_IN)
    monkeypatch.setenv("RECORD", str(tmp_path / "record.json"))
    return LocalRepo2dockerBuild(repo2docker_command=[sys.executable, str(script)], appendix="RUN echo hi",
                                 repo2docker_extra_args=["--Repo2Docker.x=1"])


def record(tmp_path):
    return json.loads((tmp_path / "record.json").read_text())


async def test_arguments_logs_and_cleanup(executor, tmp_path):
    events = [e async for e in executor.build(REPO, IMAGE, {"registry": "127.0.0.1:5000", "username": "u",
                                                            "password": "regpass"}, push=True)]
    argv = record(tmp_path)["argv"]
    assert argv == [
        f"--ref={'a' * 40}", f"--image={IMAGE.name}", "--no-clean", "--no-run", "--json-logs",
        "--user-name=jovyan", "--user-id=1000", "--appendix", "RUN echo hi", "--push",
        f"--config={CONFIG_FILE}", "--Repo2Docker.x=1", "https://example.org/r.git",
    ]
    assert "regpass" not in json.dumps(argv) and "glpat" not in json.dumps(argv)
    assert events[0] == {"message": "Picked Git content provider.\n"}  # JSON lines verbatim
    assert events[1] == {"phase": "unknown", "message": "plain text line\n"}  # others wrapped
    assert events[2]["message"] == "token was [secret]"  # a credential value echoed by a tool is hidden
    assert record(tmp_path)["git"] == r"username=binderhub\npassword=glpat-secret-token"
    tmpdir = record(tmp_path)["tmpdir"]
    assert tmpdir and not os.path.exists(tmpdir)  # the per-build TMPDIR (and checkout) is gone


async def test_failure_message_says_what_went_wrong(executor, tmp_path, monkeypatch):
    monkeypatch.setenv("FAIL", "1")
    with pytest.raises(BuildError) as e:
        async for _ in executor.build(REPO, IMAGE, None, push=False):
            pass
    assert "https://example.org/r.git" in e.value.message
    assert "returned a non-zero code: 3" in e.value.message
    assert e.value.message.endswith("\nLast lines of the build:\nPicked Git content provider.\nplain text line\n"
                                    "token was [secret]")  # what led to the failure
    assert "--push" not in record(tmp_path)["argv"]
    assert not os.path.exists(record(tmp_path)["tmpdir"])


async def test_missing_repo2docker_is_a_clear_error():
    executor = LocalRepo2dockerBuild(repo2docker_command=["/nonexistent/jupyter-repo2docker"])
    with pytest.raises(BuildError, match="could not start"):
        async for _ in executor.build(REPO, IMAGE, None):
            pass
