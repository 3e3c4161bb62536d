"""Builds shared between watchers: one build per image, every watcher sees everything."""

import asyncio

import pytest

from binderd.builder import BuildCoordinator
from binderd.errors import BuildError


def slow_build(started: list, gate: asyncio.Event, fail: bool = False):
    async def factory():
        started.append(1)
        yield {"phase": "building", "message": "step 1\n"}
        await gate.wait()
        yield {"phase": "building", "message": "step 2\n"}
        if fail:
            raise BuildError("it broke")
    return factory


async def collect(build):
    return [e async for e in build.watch()]


async def test_one_build_per_key_and_full_logs_for_late_watchers():
    coordinator, started, gate = BuildCoordinator(), [], asyncio.Event()
    build, new = coordinator.start("img:1", slow_build(started, gate))
    early = asyncio.create_task(collect(build))
    await asyncio.sleep(0.05)
    again, new_again = coordinator.start("img:1", slow_build(started, gate))
    assert new and not new_again and again is build
    late = asyncio.create_task(collect(build))
    gate.set()
    assert await early == await late == [
        {"phase": "building", "message": "step 1\n"}, {"phase": "building", "message": "step 2\n"}]
    assert started == [1]


async def test_a_watcher_leaving_does_not_stop_the_build():
    coordinator, started, gate = BuildCoordinator(), [], asyncio.Event()
    build, _ = coordinator.start("img:2", slow_build(started, gate))
    leaver = asyncio.create_task(collect(build))
    stayer = asyncio.create_task(collect(build))
    await asyncio.sleep(0.05)
    leaver.cancel()
    gate.set()
    assert len(await stayer) == 2
    assert build.done and build.error is None and build.watchers == 0


async def test_failure_reaches_every_watcher_and_is_not_reused():
    coordinator, started, gate = BuildCoordinator(), [], asyncio.Event()
    build, _ = coordinator.start("img:3", slow_build(started, gate, fail=True))
    gate.set()
    for _ in range(2):
        with pytest.raises(BuildError, match="it broke"):
            await collect(build)
    assert coordinator.get("img:3") is None  # a retry builds afresh


async def test_queue_position_is_reported_when_slots_are_full():
    coordinator, started, gate = BuildCoordinator(limit=1), [], asyncio.Event()
    first, _ = coordinator.start("a", slow_build(started, gate))
    await asyncio.sleep(0.05)
    second, _ = coordinator.start("b", slow_build(started, gate))
    await asyncio.sleep(0.05)
    assert started == [1]  # the second waits for the slot
    assert second.events[0]["phase"] == "waiting" and "position 1 in the queue" in second.events[0]["message"]
    gate.set()
    await collect(first)
    await collect(second)
    assert started == [1, 1]


async def test_crash_becomes_a_clear_error():
    coordinator = BuildCoordinator()

    async def crashing():
        yield {"message": "x"}
        raise KeyError("bug")

    build, _ = coordinator.start("c", crashing)
    with pytest.raises(BuildError, match="internal error"):
        await collect(build)


async def test_cancelled_build_releases_its_watchers():
    coordinator, started, gate = BuildCoordinator(), [], asyncio.Event()
    build, _ = coordinator.start("d", slow_build(started, gate))
    watcher = asyncio.create_task(collect(build))
    await asyncio.sleep(0.05)
    build.task.cancel()
    with pytest.raises(BuildError, match="shutting down"):
        await asyncio.wait_for(watcher, 5)
