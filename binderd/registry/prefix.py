"""Does `image_prefix` put images where binderd will look for them?

Three things can silently break "build once, then launch from the registry":

1. The build pushes to the host Docker reads from the image name, while binderd
   asks the host in `DockerRegistry.url`: the two must be the same registry.
2. binderd finds the repository path with upstream's split
   (`_get_image_basename_and_tag`, reference §4.5): a name matching
   `[a-z0-9]{4,40}/...` is taken whole (Docker Hub style), otherwise the first
   component is dropped as a host. Docker resolves names differently (a first
   component is a host only if it has a "." or ":" or is "localhost"), so e.g.
   `my-org/binder-` is looked up as `binder-...` but pushed to `my-org/binder-...`.
3. Many registries need more than one path level (`<project>/<image>`, issue
   #800); a prefix like `myregistry.io/binder-` gives only one.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from binderd.naming import image_name, split_image_name
from binderd.registry.dockerconfig import is_docker_hub
from binderd.registry.hosts import kind_of

SAMPLE_SLUG = "binderd/check"
SAMPLE_REF = "0123456789abcdef"


@dataclass(frozen=True)
class PrefixReport:
    """The outcome of `analyze`: ok, or what is wrong and what to change."""

    ok: bool
    message: str
    looked_up: str = ""  # host/repository binderd asks the registry for
    pushed: str = ""  # host/repository docker pushes to
    fix: str = ""


def docker_reference(name: str) -> tuple[str, str]:
    """(host, repository) the Docker engine resolves an image name to (tag stripped)."""
    base = name.rsplit(":", 1)[0] if ":" in name.rsplit("/", 1)[-1] else name
    first, _, rest = base.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        host, repository = first, rest
    else:
        host, repository = "docker.io", base
    if is_docker_hub(host.split(":")[0]):
        host = "docker.io"
        if "/" not in repository:
            repository = "library/" + repository
    return host, repository


def _same_host(a: str, b: str) -> bool:
    if is_docker_hub(a.split(":")[0]) and is_docker_hub(b.split(":")[0]):
        return True
    return a.lower() == b.lower()


def analyze(image_prefix: str, registry_url: str) -> PrefixReport:
    """Check `image_prefix` against the registry binderd looks images up in."""
    registry_host = urlsplit(registry_url).netloc
    kind = kind_of(registry_host)
    shape = kind.layout if is_docker_hub(registry_host.split(":")[0]) else kind.layout.replace("<host>", registry_host)
    if not image_prefix:
        return PrefixReport(
            False, "BinderHub.image_prefix is empty, so image names have no registry or repository path",
            fix=f"set BinderHub.image_prefix to {shape!r}",
        )
    sample = image_name(image_prefix, SAMPLE_SLUG, SAMPLE_REF)
    looked_up, _ = split_image_name(sample)
    pushed_host, pushed_repo = docker_reference(sample)
    looked, pushed = f"{registry_host}/{looked_up}", f"{pushed_host}/{pushed_repo}"
    effective = image_prefix.replace("_", "-").lower()  # image_name() does this to the whole name
    if effective != image_prefix:
        return PrefixReport(
            False, f"image names lower-case image_prefix and replace '_' by '-': {image_prefix!r} becomes {effective!r}",
            looked, pushed, fix=f"set BinderHub.image_prefix to {effective!r}",
        )
    if not _same_host(pushed_host, registry_host):
        return PrefixReport(
            False,
            f"builds push to {pushed_host} (the host in image_prefix) but binderd looks images up at "
            f"{registry_host} (DockerRegistry.url), so every launch would rebuild",
            looked, pushed,
            fix=f"start BinderHub.image_prefix with {registry_host}/ , or set DockerRegistry.url "
            f"(registry.url in secret.yaml) to the registry {pushed_host}",
        )
    if looked_up != pushed_repo:
        return PrefixReport(
            False,
            f"binderd looks images up as {looked_up!r} but the build pushes them to {pushed_repo!r} "
            "(upstream's image-name split drops the first path component)",
            looked, pushed,
            fix=f"write the registry host explicitly: BinderHub.image_prefix = {pushed_host + '/' + image_prefix!r}",
        )
    depth = len(looked_up.split("/"))
    if depth < kind.min_depth or (kind.max_depth is not None and depth > kind.max_depth):
        need = f"exactly {kind.min_depth}" if kind.min_depth == kind.max_depth else f"at least {kind.min_depth}"
        return PrefixReport(
            False,
            f"{kind.name} repositories need {need} path level{'s' if kind.min_depth > 1 else ''} "
            f"but image_prefix gives {depth} ({looked_up!r})",
            looked, pushed, fix=f"set BinderHub.image_prefix to the form {shape!r}",
        )
    return PrefixReport(True, f"images go to {pushed} (found there by binderd)", looked, pushed)
