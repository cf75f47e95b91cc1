"""Waking a worker's outbox jobs when PostgreSQL says work is due, instead of at their tick.

Two parts (docs/SCALING.md#sub-second-status):

- `Listener`: a thread holding ONE dedicated psycopg connection (not from the pool) that
  `LISTEN`s on app.notify's channel and waits on it with a timeout, so an idle worker costs
  a wake-up every few seconds and nothing else. Each notification's payload is a topic; the
  listener hands the topics to the waker. When the connection drops (PostgreSQL restarted,
  the backend terminated, the network cut) it reconnects with exponential backoff and jitter;
  whatever was notified meanwhile is claimed by the jobs' ticks, which stay as the safety net.
- `Waker`: coalesces wake-ups per job. A job not running is started at once by its wake
  thread (one run, however many notifications arrive before it starts), which also carries the
  job's ticks (a timed wait, not a scheduler firing); a job already running
  (woken, or on its tick) is marked to run once more when it returns, so work committed during
  its last claim is not left to the tick. A burst of 1,000 intakes is therefore a few runs, each
  claiming batches, not 1,000 wake-ups; and a run that finds nothing claimable returns at once
  (one claim query).

The ticks of the woken jobs are the safety net (a retry that came due, anything notified while
the listener was down): while the listener is connected and a job is calm, `Waker.tick` lets
one in SAFETY_TICK_FACTOR through, so four idle workers cost under 1 % of a core. They run at
their intervals while the listener is down, until a run has started since it reconnected, and
for SAFETY_TICK_FACTOR intervals after a run that scheduled a retry.

Every worker hears every notification; `FOR UPDATE SKIP LOCKED` lets one claim a message and
the others' claims come back empty at once.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy.engine import Engine

from app.notify import CHANNEL

log = logging.getLogger(__name__)

# The longest a listener waits on its connection before looking whether it should stop.
WAIT_S = 5.0
# While a worker listens, its woken jobs' ticks (the safety net: a retry that came due, a
# notification lost) run this many times less often; back to their intervals while it is not.
SAFETY_TICK_FACTOR = 10
# Reconnection backoff: doubling from the first delay up to the cap, with full jitter.
RECONNECT_FIRST_S = 0.5
RECONNECT_MAX_S = 30.0


@dataclass
class _JobState:
    event: threading.Event = field(default_factory=threading.Event)  # woken, not yet run
    running: bool = False
    again: bool = False  # woken while running: run once more when it returns
    last_run: float = float("-inf")  # time.monotonic() a run last started
    last_trouble: float = float("-inf")  # … a run that met trouble ended


class Waker:
    """Runs a topic's job now, once per burst of notifications (see the module's docstring).

    Each woken job has a thread waiting on an Event; the job's tick (APScheduler) and its
    wake-ups both go through `run`, which never lets two runs of a job overlap: a run asked
    for while one is going marks that one to run once more instead.
    """

    def __init__(self, jobs_by_topic: Mapping[str, str],
                 intervals: Mapping[str, float] | None = None,
                 listening_since: Callable[[], float | None] = lambda: None,
                 follow_ups: Mapping[str, Iterable[str]] | None = None) -> None:
        self.jobs_by_topic = dict(jobs_by_topic)
        # job → topics woken in this process after a run of it that applied something (the
        # poller's fan-out), with or without notifications.
        self.follow_ups = {job: tuple(topics) for job, topics in (follow_ups or {}).items()}
        self.intervals = dict(intervals or {})
        self.listening_since = listening_since
        self.states = {job: _JobState() for job in set(self.jobs_by_topic.values())}
        self.lock = threading.Lock()
        self.stopping = False
        self.threads: list[threading.Thread] = []
        self.wakes = 0  # runs started or repeated because of notifications

    def start(self, functions: Mapping[str, Callable[[], Any]]) -> Waker:
        """One thread per woken job, running `functions[job]` when woken."""
        for job, function in functions.items():
            if job in self.states:
                thread = threading.Thread(target=self._loop, args=(job, function),
                                          name=f"wake-{job}", daemon=True)
                thread.start()
                self.threads.append(thread)
        return self

    def stop(self, timeout: float | None = None) -> None:
        """Wake every thread to exit; with a timeout, wait for them (runs in flight finish)."""
        self.stopping = True
        for state in self.states.values():
            state.event.set()
        if timeout is not None:
            for thread in self.threads:
                thread.join(timeout)

    def wake(self, topics: Iterable[str]) -> None:
        """Notifications arrived for `topics`: run their jobs now (or once more)."""
        for job in {self.jobs_by_topic[t] for t in topics if t in self.jobs_by_topic}:
            state = self.states[job]
            with self.lock:
                if state.running:
                    state.again = True
                elif not state.event.is_set():
                    state.event.set()
                    self.wakes += 1

    def tick(self, job: str, function: Callable[[], Any]) -> None:
        """A job's tick: run it, unless notifications carry it and it is calm (see above)."""
        state = self.states.get(job)
        interval = self.intervals.get(job)
        since = self.listening_since()
        # Skipped only if a run started since the listener (re)connected: what was notified
        # while it was down is the tick's to claim.
        if state is not None and interval and since is not None and state.last_run > since:
            now = time.monotonic()
            horizon = interval * SAFETY_TICK_FACTOR
            calm = now - state.last_trouble > horizon
            if calm and now - state.last_run < horizon - interval / 2:
                return
        self.run(job, function)

    def run(self, job: str, function: Callable[[], Any]) -> None:
        """Run a job (tick or wake-up), and once more while notifications came meanwhile."""
        state = self.states.get(job)
        if state is None:
            self._follow_up(job, function())
            return
        with self.lock:
            if state.running:
                state.again = True  # the run going on takes this one over
                return
            state.running, state.again = True, False
            state.event.clear()
        try:
            while True:
                state.last_run = time.monotonic()
                result = function()
                self._follow_up(job, result)
                if _troubled(result):
                    state.last_trouble = time.monotonic()
                with self.lock:
                    if not state.again or self.stopping:
                        state.running = False
                        return
                    state.again = False
                    self.wakes += 1
        except BaseException:
            with self.lock:
                state.running = False
            raise

    def _follow_up(self, job: str, result: Any) -> None:
        if getattr(result, "applied", 0) and job in self.follow_ups:
            self.wake(self.follow_ups[job])

    def _loop(self, job: str, function: Callable[[], Any]) -> None:
        """Wait for a wake-up, or for the job's interval: then it is a tick (see `tick`).

        The thread carries the job's ticks itself (a timed wait costs next to nothing), so the
        scheduler does not fire the woken jobs every couple of seconds only to skip them.
        """
        state = self.states[job]
        interval = self.intervals.get(job)
        timeout: float | None = 0.0 if interval else None  # the tick at start, then each interval
        while True:
            woken = state.event.wait(timeout)
            if self.stopping:
                return
            if woken:
                self.run(job, function)
            else:
                self.tick(job, function)
            timeout = interval


def _troubled(result: Any) -> bool:
    """Did an outbox run (its RunStats) leave work the ticks must come back for?"""
    return any(getattr(result, name, 0) for name in ("retried", "deferred", "lost_lease"))


def connect_args(engine: Engine) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """psycopg.connect's arguments for the engine's database (its URL, as the pool uses it)."""
    args, kwargs = engine.dialect.create_connect_args(engine.url)
    # A connection cut without a word (a host gone, a NAT forgetting it) must be noticed too.
    kwargs.setdefault("keepalives", 1)
    kwargs.setdefault("keepalives_idle", 30)
    kwargs.setdefault("keepalives_interval", 10)
    kwargs.setdefault("keepalives_count", 3)
    kwargs.setdefault("connect_timeout", 10)
    kwargs.setdefault("application_name", "jembatan-listen")
    return tuple(args), kwargs


class Listener:
    """LISTEN on one dedicated connection; call `on_topics` with what was notified."""

    def __init__(self, engine: Engine, on_topics: Callable[[set[str]], None],
                 wait_s: float = WAIT_S) -> None:
        self.args, self.kwargs = connect_args(engine)
        self.on_topics = on_topics
        self.wait_s = wait_s
        self.stopping = threading.Event()
        self.connected = threading.Event()
        self.connected_at: float | None = None  # time.monotonic() of the last LISTEN
        self.connections = 0  # how many times it (re)connected
        self.backend_pid: int | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> Listener:
        self.thread = threading.Thread(target=self._loop, name="outbox-listener", daemon=True)
        self.thread.start()
        return self

    def stop(self, timeout: float = WAIT_S + 1) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def _loop(self) -> None:
        failures = 0
        while not self.stopping.is_set():
            try:
                with psycopg.connect(*self.args, autocommit=True, **self.kwargs) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.backend_pid = conn.info.backend_pid
                    self.connected_at = time.monotonic()
                    self.connections += 1
                    self.connected.set()
                    if failures:
                        log.info("outbox listener reconnected after %d attempts", failures)
                    failures = 0
                    self._listen(conn)
            except psycopg.Error as exc:
                self.connected.clear()
                if self.stopping.is_set():
                    return
                failures += 1
                delay = random.uniform(
                    RECONNECT_FIRST_S / 2,
                    min(RECONNECT_MAX_S, RECONNECT_FIRST_S * 2 ** min(failures - 1, 10)),
                )
                log.warning("outbox listener lost its connection (%s); retrying in %.1fs; "
                            "the ticks carry on meanwhile", str(exc).strip() or exc, delay)
                self.stopping.wait(delay)
        self.connected.clear()

    def listening_since(self) -> float | None:
        """When the listener last connected, or None while it is not connected."""
        return self.connected_at if self.connected.is_set() else None

    def _listen(self, conn: psycopg.Connection[Any]) -> None:
        while not self.stopping.is_set():
            topics: set[str] = set()
            # Wakes for the first notification, then takes what else has already arrived,
            # so a burst is handed over as one set.
            for notify in conn.notifies(timeout=self.wait_s, stop_after=1):
                topics.add(notify.payload)
            if not topics:
                continue
            for notify in conn.notifies(timeout=0):
                topics.add(notify.payload)
            self.on_topics(topics)

