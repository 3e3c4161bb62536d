"""What a build's output must not show, and how credentials reach git without argv.

Both builders (local and Kubernetes) use these: the secret values of a build
are removed from every log line it prints, and git configuration (the pinned
address of the repository host) travels as GIT_CONFIG_* environment variables.
"""

from __future__ import annotations

from collections.abc import Sequence


def secret_values(git_credentials: str, password: str) -> list[str]:
    """Every secret a build's output must not show: the whole credential and each value in it.

    git_credentials is upstream's "username=...\\npassword=..." (a literal backslash-n);
    git or repo2docker may print one of its values alone, e.g. a token used as username.
    """
    fields = dict(
        line.partition("=")[::2] for line in git_credentials.replace("\\n", "\n").splitlines() if "=" in line
    )
    values = {git_credentials, password}
    if fields.get("password") == "x-oauth-basic":  # GitHub's form: the token is the username
        values.add(fields.get("username", ""))
    else:
        values.add(fields.get("password", ""))
    return sorted((v for v in values if v), key=len, reverse=True)


def git_config_env(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """git configuration as environment variables (GIT_CONFIG_COUNT/KEY_n/VALUE_n), seen by every git call."""
    env = {"GIT_CONFIG_COUNT": str(len(pairs))} if pairs else {}
    for i, (key, value) in enumerate(pairs):
        env[f"GIT_CONFIG_KEY_{i}"], env[f"GIT_CONFIG_VALUE_{i}"] = key, value
    return env


class Redactor:
    """Replaces a build's secrets in its output lines with [secret]."""

    def __init__(self, git_credentials: str, password: str):
        self.secrets = secret_values(git_credentials, password)

    def __call__(self, line: str) -> str:
        for secret in self.secrets:
            line = line.replace(secret, "[secret]")
        return line
