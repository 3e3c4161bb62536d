"""The registry half of `binderd check`: answers, credentials, token_url, image_prefix, pull, push.

Each check asks the real registry the way the service will (same class, same
configuration), and a failure says what to change. Later checks that cannot run
because an earlier one failed are reported as skipped.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from binderd.errors import RegistryError
from binderd.naming import image_name, split_image_name
from binderd.registry import DockerRegistry, ImageRegistry, prefix
from binderd.registry.auth import Challenge, challenge_token_url
from binderd.registry.hosts import kind_of

CHECK_TAG = "binderd-check-absent"


@dataclass
class Result:
    """One line of `binderd check`."""

    check: str
    status: str  # "ok", "fail" or "skip"
    message: str
    fix: str = ""

    @property
    def ok(self) -> bool:
        return self.status != "fail"

    def as_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}


def check_repository(image_prefix: str) -> str:
    """The repository path the check uses: where an image under image_prefix is looked up."""
    return split_image_name(image_name(image_prefix, prefix.SAMPLE_SLUG, prefix.SAMPLE_REF))[0]


async def _ping(registry: DockerRegistry) -> tuple[Result, Challenge | None]:
    try:
        code, challenge = await registry.ping()
    except RegistryError as e:
        return Result("registry answers", "fail", e.message), None
    return _answers(registry, code), challenge


def _answers(registry: DockerRegistry, code: int) -> Result:
    if code not in (200, 401):
        return Result(
            "registry answers", "fail",
            f"{registry.api_url}/v2/ answered HTTP {code}: not a Docker Registry v2 API",
            "check DockerRegistry.url (registry.url in secret.yaml)",
        )
    kind = kind_of(registry.host)
    if kind.registry_class and type(registry) is DockerRegistry and kind.name == "Amazon ECR":
        return Result(
            "registry answers", "fail", f"{registry.host} is an Amazon ECR registry, which needs its own class",
            f"set BinderHub.registry_class = {kind.registry_class!r}",
        )
    what = "authentication required" if code == 401 else "open"
    name = f", {kind.name}" if kind.name != "registry" else ""
    return Result("registry answers", "ok", f"{registry.api_url} answers the v2 API ({what}{name})")


async def _login(registry: DockerRegistry) -> Result:
    try:
        await registry.login()
    except RegistryError as e:
        return Result("registry credentials", "fail", e.message)
    username, _ = registry.credentials_owner()
    who = repr(username) if username else "anonymous access"
    return Result("registry credentials", "ok", f"{who} authenticated at {registry.host}")


def _token_url(registry: DockerRegistry, challenge: Challenge) -> Result:
    if registry.token_url_problem:
        return Result("token_url", "fail", registry.token_url_problem)
    if registry.token_url:
        return Result("token_url", "ok", f"{registry.token_url} gives tokens the registry accepts")
    if challenge.is_bearer:
        return Result(
            "token_url", "ok", f"empty: binderd uses the token service the registry names ({challenge_token_url(challenge)})"
        )
    return Result("token_url", "ok", "empty: the registry takes HTTP basic auth" if challenge.scheme else "empty: not needed")


def _prefix(registry: DockerRegistry, image_prefix: str) -> Result:
    report = prefix.analyze(image_prefix, registry.url)
    return Result("image_prefix", "ok" if report.ok else "fail", f"{image_prefix!r}: {report.message}", report.fix)


async def _pull(registry: DockerRegistry, repository: str) -> Result:
    try:
        manifest = await registry.get_manifest(repository, CHECK_TAG)
    except RegistryError as e:
        return Result("pull under image_prefix", "fail", e.message)
    found = "found" if manifest is not None else "not found, as expected"
    return Result("pull under image_prefix", "ok", f"may read {repository} ({repository}:{CHECK_TAG} {found})")


async def _push(registry: DockerRegistry, repository: str) -> Result:
    try:
        message = await registry.check_push(repository)
    except RegistryError as e:
        return Result("push under image_prefix", "fail", e.message)
    return Result("push under image_prefix", "ok", message + " (started and cancelled a blob upload)")


async def registry_checks(registry: ImageRegistry, image_prefix: str, use_registry: bool) -> list[Result]:
    """The registry checks of `binderd check`, in order."""
    if not use_registry:
        healthy = await registry.healthy()
        return [Result(
            "local Docker engine", "ok" if healthy else "fail",
            "answers (BinderHub.use_registry is False: images stay in the local engine)" if healthy
            else "does not answer (BinderHub.use_registry is False, so binderd needs it)",
        )]
    if not isinstance(registry, DockerRegistry):
        healthy = await registry.healthy()
        name = type(registry).__name__
        return [Result("registry answers", "ok" if healthy else "fail", f"{name}.healthy() is {healthy}")]
    answers, challenge = await _ping(registry)
    results = [answers]
    if challenge is None or not answers.ok:
        skipped = "skipped: the registry does not answer"
        return results + [Result(n, "skip", skipped) for n in ("registry credentials", "token_url")] + [
            _prefix(registry, image_prefix),
            *(Result(n, "skip", skipped) for n in ("pull under image_prefix", "push under image_prefix")),
        ]
    results.append(await _login(registry))
    results.append(_token_url(registry, challenge))
    results.append(_prefix(registry, image_prefix))
    repository = check_repository(image_prefix) if image_prefix else ""
    if not results[1].ok or not repository:
        why = "skipped: the credentials do not authenticate" if repository else "skipped: image_prefix is empty"
        return results + [Result(n, "skip", why) for n in ("pull under image_prefix", "push under image_prefix")]
    results.append(await _pull(registry, repository))
    results.append(await _push(registry, repository))
    if registry.token_url_problem and results[2].ok:  # found out while pulling or pushing
        results[2] = Result("token_url", "fail", registry.token_url_problem)
    return results
