"""HTTP handlers: they translate requests into pipeline calls and results into responses."""

from binderd.handlers.build import BuildHandler
from binderd.handlers.health import HealthHandler
from binderd.handlers.info import MetricsHandler, RepoProvidersHandler, VersionHandler

__all__ = ["BuildHandler", "HealthHandler", "MetricsHandler", "RepoProvidersHandler", "VersionHandler"]
