"""Prometheus metrics, with upstream BinderHub's names and labels (dashboards keep working)."""

from prometheus_client import Counter, Gauge, Histogram

BUILD_TIME = Histogram(
    "binderhub_build_time_seconds",
    "Histogram of build times",
    ["status"],
    buckets=[60, 120, 300, 600, 1800, 3600, 7200, float("inf")],
)
LAUNCH_TIME = Histogram(
    "binderhub_launch_time_seconds",
    "Histogram of launch times",
    ["status", "retries"],
    buckets=[2, 5, 10, 20, 30, 60, 120, 300, 600, float("inf")],
)
BUILD_COUNT = Counter("binderhub_build_count", "Counter of builds by repo", ["status", "provider", "repo"])
LAUNCH_COUNT = Counter("binderhub_launch_count", "Counter of launches by repo", ["status", "provider", "repo"])
BUILDS_INPROGRESS = Gauge("binderhub_inprogress_builds", "Builds currently in progress")
LAUNCHES_INPROGRESS = Gauge("binderhub_inprogress_launches", "Launches currently in progress")
GITHUB_RATE_LIMIT = Gauge("binderhub_github_rate_limit_remaining", "GitHub rate limit remaining")
