"""Check a Config against the configurable classes: unknown names and wrong types are errors."""

from __future__ import annotations

import difflib

from traitlets import TraitError
from traitlets.config import Config, LazyConfigValue

from binderd.config.loader import ConfigError

# Upstream BinderHub classes binderd does not implement (yet); their sections are
# accepted with a warning so an upstream config.yaml still starts.
UPSTREAM_ONLY_CLASSES = {
    "KubernetesBuildExecutor", "KubernetesCleaner", "KubernetesLaunchQuota", "LaunchQuota",
    "RateLimiter", "EventLog", "ExternalRegistryHelper", "GoogleArtifactRegistry", "FakeRegistry",
    "HubOAuth", "BinderSpawner", "KubeSpawner",
}


def validate(config: Config, classes: list[type], log, origins: dict[str, str] | None = None) -> None:
    """Raise ConfigError naming the first unknown class, unknown option or bad value."""
    by_name = {cls.__name__: cls for cls in classes}
    for section, options in config.items():
        if not isinstance(options, (dict, Config)):
            continue
        cls = by_name.get(section)
        if cls is None:
            if section in UPSTREAM_ONLY_CLASSES:
                if options:
                    log.warning("Configuration for %s is ignored: binderd has no %s", section, section)
                continue
            hint = difflib.get_close_matches(section, by_name, 1)
            raise ConfigError(
                f"Unknown configuration class {section!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
            )
        traits = cls.class_traits(config=True)
        probe = cls.__new__(cls)  # a bare instance (no __init__ side effects) to validate against
        for name, value in options.items():
            where = (origins or {}).get(f"{section}.{name}", f"{section}.{name}")
            trait = traits.get(name)
            if trait is None:
                hint = difflib.get_close_matches(name, traits, 1)
                raise ConfigError(
                    f"{where}: {section} has no option {name!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
                )
            if isinstance(value, LazyConfigValue):
                continue
            try:
                trait._validate(probe, value)
            except TraitError as e:
                raise ConfigError(f"{where}: {e}") from None
            except Exception as e:  # noqa: BLE001 - a validator may raise anything on bad input
                raise ConfigError(f"{where}: invalid value {value!r}: {e}") from None
