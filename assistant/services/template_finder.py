"""Template finder: what the official wants to buy and where they are on the reference roadmap -> templates, why."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import NotFoundError
from assistant.services.advisor_phrases import Phrase, phrase, refusal
from ingest.loaders import parse_front_matter

PHASES = ("Foundation", "Growth", "Accelerate & Expand")
PHASE_KEYS = {"Foundation": "phase_foundation", "Growth": "phase_growth", "Accelerate & Expand": "phase_accelerate"}
_ROADMAP_SECTION = "3"
_WORD = re.compile(r"[a-z0-9]+")
_STOP = {"the", "a", "an", "and", "or", "of", "for", "to", "in", "on", "with", "we", "our", "want", "need", "buy",
         "city", "town", "municipality", "data", "by", "as", "is", "be", "it", "all", "from", "that", "this"}


@dataclass(frozen=True)
class TemplateInfo:
    """A template's front matter as the finder and the draft builder use it."""

    template_id: str
    title: str
    summary: str
    topics: tuple[str, ...]
    placeholders: tuple[dict[str, str], ...]
    award_criteria: tuple[dict[str, Any], ...]
    path: Path


@dataclass(frozen=True)
class RoadmapNeed:
    """A row of G-19 section 3: a typical need, its roadmap phase(s), the template to start from."""

    need: str
    phases: tuple[str, ...]
    template_id: str
    combined_with: str


@dataclass
class Recommendation:
    """A recommended template and the reasons for it."""

    template: TemplateInfo
    score: float
    reasons: list[Phrase] = field(default_factory=list)


@dataclass(frozen=True)
class FinderCatalogue:
    """Every template plus the roadmap table of G-19."""

    templates: dict[str, TemplateInfo]
    needs: tuple[RoadmapNeed, ...]
    roadmap_document: str

    def template(self, template_id: str) -> TemplateInfo:
        """One template by id (case-insensitive)."""
        found = self.templates.get(template_id.upper())
        if found is None:
            raise NotFoundError(f"no template {template_id!r}")
        return found


def load_catalogue(knowledge_dir: Path) -> FinderCatalogue:
    """Read the templates' front matter and the G-19 roadmap table from the knowledge folder."""
    templates = {}
    for path in sorted((knowledge_dir / "templates").glob("*/*.md")):
        meta, _ = parse_front_matter(path.read_text(encoding="utf-8"))
        if meta.get("template_id"):
            templates[str(meta["template_id"])] = TemplateInfo(
                str(meta["template_id"]), str(meta.get("title", "")), str(meta.get("summary", "")),
                tuple(str(t) for t in meta.get("topics", [])), tuple(meta.get("placeholders", [])),
                tuple(meta.get("award_criteria", [])), path)
    roadmap = next(iter(sorted((knowledge_dir / "guidance").glob("g-19-*.md"))), None)
    if not templates or roadmap is None:
        raise NotFoundError(f"no templates or no roadmap guidance (G-19) under {knowledge_dir}")
    return FinderCatalogue(templates, tuple(_roadmap_needs(roadmap.read_text(encoding="utf-8"))), "G-19")


def _roadmap_needs(text: str) -> list[RoadmapNeed]:
    section = text.split(f"\n## {_ROADMAP_SECTION} ", 1)[-1].split("\n## ", 1)[0]
    needs = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"T-[A-Z]{3}-\d\d", cells[2]):
            phases = tuple(p for p in PHASES if p.lower() in cells[1].lower())
            needs.append(RoadmapNeed(cells[0], phases, cells[2], cells[3]))
    return needs


def recommend(catalogue: FinderCatalogue, need: str, phase: str | None = None, limit: int = 3) -> list[Recommendation]:
    """Templates ranked by how well the roadmap need and the template topics match, with the reasons."""
    words = _words(need)
    if not words:
        raise refusal("finder_error_need")
    if phase is not None and phase not in PHASES:
        raise refusal("finder_error_phase", phases=", ".join(PHASES))
    ranked: dict[str, Recommendation] = {}
    for row in catalogue.needs:
        template = catalogue.templates.get(row.template_id)
        if template is None:
            continue
        rec = ranked.setdefault(row.template_id, Recommendation(template, 0.0))
        overlap = words & _words(row.need)
        if overlap:
            rec.score += 2.0 * len(overlap)
            rec.reasons.append(phrase("finder_reason_roadmap", document=catalogue.roadmap_document, need=row.need,
                                      template=row.template_id, combined=row.combined_with))
        if phase and phase in row.phases and overlap:
            rec.score += 1.0
            rec.reasons.append(phrase("finder_reason_phase", phase=phrase(PHASE_KEYS[phase]),
                                      document=catalogue.roadmap_document))
    for template in catalogue.templates.values():
        rec = ranked.setdefault(template.template_id, Recommendation(template, 0.0))
        matched = sorted(words & (_words(" ".join(template.topics)) | _words(template.title)))
        if matched:
            rec.score += len(matched)
            rec.reasons.append(phrase("finder_reason_topics", words=", ".join(matched)))
    best = sorted((r for r in ranked.values() if r.score > 0), key=lambda r: (-r.score, r.template.template_id))
    return best[:limit]


def _words(text: str) -> set[str]:
    found = set()
    for word in _WORD.findall(text.lower().replace("-", " ")):
        if word in _STOP or len(word) < 3:
            continue
        found.add(word[:-1] if word.endswith("s") and len(word) > 4 else word)
    return found
