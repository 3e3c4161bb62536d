"""A launch through a page's build token: the launch event (schema-validated), the client's escaping kept,
the `retry` field after `ready`, and upstream's metric names and labels."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from urllib.parse import quote

import jsonschema

from binderd.events.eventlog import SCHEMA_PATH
from tests.handlers.test_build_controls import client_ip, page_token
from tests.fixtures.sse import read_stream


def lower_escapes(text: str) -> str:
    """%3A -> %3a: escaping a client may send, which binderd must hand back unchanged."""
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), text)


def wait_for_events(path: str, spec: str, timeout: float = 30) -> list[dict]:
    """The launch events of `spec` in the log (other tests launch through the same binderd)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(path) as f:
                lines = [e for e in map(json.loads, filter(str.strip, f)) if e.get("spec") == spec]
        except FileNotFoundError:
            lines = []
        if lines or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


async def test_launch_event_escaping_retry_and_metrics(ui_binderd, git_server, hub):
    repo = git_server.create("access-launch-event")
    sha = repo.commit({"x.txt": "1\n"})
    spec = f"{lower_escapes(quote(repo.git_url, safe=''))}/main"
    origin = "https://binder.example.org"
    token = page_token(ui_binderd, spec, origin=origin)
    stream = await read_stream(f"{ui_binderd.url}build/git/{spec}?build_token={token}",
                               headers={"X-Real-Ip": client_ip(), "Origin": origin})
    ready = stream.events[-1]
    assert ready["phase"] == "ready", stream.events
    assert ready["binder_request"] == f"v2/git/{spec}"
    assert ready["binder_persistent_request"] == f"v2/git/{spec.rsplit('/', 1)[0]}/{sha}"
    # the stream ends by telling an EventSource to wait a day before reconnecting
    assert stream.fields == ["retry: 86400000"]
    assert stream.raw.endswith("retry: 86400000\n\n")

    [event] = wait_for_events(ui_binderd.events_path, spec)
    with open(SCHEMA_PATH) as f:
        schema = json.load(f)
    reserved = {k: event.pop(k) for k in ("timestamp", "schema", "version")}
    jsonschema.validate(event, schema)
    assert reserved["schema"] == "binderhub.jupyter.org/launch" and reserved["version"] == 6
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", reserved["timestamp"])
    assert event == {"provider": "Git", "spec": spec, "ref": sha, "status": "success", "build_token": True,
                     "origin": "binder.example.org", "request_origin": origin}
    assert token not in open(ui_binderd.events_path).read()
    assert token not in ui_binderd.binderd.log_text()  # the access log scrubs it too

    metrics = urllib.request.urlopen(ui_binderd.url + "metrics", timeout=30).read().decode()
    labels = f'provider="Git",repo="{repo.git_url}",status="success"'
    assert f"binderhub_launch_count_total{{{labels}}} 1.0" in metrics
    assert f"binderhub_build_count_total{{{labels}}} 1.0" in metrics
    assert re.search(r'binderhub_launch_time_seconds_bucket\{le="\+Inf",retries="0",status="success"\} [1-9]', metrics)
    assert 'binderhub_build_time_seconds_bucket{le="60.0",status="success"}' in metrics
    for gauge in ("binderhub_inprogress_builds", "binderhub_inprogress_launches",
                  "binderhub_github_rate_limit_remaining"):
        assert f"# TYPE {gauge} gauge" in metrics


def test_event_schema_names_every_provider(ui_binderd):
    from binderd.providers import default_providers

    with open(SCHEMA_PATH) as f:
        schema = json.load(f)
    assert set(schema["properties"]["provider"]["enum"]) == {cls.name for cls in default_providers().values()}
