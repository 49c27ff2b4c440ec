"""The outbox worker: retries with backoff, nothing dropped, no double delivery with concurrent workers."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from assistant.config import EscalationSettings
from assistant.services.delivery import OutboxWorker, backoff_seconds, enqueue, run_worker
from assistant.store.models import OutboxMessage
from tests.experts_support import BACKENDS, RecordingChannel, database_for


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path):  # type: ignore[no-untyped-def]
    yield from database_for(request.param, tmp_path, request)


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def _add(db, count: int = 1, channel: str = "web") -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        for n in range(count):
            message = enqueue(session, kind="expert_answer", channel=channel, payload={"text": f"answer {n}"},
                              address={"conversation_id": "c"}, escalation_id="ESC-TEST01")
            message.next_attempt_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _rows(db):  # type: ignore[no-untyped-def]
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [backoff_seconds(n, 10, 60) for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]


def test_failed_delivery_is_retried_with_backoff_then_kept_as_failed(db) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    web = RecordingChannel("web", fail=10)
    settings = EscalationSettings(delivery_backoff_seconds=10, delivery_max_attempts=3)
    worker = OutboxWorker(db, {"web": web}, settings, clock=clock)
    _add(db)
    assert worker.deliver_due().retried == 1
    row = _rows(db)[0]
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "web is down")
    assert worker.deliver_due().claimed == 0  # not due before the backoff has passed
    clock.now += dt.timedelta(seconds=11)
    assert worker.deliver_due().retried == 1
    clock.now += dt.timedelta(seconds=15)
    assert worker.deliver_due().claimed == 0  # second pause is 20 s
    clock.now += dt.timedelta(seconds=10)
    assert worker.deliver_due().failed == 1
    assert _rows(db)[0].status == "failed"  # kept, visible in the console
    assert worker.counts()["failed"] == 1
    web.fail = 0
    worker.retry(_rows(db)[0].id)
    assert worker.deliver_due().sent == 1
    row = _rows(db)[0]
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert [item.payload["text"] for item in web.items] == ["answer 0"]


def test_unknown_channel_is_kept_until_it_is_registered(db) -> None:  # type: ignore[no-untyped-def]
    extra: dict[str, RecordingChannel] = {}
    clock = Clock()
    worker = OutboxWorker(db, {}, EscalationSettings(delivery_backoff_seconds=1), extra_channels=extra, clock=clock)
    _add(db, channel="teams")
    assert worker.deliver_due().retried == 1
    assert "no delivery channel 'teams'" in (_rows(db)[0].last_error or "")
    extra["teams"] = RecordingChannel("teams")  # registered later (e.g. by the Teams adapter)
    clock.now += dt.timedelta(seconds=2)
    assert worker.deliver_due().sent == 1


def test_a_crashing_channel_does_not_stop_the_others(db) -> None:  # type: ignore[no-untyped-def]
    class Broken:
        name = "webhook"

        def deliver(self, item):  # type: ignore[no-untyped-def]
            raise ValueError("bug")

    web = RecordingChannel("web")
    worker = OutboxWorker(db, {"web": web, "webhook": Broken()}, EscalationSettings())
    _add(db, channel="webhook")
    _add(db, channel="web")
    report = worker.deliver_due()
    assert (report.sent, report.retried) == (1, 1)
    assert _rows(db)[0].last_error == "ValueError: bug"


def test_concurrent_workers_deliver_each_message_exactly_once(db) -> None:  # type: ignore[no-untyped-def]
    web = RecordingChannel("web", delay=0.002)
    workers = [OutboxWorker(db, {"web": web}, EscalationSettings()) for _ in range(4)]
    _add(db, count=120)

    def drain(worker: OutboxWorker) -> int:
        total = 0
        while (report := worker.deliver_due(limit=5)).claimed:
            total += report.sent
        return total

    with ThreadPoolExecutor(4) as pool:
        per_worker = list(pool.map(drain, workers))
    counts = Counter(item.id for item in web.items)
    assert len(counts) == 120 and max(counts.values()) == 1
    assert sum(per_worker) == 120
    assert all(row.status == "sent" for row in _rows(db))


def test_expired_lease_lets_another_worker_take_over(db) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    settings = EscalationSettings(delivery_lease_seconds=30)
    _add(db)
    crashed = OutboxWorker(db, {}, settings, clock=clock)
    assert len(crashed._claim(10)) == 1  # claimed, then the process died before delivering
    web = RecordingChannel("web")
    healthy = OutboxWorker(db, {"web": web}, settings, clock=clock)
    assert healthy.deliver_due().claimed == 0
    clock.now += dt.timedelta(seconds=31)
    assert healthy.deliver_due().sent == 1
    assert _rows(db)[0].attempts == 2


def test_run_worker_delivers_when_woken_and_stops(db) -> None:  # type: ignore[no-untyped-def]
    web = RecordingChannel("web")
    worker = OutboxWorker(db, {"web": web}, EscalationSettings())
    stop = threading.Event()
    chores: list[int] = []
    thread = threading.Thread(target=run_worker, args=(worker, stop, lambda: chores.append(1), 30.0, 3600.0))
    thread.start()
    try:
        time.sleep(0.2)
        _add(db)
        started = time.monotonic()
        worker.wake()
        while not web.items and time.monotonic() - started < 5:
            time.sleep(0.01)
        assert web.items and time.monotonic() - started < 2  # woken, not waiting for the 30 s poll
    finally:
        stop.set()
        worker.wake()
        thread.join(5)
    assert not thread.is_alive() and chores == [1]
