"""Load test of POST /api/chat against a real `helpdesk serve` process (no LLM): latency, throughput, memory.

    .venv/bin/python evals/load_chat.py                    # ingests knowledge/ into a scratch data folder once
    .venv/bin/python evals/load_chat.py --data-dir data    # or use an already ingested data folder

Starts `helpdesk serve` on a free loopback port with a fresh SQLite database, warms it up, then asks the
evaluation questions (evals/questions/*.jsonl, shuffled) with 1 and with 8 concurrent clients, each question in a
new conversation as a browser would start it. Reports p50/p95 latency and requests per second per level, and the
server's resident memory (VmRSS, VmHWM from /proc/<pid>/status) after warm-up and after all questions (1,000 by
default). Results go to evals/reports/load_chat.json and .md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO / "evals" / "questions"
REPORTS = REPO / "evals" / "reports"
SCRATCH = REPORTS / "tmp" / "load-data"


@dataclass
class LevelResult:
    """Latency and throughput of one concurrency level."""

    clients: int
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float
    mean_ms: float
    max_ms: float
    rps: float
    outcomes: dict[str, int] = field(default_factory=dict)


def load_questions(seed: int) -> list[str]:
    """Every evaluation question, shuffled reproducibly."""
    questions = []
    for path in sorted(QUESTIONS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                text = json.loads(line).get("question", "")
                if isinstance(text, str) and text.strip():
                    questions.append(text.strip())
    if not questions:
        raise SystemExit(f"no questions found under {QUESTIONS}")
    random.Random(seed).shuffle(questions)
    return questions


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (peak resident) of a process, in kB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def helpdesk_command() -> list[str]:
    script = Path(sys.executable).parent / "helpdesk"
    return [str(script)] if script.exists() else [sys.executable, "-c", "from assistant.cli import main; main()"]


def environment(data_dir: Path, database: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "HELPDESK_DATA_DIR": str(data_dir), "HELPDESK_DATABASE_URL": f"sqlite:///{database}",
        "HELPDESK_LLM__PROVIDER": "none", "HELPDESK_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "HELPDESK_ENVIRONMENT": "development", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
    })
    return env


def ensure_index(data_dir: Path) -> None:
    """Ingest knowledge/ into the data folder unless it already holds an index."""
    if (data_dir / "chroma").exists():
        return
    print(f"ingesting knowledge/ into {data_dir} (once) ...", flush=True)
    subprocess.run([*helpdesk_command(), "ingest", "knowledge"], cwd=REPO, check=True,
                   env=environment(data_dir, data_dir / "ingest.db", 0), stdout=subprocess.DEVNULL)


def start_server(data_dir: Path, database: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    """`helpdesk serve` (one process: uvicorn runs the app in the process it starts)."""
    with log.open("wb") as sink:
        process = subprocess.Popen([*helpdesk_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
                                   cwd=REPO, env=environment(data_dir, database, port), stdout=sink,
                                   stderr=subprocess.STDOUT)
    return wait_until_ready(process, port, log)


def wait_until_ready(process: subprocess.Popen[bytes], port: int, log: Path) -> subprocess.Popen[bytes]:
    """Block until the server answers /readyz (five minutes at most); stop with the log's path otherwise."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"helpdesk serve exited with {process.returncode}; see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.terminate()
    raise SystemExit(f"helpdesk serve did not become ready; see {log}")


async def run_level(base_url: str, questions: list[str], clients: int) -> LevelResult:
    """Ask every question once, with `clients` concurrent clients (each its own browser cookie)."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for question in questions:
        queue.put_nowait(question)
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    errors = 0

    async def client() -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=base_url, timeout=120) as http:
            while not queue.empty():
                question = queue.get_nowait()
                started = time.perf_counter()
                response = await http.post("/api/chat", json={"message": question})
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    errors += 1
                    continue
                outcome = response.json()["outcome"]
                outcomes[outcome] = outcomes.get(outcome, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    seconds = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return LevelResult(clients=clients, requests=len(latencies), errors=errors, seconds=round(seconds, 2),
                       p50_ms=round(cuts[49], 1), p95_ms=round(cuts[94], 1),
                       mean_ms=round(statistics.fmean(latencies), 1), max_ms=round(max(latencies), 1),
                       rps=round(len(latencies) / seconds, 2), outcomes=outcomes)


def take(questions: list[str], start: int, count: int) -> list[str]:
    return [questions[(start + i) % len(questions)] for i in range(count)]


async def measure(args: argparse.Namespace, port: int, pid: int) -> dict[str, Any]:
    base_url = f"http://127.0.0.1:{port}"
    questions = load_questions(args.seed)
    asked = 0
    warmup = await run_level(base_url, take(questions, asked, args.warmup), 1)
    asked += args.warmup
    after_warmup = memory_kb(pid)
    levels = []
    for clients, count in ((1, args.single), (8, args.concurrent)):
        levels.append(await run_level(base_url, take(questions, asked, count), clients))
        asked += count
        print(f"{clients} client(s): {levels[-1]}", flush=True)
    return {"questions_asked": asked, "warmup": asdict(warmup), "levels": [asdict(level) for level in levels],
            "memory_after_warmup_kb": after_warmup, "memory_after_all_kb": memory_kb(pid),
            "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()]}


def markdown(report: dict[str, Any]) -> str:
    lines = ["# POST /api/chat under load (no LLM)", "", str(report["setting"]), "",
             "| clients | requests | errors | p50 ms | p95 ms | mean ms | max ms | req/s |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for level in report["levels"]:
        lines.append(f"| {level['clients']} | {level['requests']} | {level['errors']} | {level['p50_ms']} | "
                     f"{level['p95_ms']} | {level['mean_ms']} | {level['max_ms']} | {level['rps']} |")
    warm, after = report["memory_after_warmup_kb"], report["memory_after_all_kb"]
    lines += ["", f"Server RSS after warm-up: {warm['VmRSS'] / 1024:.0f} MiB; after {report['questions_asked']} "
              f"questions: {after['VmRSS'] / 1024:.0f} MiB (peak {after['VmHWM'] / 1024:.0f} MiB).", "",
              f"Machine load average at the end (1/5/15 min): {report.get('load_average_1_5_15')} — other work on "
              "the same cores slows every number down.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=SCRATCH, help="Ingested data folder (ingested if empty).")
    parser.add_argument("--warmup", type=int, default=20, help="Questions asked before measuring.")
    parser.add_argument("--single", type=int, default=300, help="Questions asked by 1 client.")
    parser.add_argument("--concurrent", type=int, default=680, help="Questions asked by 8 concurrent clients.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=REPORTS / "load_chat.json")
    args = parser.parse_args()
    data_dir = args.data_dir.resolve()
    ensure_index(data_dir)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="load-chat-") as scratch:
        server = start_server(data_dir, Path(scratch) / "load.db", port, Path(scratch) / "server.log")
        try:
            report = asyncio.run(measure(args, port, server.pid))
        finally:
            server.terminate()
            server.wait(timeout=30)
    report["setting"] = (f"`helpdesk serve` (1 process, SQLite, extractive answers, embedder "
                         f"{os.environ.get('HELPDESK_EMBEDDING__BACKEND', 'dual')}) on {os.cpu_count()} CPU cores; "
                         "each question in a new conversation.")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    args.out.with_suffix(".md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))


if __name__ == "__main__":
    main()
