"""Scan a test run's logs, event logs, argv and metrics for the secrets the run configured.

    python bench/secret_scan.py [--run /tmp/pytest-of-root/pytest-N] [--metrics URL ...]

Secrets are collected from what the run wrote for its servers: every
`binderhub_config.py` (tokens, passwords, client secrets), `jupyterhub_config.py`
(service tokens), hub-api-token files and registry configurations. Then it
searches, for each secret of 8 characters or more:

  logs     every *.log, *.txt, *.out file under the run directory
  events   every *.jsonl file (binderd's event logs) under the run directory
  argv     /proc/*/cmdline of every process running now (run it while the suite runs,
           e.g. `scripts/test & sleep 120; python bench/secret_scan.py`)
  metrics  the /metrics pages given with --metrics

It prints the counts per kind and the first places found; all must be 0.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import sys
import urllib.request

_ASSIGNED = re.compile(
    r"(?:token|password|secret|private_token|access_token|api_token|client_secret)\w*['\"]?\s*[=:]\s*['\"]([^'\"\s]{8,})['\"]",
    re.IGNORECASE,
)


def latest_run() -> str:
    runs = sorted(glob.glob("/tmp/pytest-of-*/pytest-[0-9]*"), key=os.path.getmtime)
    if not runs:
        sys.exit("no pytest run directory found; pass --run")
    return runs[-1]


def collect_secrets(run: str) -> set[str]:
    secrets: set[str] = set()
    patterns = ["**/binderhub_config.py", "**/jupyterhub_config.py", "**/config.yml", "**/*.yaml"]
    for pattern in patterns:
        for path in glob.glob(os.path.join(run, pattern), recursive=True):
            with open(path, errors="replace") as f:
                secrets.update(_ASSIGNED.findall(f.read()))
    for path in glob.glob(os.path.join(run, "**/hub-api-token"), recursive=True):
        with open(path) as f:
            secrets.add(f.read().strip())
    return {s for s in secrets if len(s) >= 8 and not s.startswith(("/", "http"))}


def scan_files(paths: list[str], secrets: set[str]) -> list[str]:
    found = []
    for path in paths:
        with open(path, errors="replace") as f:
            text = f.read()
        found += [f"{path}: {s[:4]}…" for s in secrets if s in text]
    return found


def scan_argv(secrets: set[str]) -> list[str]:
    found = []
    for path in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(path, "rb") as f:
                argv = f.read().decode(errors="replace")
        except OSError:
            continue
        found += [f"{path}: {s[:4]}…" for s in secrets if s in argv and "secret_scan" not in argv]
    return found


def scan_metrics(urls: list[str], secrets: set[str]) -> list[str]:
    found = []
    for url in urls:
        with urllib.request.urlopen(url, timeout=10) as r:
            text = r.read().decode(errors="replace")
        found += [f"{url}: {s[:4]}…" for s in secrets if s in text]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", help="pytest's base temporary directory (default: the latest)")
    parser.add_argument("--metrics", nargs="*", default=[], help="/metrics URLs of running binderds")
    args = parser.parse_args()
    run = args.run or latest_run()
    secrets = collect_secrets(run)
    files = lambda *exts: [p for e in exts for p in glob.glob(os.path.join(run, f"**/*{e}"), recursive=True)]  # noqa: E731
    results = {
        "logs": scan_files(files(".log", ".txt", ".out"), secrets),
        "events": scan_files(files(".jsonl"), secrets),
        "argv": scan_argv(secrets),
        "metrics": scan_metrics(args.metrics, secrets),
    }
    print(f"run {run}: {len(secrets)} secrets, {len(files('.log', '.txt', '.out'))} log files, "
          f"{len(files('.jsonl'))} event logs")
    print("  ".join(f"{kind} {len(found)}" for kind, found in results.items()))
    for kind, found in results.items():
        for line in found[:5]:
            print(f"  {kind}: {line}")


if __name__ == "__main__":
    main()
