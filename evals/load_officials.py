"""50 simulated officials for 60 seconds against `helpdesk serve --workers 2`: errors, p95, escalations lost.

    .venv/bin/python -m evals.load_officials                     # ingests knowledge/ into a scratch folder once
    .venv/bin/python -m evals.load_officials --officials 50 --seconds 60

Each official is a browser of its own (cookie): it asks a question, reads its conversation, rates some answers
and asks an expert about some, with a short think time between steps, as the rate limits expect of a person.
Afterwards every escalation reference the server handed out is looked up in the database: lost ones are counted
(they must be 0). Rate-limited requests (429) are counted apart from errors. Results go to
evals/reports/load_officials.json and .md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from evals.load_chat import (
    REPORTS,
    SCRATCH,
    ensure_index,
    environment,
    free_port,
    helpdesk_command,
    load_questions,
    wait_until_ready,
)


@dataclass
class Tally:
    """What the officials saw."""

    latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter[str] = field(default_factory=Counter)
    escalation_ids: set[str] = field(default_factory=set)

    def record(self, kind: str, response: httpx.Response, started: float) -> None:
        self.latencies_ms.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
        self.statuses[f"{kind} {response.status_code}"] += 1


async def official(base_url: str, questions: list[str], deadline: float, tally: Tally, rng: random.Random) -> None:
    """One browser: ask, read, rate or escalate, think, repeat until the deadline."""
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as http:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                reply = await http.post("/api/chat", json={"message": rng.choice(questions)})
            except httpx.HTTPError:
                tally.statuses["chat transport-error"] += 1
                continue
            tally.record("chat", reply, started)
            if reply.status_code == 200:
                await follow_up(http, reply.json(), tally, rng)
            await asyncio.sleep(rng.uniform(0.5, 2.0))


async def follow_up(http: httpx.AsyncClient, reply: dict, tally: Tally, rng: random.Random) -> None:  # type: ignore[type-arg]
    conversation = reply["conversation_id"]
    if reply.get("escalation"):
        tally.escalation_ids.add(reply["escalation"]["id"])
    started = time.perf_counter()
    tally.record("read", await http.get(f"/api/conversations/{conversation}"), started)
    if rng.random() < 0.3 and reply.get("message_id"):
        started = time.perf_counter()
        body = {"conversation_id": conversation, "message_id": reply["message_id"],
                "rating": rng.choice(["up", "down"])}
        tally.record("feedback", await http.post("/api/feedback", json=body), started)
    if rng.random() < 0.25 and not reply.get("escalation"):
        started = time.perf_counter()
        response = await http.post("/api/escalations", json={"conversation_id": conversation,
                                                              "note": "Please confirm for our tender."})
        tally.record("escalate", response, started)
        if response.status_code in (200, 201):
            tally.escalation_ids.add(response.json()["id"])


def start_server(data_dir: Path, database: Path, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    """`helpdesk serve --workers N` on a fresh SQLite database, migrated first so workers do not race."""
    env = environment(data_dir, database, port)
    env["HELPDESK_RATE_LIMIT__PER_ADDRESS_FACTOR"] = "100"  # every simulated official comes from 127.0.0.1
    subprocess.run([*helpdesk_command(), "db", "upgrade"], env=env, check=False, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    with log.open("wb") as sink:
        process = subprocess.Popen([*helpdesk_command(), "serve", "--host", "127.0.0.1", "--port", str(port),
                                    "--workers", str(workers)], env=env, stdout=sink, stderr=subprocess.STDOUT)
    return wait_until_ready(process, port, log)


def stored_escalations(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:
        return {row[0] for row in connection.execute("SELECT id FROM escalations")}


def summary(tally: Tally, stored: set[str], seconds: float) -> dict:  # type: ignore[type-arg]
    every = [ms for values in tally.latencies_ms.values() for ms in values]
    requests = sum(tally.statuses.values())
    errors = sum(n for key, n in tally.statuses.items() if not key.endswith((" 200", " 201", " 429")))
    limited = sum(n for key, n in tally.statuses.items() if key.endswith(" 429"))
    per_kind = {kind: {"requests": len(values), "p50_ms": round(statistics.median(values), 1),
                       "p95_ms": round(statistics.quantiles(values, n=100, method="inclusive")[94], 1)}
                for kind, values in tally.latencies_ms.items() if len(values) >= 2}
    return {"seconds": round(seconds, 1), "requests": requests, "errors": errors,
            "error_rate": round(errors / max(requests, 1), 4), "rate_limited": limited,
            "p95_ms": round(statistics.quantiles(every, n=100, method="inclusive")[94], 1) if len(every) > 1 else None,
            "per_kind": per_kind, "statuses": dict(sorted(tally.statuses.items())),
            "escalations_created": len(tally.escalation_ids),
            "escalations_lost": len(tally.escalation_ids - stored), "escalations_stored": len(stored)}


def markdown(report: dict) -> str:  # type: ignore[type-arg]
    lines = ["# Simulated officials against `helpdesk serve`", "", report["setting"], "",
             f"- requests: {report['requests']}, errors: {report['errors']} (rate {report['error_rate']:.2%}), "
             f"rate-limited (429): {report['rate_limited']}",
             f"- p95 latency over all requests: {report['p95_ms']} ms",
             f"- escalations created: {report['escalations_created']}, stored: {report['escalations_stored']}, "
             f"lost: {report['escalations_lost']}", "", "| kind | requests | p50 ms | p95 ms |", "|---|---:|---:|---:|"]
    lines += [f"| {kind} | {v['requests']} | {v['p50_ms']} | {v['p95_ms']} |" for kind, v in report["per_kind"].items()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=SCRATCH, help="Ingested data folder (ingested if empty).")
    parser.add_argument("--officials", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, default=REPORTS / "load_officials.json")
    args = parser.parse_args()
    data_dir = args.data_dir.resolve()
    ensure_index(data_dir)
    questions = load_questions(args.seed)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="load-officials-") as scratch:
        database = Path(scratch) / "load.db"
        server = start_server(data_dir, database, port, args.workers, Path(scratch) / "server.log")
        tally = Tally()
        try:
            started = time.monotonic()
            deadline = started + args.seconds
            rngs = [random.Random(args.seed * 1000 + i) for i in range(args.officials)]

            async def crowd() -> None:
                await asyncio.gather(*(official(f"http://127.0.0.1:{port}", questions, deadline, tally, rng)
                                       for rng in rngs))

            asyncio.run(crowd())
            seconds = time.monotonic() - started
        finally:
            server.terminate()
            server.wait(timeout=60)
        report = summary(tally, stored_escalations(database), seconds)
    report["setting"] = (f"{args.officials} officials (own cookie each, 0.5–2 s think time), {args.seconds:.0f} s, "
                         f"`helpdesk serve --workers {args.workers}`, SQLite, extractive answers, "
                         f"{os.cpu_count()} CPU cores shared with other work.")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    args.out.with_suffix(".md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))
    if report["escalations_lost"]:
        raise SystemExit(f"{report['escalations_lost']} escalation(s) lost")


if __name__ == "__main__":
    main()
