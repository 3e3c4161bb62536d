"""`binderd check` as an operator runs it (a subprocess), against the real registries and JupyterHub.

Each failing case must fail on the right line with a message that says what to change.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest
import tornado.web
from traitlets.config import Config

from binderd.cli.check import CheckApp
from tests.fixtures.fake_registry import fake_ecr, serve
from tests.fixtures.procs import free_port
from tests.registry.test_ecr import KEY, SECRET, aws_registry  # noqa: F401 - fixture


def command(tmp_path, files: dict[str, str], *args: str) -> tuple[list[str], dict]:
    paths = []
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        paths += ["-f", str(tmp_path / name)]
    env = {**os.environ, "DOCKER_CONFIG": str(tmp_path / "no-docker-config")}
    for name in ("GITHUB_ACCESS_TOKEN", "JUPYTERHUB_API_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(name, None)
    return [sys.executable, "-m", "binderd", "check", *paths, *args], env


def check(tmp_path, files: dict[str, str], *args: str) -> tuple[int, str]:
    cmd, env = command(tmp_path, files, *args)
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    return done.returncode, done.stdout + done.stderr


def lines(output: str) -> dict[str, str]:
    """{check name: "status message"} of the text output."""
    found = {}
    for line in output.splitlines():
        status, _, rest = line.partition(" ")
        if status in ("ok", "FAIL", "skip") and ":" in rest:
            name, _, message = rest.strip().partition(": ")
            found[name] = f"{status} {message}"
        elif line.startswith("      fix: ") and found:
            found[list(found)[-1]] += " | fix: " + line[len("      fix: "):]
    return found


def python_config(url: str, username: str, password: str, prefix: str, *extra: str) -> dict[str, str]:
    return {"binderhub_config.py": "\n".join([
        f"c.DockerRegistry.url = {url!r}", f"c.DockerRegistry.username = {username!r}",
        f"c.DockerRegistry.password = {password!r}", f"c.BinderHub.image_prefix = {prefix!r}", *extra]) + "\n"}


def test_passes_against_htpasswd_registry(tmp_path, registry):
    code, out = check(tmp_path, python_config(registry.url, "binder", registry.password, f"{registry.host}/binder/prod-"))
    result = lines(out)
    assert code == 0, out
    assert [s.split()[0] for s in result.values()] == ["ok"] * 6 + ["skip"] * 2
    assert "basic auth" in result["token_url"]
    assert "started and cancelled a blob upload" in result["push under image_prefix"]


def test_wrong_password(tmp_path, registry):
    code, out = check(tmp_path, python_config(registry.url, "binder", "wrong", f"{registry.host}/binder/prod-"))
    result = lines(out)
    assert code == 1
    assert result["registry answers"].startswith("ok")
    assert result["registry credentials"].startswith("FAIL")
    assert "Check DockerRegistry.username/password (registry.username/password in secret.yaml)" in result["registry credentials"]
    assert result["push under image_prefix"].startswith("skip")


def test_registry_down(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    code, out = check(tmp_path, python_config(url, "u", "p", url[7:] + "/binder/prod-"))
    result = lines(out)
    assert code == 1
    assert result["registry answers"].startswith("FAIL") and "did not answer" in result["registry answers"]
    assert "DockerRegistry.url (registry.url in secret.yaml)" in result["registry answers"]


def test_passes_with_token_auth_from_helm_yaml(tmp_path, token_registry):
    secret = f"registry:\n  url: {token_registry.url}\n  username: binder\n  password: {token_registry.users['binder']}\n"
    config = f"config:\n  BinderHub:\n    use_registry: true\n    image_prefix: {token_registry.host}/binder/prod-\n"
    code, out = check(tmp_path, {"secret.yaml": secret, "config.yaml": config})
    assert code == 0, out
    assert f"token service the registry names ({token_registry.token_url})" in lines(out)["token_url"]


def test_pull_only_credentials_fail_the_push_check(tmp_path, token_registry):
    code, out = check(tmp_path, python_config(token_registry.url, "reader", token_registry.users["reader"],
                                              f"{token_registry.host}/binder/prod-"))
    result = lines(out)
    assert code == 1
    assert result["pull under image_prefix"].startswith("ok")
    assert result["push under image_prefix"].startswith("FAIL")
    assert "'reader' work but may not push" in result["push under image_prefix"]


def test_wrong_token_url_names_the_right_one(tmp_path, token_registry):
    wrong = f"{token_registry.issuer_url}/oauth2/token?service=wrong"
    code, out = check(tmp_path, python_config(token_registry.url, "binder", token_registry.users["binder"],
                                              f"{token_registry.host}/binder/prod-", f"c.DockerRegistry.token_url = {wrong!r}"))
    result = lines(out)
    assert code == 1
    assert result["token_url"].startswith("FAIL")
    assert f"Set it to {token_registry.token_url!r}, or leave it empty" in result["token_url"]
    assert result["push under image_prefix"].startswith("ok")  # works meanwhile, through the challenge


def test_image_prefix_on_another_host(tmp_path, registry):
    code, out = check(tmp_path, python_config(registry.url, "binder", registry.password, "your-registry.io/binder-"))
    result = lines(out)
    assert code == 1
    assert "builds push to your-registry.io" in result["image_prefix"]
    assert f"fix: start BinderHub.image_prefix with {registry.host}/" in result["image_prefix"]


def test_json_output(tmp_path, registry):
    code, out = check(tmp_path, python_config(registry.url, "binder", "wrong", ""), "--json")
    data = json.loads(out[: out.rindex("}") + 1])
    assert code == 1 and data["ok"] is False
    by_name = {c["check"]: c for c in data["checks"]}
    assert by_name["registry credentials"]["status"] == "fail" and by_name["registry credentials"]["ok"] is False
    assert by_name["image_prefix"]["fix"].startswith("set BinderHub.image_prefix to")
    assert set(by_name["registry answers"]) == {"check", "status", "message", "fix", "ok"}


def test_jupyterhub_token(tmp_path, registry, hub):
    base = python_config(registry.url, "binder", registry.password, f"{registry.host}/binder/prod-",
                         f"c.BinderHub.hub_url = {hub.url!r}")
    good = {"binderhub_config.py": base["binderhub_config.py"] + f"c.BinderHub.hub_api_token = {hub.api_token!r}\n"}
    code, out = check(tmp_path, good)
    assert code == 0, out
    assert lines(out)["JupyterHub API token"].startswith("ok accepted by")
    bad = {"binderhub_config.py": base["binderhub_config.py"] + "c.BinderHub.hub_api_token = 'not-the-token'\n"}
    code, out = check(tmp_path, bad)
    assert code == 1
    assert "refused BinderHub.hub_api_token (HTTP 403)" in lines(out)["JupyterHub API token"]


async def test_amazon_ecr(tmp_path, aws_registry):  # noqa: F811
    async with fake_ecr(KEY, SECRET, "eu-west-1", ("AWS", aws_registry.password)) as fake:
        cmd, env = command(tmp_path, {"binderhub_config.py": "\n".join([
            "c.BinderHub.registry_class = 'binderd.registry.AmazonECR'",
            f"c.DockerRegistry.url = {aws_registry.url!r}", f"c.AmazonECR.api_endpoint = {fake.url!r}",
            "c.AmazonECR.region = 'eu-west-1'", f"c.BinderHub.image_prefix = '{aws_registry.host}/binder/prod-'"])})
        env.update(AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=SECRET)
        proc = await asyncio.create_subprocess_exec(*cmd, env=env, stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.STDOUT, cwd=tmp_path)
        out = (await asyncio.wait_for(proc.communicate(), 120))[0].decode()
        assert proc.returncode == 0, out
        assert "'AWS' authenticated" in lines(out)["registry credentials"]
        assert fake.calls[0][0] == "GetAuthorizationToken"


# --- in-process: the GitHub and hub-scope checks against small fakes -----------------------------


class _RateLimit(tornado.web.RequestHandler):
    def get(self):
        if self.request.headers.get("Authorization") != "token good":
            self.set_status(401)
            return self.finish({"message": "Bad credentials"})
        self.finish({"resources": {"core": {"limit": 5000, "remaining": self.settings["remaining"], "reset": 0}}})


@pytest.mark.parametrize(
    "token, remaining, status, text",
    [
        ("good", 4990, "ok", "4990/5000 API requests left this hour"),
        ("good", 0, "fail", "rate limit exhausted"),
        ("bad", 4990, "fail", "GitHub refused GitHubRepoProvider.access_token (Bad credentials)"),
    ],
)
async def test_github_token(token, remaining, status, text):
    app = tornado.web.Application([(r"/api/v3/rate_limit", _RateLimit)], remaining=remaining)
    async with serve(app) as url:
        config = Config({"GitHubRepoProvider": {"access_token": token, "api_base_path": url + "/api/v3"}})
        result = await CheckApp(config=config).check_github()
    assert (result.status, text in result.message) == (status, True), result


async def test_github_token_not_set(monkeypatch):
    monkeypatch.delenv("GITHUB_ACCESS_TOKEN", raising=False)
    assert (await CheckApp(config=Config()).check_github()).status == "skip"


class _User(tornado.web.RequestHandler):
    def get(self):
        self.finish({"kind": "service", "name": "binder", "scopes": self.settings["scopes"]})


@pytest.mark.parametrize("scopes, status", [(["admin:users", "servers"], "ok"), (["read:users"], "fail")])
async def test_hub_token_scopes(scopes, status):
    async with serve(tornado.web.Application([(r"/hub/api/user", _User)], scopes=scopes)) as url:
        app = CheckApp(config=Config({"BinderHub": {"hub_url": url, "hub_api_token": "t"}}))
        result = await app.check_hub()
    assert result.status == status, result
    if status == "fail":
        assert "admin:users" in result.fix
