"""`binderd resolve` as operators run it: a subprocess, a config file, the fake services."""

import json
import subprocess
import sys

import pytest

from tests.fixtures.fake_apis import REQUIREMENTS_HEAD, Z2JH_091


@pytest.fixture
def resolve(fake_apis, tmp_path):
    config = tmp_path / "binderhub_config.py"
    # the local engine instead of a registry: resolving needs neither
    config.write_text("\n".join(["c.BinderHub.use_registry = False", *fake_apis.config_lines()]) + "\n")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "binderd", "resolve", *args, "-f", str(config)],
                              capture_output=True, text=True, cwd=tmp_path, timeout=60)

    return run


def test_github_link(resolve):
    result = resolve("gh", "jupyterhub/zero-to-jupyterhub-k8s/0.9.1")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "provider": "gh",
        "spec": "jupyterhub/zero-to-jupyterhub-k8s/0.9.1",
        "repo_url": "https://github.com/jupyterhub/zero-to-jupyterhub-k8s",
        "resolved_ref": Z2JH_091,
        "resolved_spec": f"jupyterhub/zero-to-jupyterhub-k8s/{Z2JH_091}",
        "ref_url": f"https://github.com/jupyterhub/zero-to-jupyterhub-k8s/tree/{Z2JH_091}",
        "build_slug": "jupyterhub-zero-to-jupyterhub-k8s",
        "image_name": f"jupyterhub-2dzero-2dto-2djupyterhub-2dk8s-b3e028:{Z2JH_091}",
        "build_name": "build-jupyterhub-2dzero-2dto-2djupyterhub-2dk8s-b3e028-38e-84",
    }


def test_zenodo_link(resolve):
    result = resolve("zenodo", "10.5281/zenodo.3242073")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["resolved_ref"], out["resolved_spec"], out["image_name"]) == (
        "3242074", "10.5281/zenodo.3242074", "zenodo-2d3242074-b993d2:3242074")


def test_master_fallback_is_explained(resolve):
    result = resolve("gh", "binder-examples/requirements/master/")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["spec"] == "binder-examples/requirements/HEAD" and out["resolved_ref"] == REQUIREMENTS_HEAD
    assert "Trying again with HEAD instead of master. Please update your links." in result.stderr


@pytest.mark.parametrize("args, message", [
    (("gh", "nothing_to_split"), 'Spec is not of the form "user/repo/ref", provided: "nothing_to_split".'),
    (("gh", "short/suggestion"), 'Did you mean "short/suggestion/HEAD"?'),
    (("gh", "jupyterhub/zero-to-jupyterhub-k8s/nosuchref"),
     "Could not resolve ref for gh:jupyterhub/zero-to-jupyterhub-k8s/nosuchref."),
    (("zenodo", "not-a-doi"), 'Spec is not a DOI of the form "10.NNNN/<suffix>"'),
    (("nope", "x"), "No provider found for prefix nope"),
])
def test_bad_links_fail_clearly(resolve, args, message):
    result = resolve(*args)
    assert result.returncode == 1
    assert result.stdout == ""
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("binderd resolve: ") and message in last
    assert "Traceback" not in result.stderr
