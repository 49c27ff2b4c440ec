"""The chat load script: questions, percentiles, concurrency and the memory probe, against a tiny stand-in server."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from fastapi import FastAPI, HTTPException

SCRIPT = Path(__file__).resolve().parents[2] / "evals" / "load_chat.py"


@pytest.fixture(scope="module")
def load_chat() -> ModuleType:
    spec = importlib.util.spec_from_file_location("load_chat", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["load_chat"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def stand_in() -> Iterator[tuple[str, list[int]]]:
    """A server answering POST /api/chat after 20 ms, refusing questions that contain 'bad'; records concurrency."""
    import uvicorn

    app = FastAPI()
    active = [0]
    peak = [0]

    @app.post("/api/chat")
    async def chat(body: dict[str, str]) -> dict[str, str]:
        active[0] += 1
        peak[0] = max(peak[0], active[0])
        await asyncio.sleep(0.02)
        active[0] -= 1
        if "bad" in body["message"]:
            raise HTTPException(422, "bad question")
        return {"outcome": "declined" if "pizza" in body["message"] else "answered"}

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", peak
    server.should_exit = True
    thread.join(10)


def test_the_questions_are_the_eval_set_shuffled_reproducibly(load_chat: ModuleType) -> None:
    questions = load_chat.load_questions(seed=7)
    assert len(questions) >= 100 and all(q.strip() for q in questions)
    assert questions == load_chat.load_questions(seed=7) != load_chat.load_questions(seed=8)
    assert load_chat.take(["a", "b", "c"], 2, 4) == ["c", "a", "b", "c"]


def test_a_level_counts_latencies_outcomes_and_errors(load_chat: ModuleType, stand_in: tuple[str, list[int]]) -> None:
    url, peak = stand_in
    questions = ["thresholds?"] * 30 + ["pizza?"] * 5 + ["bad one"] * 5
    result = asyncio.run(load_chat.run_level(url, questions, clients=8))
    assert result.requests == 40 and result.errors == 5 and result.clients == 8
    assert result.outcomes == {"answered": 30, "declined": 5}
    assert 20 <= result.p50_ms <= result.p95_ms <= result.max_ms
    assert peak[0] > 1 and result.rps > 0
    report = {"setting": "test", "levels": [result.__dict__], "questions_asked": 40,
              "memory_after_warmup_kb": {"VmRSS": 102_400, "VmHWM": 204_800},
              "memory_after_all_kb": {"VmRSS": 153_600, "VmHWM": 204_800}}
    table = load_chat.markdown(report)
    assert f"| 8 | 40 | 5 | {result.p50_ms} |" in table
    assert "after 40 questions: 150 MiB (peak 200 MiB)" in table


def test_memory_is_read_from_proc(load_chat: ModuleType) -> None:
    memory = load_chat.memory_kb(os.getpid())
    assert memory["VmRSS"] > 1000 and memory["VmHWM"] >= memory["VmRSS"]
