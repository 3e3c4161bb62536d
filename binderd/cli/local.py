"""`binderd local`: binderd on one machine, open for business.

Starts, on loopback: a git daemon serving the bundled example repository, a
JupyterHub (configurable-http-proxy + BinderSpawner on the local Docker engine),
and binderd itself with images kept in the local engine. Prints the URLs to
open, serves until interrupted, then stops what it started. `scripts/run-local`
installs the prerequisites first (dockerd, base image, proxy) and runs this.
It keeps a warm server for each of the three images launched most recently
(`binderd.launch.pool`; `--WarmPool.top_images=0` turns that off).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import subprocess
import sys
from urllib.parse import quote

from tornado.httpclient import AsyncHTTPClient
from traitlets import Integer, Unicode, default
from traitlets.config import Config

from binderd.app import BinderHub
from binderd.config import ConfigError
from binderd.access.hubauth import hub_login_config
from binderd.launch import hubconfig

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _git(*args: str, cwd: str | None = None) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


class LocalApp(BinderHub):
    """Run binderd with its own JupyterHub and example git server on this machine."""

    name = "binderd local"
    description = __doc__

    state_dir = Unicode(help="Where the hub database, tokens and served repositories live.").tag(config=True)
    hub_port = Integer(8000, help="Port of JupyterHub's public proxy (users open servers there).").tag(config=True)
    git_port = Integer(9418, help="Port of the git daemon serving the example repositories.").tag(config=True)
    examples_dir = Unicode(help="Directory of example repositories (one subdirectory each).").tag(config=True)

    @default("state_dir")
    def _default_state_dir(self):
        return os.path.join(REPO_ROOT, ".local", "binderd")

    @default("examples_dir")
    def _default_examples_dir(self):
        return os.path.join(REPO_ROOT, "examples")

    def _chp(self) -> str:
        local = os.path.join(REPO_ROOT, ".local", "node", "node_modules", ".bin", "configurable-http-proxy")
        found = local if os.path.exists(local) else shutil.which("configurable-http-proxy")
        if not found:
            raise ConfigError("configurable-http-proxy is not installed; run scripts/provision")
        return found

    def _state_secret(self, name: str) -> str:
        """A random secret kept in state_dir (mode 0600), made on first use."""
        path = os.path.join(self.state_dir, name)
        if not os.path.exists(path):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
        with open(path) as f:
            return f.read().strip()

    def _hub_token(self) -> str:
        return self._state_secret("hub-api-token")

    @property
    def oauth_callback_url(self) -> str:
        return f"http://{self.ip}:{self.port}{self.base_url}oauth_callback"

    def _publish_examples(self) -> list[str]:
        """Make a bare repository of each example; return their git URLs."""
        served = os.path.join(self.state_dir, "git")
        os.makedirs(served, exist_ok=True)
        urls = []
        for name in sorted(os.listdir(self.examples_dir)):
            source = os.path.join(self.examples_dir, name)
            bare = os.path.join(served, f"{name}.git")
            if os.path.isdir(source) and not os.path.exists(bare):
                work = os.path.join(self.state_dir, "work", name)
                shutil.rmtree(work, ignore_errors=True)
                shutil.copytree(source, work)
                _git("init", "-q", "-b", "main", cwd=work)
                _git("add", "-A", cwd=work)
                _git("-c", "user.name=binderd", "-c", "user.email=binderd@localhost", "commit", "-q", "-m",
                     f"example {name}", cwd=work)
                _git("clone", "-q", "--bare", work, bare)
            if os.path.exists(bare):
                urls.append(f"git://127.0.0.1:{self.git_port}/{name}.git")
        return urls

    def load_config_files(self) -> None:
        """Files and command line first; then the local default for whatever they left unset."""
        super().load_config_files()
        os.makedirs(self.state_dir, exist_ok=True)
        local = {
            "hub_url": f"http://127.0.0.1:{self.hub_port}/",
            "use_registry": False,
            "image_prefix": "binderd-local/",
            "hub_api_token": self._hub_token(),
        }
        defaults = Config()
        for name, value in local.items():
            if name not in self.config.BinderHub:
                defaults.BinderHub[name] = value
        ca_bundle = os.environ.get("BINDERD_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
        if "ca_bundle" not in self.config.LocalRepo2dockerBuild and os.path.isfile(ca_bundle):
            defaults.LocalRepo2dockerBuild.ca_bundle = ca_bundle  # builds trust what this host trusts
        if "allowed_networks" not in self.config.GitRepoProvider:
            defaults.GitRepoProvider.allowed_networks = ["127.0.0.1/32"]  # the example's git daemon
        # one warm server for each of the three images launched most recently (WarmPool.top_images=0: none)
        for name, value in {"top_images": 3, "top_size": 1, "top_rank": "recent"}.items():
            if name not in self.config.WarmPool:
                defaults.WarmPool[name] = value
        if "limit" not in self.config.RateLimiter:
            defaults.RateLimiter.limit = 0  # one machine, one person: every request comes from 127.0.0.1
        if self.auth_enabled:  # --BinderHub.auth_enabled=True: users log in to the local hub
            if "allow_named_servers" not in self.config.Launcher:
                defaults.Launcher.allow_named_servers = True
            if "oauth_redirect_uri" not in self.config.HubOAuth:
                defaults.HubOAuth.oauth_redirect_uri = self.oauth_callback_url
        self.update_config(defaults)

    async def _start_services(self) -> list[asyncio.subprocess.Process]:
        settings = hubconfig.HubSettings(
            directory=os.path.join(self.state_dir, "hub"),
            api_token=self.hub_api_token,
            proxy_port=self.hub_port,
            proxy_api_port=self.hub_port + 1,
            hub_port=self.hub_port + 81,
            chp_command=self._chp(),
            ca_bundle=os.environ.get("BINDERD_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt"),
            extra=hub_login_config(self.hub_auth.oauth_redirect_uri, self._state_secret("login-password"))
            if self.auth_enabled else [],
        )
        config_path = hubconfig.write(settings)
        logs = open(os.path.join(self.state_dir, "services.log"), "ab")
        git = await asyncio.create_subprocess_exec(
            "git", "daemon", "--reuseaddr", "--export-all", f"--base-path={self.state_dir}/git",
            "--listen=127.0.0.1", f"--port={self.git_port}", f"{self.state_dir}/git",
            stdout=logs, stderr=logs,
        )
        hub = await asyncio.create_subprocess_exec(
            os.path.join(os.path.dirname(sys.executable), "jupyterhub"), "-f", config_path,
            cwd=settings.directory, stdout=logs, stderr=logs,
        )
        client = AsyncHTTPClient()
        for _ in range(600):
            if hub.returncode is not None:
                raise RuntimeError(f"JupyterHub exited; see {self.state_dir}/services.log")
            try:
                response = await client.fetch(self.hub_url + "hub/api/health", raise_error=False)
                if response.code == 200:
                    break
            except OSError:
                pass
            await asyncio.sleep(0.1)
        else:
            raise RuntimeError(f"JupyterHub did not start; see {self.state_dir}/services.log")
        return [git, hub]

    async def serve(self) -> None:
        examples = self._publish_examples()
        services = await self._start_services()
        try:
            base = f"http://{self.ip}:{self.port}{self.base_url}"
            print("\nbinderd is open for business at", base, flush=True)
            for url in examples:
                print(f"  launch the example:  {base}v2/git/{quote(url, safe='')}/HEAD")
            print(f"  JupyterHub:          {self.hub_url}")
            if self.auth_enabled:
                print(f"  log in with any name and the password in {self.state_dir}/login-password")
            print(f"  logs of hub and git: {self.state_dir}/services.log\n", flush=True)
            await super().serve()
        finally:
            for proc in services:
                if proc.returncode is None:
                    proc.terminate()
            await asyncio.gather(*(p.wait() for p in services))
