"""`EventLog`: structured launch events, validated against their schema, sent to logging handlers.

One event per successful launch, in upstream's `binderhub.jupyter.org/launch`
schema (version 6), so existing analytics pipelines read binderd's log as they
read upstream's. Records go through a queue to a thread that runs the handlers,
so a slow disk or log service never blocks the event loop. No secret is ever
part of an event: a build token is recorded only as "present and valid".
"""

from __future__ import annotations

import datetime
import json
import logging
import logging.handlers
import os
import queue
from typing import Any as AnyType

from traitlets import Any, Unicode
from traitlets.config import LoggingConfigurable

SCHEMA_PATH = os.path.join(os.path.dirname(__file__), "launch-schema.json")
LAUNCH_SCHEMA = "binderhub.jupyter.org/launch"


def load_schema(path: str = SCHEMA_PATH) -> dict:
    """A schema file, checked to carry what registering it needs."""
    with open(path, encoding="utf-8") as f:
        schema = json.load(f)
    if "$id" not in schema or "version" not in schema:
        raise ValueError(f"{path}: a schema needs $id and version")
    reserved = {"timestamp", "schema", "version"} & set(schema.get("properties", {}))
    if reserved:
        raise ValueError(f"{path}: properties {sorted(reserved)} are added by the event log itself")
    return schema


class JSONLinesFormatter(logging.Formatter):
    """One JSON object per line: the event itself."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(record.msg) if isinstance(record.msg, dict) else super().format(record)


class _RecordQueueHandler(logging.handlers.QueueHandler):
    """Queues records as they are: the handlers, not the queue, decide how events are written."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record


class EventLog(LoggingConfigurable):
    """Validates events and hands them to the configured handlers."""

    handlers_maker = Any(
        None,
        allow_none=True,
        help="Callable(eventlog) returning a list of logging.Handler that receive each event "
        "(upstream's option). Handlers without a formatter write one JSON object per line.",
    ).tag(config=True)
    path = Unicode(
        "",
        help="Append events to this file as JSON lines (binderd's built-in handler); empty: no file.",
    ).tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.schemas: dict[tuple[str, int], AnyType] = {}
        self.handlers: list[logging.Handler] = []
        if self.handlers_maker is not None:
            self.handlers.extend(self.handlers_maker(self))
        if self.path:
            self.handlers.append(logging.FileHandler(self.path, encoding="utf-8", delay=True))
        for handler in self.handlers:
            if handler.formatter is None:
                handler.setFormatter(JSONLinesFormatter())
        self._logger = logging.getLogger(f"binderd.eventlog.{id(self)}")
        self._logger.propagate = False
        self._logger.setLevel(logging.INFO)
        self._listener: logging.handlers.QueueListener | None = None
        if self.handlers:
            records: queue.SimpleQueue = queue.SimpleQueue()
            self._logger.addHandler(_RecordQueueHandler(records))
            self._listener = logging.handlers.QueueListener(records, *self.handlers, respect_handler_level=True)
            self._listener.start()
        self.register_schema(load_schema())

    def register_schema(self, schema: dict) -> None:
        """Accept events of this schema; validated with jsonschema when it is installed."""
        try:
            import jsonschema
        except ImportError:  # validation needs jsonschema; without it events are sent unchecked
            self.log.warning("jsonschema is not installed: events are not validated")
            validator = None
        else:
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            validator = cls(schema)
        self.schemas[(schema["$id"], schema["version"])] = validator

    def record(self, schema: str, version: int, event: dict) -> dict:
        """The full record of `event`; raises ValueError if it does not fit its schema."""
        if (schema, version) not in self.schemas:
            raise ValueError(f"Schema {schema} version {version} is not registered")
        validator = self.schemas[(schema, version)]
        if validator is not None:
            errors = sorted(validator.iter_errors(event), key=str)
            if errors:
                raise ValueError(f"Event does not fit {schema} v{version}: {errors[0].message}")
        timestamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return {"timestamp": timestamp, "schema": schema, "version": version, **event}

    def emit(self, schema: str, version: int, event: dict) -> None:
        """Validate `event` and queue it for the handlers (no-op without handlers)."""
        record = self.record(schema, version, event)
        if self.handlers:
            self._logger.info(record)

    def close(self) -> None:
        """Flush queued events to the handlers and stop the writer thread."""
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
        for handler in self.handlers:
            handler.close()


def emit_launch_event(event_log: EventLog, request, repo) -> None:
    """Record one successful launch (a pipeline LaunchRequest and its ResolvedRepo), schema version 6."""
    event_log.emit(LAUNCH_SCHEMA, 6, {
        "provider": repo.provider_name,
        "spec": request.spec,
        "ref": repo.resolved_ref,
        "status": "success",
        "build_token": request.build_token,
        "origin": request.origin,
        "request_origin": request.request_origin,
    })
