"""Escalation benchmarks: creation rate with 20 concurrent clients (SQLite, PostgreSQL) and answer-to-delivery latency.

    .venv/bin/python -m evals.bench_escalations                 # SQLite and PostgreSQL (HELPDESK_TEST_PG_URL)
    .venv/bin/python -m evals.bench_escalations --no-postgres   # SQLite only

1. Creation: 20 threads (clients) each create escalations through EscalationService.escalate, as the assistant
   does, with the webhook configured so every escalation also writes its notification to the outbox in the same
   transaction; every request is sent twice (a client retry), so idempotency is exercised under load. Reports
   escalations per second and checks count in (distinct requests) = count stored.
2. Delivery latency: an expert answers (ExpertQueue.answer), and we time until the answer is readable in the web
   conversation (ConversationService.read), with the worker running (a) inside this process as in
   `helpdesk serve --with-worker` (woken by the answer), (b) as a separate `helpdesk worker` process (polling).
Results go to evals/reports/bench_escalations.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text

REPO = Path(__file__).resolve().parent.parent
REPORTS = REPO / "evals" / "reports"
PG_ADMIN_URL = os.environ.get("HELPDESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _settings(data_dir: Path, url: str, **overrides: Any) -> Any:
    from assistant.config import Settings

    values: dict[str, Any] = {"environment": "test", "data_dir": data_dir, "database_url": url,
                              "notify": {"webhook_url": "http://127.0.0.1:9/escalations"}}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def bench_creation(url: str, data_dir: Path, clients: int, per_client: int) -> dict[str, Any]:
    """Escalations per second with `clients` concurrent clients, each request sent twice."""
    from assistant.services.conversations import ConversationService
    from assistant.services.escalations import EscalationRequest, EscalationService
    from assistant.services.notifications import Notifier
    from assistant.store.db import Database
    from assistant.store.models import Escalation, OutboxMessage

    settings = _settings(data_dir, url)
    db = Database(url)
    db.upgrade()
    service = EscalationService(db, settings.escalation, notifier=Notifier(settings),
                                conversations=ConversationService(db))

    def client(number: int) -> tuple[int, list[float]]:
        created, latencies = 0, []
        for n in range(per_client):
            request = EscalationRequest(f"Client {number} question {n}: may we extend our framework agreement?",
                                        "low_confidence", idempotency_key=f"bench-{number}-{n}",
                                        topics=["framework agreements"], country="DE")
            for _attempt in range(2):  # the second is the client's retry of the same request
                started = time.perf_counter()
                ticket = service.escalate(request)
                latencies.append(time.perf_counter() - started)
                created += ticket.created
        return created, latencies

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(client, range(clients)))
    seconds = time.perf_counter() - started
    with db.session() as session:
        stored = session.scalar(select(func.count()).select_from(Escalation)) or 0
        announced = session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
    latencies = sorted(x for _, values in results for x in values)
    sent = clients * per_client
    db.dispose()
    return {"backend": url.split(":", 1)[0].split("+", 1)[0], "clients": clients, "distinct_requests": sent,
            "requests_including_retries": 2 * sent, "created": sum(c for c, _ in results), "stored": int(stored),
            "outbox_notifications": int(announced), "none_lost": stored == sent, "seconds": round(seconds, 3),
            "escalations_per_second": round(sent / seconds, 1),
            "requests_per_second": round(2 * sent / seconds, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 2),
            "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 2)}


def _answer_and_wait(helpdesk: Any, expert: Any, rounds: int, pause: float) -> list[float]:
    from assistant.services.escalations import EscalationRequest
    from assistant.services.expert_queue import AnswerForm
    from assistant.services.replies import ChannelAddress

    latencies = []
    jitter = random.Random(7)
    for n in range(rounds):
        conversation = helpdesk.conversations.open(ChannelAddress(owner_key="bench"))
        ticket = helpdesk.escalations.escalate(EscalationRequest(f"Latency question {n} {uuid.uuid4().hex}",
                                                                 "low_confidence", conversation_id=conversation))
        started = time.perf_counter()
        helpdesk.queue.answer(ticket.id, expert, AnswerForm(f"Expert answer {n}"))
        while not helpdesk.conversations.read(conversation, "bench")["messages"]:
            time.sleep(0.002)
            if time.perf_counter() - started > 30:
                raise RuntimeError("answer not delivered within 30 s")
        latencies.append(time.perf_counter() - started)
        time.sleep(jitter.uniform(0, pause))  # answers arrive at random moments relative to the worker's polls
    return latencies


def _summary(latencies: list[float], mode: str) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {"mode": mode, "answers": len(ordered), "median_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1)}


def bench_delivery(data_dir: Path, rounds: int) -> list[dict[str, Any]]:
    """Expert answer -> message in the web conversation, with the worker in-process and as its own process."""
    from assistant.wiring import build_helpdesk
    from assistant.worker import start_in_background

    url = f"sqlite:///{data_dir / 'delivery.db'}"
    settings = _settings(data_dir, url, notify={})
    helpdesk = build_helpdesk(settings)
    expert = helpdesk.experts.add(f"bench-{uuid.uuid4().hex[:6]}@example.eu", "Bench", "correct horse battery")
    results = []
    halt = start_in_background(helpdesk)
    try:
        results.append(_summary(_answer_and_wait(helpdesk, expert, rounds, 0.05),
                                "worker in the server process (serve --with-worker)"))
    finally:
        halt()
    env = {**os.environ, "HELPDESK_DATABASE_URL": url, "HELPDESK_DATA_DIR": str(data_dir),
           "HELPDESK_ENVIRONMENT": "test"}
    command = [sys.executable, "-c", "from assistant.cli import main; main()", "worker"]
    worker = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(25)  # the worker process loads the embedder and the index before its first poll
        poll = settings.escalation.worker_poll_seconds
        results.append(_summary(_answer_and_wait(helpdesk, expert, rounds, poll),
                                f"separate `helpdesk worker` process (polls every {poll:g} s)"))
    finally:
        worker.terminate()
        worker.wait(15)
    helpdesk.db.dispose()
    return results


def _postgres_database() -> tuple[str, Any]:
    name = f"bench_escalations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname='{name}'"))
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--per-client", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=40, help="Expert answers timed per worker mode.")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    report: dict[str, Any] = {"cpus": os.cpu_count(), "creation": [], "delivery": []}
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch)
        report["creation"].append(bench_creation(f"sqlite:///{data / 'create.db'}", data, args.clients,
                                                 args.per_client))
        print(json.dumps(report["creation"][-1]), flush=True)
        if not args.no_postgres:
            url, drop = _postgres_database()
            try:
                report["creation"].append(bench_creation(url, data, args.clients, args.per_client))
                print(json.dumps(report["creation"][-1]), flush=True)
            finally:
                drop()
        report["delivery"] = bench_delivery(data, args.rounds)
        for row in report["delivery"]:
            print(json.dumps(row), flush=True)
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "bench_escalations.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    (REPORTS / "bench_escalations.md").write_text(_markdown(report), encoding="utf-8")


def _markdown(report: dict[str, Any]) -> str:
    lines = [f"# Escalation benchmarks ({report['cpus']} CPUs)", "", "## Creation, 20 concurrent clients", "",
             "| backend | distinct | stored | none lost | escalations/s | requests/s (with retries) | p50 ms "
             "| p95 ms |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['backend']} | {r['distinct_requests']} | {r['stored']} | {r['none_lost']} | "
              f"{r['escalations_per_second']} | {r['requests_per_second']} | {r['p50_ms']} | {r['p95_ms']} |"
              for r in report["creation"]]
    lines += ["", "## Expert answer to web conversation", "", "| worker | answers | median ms | p95 ms | max ms |",
              "|---|---|---|---|---|"]
    lines += [f"| {r['mode']} | {r['answers']} | {r['median_ms']} | {r['p95_ms']} | {r['max_ms']} |"
              for r in report["delivery"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
