"""The evaluation set in evals/questions: well-formed, varied, and grounded in the knowledge base."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from functools import lru_cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
QUESTIONS = REPO / "evals" / "questions"
KNOWLEDGE = REPO / "knowledge"
OUTCOMES = {"answered", "escalated", "declined"}
_ID_LINE = re.compile(r"^id:\s*(\S+)\s*$", re.MULTILINE)


def _load() -> list[tuple[str, int, dict]]:
    rows = []
    for path in sorted(QUESTIONS.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert line.strip(), f"{path.name}:{number} is blank"
            rows.append((path.name, number, json.loads(line)))
    return rows


@lru_cache(maxsize=1)
def _document_bodies() -> dict[str, str]:
    """Lower-cased Markdown body (front matter removed) of every knowledge document, by its front-matter id."""
    bodies: dict[str, str] = {}
    for path in KNOWLEDGE.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        if not text.startswith("---"):
            continue
        front, _, body = text[3:].partition("\n---")
        match = _ID_LINE.search(front)
        assert match, f"{path} has front matter without an id"
        bodies[match.group(1)] = body.lower()
    return bodies


@pytest.fixture(scope="module")
def questions() -> list[tuple[str, int, dict]]:
    return _load()


def _text(item: dict) -> str:
    return " ".join(item["turns"]) if "turns" in item else item["question"]


def test_every_line_has_the_required_fields(questions: list[tuple[str, int, dict]]) -> None:
    for name, number, item in questions:
        where = f"{name}:{number}"
        assert isinstance(item.get("id"), str) and item["id"], where
        assert item["expected_outcome"] in OUTCOMES, where
        assert isinstance(item["language"], str) and len(item["language"]) == 2, where
        assert isinstance(item["expected_sources"], list) and isinstance(item["expected_facts"], list), where
        if "turns" in item:
            assert len(item["turns"]) >= 2 and all(t.strip() for t in item["turns"]), where
        else:
            assert item["question"].strip(), where
        assert item.get("kind"), where


def test_set_is_large_and_multilingual(questions: list[tuple[str, int, dict]]) -> None:
    assert len(questions) >= 150
    languages = Counter(item["language"] for _, _, item in questions)
    assert len(languages) >= 8, languages
    for code in ("en", "de", "fr", "es", "it", "pl", "nl", "pt", "bg", "el", "cs"):
        assert languages[code] >= 10, (code, languages[code])


def test_all_outcome_kinds_are_present(questions: list[tuple[str, int, dict]]) -> None:
    kinds = Counter((item["expected_outcome"], item["kind"]) for _, _, item in questions)
    assert sum(n for (outcome, _), n in kinds.items() if outcome == "answered") >= 100
    assert kinds[("escalated", "escalation")] >= 30
    assert kinds[("declined", "out_of_scope")] >= 20
    assert kinds[("declined", "injection")] >= 30


def test_ids_are_unique_across_files(questions: list[tuple[str, int, dict]]) -> None:
    counts = Counter(item["id"] for _, _, item in questions)
    assert [i for i, n in counts.items() if n > 1] == []


def test_answerable_questions_name_known_sources_and_facts(questions: list[tuple[str, int, dict]]) -> None:
    bodies = _document_bodies()
    for name, number, item in questions:
        if item["expected_outcome"] != "answered" or item.get("missing"):
            continue
        assert item["expected_sources"] and item["expected_facts"], f"{name}:{number}"
        unknown = [s for s in item["expected_sources"] if s not in bodies]
        assert unknown == [], f"{item['id']}: unknown sources {unknown}"


def test_every_expected_fact_is_written_in_an_expected_source(questions: list[tuple[str, int, dict]]) -> None:
    bodies = _document_bodies()
    absent = []
    for _, _, item in questions:
        texts = [bodies.get(source, "") for source in item["expected_sources"]]
        absent += [(item["id"], fact) for fact in item["expected_facts"]
                   if not any(fact.lower() in text for text in texts)]
    assert absent == []


def test_routing_questions_expect_no_sources(questions: list[tuple[str, int, dict]]) -> None:
    for _, _, item in questions:
        if item["expected_outcome"] != "answered" or item.get("missing"):
            assert item["expected_sources"] == [] and item["expected_facts"] == [], item["id"]


def test_routing_file_composition(questions: list[tuple[str, int, dict]]) -> None:
    routing = Counter(item["kind"] for name, _, item in questions if name == "routing.jsonl")
    assert routing == {"escalation": 40, "out_of_scope": 25, "injection": 45}
    injection_languages = {item["language"] for name, _, item in questions
                           if name == "routing.jsonl" and item["kind"] == "injection"}
    assert {"en", "de", "fr", "es", "it", "pl", "nl", "pt", "el", "bg", "cs"} <= injection_languages


def test_multilingual_file_has_ten_questions_per_language(questions: list[tuple[str, int, dict]]) -> None:
    per_language = Counter(item["language"] for name, _, item in questions if name == "multilingual.jsonl")
    assert per_language == {code: 10 for code in ("de", "fr", "es", "it", "pl", "nl", "pt", "bg", "el", "cs")}


def test_followups_have_two_turns(questions: list[tuple[str, int, dict]]) -> None:
    followups = [item for name, _, item in questions if name == "followups.jsonl"]
    assert len(followups) == 10
    assert all(len(item["turns"]) == 2 for item in followups)


def test_calculation_advice_is_consistent(questions: list[tuple[str, int, dict]]) -> None:
    calculations = [item for name, _, item in questions if name == "calculations.jsonl"]
    assert len(calculations) == 20
    for item in calculations:
        advice = item["expected_advice"]
        if "threshold_eur" in advice:
            assert advice["above_threshold"] == (advice["value_eur"] >= advice["threshold_eur"]), item["id"]
            assert advice["threshold_eur"] in {140_000, 216_000, 221_000, 432_000, 5_404_000, 5_538_000}, item["id"]
        else:
            deadline = advice.get("earliest_deadline") or advice["earliest_signature"]
            assert date.fromisoformat(deadline) and advice["days"] > 0, item["id"]
    boundary = [i for i in calculations if i["expected_advice"].get("value_eur") == 216_000]
    assert boundary and all(i["expected_advice"]["above_threshold"] for i in boundary)


def test_open_procedure_deadline_example_counts_thirty_days() -> None:
    item = next(i for _, _, i in _load() if i["id"] == "CALC-17")
    start = date(2026, 3, 2)
    deadline = date.fromisoformat(item["expected_advice"]["earliest_deadline"])
    assert (deadline - start).days == item["expected_advice"]["days"] == 30


def test_questions_are_not_duplicated_verbatim(questions: list[tuple[str, int, dict]]) -> None:
    texts = Counter(_text(item).strip().lower() for _, _, item in questions)
    assert [t for t, n in texts.items() if n > 1] == []
