"""The fair gate in front of the SPARQL workers, on its own (the HTTP behaviour is in test_sparql.py)."""

import asyncio

import pytest

from graph.sparql.gate import Busy, Gate


async def hold(gate: Gate, client: str, release: asyncio.Event, log: list, per_client: int = 3,
               queue: int = 10, wait: float = 5.0) -> None:
    async with gate.slot(client, per_client, queue, wait):
        log.append(client)
        await release.wait()


def test_defect11_one_client_never_holds_every_worker():
    async def scenario():
        gate, log, release = Gate(2), [], asyncio.Event()
        tasks = [asyncio.create_task(hold(gate, "a", release, log)) for _ in range(2)]
        await asyncio.sleep(0.01)
        assert log == ["a"]  # the second waits although a worker is free ...
        tasks.append(asyncio.create_task(hold(gate, "b", release, log)))
        await asyncio.sleep(0.01)
        assert log == ["a", "b"]  # ... so that b starts at once
        release.set()
        await asyncio.gather(*tasks)
        assert log == ["a", "b", "a"]
        assert gate.running == gate.held == {} and gate.waiting == []

    asyncio.run(scenario())


def test_defect11_a_free_worker_goes_to_the_client_running_fewest():
    async def scenario():
        gate, log = Gate(4), []
        a, x = asyncio.Event(), asyncio.Event()
        tasks = [asyncio.create_task(hold(gate, client, x if client == "x" else a, log)) for client in "aabx"]
        await asyncio.sleep(0.01)
        assert sorted(log) == ["a", "a", "b", "x"]  # every worker busy
        tasks.append(asyncio.create_task(hold(gate, "a", a, log)))  # waits first (a may run 3) ...
        await asyncio.sleep(0.01)
        tasks.append(asyncio.create_task(hold(gate, "c", a, log)))  # ... but c runs none
        await asyncio.sleep(0.01)
        x.set()
        await asyncio.sleep(0.01)
        assert log[4:] == ["c"]
        a.set()
        await asyncio.gather(*tasks)
        assert log[5:] == ["a"] and gate.held == {}

    asyncio.run(scenario())


def test_limits_answer_busy_and_leave_nothing_behind():
    async def scenario():
        gate, log, release = Gate(1), [], asyncio.Event()
        running = asyncio.create_task(hold(gate, "a", release, log, per_client=1))
        await asyncio.sleep(0.01)
        with pytest.raises(Busy, match="allerede 1"):
            await hold(gate, "a", release, log, per_client=1)
        waiting = asyncio.create_task(hold(gate, "b", release, log, queue=1))
        await asyncio.sleep(0.01)
        with pytest.raises(Busy, match="køen er full"):
            await hold(gate, "c", release, log, queue=1)
        with pytest.raises(Busy, match="opptatt i 0.05 sekunder"):
            await hold(gate, "d", release, log, queue=5, wait=0.05)
        waiting.cancel()  # a client that goes away while it waits
        await asyncio.sleep(0.01)
        assert gate.held == {"a": 1} and gate.waiting == []
        release.set()
        await running
        assert gate.running == gate.held == {}

    asyncio.run(scenario())
