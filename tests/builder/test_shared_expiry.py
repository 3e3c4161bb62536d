"""Finished builds leave the coordinator on a timer, so memory stays flat over many distinct builds."""

import asyncio
import gc
import tracemalloc

from binderd.builder import BuildCoordinator
from binderd.errors import BuildError


def quick_build(lines: int = 20, fail: bool = False):
    async def factory():
        for i in range(lines):
            yield {"phase": "building", "message": f"step {i} " + "x" * 100 + "\n"}
        if fail:
            raise BuildError("it broke")
    return factory


async def finish(coordinator: BuildCoordinator, key: str, fail: bool = False) -> None:
    build, _ = coordinator.start(key, quick_build(fail=fail))
    await build.task


async def settle() -> None:
    """Let timers due now (keep_finished=0) run."""
    for _ in range(3):
        await asyncio.sleep(0)


async def test_a_successful_build_stays_for_keep_finished_then_leaves_without_being_asked_for():
    coordinator = BuildCoordinator(keep_finished=3600)
    await finish(coordinator, "img:kept")
    await settle()
    assert "img:kept" in coordinator.builds  # a watcher arriving now still finds it
    again, started = coordinator.start("img:kept", quick_build())
    assert not started and again.done

    coordinator = BuildCoordinator(keep_finished=0.01)
    await finish(coordinator, "img:gone")
    while coordinator.builds:  # no one asks for img:gone again: the timer alone removes it
        await asyncio.sleep(0.01)


async def test_a_failed_build_leaves_at_once_and_a_newer_build_of_the_key_is_not_removed():
    coordinator = BuildCoordinator(keep_finished=3600)
    await finish(coordinator, "img:bad", fail=True)
    await settle()
    assert coordinator.builds == {}

    coordinator = BuildCoordinator(keep_finished=0)
    old, _ = coordinator.start("img:1", quick_build())
    await old.task  # the timer that forgets `old` is due now, but has not run
    del coordinator.builds["img:1"]
    gate = asyncio.Event()

    async def waiting():
        yield {"phase": "building", "message": "newer\n"}
        await gate.wait()

    newer, _ = coordinator.start("img:1", waiting)
    await settle()
    assert coordinator.builds["img:1"] is newer
    gate.set()
    await newer.task


async def test_ten_thousand_distinct_finished_builds_keep_memory_flat():
    coordinator = BuildCoordinator(keep_finished=0)
    tracemalloc.start()
    try:
        sizes = []
        for batch in range(10):
            for i in range(1000):
                await finish(coordinator, f"img-{batch}-{i}:1")
            await settle()
            gc.collect()
            sizes.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    assert coordinator.builds == {} and coordinator.started == 10_000
    # each build's log is ~2.5 kB: kept builds would add ~2.5 MB per batch
    assert max(sizes[1:]) - sizes[1] < 256 * 1024, sizes
