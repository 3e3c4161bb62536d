"""Every option is documented: a help string on every configurable trait, and --help-all works."""

import subprocess
import sys

from binderd.app import BinderHub
from binderd.cli.check import CheckApp
from binderd.cli.local import LocalApp
from binderd.launch.spawner import BinderSpawner


def all_classes():
    classes = set(BinderHub().classes) | {CheckApp, LocalApp}
    for cls in list(classes):
        classes |= {c for c in cls.__mro__ if hasattr(c, "class_traits") and c.__module__.startswith("binderd")}
    return sorted((c for c in classes if c.__module__.startswith("binderd")), key=lambda c: c.__name__)


def test_every_option_has_help():
    missing = [
        f"{cls.__name__}.{name}"
        for cls in all_classes() + [BinderSpawner]
        for name, trait in cls.class_own_traits(config=True).items()
        if not (trait.help or "").strip()
    ]
    assert missing == []


def test_help_all_lists_the_upstream_names():
    out = subprocess.run([sys.executable, "-m", "binderd", "--help-all"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    for option in ("--BinderHub.hub_url", "--BinderHub.image_prefix", "--BinderHub.use_registry",
                   "--DockerRegistry.token_url", "--Launcher.launch_timeout", "--GitRepoProvider.allowed_protocols",
                   "--GitHubRepoProvider.access_token", "--GitLabRepoProvider.private_token"):
        assert option in out.stdout, option
