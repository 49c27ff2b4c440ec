"""The knowledge base's own rules: template skeleton, front matter, notices, placeholders, thresholds, glossary."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ingest.loaders import parse_front_matter

REPO = Path(__file__).resolve().parents[2]
KNOWLEDGE = REPO / "knowledge"
FACTS_SHEET = REPO.parent / "shared" / "PROCUREMENT_FACTS.md"

TEMPLATE_IDS = [f"T-{kind}-{n:02d}" for kind in ("INF", "PLA", "APP") for n in range(1, 6)]
CATEGORY_OF = {"INF": "infrastructure", "PLA": "platforms", "APP": "application-services"}
SKELETON = ["1 Object and scope", "2 Recommended procedure and lots", "3 Exclusion and selection criteria",
            "4 Technical specifications", "5 Award criteria", "6 Service levels and KPIs",
            "7 Contract duration, exit and transition", "8 Data protection", "9 Pricing schedule",
            "10 Checklist before publication"]
SECTION_4_CLAUSES = ["Interoperability", "Data ownership and portability", "Security", "Accessibility"]
REQUIRED_KEYS = ["id", "title", "doc_type", "category", "version", "language", "last_reviewed", "review_by",
                 "summary", "legal_references", "topics"]
TEMPLATE_KEYS = ["template_id", "cpv", "placeholders", "award_criteria"]
GLOSSARY_LANGUAGES = ["bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt", "lv",
                      "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv"]
THRESHOLD_DOCUMENT = {"2026-27": "G-01", "2024-25": "G-02"}
NOTICE = re.compile(r"^\*Guidance, not legal advice\. Last reviewed: (\d{4}-\d{2}-\d{2})\.\*$", re.MULTILINE)
PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
SNAKE_CASE = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class KnowledgeDoc:
    path: Path
    meta: dict[str, Any]
    body: str

    def headings(self, level: int) -> list[str]:
        return re.findall(rf"^{'#' * level} (.+?)\s*$", self.body, flags=re.MULTILINE)

    def section(self, title: str) -> str:
        """The text of one `##` section, up to the next `##` heading."""
        match = re.search(rf"^## {re.escape(title)}\s*$(.*?)(?=^## |\Z)", self.body, flags=re.MULTILINE | re.DOTALL)
        assert match, f"{self.path.name}: no section '## {title}'"
        return match.group(1)


def _load_all() -> dict[str, KnowledgeDoc]:
    docs: dict[str, KnowledgeDoc] = {}
    for path in sorted([*KNOWLEDGE.glob("guidance/*.md"), *KNOWLEDGE.glob("templates/*/*.md")]):
        meta, body = parse_front_matter(path.read_text(encoding="utf-8"))
        doc_id = str(meta.get("id", path.name))
        assert doc_id not in docs, f"id {doc_id} used by {docs[doc_id].path.name} and {path.name}"
        docs[doc_id] = KnowledgeDoc(path, meta, body)
    return docs


DOCS = _load_all()
ALL_IDS = sorted(DOCS)
GUIDANCE_IDS = sorted(doc_id for doc_id, doc in DOCS.items() if doc.meta.get("doc_type") == "guidance")


def _template(template_id: str) -> KnowledgeDoc:
    assert template_id in DOCS, f"template {template_id} is missing from {KNOWLEDGE / 'templates'}"
    return DOCS[template_id]


def _date(value: Any, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        pytest.fail(f"{what} is not an ISO date: {value!r}")


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_template_has_the_skeleton_in_order(template_id: str) -> None:
    assert _template(template_id).headings(2) == SKELETON


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_template_section_4_has_the_required_clauses(template_id: str) -> None:
    doc = _template(template_id)
    clauses = re.findall(r"^### 4\.\d+ (.+?)\s*$", doc.section("4 Technical specifications"), flags=re.MULTILINE)
    for required in SECTION_4_CLAUSES:
        assert any(c.startswith(required) for c in clauses), f"{template_id}: no clause 4.x {required} in {clauses}"
    if "ai" in doc.meta.get("topics", []):
        assert any("Model contractual clauses" in c for c in clauses), f"{template_id} is tagged ai but has no MCC-AI"


@pytest.mark.parametrize("doc_id", ALL_IDS)
def test_clauses_are_numbered_within_their_section(doc_id: str) -> None:
    doc = DOCS[doc_id]
    for number, title in re.findall(r"^## (\d+) (.+?)\s*$", doc.body, flags=re.MULTILINE):
        clauses = re.findall(r"^### (\S+) ", doc.section(f"{number} {title}"), flags=re.MULTILINE)
        assert clauses == [f"{number}.{i}" for i in range(1, len(clauses) + 1)], f"{doc_id} section {number}"


@pytest.mark.parametrize("doc_id", ALL_IDS)
def test_front_matter_is_valid(doc_id: str) -> None:
    doc = DOCS[doc_id]
    meta = doc.meta
    missing = [key for key in REQUIRED_KEYS if meta.get(key) in (None, "", [])]
    assert not missing, f"{doc.path.name}: missing {missing}"
    assert meta["doc_type"] in ("template", "guidance")
    assert isinstance(meta["version"], str) and meta["language"] == "en"
    assert all(isinstance(ref, str) and ref for ref in meta["legal_references"])
    assert isinstance(meta["topics"], list)
    reviewed = _date(meta["last_reviewed"], f"{doc_id} last_reviewed")
    assert _date(meta["review_by"], f"{doc_id} review_by") > reviewed
    if "valid_from" in meta or "valid_until" in meta:
        assert _date(meta.get("valid_from"), f"{doc_id} valid_from") <= _date(meta.get("valid_until"), "valid_until")
    if meta["doc_type"] == "guidance":
        assert re.fullmatch(r"G-\d{2}", doc_id) and meta["category"] == "guidance"
        assert doc.path.parent.name == "guidance"


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_template_front_matter_is_valid(template_id: str) -> None:
    doc = _template(template_id)
    meta = doc.meta
    assert not [key for key in TEMPLATE_KEYS if not meta.get(key)], f"{template_id}: missing template keys"
    assert meta["doc_type"] == "template" and meta["template_id"] == template_id
    assert meta["category"] == CATEGORY_OF[template_id[2:5]] == doc.path.parent.name
    assert all(re.fullmatch(r"\d{8}-\d", code) for code in meta["cpv"]), meta["cpv"]
    names = [field["name"] for field in meta["placeholders"]]
    assert all(SNAKE_CASE.fullmatch(name) for name in names) and len(names) == len(set(names))
    assert all(field.get("label") for field in meta["placeholders"])
    weights = [criterion["weight"] for criterion in meta["award_criteria"]]
    assert all(isinstance(weight, int) and weight > 0 for weight in weights)
    assert sum(weights) == 100, f"{template_id}: award weights sum to {sum(weights)}"


@pytest.mark.parametrize("doc_id", ALL_IDS)
def test_every_document_says_guidance_not_legal_advice(doc_id: str) -> None:
    doc = DOCS[doc_id]
    match = NOTICE.search(doc.body)
    assert match, f"{doc.path.name}: no '*Guidance, not legal advice. Last reviewed: YYYY-MM-DD.*' line"
    assert match.group(1) == str(doc.meta["last_reviewed"]), "the notice's date differs from last_reviewed"


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_every_placeholder_is_declared(template_id: str) -> None:
    """Fields come from `placeholders`; section 5 may also use weight_<criterion> for each award criterion."""
    meta = _template(template_id).meta
    declared = {field["name"] for field in meta["placeholders"]}
    declared |= {f"weight_{criterion['name']}" for criterion in meta["award_criteria"]}
    used = set(PLACEHOLDER.findall(_template(template_id).body))
    assert all(SNAKE_CASE.fullmatch(name) for name in used), f"{template_id}: malformed {sorted(used)}"
    assert not used - declared, f"{template_id}: undeclared placeholders {sorted(used - declared)}"


def test_there_are_at_least_15_guidance_documents() -> None:
    assert len(GUIDANCE_IDS) >= 15, GUIDANCE_IDS


def _facts_thresholds() -> dict[str, list[str]]:
    """Threshold values per period column ("2024-25", "2026-27") of the facts sheet's threshold table."""
    text = FACTS_SHEET.read_text(encoding="utf-8")
    section = re.search(r"^## EU thresholds.*?\n(\|.*?)(?:\n(?!\|)|\Z)", text, flags=re.MULTILINE | re.DOTALL)
    assert section, "no '## EU thresholds' table in the facts sheet"
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in section.group(1).splitlines()]
    header, body = rows[0], [row for row in rows[2:] if len(row) == len(rows[0])]
    values: dict[str, list[str]] = {}
    for column, period in enumerate(header):
        if period in THRESHOLD_DOCUMENT:
            values[period] = [v.strip() for row in body for v in row[column].split("/") if v.strip()]
    assert set(values) == set(THRESHOLD_DOCUMENT), f"unexpected threshold table header {header}"
    return values


@pytest.mark.parametrize("period", sorted(THRESHOLD_DOCUMENT))
def test_every_threshold_of_the_facts_sheet_is_in_the_thresholds_guidance(period: str) -> None:
    if not FACTS_SHEET.is_file():
        pytest.skip("shared facts sheet not present")
    values = _facts_thresholds()[period]
    assert len(values) >= 8, values
    body = DOCS[THRESHOLD_DOCUMENT[period]].body
    missing = [v for v in values if not re.search(rf"(?<![\d,.]){re.escape(v)}(?![\d,]|\.\d)", body)]
    assert not missing, f"{THRESHOLD_DOCUMENT[period]} lacks the {period} thresholds {missing}"


def test_glossary_has_94_terms_in_24_languages() -> None:
    body = DOCS["G-23"].body
    terms = re.split(r"^### ", body.split("\n## 2 ", 1)[1], flags=re.MULTILINE)[1:]
    assert len(terms) == 94
    titles = [term.splitlines()[0] for term in terms]
    assert len({title.split(" ", 1)[1].lower() for title in titles}) == 94, "duplicate glossary terms"
    for number, term in enumerate(terms, start=1):
        assert titles[number - 1].startswith(f"2.{number} ")
        lines = re.findall(r"^- ([a-z]{2}): (\S.*)$", term, flags=re.MULTILINE)
        assert [code for code, _ in lines] == GLOSSARY_LANGUAGES, f"glossary {titles[number - 1]}: languages"
