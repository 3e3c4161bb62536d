"""`LocalRepo2dockerBuild`: run repo2docker on the local Docker engine.

By default repo2docker runs in a container named after the build
(`binderd.builder.container`), which survives a restart of binderd: the next
binderd re-attaches to it and its watchers see the log from the start. With a
configured `repo2docker_command` (or `run_in = "process"`) it runs as a child
process instead. This module owns the command, its environment and reading its
output into events.

Credentials reach repo2docker only through its environment and a private
Docker config directory (mode 0700, config.json 0600) that is removed after
the build; never through argv, where any local user could read them.
"""

from __future__ import annotations

import asyncio
import collections
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator

from traitlets import Dict, Enum, Float, Integer, List, Unicode, default

from binderd.builder import container
from binderd.builder.base import BuildExecutor, failure_hint, log_event
from binderd.builder.secrets import Redactor, git_config_env
from binderd.errors import BuildError
from binderd.model import ImageRef, ResolvedRepo
from binderd.registry.dockerconfig import write_config

# A git credential helper that answers from $GIT_CREDENTIAL_ENV (upstream's format:
# "username=...\npassword=..." with literal backslash-n), configured through the
# environment so pip-installed repo2docker needs no script on disk.
_CREDENTIAL_HELPER = '!f() { test "$1" = get && printf "%b\\n" "$GIT_CREDENTIAL_ENV"; }; f'


class LocalRepo2dockerBuild(BuildExecutor):
    """Builds with `jupyter-repo2docker` on this machine's Docker engine."""

    repo2docker_command = List(
        Unicode(),
        help="The command that runs repo2docker. Default: jupyter-repo2docker next to this Python.",
    ).tag(config=True)

    extra_env = Dict(
        Unicode(),
        help="Extra environment variables for repo2docker (e.g. DOCKER_HOST).",
    ).tag(config=True)

    build_timeout = Float(
        3600,
        help="Seconds after which a build is stopped and reported as failed.",
    ).tag(config=True)

    failure_log_lines = Integer(
        20, help="How many of the build's last output lines a failure message repeats."
    ).tag(config=True)

    run_in = Enum(
        ["container", "process"],
        help="""Where repo2docker runs. "container": in build_image, as a container named after the
        build that outlives binderd (a restarted binderd re-attaches to it). "process": as a child
        process of binderd (lost when binderd stops). Default: "process" when repo2docker_command is
        configured, else "container".""",
    ).tag(config=True)

    build_image = Unicode(
        "binderd/repo2docker:2024.07.0",
        help="Image build containers run repo2docker in (run_in='container'); provisioning builds it.",
    ).tag(config=True)

    docker_socket = Unicode(
        "/var/run/docker.sock",
        help="The engine's socket, mounted into build containers so repo2docker builds on this engine.",
    ).tag(config=True)

    @default("run_in")
    def _default_run_in(self):
        return "process" if self.trait_has_value("repo2docker_command") else "container"

    @default("repo2docker_command")
    def _default_command(self):
        candidate = os.path.join(os.path.dirname(sys.executable), "jupyter-repo2docker")
        return [candidate if os.path.exists(candidate) else "jupyter-repo2docker"]

    @default("builder_info")
    def _default_builder_info(self):
        try:
            from importlib.metadata import version

            return {"repo2docker-version": version("jupyter-repo2docker")}
        except Exception:  # noqa: BLE001 - informational only
            return {}

    def _environment(self, repo: ResolvedRepo, docker_config: str | None) -> dict:
        env = {**os.environ, **self.extra_env, "PYTHONUNBUFFERED": "1", "GIT_TERMINAL_PROMPT": "0"}
        if docker_config:
            env["DOCKER_CONFIG"] = docker_config
        pairs = list(repo.git_config)
        if repo.git_credentials:
            env["GIT_CREDENTIAL_ENV"] = repo.git_credentials
            pairs.append(("credential.helper", _CREDENTIAL_HELPER))
        return {**env, **git_config_env(pairs)}

    @staticmethod
    def _write_docker_config(push_auth: dict) -> str:
        directory = tempfile.mkdtemp(prefix="binderd-push-")  # mode 0700
        write_config(directory, push_auth["registry"], push_auth["username"], push_auth["password"])
        return directory

    async def _process_lines(self, repo: ResolvedRepo, image: ImageRef, push_auth: dict | None, push: bool,
                             outcome: dict) -> AsyncIterator[bytes]:
        workdir = tempfile.mkdtemp(prefix="binderd-build-")  # repo2docker's --no-clean checkout lands here
        docker_config = self._write_docker_config(push_auth) if push_auth else None
        cmd = self.repo2docker_command + self.get_cmd(repo, image, push=push)
        self.log.info("Building %s: %s", image.name, " ".join(cmd))
        try:
            proc = await asyncio.create_subprocess_exec(
                *cmd,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env={**self._environment(repo, docker_config), "TMPDIR": workdir},
                limit=4 * 1024 * 1024,
                start_new_session=True,
            )
        except OSError as e:
            for directory in (docker_config, workdir):
                if directory:
                    shutil.rmtree(directory, ignore_errors=True)
            self.log.error("Cannot run repo2docker %s: %s", cmd[0], e)
            raise BuildError(f"The builder could not start ({cmd[0]}: {e.strerror}). Tell the operators.") from None
        try:
            assert proc.stdout is not None
            async for raw in proc.stdout:
                yield raw
            outcome["returncode"] = await proc.wait()
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            if docker_config:
                shutil.rmtree(docker_config, ignore_errors=True)
            await asyncio.to_thread(shutil.rmtree, workdir, True)

    def _container_spec(self, repo: ResolvedRepo, image: ImageRef, push: bool, docker_config: str | None):
        env = {**self.extra_env, "PYTHONUNBUFFERED": "1", "GIT_TERMINAL_PROMPT": "0"}
        env.update(git_config_env(repo.git_config))  # the image's entrypoint adds to these
        if repo.git_credentials:
            env["GIT_CREDENTIAL_ENV"] = repo.git_credentials  # the image's entrypoint makes it a credential helper
        mounts = [(self.docker_socket, "/var/run/docker.sock", False)]
        if docker_config:
            mounts.append((docker_config, "/root/.docker", True))
        shared = [os.path.dirname(self.repo2docker_config) if self.repo2docker_config else "", self.ca_bundle]
        return container.ContainerSpec(
            name=image.build_name,
            image=self.build_image,
            args=("jupyter-repo2docker", *self.get_cmd(repo, image, push=push)),
            env=env,
            mounts=tuple(mounts) + container.mounts_for(shared),
        )

    async def _container_lines(self, repo: ResolvedRepo, image: ImageRef, push_auth: dict | None, push: bool,
                               outcome: dict) -> AsyncIterator[bytes]:
        name = image.build_name
        # a fixed path: a binderd that re-attaches after a restart removes it when the build ends
        docker_config = os.path.join(tempfile.gettempdir(), f"binderd-push-{name}") if push_auth else None
        if docker_config and push_auth:
            os.makedirs(docker_config, mode=0o700, exist_ok=True)
            write_config(docker_config, push_auth["registry"], push_auth["username"], push_auth["password"])
        spec = self._container_spec(repo, image, push, docker_config)
        try:
            started = await container.start_or_attach(spec)
        except OSError as e:
            self.log.error("Cannot start the build container %s: %s", name, e)
            raise BuildError("The builder could not start. Tell the operators.") from None
        if started:
            self.log.info("Building %s in build container %s", image.name, name)
        else:
            self.log.info("Re-attached to build container %s building %s", name, image.name)
        async for raw in container.log_lines(name):
            yield raw
        try:
            outcome["returncode"] = await container.wait(name)
        except OSError as e:
            raise BuildError(f"The build container went away: {e}") from None
        await container.remove(name)
        if docker_config:
            shutil.rmtree(docker_config, ignore_errors=True)

    async def build(
        self, repo: ResolvedRepo, image: ImageRef, push_auth: dict | None, push: bool = False
    ) -> AsyncIterator[dict]:
        redact = Redactor(repo.git_credentials, (push_auth or {}).get("password", ""))
        runner = self._container_lines if self.run_in == "container" else self._process_lines
        outcome: dict = {}
        last_error = ""
        tail: collections.deque[str] = collections.deque(maxlen=self.failure_log_lines)
        try:
            async with asyncio.timeout(self.build_timeout):
                async for raw in runner(repo, image, push_auth, push, outcome):
                    event = log_event(redact(raw.decode("utf-8", "replace")))
                    if event.get("phase") in ("failed", "failure"):
                        last_error = str(event.get("message", "")).strip()
                    elif str(event.get("message", "")).strip():
                        tail.append(str(event["message"]).rstrip())
                    yield event
        except TimeoutError:
            if self.run_in == "container":
                await container.remove(image.build_name)
            raise BuildError(f"The build took longer than {self.build_timeout:.0f} seconds and was stopped.") from None
        returncode = outcome.get("returncode")
        if returncode != 0:
            detail = f": {last_error}" if last_error else f" (repo2docker exited with status {returncode})"
            raise BuildError(
                f"Building {repo.repo_url} at {repo.resolved_ref} failed{detail}"
                + failure_hint(last_error, list(tail), int(self.memory_limit))
            )
