"""The uv buildpack's choices, checked on repo2docker's own `--no-build` output (the rendered Dockerfile).

These run the real repo2docker command line with binderd's configuration file on
small repositories; the end-to-end tests (tests/e2e/test_buildpacks.py) build them.
"""

import os
import re
import subprocess
import sys

import pytest

from binderd.builder.buildpacks import CONFIG_FILE, UV_VERSION
from binderd.builder.buildpacks.settings import BuildSettings, human_size, without_settings

R2D = os.path.join(os.path.dirname(sys.executable), "jupyter-repo2docker")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def write(root, files: dict) -> str:
    for path, text in files.items():
        full = root / path
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_text(text)
    return str(root)


def render(repo: str, *args: str, python: list[str] | None = None) -> subprocess.CompletedProcess:
    cmd = (python or [R2D]) + [f"--config={CONFIG_FILE}", "--no-build", "--user-name=jovyan", "--user-id=1000",
                               *args, repo]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def dockerfile(repo: str, *args: str) -> str:
    result = render(repo, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def steps(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def index(lines: list[str], pattern: str) -> int:
    return next(i for i, line in enumerate(lines) if re.search(pattern, line))


def test_requirements_order_apt_env_files_then_content(tmp_path):
    lines = steps(dockerfile(write(tmp_path, {
        "requirements.txt": "tabulate\n", "apt.txt": "jq\n", "postBuild": "#!/bin/sh\n", "start": "#!/bin/sh\n",
    })))
    assert lines[0] == "FROM binderd/jupyter-base:latest"
    order = [index(lines, p) for p in (
        f"uv=={UV_VERSION}", r"apt-get install .* jq", r"COPY .* src/requirements.txt",
        r"USER \$\{NB_USER\}", r"uv pip install .* -r \"requirements.txt\"", r"COPY .* src/ \$\{REPO_DIR\}/",
        r"LABEL repo2docker.ref", r'RUN \./"postBuild"', r'R2D_ENTRYPOINT="\$\{REPO_DIR\}/start"', "ENTRYPOINT",
    )]
    assert order == sorted(order), lines

    def user_at(step: int) -> str:
        return [line for line in lines[:step] if line.startswith("USER ")][-1]

    assert user_at(index(lines, "apt-get -qq update")) == "USER root"  # apt as root, postBuild as the user
    assert user_at(index(lines, r"RUN \./")) == "USER ${NB_USER}"


def test_local_requirements_install_after_the_copy(tmp_path):
    lines = steps(dockerfile(write(tmp_path, {"requirements.txt": "-e .\n", "setup.py": "\n"})))
    assert index(lines, r"COPY .* src/ ") < index(lines, r"-r \"requirements.txt\"") < index(lines, r"install .* \.$")
    assert not any("src/requirements.txt" in line for line in lines)


@pytest.mark.parametrize("files, chosen", [
    ({"binder/requirements.txt": "a\n", ".binder/requirements.txt": "b\n"}, None),  # both: repo2docker refuses
    ({"binder/requirements.txt": "a\n", "requirements.txt": "b\n", "setup.py": ""}, "binder/requirements.txt"),
    ({".binder/requirements.txt": "a\n", "requirements.txt": "b\n"}, ".binder/requirements.txt"),
    ({"requirements.txt": "b\n"}, "requirements.txt"),
])
def test_binder_folder_precedence(tmp_path, files, chosen):
    result = render(write(tmp_path, files))
    if chosen is None:
        assert result.returncode != 0 and "both a 'binder' and a '.binder'" in result.stderr
        return
    lines = steps(result.stdout)
    installs = [line for line in lines if line.startswith("RUN uv pip install")]
    assert len(installs) == 1 and f'-r "{chosen}"' in installs[0]  # setup.py is ignored under binder/


@pytest.mark.parametrize("files, buildpack", [
    ({"Dockerfile": "FROM binderd/jupyter-base:latest\n", "requirements.txt": "a\n"}, "DockerBuildPack"),
    ({"environment.yml": "dependencies: [numpy]\n", "requirements.txt": "a\n"}, "CondaBuildPack"),
    ({"runtime.txt": "python-3.11\n"}, "UvPythonBuildPack"),
    ({"pyproject.toml": "[project]\nname='x'\n[build-system]\n"}, "UvPythonBuildPack"),
    ({"README.md": "only content\n"}, "UvPythonBuildPack"),  # the default
])
def test_which_buildpack(tmp_path, files, buildpack):
    from repo2docker.app import Repo2Docker

    app = Repo2Docker()
    app.load_config_file(CONFIG_FILE)
    write(tmp_path, files)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        picked = next((bp for bp in app.buildpacks if bp(base_image="x").detect()), app.default_buildpack)
    finally:
        os.chdir(cwd)
    assert picked.__name__ == buildpack


def test_runtime_txt_is_checked_against_the_base_python(tmp_path):
    lines = steps(dockerfile(write(tmp_path, {"runtime.txt": "python-3.8\n"})))
    check = lines[index(lines, "runtime.txt asks for Python")]
    assert check.endswith(" 3.8")
    result = subprocess.run(["sh", "-c", check[4:].replace("/opt/venv/bin/python", sys.executable)],
                            capture_output=True, text=True)
    assert result.returncode == 1 and "runtime.txt asks for Python 3.8, but" in result.stdout
    ok = check[4:].replace("/opt/venv/bin/python", sys.executable).replace(" 3.8", " %d.%d" % sys.version_info[:2])
    assert subprocess.run(["sh", "-c", ok]).returncode == 0


def test_ca_bundle_and_base_image_settings(tmp_path):
    repo = write(tmp_path, {"requirements.txt": "a\n"})
    text = dockerfile(repo, "--build-arg", "BINDERD_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt",
                      "--Repo2Docker.base_image=example/other:1")
    assert text.startswith("FROM example/other:1\n")
    assert "ENV SSL_CERT_FILE=/usr/local/share/binderd/builder-ca.crt" in text
    assert re.search(r"COPY --chown=1000:1000 build_script_files/\S+ /usr/local/share/binderd/builder-ca.crt", text)
    assert "BINDERD_" not in text
    assert "UV_NATIVE_TLS=true" in dockerfile(repo)  # default: the base image's trust store


def test_config_file_needs_only_repo2docker(tmp_path):
    """A build image has repo2docker and binderd installed without dependencies: nothing else may be imported."""
    repo = write(tmp_path, {"requirements.txt": "a\n"})
    stub = "import sys; sys.modules['binderd'] = None; from repo2docker.__main__ import main; main()"
    result = render(repo, python=[sys.executable, "-c", stub])
    assert result.returncode == 0, result.stderr
    assert "uv pip install" in result.stdout


def test_uv_version_is_the_pinned_one():
    with open(os.path.join(ROOT, "constraints.txt")) as f:
        pins = dict(line.strip().split("==", 1) for line in f if "==" in line and not line.startswith("#"))
    assert pins["uv"] == UV_VERSION


def test_settings():
    assert BuildSettings.from_build_args({"BINDERD_MAX_REPO_SIZE": "5", "NB_UID": "1000"}).max_repo_size == 5
    assert without_settings({"BINDERD_MAX_REPO_SIZE": "5", "NB_UID": "1000"}) == {"NB_UID": "1000"}
    with pytest.raises(ValueError, match="does not exist"):
        BuildSettings.from_build_args({"BINDERD_CA_BUNDLE": "/nonexistent/ca.pem"})
    assert human_size(2 * 1024 * 1024) == "2.1 MB" and human_size(999) == "999 bytes"
