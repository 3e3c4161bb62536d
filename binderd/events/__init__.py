"""Stage 6: every step, as events on upstream's `/build` event stream.

`phases` builds the event dicts (upstream's phases and messages); `stream`
writes them as server-sent events with keepalives.
"""

from binderd.events.phases import build_only_ready, built, failed, launching, ready, waiting
from binderd.events.stream import EventStream

__all__ = ["EventStream", "build_only_ready", "built", "failed", "launching", "ready", "waiting"]
