"""EventLog: events validated against their schema before any handler sees them; JSON lines out of the box."""

import json
import logging

import pytest
from traitlets.config import Config

from binderd.events.eventlog import LAUNCH_SCHEMA, EventLog, load_schema

GOOD = {"provider": "Git", "spec": "https%3A%2F%2Fh%2Fr/main", "ref": "a" * 40, "status": "success",
        "build_token": True, "origin": "binder.example.org", "request_origin": "https://binder.example.org"}


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


def test_events_reach_the_file_and_the_configured_handlers(tmp_path):
    collected = Collect()
    config = Config()
    config.EventLog.path = str(tmp_path / "events.jsonl")
    config.EventLog.handlers_maker = lambda eventlog: [collected]
    log = EventLog(config=config)
    log.emit(LAUNCH_SCHEMA, 6, GOOD)
    log.close()  # flushes the queue
    [line] = (tmp_path / "events.jsonl").read_text().splitlines()
    assert collected.lines == [line]
    record = json.loads(line)
    assert record == {"timestamp": record["timestamp"], "schema": LAUNCH_SCHEMA, "version": 6, **GOOD}


@pytest.mark.parametrize("change", [
    {"provider": "NoSuchProvider"},
    {"build_token": "yes"},
    {"status": "maybe"},
    {"extra": 1},
])
def test_events_outside_the_schema_are_refused_before_emission(tmp_path, change):
    log = EventLog(path=str(tmp_path / "events.jsonl"))
    with pytest.raises(ValueError, match="does not fit"):
        log.emit(LAUNCH_SCHEMA, 6, {**GOOD, **change})
    with pytest.raises(ValueError, match="does not fit"):
        log.emit(LAUNCH_SCHEMA, 6, {k: v for k, v in GOOD.items() if k != "ref"})
    with pytest.raises(ValueError, match="not registered"):
        log.emit(LAUNCH_SCHEMA, 5, GOOD)
    log.close()
    assert not (tmp_path / "events.jsonl").exists()


def test_schemas_may_not_define_what_the_log_adds(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"$id": "x", "version": 1, "properties": {"timestamp": {}}}))
    with pytest.raises(ValueError, match="added by the event log"):
        load_schema(str(path))


def test_without_handlers_events_are_checked_and_dropped():
    log = EventLog()
    log.emit(LAUNCH_SCHEMA, 6, GOOD)
    with pytest.raises(ValueError):
        log.emit(LAUNCH_SCHEMA, 6, {})
