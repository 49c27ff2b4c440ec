"""Answer latency without an LLM: `helpdesk ask --jsonl` over the eval set, per question, after the model loads.

Run: `python -m evals.bench_ask` (needs an ingested data dir: HELPDESK_DATA_DIR, default ./data).
Results go to evals/reports/bench_ask.json.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from assistant.config import get_settings
from assistant.evaluation import load_questions
from assistant.services.replies import ChannelAddress
from assistant.wiring import build_helpdesk

REPORTS = Path(__file__).resolve().parent / "reports"


def main() -> None:
    """Time every eval question through the whole assistant (one process, model loaded once)."""
    helpdesk = build_helpdesk(get_settings())
    questions = [q.get("question") or q["turns"][-1] for q in load_questions()]
    helpdesk.assistant.ask(questions[0], ChannelAddress(channel="cli"))  # warm-up
    timings: list[float] = []
    for question in questions:
        started = time.perf_counter()
        helpdesk.assistant.ask(question, ChannelAddress(channel="cli"))
        timings.append((time.perf_counter() - started) * 1000)
    ordered = sorted(timings)
    report = {"questions": len(timings), "p50_ms": statistics.median(ordered),
              "p95_ms": ordered[int(0.95 * (len(ordered) - 1))], "max_ms": ordered[-1],
              "mean_ms": statistics.fmean(ordered)}
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "bench_ask.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
