"""`UvPythonBuildPack`: Python repositories built with uv into the base image's Jupyter environment.

It takes repo2docker's place for Python repositories (`requirements.txt`,
`pyproject.toml`/`setup.py`, `runtime.txt`), and is the default for
repositories that have only `apt.txt`, `postBuild` or `start`. It keeps
repo2docker's conventions (binder/ over .binder/ over the root, apt.txt as
root before the repository is copied, postBuild as `NB_USER` after it, `start`
as the entrypoint's first command, `REPO_DIR`, `~/.local/bin` on PATH) but
needs no conda: the base image brings Python and a Jupyter server in a virtual
environment (`ENV_PREFIX`), and packages come from the package index through
uv. The Dockerfile copies the environment files alone and installs them before
the rest of the repository is copied, so a commit that changes only content
reuses every environment layer from Docker's cache.
"""

from __future__ import annotations

import os
import re
import tomllib
from functools import lru_cache

from repo2docker.buildpacks.base import BaseImage
from repo2docker.utils import is_local_pip_requirement

from .limits import LimitsMixin
from .settings import UV_VERSION

# Where the Python environment with the Jupyter server lives (binderd/jupyter-base has it);
# a base image without one gets a fresh environment there.
ENV_PREFIX = "/opt/venv"
UV_PREFIX = "/opt/binderd-uv"
CA_IN_IMAGE = "/usr/local/share/binderd/builder-ca.crt"
# Installed only when the base image has no Jupyter environment at ENV_PREFIX.
SERVER_PACKAGES = "jupyterlab ipykernel"

_RUNTIME = re.compile(r"^(?P<name>[a-zA-Z_]+)-(?P<version>\d+(\.\d+)*)?(-?\d{4}-\d{2}-\d{2})?$")

# Debian's /etc/profile resets PATH for login shells, and repo2docker's entrypoint
# starts through `bash -l`: put the environment and the user's bin directories back.
_PROFILE_SCRIPT = (
    'for d in "${REPO_DIR:-$HOME}/.local/bin" "$HOME/.local/bin" ' + ENV_PREFIX + "/bin; do "
    'case ":$PATH:" in *":$d:"*) ;; *) PATH="$d:$PATH" ;; esac; done; export PATH'
)


def _run(script: str) -> str:
    return "RUN " + script.strip()


def _runtime_python(text: str) -> str | None:
    """The Python version runtime.txt asks for ("3", "3.11"), None when it names another runtime."""
    match = _RUNTIME.match(text.strip())
    if not match:
        raise ValueError(f"Invalid runtime.txt: {text.strip()!r} (expected e.g. python-3.11)")
    if match["name"] != "python":
        return None
    return ".".join((match["version"] or "3").split(".")[:2])


class UvPythonBuildPack(LimitsMixin, BaseImage):
    """Python environments installed with uv on a base image that has Python and Jupyter."""

    def _read(self, name: str) -> str | None:
        try:
            with open(self.binder_path(name), encoding="utf-8", errors="replace") as f:
                return f.read()
        except (FileNotFoundError, IsADirectoryError):
            return None

    @property
    def python_version(self) -> str | None:
        """The Python runtime.txt asks for, or None (whatever the base image has)."""
        runtime = self._read("runtime.txt")
        return _runtime_python(runtime) if runtime and runtime.strip() else None

    def _is_python_package(self) -> bool:
        if self.binder_dir:  # a binder folder hides the root's packaging files, as in repo2docker
            return False
        if os.path.exists("setup.py"):
            return True
        try:
            with open("pyproject.toml", "rb") as f:
                project = tomllib.load(f)
        except (FileNotFoundError, tomllib.TOMLDecodeError):
            return False
        return "project" in project and "build-system" in project

    def detect(self) -> bool:
        runtime = self._read("runtime.txt")
        if runtime and runtime.strip():
            return _runtime_python(runtime) is not None
        return os.path.exists(self.binder_path("requirements.txt")) or self._is_python_package()

    def _requirements_are_local(self) -> bool:
        """True when requirements.txt needs the rest of the repository (-e ., paths, -r other files)."""
        for line in (self._read("requirements.txt") or "").splitlines():
            line = line.partition("#")[0].strip()
            if line.startswith(("-r", "-c", "--requirement", "--constraint")) or is_local_pip_requirement(line):
                return True
        return False

    def _uv_install(self, args: str) -> str:
        return f'uv pip install --no-cache --python "{ENV_PREFIX}/bin/python" {args}'

    @lru_cache()
    def get_preassemble_script_files(self):
        if os.path.exists(self.binder_path("requirements.txt")) and not self._requirements_are_local():
            path = self.binder_path("requirements.txt")
            return {path: path}
        return {}

    @lru_cache()
    def get_apt_scripts(self):
        """apt.txt, as root: repo2docker's own step."""
        return super().get_preassemble_scripts()

    @lru_cache()
    def get_preassemble_scripts(self):
        scripts = list(self.get_apt_scripts())
        if self.get_preassemble_script_files():
            scripts.append(("${NB_USER}", self._uv_install(f'-r "{self.binder_path("requirements.txt")}"')))
        return scripts

    @lru_cache()
    def get_assemble_scripts(self):
        scripts = []
        if os.path.exists(self.binder_path("requirements.txt")) and not self.get_preassemble_script_files():
            scripts.append(("${NB_USER}", self._uv_install(f'-r "{self.binder_path("requirements.txt")}"')))
        if self._is_python_package():
            scripts.append(("${NB_USER}", self._uv_install(".")))
        return scripts

    def get_build_script_files(self):
        if self.binderd_settings.ca_bundle:
            return {self.binderd_settings.ca_bundle: CA_IN_IMAGE}
        return {}

    def _tls_env(self) -> list[str]:
        if self.binderd_settings.ca_bundle:
            return [f"ENV SSL_CERT_FILE={CA_IN_IMAGE} PIP_CERT={CA_IN_IMAGE} UV_NATIVE_TLS=false"]
        # uv's own roots would miss a proxy's CA that the base image trusts
        return ["ENV UV_NATIVE_TLS=true"]

    def _python_check(self) -> list[str]:
        want = self.python_version
        if not want:
            return []
        check = (
            "import sys; have = '%d.%d' % sys.version_info[:2]; want = sys.argv[1]; "
            "ok = have == want or (want == have.split('.')[0]); "
            "ok or print('runtime.txt asks for Python %s, but this BinderHub builds on a base image with Python %s "
            "and cannot install another Python. Use python-%s in runtime.txt (or remove runtime.txt).' "
            "% (want, have, have)); sys.exit(0 if ok else 1)"
        )
        return [_run(f'"{ENV_PREFIX}/bin/python" -c "{check}" {want}')]

    def _directives(self, scripts) -> list[str]:
        lines, user = [], "root"
        for who, script in scripts:
            if who != user:
                lines.append(f"USER {who}")
                user = who
            lines.append(_run(script))
        return lines

    def render(self, build_args=None):
        """The Dockerfile: shared layers first, then environment files, then the repository."""
        self._take_settings(build_args)
        uid = (build_args or {}).get("NB_UID", "1000")
        copy = f"COPY --chown={uid}:{uid}"
        lines = [
            f"FROM {self.base_image}",
            "USER root",
            "ENV DEBIAN_FRONTEND=noninteractive SHELL=/bin/bash",
            "ARG NB_USER",
            "ARG NB_UID",
            "ENV USER=${NB_USER} HOME=/home/${NB_USER}",
            # the base image may already have the user (binderd/jupyter-base does)
            _run(
                'id -u "${NB_USER}" >/dev/null 2>&1 || { groupadd --gid "${NB_UID}" "${NB_USER}" && '
                'useradd --comment "Default user" --create-home --gid "${NB_UID}" --no-log-init '
                '--shell /bin/bash --uid "${NB_UID}" "${NB_USER}"; }'
            ),
            *(f"{copy} {src} {dst}" for src, dst in sorted(self._context_files().items())),
            *self._tls_env(),
            _run(
                f"python3 -m venv {UV_PREFIX} && {UV_PREFIX}/bin/pip install --no-cache-dir --disable-pip-version-check "
                f"-q uv=={UV_VERSION} && ln -sf {UV_PREFIX}/bin/uv /usr/local/bin/uv && uv --version"
            ),
            _run(
                f'test -x "{ENV_PREFIX}/bin/python" || {{ uv venv --no-cache --python python3 "{ENV_PREFIX}" && '
                f'{self._uv_install(SERVER_PACKAGES)}; }}; '
                # only when needed: a recursive chown would copy the whole environment into a new layer
                f'test "$(stat -c %u "{ENV_PREFIX}")" = "${{NB_UID}}" || chown -R "${{NB_UID}}:${{NB_UID}}" "{ENV_PREFIX}"'
            ),
            _run(f"printf '%s\\n' '{_PROFILE_SCRIPT}' > /etc/profile.d/50-binderd-env.sh"),
            f"ENV VIRTUAL_ENV={ENV_PREFIX} PATH={ENV_PREFIX}/bin:${{PATH}}",
            *self._python_check(),
            "EXPOSE 8888",
            "ARG REPO_DIR=${HOME}",
            "ENV REPO_DIR=${REPO_DIR}",
            _run('test -d "${REPO_DIR}" || /usr/bin/install -o "${NB_USER}" -g "${NB_USER}" -d "${REPO_DIR}"'),
            "WORKDIR ${REPO_DIR}",
            _run('chown "${NB_USER}:${NB_USER}" "${REPO_DIR}"'),
            "ENV PATH=${HOME}/.local/bin:${REPO_DIR}/.local/bin:${PATH}",
            # apt.txt, then the environment files alone and their installation: cached while unchanged
            *self._directives(self.get_apt_scripts()),
            "USER root",
            *(f"{copy} src/{src} ${{REPO_DIR}}/{dst}" for src, dst in sorted(self.get_preassemble_script_files().items())),
            *self._directives(self.get_preassemble_scripts()[len(self.get_apt_scripts()):]),
            "USER root",
            f"{copy} src/ ${{REPO_DIR}}/",
            *self._directives(self.get_assemble_scripts()),
            *(f'LABEL {k}="{v}"' for k, v in sorted(self.get_labels().items())),
            "USER ${NB_USER}",
        ]
        for script in self.get_post_build_scripts():
            lines += [_run(f'chmod +x "{script}"'), _run(f'./"{script}"')]
        start = self.get_start_script()
        if start:
            lines += [_run(f'chmod +x "{start}"'), f'ENV R2D_ENTRYPOINT="{start}"']
        lines += [
            "ENV PYTHONUNBUFFERED=1",
            "COPY /python3-login /usr/local/bin/python3-login",
            "COPY /repo2docker-entrypoint /usr/local/bin/repo2docker-entrypoint",
            'ENTRYPOINT ["/usr/local/bin/repo2docker-entrypoint"]',
            'CMD ["jupyter", "lab", "--ip", "0.0.0.0"]',
        ]
        if self.appendix:
            lines.append(self.appendix)
        return "\n".join(lines) + "\n"

    def _context_files(self) -> dict[str, str]:
        return {self.generate_build_context_filename(src)[0]: dst for src, dst in self.get_build_script_files().items()}
