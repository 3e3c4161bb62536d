"""The dependency pins: what is installed is exactly what constraints.txt names.

A fresh install on a later day must get the versions the tests passed with, so
every package in the environment the tests run in must carry its pinned version,
and every requirement binderd declares must be pinned.
"""

from __future__ import annotations

import os
import re
import tomllib
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.fixtures.procs import REPO_ROOT

# Installed by pip/venv themselves, never through binderd's requirements.
_TOOLING = {"pip", "setuptools", "wheel", "binderd"}


def _pins() -> dict[str, str]:
    pins = {}
    with open(os.path.join(REPO_ROOT, "constraints.txt")) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                name, _, version = line.partition("==")
                assert version, f"constraints.txt: {line!r} is not an exact pin"
                pins[canonicalize_name(name)] = version
    return pins


def test_every_installed_package_has_its_pinned_version():
    pins = _pins()
    wrong, unpinned = [], []
    for dist in metadata.distributions():
        name = canonicalize_name(dist.metadata["Name"])
        if name in _TOOLING:
            continue
        if name not in pins:
            unpinned.append(name)
        elif dist.version != pins[name]:
            wrong.append(f"{name} {dist.version} (pinned {pins[name]})")
    assert not wrong, f"installed versions differ from constraints.txt: {wrong}"
    assert not unpinned, f"installed but not pinned in constraints.txt: {unpinned}"


def test_every_declared_requirement_is_pinned_within_its_range():
    with open(os.path.join(REPO_ROOT, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)["project"]
    pins = _pins()
    declared = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        declared += extra
    for text in declared:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is required by pyproject.toml but not pinned"
        assert req.specifier.contains(pins[name], prereleases=True), f"pin {name}=={pins[name]} violates {text!r}"


def test_repo2docker_reads_text_files_with_the_pinned_chardet(tmp_path):
    # repo2docker 2024.07.0 reads requirements.txt and friends through chardet's
    # universaldetector, which chardet 6 removed: every non-Dockerfile build failed.
    from repo2docker.utils import open_guess_encoding

    path = tmp_path / "requirements.txt"
    path.write_text("tabulate==0.9.0\n# caf\u00e9\n", encoding="utf-8")
    with open_guess_encoding(str(path)) as f:
        assert f.read().startswith("tabulate==0.9.0")


def test_images_install_with_the_same_pins():
    with open(os.path.join(REPO_ROOT, "images", "jupyter-base", "Dockerfile")) as f:
        dockerfile = f.read()
    assert re.search(r"pip install [^\n]*-c /usr/local/share/binderd/constraints\.txt", dockerfile)
