"""Limits that hold for every buildpack, ours and repo2docker's: the repository size cap.

`limited(cls)` returns a subclass (same name, so repo2docker's "Using X builder"
line is unchanged) whose `build()` first measures the checked-out repository and
refuses with a readable error when it is over the configured size, and removes
binderd's build arguments so Docker never sees them.
"""

from __future__ import annotations

import os

from repo2docker.buildpacks.base import BuildPack

from .settings import BUILD_ARGS, BuildSettings, human_size, without_settings


def repo_size(path: str = ".") -> int:
    """Bytes of regular files under path (symlinks not followed), .git included: it was fetched too."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                st = os.lstat(os.path.join(root, name))
            except OSError:
                continue
            if not os.path.islink(os.path.join(root, name)):
                total += st.st_size
    return total


class LimitsMixin:
    """Checks the repository against binderd's limits before handing it to the real build."""

    binderd_settings = BuildSettings()

    def _take_settings(self, build_args: dict | None) -> BuildSettings:
        # render() runs first with the full arguments, build() later re-renders without ours
        if any(key in (build_args or {}) for key in BUILD_ARGS):
            self.binderd_settings = BuildSettings.from_build_args(build_args)
        return self.binderd_settings

    def render(self, build_args=None):
        self._take_settings(build_args)
        return super().render(without_settings(build_args))

    def build(self, client, image_spec, memory_limit, build_args, cache_from, extra_build_kwargs, platform=None):
        settings = self._take_settings(build_args)
        if settings.max_repo_size:
            size = repo_size(".")
            if size > settings.max_repo_size:
                yield {
                    "error": f"The repository is {human_size(size)}, more than this BinderHub's limit of "
                    f"{human_size(settings.max_repo_size)}. Make it smaller (move large data out of the "
                    "repository and download it at run time) and try again.\n"
                }
                return
        yield from super().build(
            client, image_spec, memory_limit, without_settings(build_args), cache_from, extra_build_kwargs,
            platform=platform,
        )


def limited(cls: type[BuildPack]) -> type[BuildPack]:
    """cls with binderd's limits applied (a subclass with the same name)."""
    if issubclass(cls, LimitsMixin):
        return cls
    return type(cls.__name__, (LimitsMixin, cls), {"__module__": __name__, "__doc__": cls.__doc__})
