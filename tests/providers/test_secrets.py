"""A private repository's token reaches git as a credential, and nowhere else.

The whole pipeline runs with the real LocalRepo2dockerBuild, whose repo2docker is
replaced by a script that prints its argv and asks git for the credential (as
repo2docker's clone would). The token must show up only there, as [secret] after
the builder's redaction, never in log lines, events, argv or metrics.
"""

import hashlib
import json
import logging
import sys

import pytest
from prometheus_client import REGISTRY, generate_latest

from binderd.builder import BuildExecutor, LocalRepo2dockerBuild
from binderd.naming import image_for
from tests.fixtures.fake_apis import GITLAB_FOSS_HEAD, Z2JH_HEAD, github_commit
from tests.providers.stages import make_pipeline, run

GITHUB_TOKEN = "ghp_S3cr3tT0k3nS3cr3tT0k3nS3cr3tT0k3n"
GITLAB_TOKEN = "glpat-Pr1vat3T0k3nPr1vat3"

# Prints its argv, then what git's credential machinery answers for the repository's host,
# hashed (so this test's own output cannot leak the token) or, with --plain, as is.
FAKE_REPO2DOCKER = '''
import hashlib, json, subprocess, sys
print(json.dumps({"phase": "building", "message": "argv: " + " ".join(sys.argv[1:])}), flush=True)
url = sys.argv[-1]
query = "protocol=https\\nhost=" + url.split("/")[2] + "\\n\\n"
got = subprocess.run(["git", "credential", "fill"], input=query, capture_output=True, text=True)
fields = dict(line.split("=", 1) for line in got.stdout.splitlines() if "=" in line)
secret = fields.get("password", "") + ":" + fields.get("username", "")
shown = secret if "--plain" in sys.argv else hashlib.sha256(secret.encode()).hexdigest()
print(json.dumps({"phase": "fetching", "message": "credential: " + shown + got.stderr}))
'''

CASES = {
    "github": ("gh", "secret-org/private-repo/HEAD", "https://github.com/secret-org/private-repo", GITHUB_TOKEN),
    "gitlab": ("gl", "secret-org%2Fprivate-repo/HEAD", "https://gitlab.com/secret-org/private-repo.git", GITLAB_TOKEN),
}


def private_repo(fake_apis, case):
    if case == "github":
        fake_apis.github.reply("/repos/secret-org/private-repo/commits/HEAD", body=github_commit(Z2JH_HEAD),
                               require={"Authorization": f"token {GITHUB_TOKEN}"})
        return {"GitHubRepoProvider": {"access_token": GITHUB_TOKEN}}
    fake_apis.gitlab.reply("/api/v4/projects/secret-org/private-repo/repository/commits/HEAD",
                           body={"id": GITLAB_FOSS_HEAD}, require={"PRIVATE-TOKEN": GITLAB_TOKEN})
    return {"GitLabRepoProvider": {"private_token": GITLAB_TOKEN}}


@pytest.mark.parametrize("case", sorted(CASES))
async def test_token_reaches_git_and_nothing_else(fake_apis, tmp_path, caplog, case):
    prefix, spec, repo_url, token = CASES[case]
    script = tmp_path / "repo2docker.py"
    script.write_text(FAKE_REPO2DOCKER)
    config = fake_apis.config(**private_repo(fake_apis, case),
                              LocalRepo2dockerBuild={"repo2docker_command": [sys.executable, str(script)]})
    builder = LocalRepo2dockerBuild(config=config)
    pipeline = make_pipeline(config, builder)
    caplog.set_level(logging.DEBUG)

    events = await run(pipeline, prefix, spec)

    assert events[-1]["phase"] == "ready", events  # resolving needed the token: it was sent
    messages = [e.get("message", "") for e in events]
    argv = next(m for m in messages if m.startswith("argv: "))
    assert argv.endswith(repo_url)
    credential = next(m for m in messages if m.startswith("credential: "))
    username, password = (token, "x-oauth-basic") if case == "github" else ("binderhub", token)
    assert credential == "credential: " + hashlib.sha256(f"{password}:{username}".encode()).hexdigest()

    repo = await pipeline.resolve(prefix, spec)
    assert token in repo.git_credentials
    assert token in builder._environment(repo, None)["GIT_CREDENTIAL_ENV"]
    cmd = BuildExecutor().get_cmd(repo, image_for(repo, "p-"), push=True)
    metrics_text = generate_latest(REGISTRY).decode()
    assert f'repo="{repo_url}"' in metrics_text
    for where, text in {"events": json.dumps(events), "logs": caplog.text, "argv": " ".join(cmd),
                        "metrics": metrics_text, "repo": repr(repo), "repo_url": repo.repo_url}.items():
        assert token not in text, f"token leaked into {where}"


@pytest.mark.parametrize("case", sorted(CASES))
async def test_refused_token_is_not_echoed(fake_apis, caplog, case):
    prefix, spec, _, token = CASES[case]
    settings = private_repo(fake_apis, case)
    service = fake_apis.github if case == "github" else fake_apis.gitlab
    for uri in list(service.replies):  # the service now refuses the token
        service.reply(uri, code=401, body={"message": "Bad credentials"})
    caplog.set_level(logging.DEBUG)
    events = await run(make_pipeline(fake_apis.config(**settings)), prefix, spec)
    assert events[-1]["phase"] == "failed" and "401" in events[-1]["message"]
    assert token not in json.dumps(events) + caplog.text


async def test_builder_output_redacts_the_token_itself(fake_apis, tmp_path):
    script = tmp_path / "repo2docker.py"
    script.write_text(FAKE_REPO2DOCKER)
    config = fake_apis.config(**private_repo(fake_apis, "github"), LocalRepo2dockerBuild={
        "repo2docker_command": [sys.executable, str(script)], "repo2docker_extra_args": ["--plain"]})
    events = await run(make_pipeline(config, LocalRepo2dockerBuild(config=config)), "gh", CASES["github"][1])
    credential = next(e["message"] for e in events if e.get("message", "").startswith("credential: "))
    assert credential.startswith("credential: x-oauth-basic:")  # git did print the token...
    assert GITHUB_TOKEN not in credential  # ...and the builder should have hidden it
