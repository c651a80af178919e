"""Fair sharing of the SPARQL workers between the clients of the open endpoint.

Every request that needs a worker (a query, the guard's check of an update, the service
description) passes the gate first, in the event loop, so that waiting costs no thread:

- a client (one IP address) may have `per_client` requests running or waiting; one more is
  refused at once (`Busy`, 503 with Retry-After) instead of queueing behind its own;
- at most `queue` requests wait for a worker; when the queue is full, `Busy` again;
- one client never holds every worker: with two or more workers it may run at most
  `workers - 1` at a time, so a worker is always left for somebody else, and a free worker
  goes to the waiting request whose client runs the fewest (ties: the one waiting longest);
- a request that has waited `wait` seconds (the server: twice the time limit) gives up with `Busy`.

What this cannot do: tell apart clients behind one address (behind a reverse proxy uvicorn
takes the client from X-Forwarded-For when the proxy is in FORWARDED_ALLOW_IPS, the local machine by
default), or stop one user with many addresses.
"""

import asyncio
import itertools
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from graph import errors

RETRY_AFTER = 2  # seconds, sent as Retry-After with every Busy


class Busy(errors.Busy):
    """No room for this request now; try again in `retry_after` seconds."""

    retry_after = RETRY_AFTER


@dataclass(order=True)
class _Waiter:
    order: int
    client: str = field(compare=False)
    max_running: int = field(compare=False)
    future: asyncio.Future = field(compare=False)


class Gate:
    """Admission to `workers` workers; all methods run in one event loop (no locks needed)."""

    def __init__(self, workers: int):
        self.workers = max(1, workers)
        self.running: dict[str, int] = {}  # client -> requests on a worker
        self.held: dict[str, int] = {}  # client -> requests running or waiting
        self.waiting: list[_Waiter] = []
        self._order = itertools.count()

    def max_running(self, per_client: int) -> int:
        return max(1, min(per_client, self.workers - 1)) if self.workers > 1 else 1

    @asynccontextmanager
    async def slot(self, client: str, per_client: int, queue: int, wait: float):
        if self.held.get(client, 0) >= per_client:
            raise Busy(
                f"Du har allerede {per_client} SPARQL-spørring(er) i gang, som er det én klient kan ha "
                "samtidig her (too many concurrent queries from this client). Vent til de er ferdige."
            )
        limit = self.max_running(per_client)
        if sum(self.running.values()) < self.workers and self.running.get(client, 0) < limit:
            self._add(self.held, client)
            self._add(self.running, client)
        else:
            if len(self.waiting) >= queue:
                raise Busy("Spørringskøen er full; prøv igjen om litt (the SPARQL queue is full).")
            await self._wait(client, limit, wait)
        try:
            yield
        finally:
            self._add(self.running, client, -1)
            self._add(self.held, client, -1)
            self._dispatch()

    async def _wait(self, client: str, limit: int, wait: float) -> None:
        waiter = _Waiter(next(self._order), client, limit, asyncio.get_running_loop().create_future())
        self.waiting.append(waiter)
        self._add(self.held, client)
        try:
            await asyncio.wait_for(asyncio.shield(waiter.future), wait)
        except BaseException as err:
            if waiter.future.done() and not waiter.future.cancelled():  # started just as we gave up
                self._add(self.running, client, -1)
            else:
                self.waiting.remove(waiter)
                waiter.future.cancel()
            self._add(self.held, client, -1)
            self._dispatch()
            if isinstance(err, TimeoutError):
                raise Busy(
                    f"Alle spørringsplassene var opptatt i {wait:g} sekunder; prøv igjen om litt "
                    "(all query workers are busy)."
                ) from None
            raise

    def _dispatch(self) -> None:
        """Give free workers to waiting requests: the client running fewest first, then the oldest."""
        while self.waiting and sum(self.running.values()) < self.workers:
            ready = [w for w in self.waiting if self.running.get(w.client, 0) < w.max_running]
            if not ready:
                return
            waiter = min(ready, key=lambda w: (self.running.get(w.client, 0), w.order))
            self.waiting.remove(waiter)
            self._add(self.running, waiter.client)
            waiter.future.set_result(None)

    @staticmethod
    def _add(counts: dict[str, int], client: str, n: int = 1) -> None:
        value = counts.get(client, 0) + n
        if value > 0:
            counts[client] = value
        else:
            counts.pop(client, None)
