"""SingleFlight: concurrent identical questions share one call; later ones ask again; a leaver cancels nothing."""

import asyncio

import pytest

from binderd.singleflight import SingleFlight


async def test_concurrent_callers_share_one_call_and_later_ones_ask_again():
    flight, calls, gate = SingleFlight(), [], asyncio.Event()

    async def resolve():
        calls.append(1)
        await gate.wait()
        return len(calls)

    waiters = [asyncio.ensure_future(flight.run("k", resolve)) for _ in range(50)]
    other = asyncio.ensure_future(flight.run("other", resolve))
    while len(calls) < 2:  # both calls under way, all callers waiting
        await asyncio.sleep(0)
    gate.set()
    assert await asyncio.gather(*waiters) == [2] * 50 and await other == 2  # two keys, two calls
    assert await flight.run("k", resolve) == 3  # answered before: asked again, nothing cached


async def test_a_caller_that_leaves_does_not_cancel_the_others():
    flight, gate = SingleFlight(), asyncio.Event()

    async def slow():
        await gate.wait()
        return "answer"

    leaver = asyncio.ensure_future(flight.run("k", slow))
    stayer = asyncio.ensure_future(flight.run("k", slow))
    for _ in range(3):
        await asyncio.sleep(0)
    leaver.cancel()
    gate.set()
    assert await stayer == "answer"
    with pytest.raises(asyncio.CancelledError):
        await leaver


async def test_errors_reach_every_caller():
    flight = SingleFlight()

    async def fails():
        await asyncio.sleep(0)
        raise ValueError("no such ref")

    results = await asyncio.gather(*(flight.run("k", fails) for _ in range(3)), return_exceptions=True)
    assert [str(r) for r in results] == ["no such ref"] * 3
