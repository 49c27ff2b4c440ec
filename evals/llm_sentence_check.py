"""What the sentence check does to a real (weak) model's answers: kept, removed, fallbacks, citation mapping.

    make llm-server
    .venv-llm/bin/python -m llama_cpp.server --model <SmolLM2 GGUF> --model_alias smollm2 --port 8089 &
    .venv/bin/python -m evals.llm_sentence_check --base-url http://127.0.0.1:8089/v1 --limit 40

Runs the answerable English questions of the eval set through the LLM path (needs an ingested data dir,
HELPDESK_DATA_DIR, default ./data), and for each raw model answer records how many sentences the check kept and
removed (unsupported, with a figure its sources lack, or only echoing the prompt, the question, a heading or an earlier
sentence), whether too little survived (extractive fallback), whether every [n] of the final answer maps to a returned
citation, and the expected facts found. Results go to evals/reports/llm_sentence_check.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from assistant.config import get_settings
from assistant.errors import LLMUnavailableError
from assistant.evaluation import load_questions
from assistant.services.grounding import CITATION, EchoFilter, split_sentences
from assistant.services.replies import ChannelAddress
from assistant.wiring import build_helpdesk

REPORTS = Path(__file__).resolve().parent / "reports"


def _one(helpdesk: Any, item: dict[str, Any]) -> dict[str, Any] | None:
    generator = helpdesk.assistant._generator
    prepared = helpdesk.assistant.prepare(item["question"], ChannelAddress(channel="cli"), None, "en")
    if prepared.decision.decision != "answer" or not prepared.passages:
        return None
    started = time.perf_counter()
    raw = generator._invoke(generator._messages(prepared.question, prepared.passages, "en", []))
    seconds = time.perf_counter() - started
    sentences = split_sentences(raw)
    echoes = EchoFilter(generator._instructions("en"), prepared.question, prepared.passages)
    echoed = [s for s in sentences if echoes.is_echo(s)]
    verdicts = [generator._supported(s, prepared.passages) for s in sentences if s not in echoed]
    row = {"id": item["id"], "seconds": round(seconds, 2), "sentences": len(sentences), "echoes": len(echoed),
           "supported": verdicts.count(True), "unsupported": verdicts.count(False), "unjudged": verdicts.count(None),
           "fallback": False, "mapping_ok": True, "facts": 0}
    try:
        composed = generator.finalise(raw, prepared.passages, prepared.question, "en", "http://helpdesk")
    except LLMUnavailableError:
        row["fallback"] = True
        return row
    numbers = {int(n) for n in CITATION.findall(composed.text)}
    row["mapping_ok"] = numbers <= {c.n for c in composed.citations}
    row["facts"] = sum(1 for fact in item.get("expected_facts", []) if fact in composed.text)
    return row


def main() -> None:
    """Run the questions and write the summary."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--limit", type=int, default=40)
    args = parser.parse_args()
    settings = get_settings().model_copy(update={"llm": get_settings().llm.model_copy(update={
        "provider": "openai", "base_url": args.base_url, "model": args.model, "timeout_s": 120.0,
        "temperature": 0.0, "max_tokens": 200, "translate_queries": False})})
    helpdesk = build_helpdesk(settings)
    items = [q for q in load_questions() if q.get("language") == "en" and q.get("expected_outcome") == "answered"
             and q.get("question") and q.get("expected_sources")][: args.limit]
    rows = [row for row in (_one(helpdesk, item) for item in items) if row is not None]
    total = sum(r["sentences"] for r in rows)
    kept = [r for r in rows if not r["fallback"]]
    summary = {
        "model": args.model, "questions": len(rows), "sentences_generated": total,
        "sentences_echoing_prompt_question_heading_or_repeated": sum(r["echoes"] for r in rows),
        "sentences_supported": sum(r["supported"] for r in rows),
        "sentences_unsupported": sum(r["unsupported"] for r in rows),
        "answers_kept": len(kept), "answers_fallback_to_extractive": len(rows) - len(kept),
        "citation_mapping_violations": sum(1 for r in rows if not r["mapping_ok"]),
        "expected_facts_in_kept_answers": sum(r["facts"] for r in kept),
        "generation_seconds_p50": statistics.median(r["seconds"] for r in rows) if rows else None,
        "rows": rows,
    }
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "llm_sentence_check.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(json.dumps({k: v for k, v in summary.items() if k != "rows"}, indent=2))


if __name__ == "__main__":
    main()
