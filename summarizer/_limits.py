"""Run-level limits: every HTTP request of a run passes one :class:`RequestLimits`.

A run (a batch, a Ray job, or any group of calls that share one provider account) has three
limits, checked by the transport before every HTTP request, chunk requests, transport
retries and reasks included:

- **requests in flight** (``concurrency``): a slot is held while one HTTP request is
  outstanding, and never while a request waits to be retried, so the bound is exactly what
  the provider sees;
- **requests and estimated tokens per minute** (``rpm``, ``tpm``): paced with
  pyrate-limiter's token bucket (GCRA) so a run stays under the provider's published limits
  instead of finding them through 429s. Requests are spaced evenly (``60 / rpm`` seconds
  apart, no burst). Tokens flow at ``tpm / 60`` a second with at most one second's worth at
  once; a request estimated above that takes its tokens in pieces, so it waits for them to
  accumulate;
- **the 429 gate** (:class:`RateGate`): one ``Retry-After`` holds back every request of the
  run, not just the one that got it.

The order before a request is: a slot, the 429 gate, then the pacing, so a request is sent
as soon as its pacing allows (waiting for a slot cannot bunch paced requests together), and
a request that waited for a slot while a 429 closed the gate still waits for the gate.
Time spent queued for a slot or for the pacing is the run's own queue, not the provider's
time: it does not count against a call's ``total_timeout`` (see
:class:`~summarizer._transport.Transport`).

Pacing is pluggable (:class:`Pacing`): in one process it is local; the Ray engine
(:mod:`summarizer.ray`) gives every worker a pacing that asks one coordinating actor, which
runs a local :class:`Pacing` for the whole cluster.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Protocol

from pyrate_limiter import Duration, Limiter, Rate, StateBucket, TokenBucket

from summarizer.errors import ConfigurationError

__all__ = ["LocalPacing", "Pacing", "RateGate", "RequestLimits", "Slots"]


class RateGate:
    """Backoff shared by every request of a run: one 429 slows them all.

    When any request is told to wait (a 429 and its ``Retry-After``), the gate closes until
    then; every request checks the gate before it is sent. Works across threads and tasks.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open_at = 0.0

    def hold(self, seconds: float) -> None:
        """Keep every request back for ``seconds`` from now (never shortens a hold)."""
        with self._lock:
            self._open_at = max(self._open_at, time.monotonic() + seconds)

    def delay(self) -> float:
        """Seconds until requests may go again (0 when open)."""
        with self._lock:
            return max(self._open_at - time.monotonic(), 0.0)


class _Waiter:
    """One acquirer queued for a slot; ``wake`` is called once it is granted one."""

    __slots__ = ("granted", "wake")

    def __init__(self, wake: Callable[[], object]) -> None:
        self.wake = wake
        self.granted = False


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Slots:
    """At most ``size`` holders at once, first come first served, for threads and tasks alike.

    One run mixes worker threads (``summarize_articles``, chunk threads) and asyncio tasks
    on any event loop; neither ``threading.Semaphore`` (it blocks a loop) nor
    ``asyncio.Semaphore`` (one loop, no threads) covers both.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._free = size
        self._lock = threading.Lock()
        self._waiters: deque[_Waiter] = deque()

    @property
    def in_use(self) -> int:
        """Slots held right now."""
        with self._lock:
            return self.size - self._free

    def _enter(self, waiter: _Waiter) -> bool:
        """Take a free slot (True), or queue ``waiter`` behind those already waiting."""
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                return True
            self._waiters.append(waiter)
            return False

    def acquire(self) -> None:
        """Wait (blocking this thread) for a slot."""
        event = threading.Event()
        if not self._enter(_Waiter(event.set)):
            event.wait()

    async def aacquire(self) -> None:
        """Wait (without blocking the event loop) for a slot; cancellation gives it back."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        waiter = _Waiter(lambda: loop.call_soon_threadsafe(_resolve, future))
        if self._enter(waiter):
            return
        try:
            await future
        except asyncio.CancelledError:
            with self._lock:
                granted = waiter.granted
                if not granted:
                    self._waiters.remove(waiter)
            if granted:  # the slot arrived as the task was cancelled: pass it on
                self.release()
            raise

    def release(self) -> None:
        """Give a slot back: to the longest waiter, else to the pool."""
        with self._lock:
            if not self._waiters:
                self._free += 1
                return
            waiter = self._waiters.popleft()
            waiter.granted = True
        waiter.wake()


class Pacing(Protocol):
    """What paces a run's requests and shares its 429 gate: local, or one for a cluster."""

    @property
    def counts_tokens(self) -> bool:
        """True when requests must say how many tokens they are estimated to use."""

    def hold(self, seconds: float) -> None:
        """A 429 asked for ``seconds`` of quiet: hold back every request of the run."""

    def held(self) -> float:
        """Seconds the 429 gate keeps requests back (0 when open)."""

    def wait(self, tokens: int) -> None:
        """Block until a request of ``tokens`` estimated tokens may be sent."""

    async def await_turn(self, tokens: int) -> None:
        """The asynchronous twin of :meth:`wait`."""


def _positive(name: str, value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ConfigurationError(f"{name} must be a whole number >= 1 (or None for no limit)")


class LocalPacing:
    """Requests and tokens per minute, and the 429 gate, for the requests of this process.

    Args:
        rpm: Requests per minute, evenly spaced; None for no limit.
        tpm: Estimated tokens per minute, at most one second's worth at once; None for no
            limit.
    """

    def __init__(self, rpm: int | None = None, tpm: int | None = None) -> None:
        _positive("rpm", rpm)
        _positive("tpm", tpm)
        self.rpm, self.tpm = rpm, tpm
        self.gate = RateGate()
        self._requests = _bucket(rpm, burst=1) if rpm else None
        self._burst = max((tpm or 0) // 60, 1)
        self._tokens = _bucket(tpm, burst=self._burst) if tpm else None

    @property
    def counts_tokens(self) -> bool:
        """True when a token budget is set."""
        return self._tokens is not None

    def hold(self, seconds: float) -> None:
        """Close the 429 gate for ``seconds``."""
        self.gate.hold(seconds)

    def held(self) -> float:
        """Seconds the 429 gate stays closed."""
        return self.gate.delay()

    def _plan(self, tokens: int) -> Iterator[tuple[Limiter, str, int]]:
        """The acquisitions of one request: its tokens (in pieces up to the burst), then it."""
        if self._tokens is not None:
            left = max(tokens, 1)
            while left > 0:
                piece = min(left, self._burst)
                yield self._tokens, "tokens", piece
                left -= piece
        if self._requests is not None:
            yield self._requests, "requests", 1

    def wait(self, tokens: int) -> None:
        """Block until the request may go."""
        for limiter, name, weight in self._plan(tokens):
            limiter.try_acquire(name, weight)

    async def await_turn(self, tokens: int) -> None:
        """Wait without blocking the event loop until the request may go."""
        for limiter, name, weight in self._plan(tokens):
            await limiter.try_acquire_async(name, weight)


def _bucket(per_minute: int, *, burst: int) -> Limiter:
    """A token bucket (GCRA) of ``per_minute`` units with ``burst`` at once, no clock slack."""
    rate = Rate(per_minute, Duration.MINUTE, burst=burst)
    return Limiter(StateBucket([rate], algorithm=TokenBucket()), buffer_ms=0)


class RequestLimits:
    """The limits one run's requests share: slots in flight, pacing and the 429 gate.

    Give one to every summarizer of a run (``Summarizer.with_options(limits=...)``, or the
    ``limits=`` of the batch functions); it is safe to share across threads and tasks.

    Args:
        concurrency: HTTP requests in flight at once; None for no bound.
        rpm: Requests per minute; None for no limit.
        tpm: Estimated tokens per minute (what is counted: ``Pipeline.estimated_tokens``);
            None for no limit.
        pacing: A ready :class:`Pacing` instead of ``rpm``/``tpm`` (the Ray engine's
            shared one).

    Raises:
        ConfigurationError: A limit is not a whole number >= 1.
    """

    def __init__(
        self,
        concurrency: int | None = None,
        *,
        rpm: int | None = None,
        tpm: int | None = None,
        pacing: Pacing | None = None,
    ) -> None:
        _positive("concurrency", concurrency)
        if pacing is not None and (rpm or tpm):
            raise ConfigurationError("pass either pacing= or rpm=/tpm=, not both")
        self.concurrency, self.rpm, self.tpm = concurrency, rpm, tpm
        self.slots = Slots(concurrency) if concurrency else None
        self.pacing: Pacing = pacing if pacing is not None else LocalPacing(rpm, tpm)

    def __repr__(self) -> str:
        return f"RequestLimits(concurrency={self.concurrency}, rpm={self.rpm}, tpm={self.tpm})"

    @property
    def counts_tokens(self) -> bool:
        """True when each request must bring its token estimate."""
        return self.pacing.counts_tokens

    def hold(self, seconds: float) -> None:
        """A 429 asked for ``seconds`` of quiet: every request of the run waits."""
        self.pacing.hold(seconds)

    def held(self) -> float:
        """Seconds the 429 gate keeps requests back (0 when open)."""
        return self.pacing.held()

    def _queued(self, started: float, gate_from: float, gate_to: float) -> float:
        """Seconds queued for the slot and the pacing (the gate's wait is the provider's)."""
        return time.monotonic() - started - (gate_to - gate_from)

    @contextmanager
    def admit(self, tokens: int = 0, gate: Callable[[float], None] = time.sleep) -> Iterator[float]:
        """Around one request: a slot, the 429 gate, the pacing; yields the seconds queued.

        The gate is checked once the slot is held, so a request that waited for a slot
        while a 429 closed the gate still waits; ``gate(seconds)`` does the waiting (the
        transport's, bounded by the call's deadline).
        """
        started = time.monotonic()
        if self.slots is not None:
            self.slots.acquire()
        try:
            gate_from = time.monotonic()
            if (held := self.held()) > 0:
                gate(held)
            gate_to = time.monotonic()
            self.pacing.wait(tokens)
            yield self._queued(started, gate_from, gate_to)
        finally:
            if self.slots is not None:
                self.slots.release()

    @asynccontextmanager
    async def aadmit(
        self, tokens: int = 0, gate: Callable[[float], Awaitable[None]] = asyncio.sleep
    ) -> AsyncIterator[float]:
        """The asynchronous twin of :meth:`admit`."""
        started = time.monotonic()
        if self.slots is not None:
            await self.slots.aacquire()
        try:
            gate_from = time.monotonic()
            if (held := self.held()) > 0:
                await gate(held)
            gate_to = time.monotonic()
            await self.pacing.await_turn(tokens)
            yield self._queued(started, gate_from, gate_to)
        finally:
            if self.slots is not None:
                self.slots.release()
