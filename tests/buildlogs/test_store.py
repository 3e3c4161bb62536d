"""BuildLogStore: logs kept compressed on disk, read back by id and offset, swept after retention_days."""

import asyncio
import gzip
import os
import time

from binderd.builder.shared import BuildCoordinator
from binderd.buildlogs import BuildLogStore, link_events
from binderd.errors import BuildError


async def build_events(*messages, fail=None):
    for message in messages:
        yield {"phase": "building", "message": message}
        await asyncio.sleep(0)
    if fail:
        raise BuildError(fail)


async def finished(build):
    try:
        async for _ in build.watch():
            pass
    except BuildError:
        pass
    await build.task


async def test_a_build_log_is_kept_compressed_and_read_back(tmp_path):
    store = BuildLogStore(path=str(tmp_path))
    coordinator = BuildCoordinator(build_logs=store)
    build, _ = coordinator.start("img:1", lambda: build_events("Step 1\n", "\x1b[31mred\x1b[0m\n", fail="It broke"))
    await finished(build)
    log_id = build.log_id
    with gzip.open(tmp_path / f"{log_id}.log.gz", "rt") as f:
        assert f.read() == "Step 1\n\x1b[31mred\x1b[0m\n"  # ANSI colours kept as they came
    chunk = await store.read(log_id)
    assert chunk.finished and chunk.info.outcome == "failed" and chunk.info.message == "It broke"
    assert chunk.info.image == "img:1"
    assert (await store.read(log_id, offset=7)).text == b"\x1b[31mred\x1b[0m\n"
    # another process (binderd restarted) reads the same log from the directory
    again = await BuildLogStore(path=str(tmp_path)).read(log_id)
    assert again.text == chunk.text and again.info == chunk.info


async def test_a_running_build_is_read_from_memory_and_marked_unfinished(tmp_path):
    store = BuildLogStore(path=str(tmp_path))
    gate = asyncio.Event()

    async def slow():
        yield {"phase": "building", "message": "first\n"}
        await gate.wait()
        yield {"phase": "building", "message": "second\n"}

    build, _ = BuildCoordinator(build_logs=store).start("img:2", slow)
    while not any(e.get("message") == "first\n" for e in build.events):
        await asyncio.sleep(0.01)
    chunk = await store.read(build.log_id)
    assert not chunk.finished and chunk.text == b"first\n" and chunk.info.outcome == "running"
    # binderd stopping now would leave the log's record: it answers as interrupted, not missing
    interrupted = await BuildLogStore(path=str(tmp_path)).read(build.log_id)
    assert interrupted.info.outcome == "interrupted" and interrupted.finished
    gate.set()
    await finished(build)
    done = await store.read(build.log_id)
    assert done.finished and done.text == b"first\nsecond\n" and done.info.outcome == "succeeded"


async def test_unknown_and_malformed_ids_are_not_found(tmp_path):
    store = BuildLogStore(path=str(tmp_path))
    assert await store.read("20260101-000000-000000000000") is None
    assert await store.read("../../etc/passwd") is None


async def test_logs_older_than_the_retention_are_swept(tmp_path):
    store = BuildLogStore(path=str(tmp_path), retention_days=2)
    coordinator = BuildCoordinator(build_logs=store)
    old, _ = coordinator.start("old", lambda: build_events("old\n"))
    await finished(old)
    new, _ = coordinator.start("new", lambda: build_events("new\n"))
    await finished(new)
    three_days_ago = time.time() - 3 * 86400
    for name in os.listdir(tmp_path):
        if name.startswith(old.log_id):
            os.utime(tmp_path / name, (three_days_ago, three_days_ago))
    assert await store.sweep() == 2  # the old log and its record
    assert await store.read(old.log_id) is None
    assert (await store.read(new.log_id)).text == b"new\n"
    assert await BuildLogStore(path=str(tmp_path), retention_days=0).sweep(now=time.time() + 1e9) == 0


async def test_an_unwritable_directory_turns_keeping_off_without_failing_builds(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    store = BuildLogStore(path=str(blocker / "logs"))
    build, _ = BuildCoordinator(build_logs=store).start("img", lambda: build_events("ok\n"))
    await finished(build)
    assert build.error is None and store.live == {}
    assert store.open(build) is None  # known unusable: later builds get no id


async def test_disabled_store_gives_no_ids(tmp_path):
    store = BuildLogStore(path=str(tmp_path), enabled=False)
    build, _ = BuildCoordinator(build_logs=store).start("img", lambda: build_events("ok\n"))
    await finished(build)
    assert build.log_id is None and os.listdir(tmp_path) == []


def collecting(public_url):
    """link_events over an emit that keeps what it is given; (kept events, linked emit)."""
    sent = []

    async def emit(event):
        sent.append(event)

    return sent, link_events(emit, public_url)


async def test_link_events_makes_the_url_absolute_and_adds_it_to_the_failure():
    sent, linked = collecting("https://binder.example.org/")
    await linked({"phase": "waiting", "message": "", "build_log": "logs/20260101-000000-0123456789ab"})
    await linked({"phase": "building", "message": "x\n"})
    await linked({"phase": "failed", "message": "The build failed.\n"})
    url = "https://binder.example.org/logs/20260101-000000-0123456789ab"
    assert sent[0]["build_log_url"] == url and url in sent[0]["message"]
    assert sent[1] == {"phase": "building", "message": "x\n"}
    assert sent[2]["message"] == f"The build failed.\nThe whole build log: {url}\n"


async def test_a_failure_message_without_a_newline_gets_the_link_on_its_own_line():
    sent, linked = collecting("http://b/")
    await linked({"phase": "waiting", "message": "", "build_log": "logs/x"})
    await linked({"phase": "failed", "message": "returned a non-zero code: 1"})
    assert sent[-1]["message"] == "returned a non-zero code: 1\nThe whole build log: http://b/logs/x\n"
