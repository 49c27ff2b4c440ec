"""Knowledge gaps: problem questions grouped by meaning across languages (real USE encoder), labels, documents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pytest

from assistant.embeddings import Embedder, MultilingualUSEEmbedder
from assistant.errors import IndexUnavailableError
from assistant.services.knowledge_gaps import (
    DocumentMatch,
    GapFinder,
    ProblemQuestion,
    average_linkage,
    index_lookup,
    keywords,
)
from tests.experts_support import WordEmbedder

STANDSTILL_EN = ProblemQuestion("How long is the standstill period before we can sign the contract?", "escalated", "en")
STANDSTILL_DE = ProblemQuestion("Wie lange dauert die Stillhaltefrist vor der Unterzeichnung des Vertrags?",
                                "unhelpful", "de")
STANDSTILL_FR = ProblemQuestion("Quelle est la durée du délai de suspension avant la signature du contrat ?",
                                "escalated", "fr")
HOSTING = ProblemQuestion("Can we require that the sensor data is hosted inside the EU?", "escalated", "en")
BITCOIN = ProblemQuestion("Can we pay the supplier in bitcoin?", "escalated", "en")


@pytest.fixture(scope="module")
def use() -> Embedder:
    return MultilingualUSEEmbedder()


class CountingEmbedder(Embedder):
    """Word vectors that count how many texts were embedded."""

    id, dimension = "counting", WordEmbedder.dimension

    def __init__(self) -> None:
        self.embedded = 0

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded += len(texts)
        return WordEmbedder().embed_batch(texts)


def test_the_same_topic_in_different_languages_is_one_gap(use: Embedder) -> None:
    gaps = GapFinder(use).find([STANDSTILL_EN, HOSTING, STANDSTILL_DE, STANDSTILL_FR])
    assert [g.count for g in gaps] == [3, 1]
    standstill, hosting = gaps
    assert set(standstill.questions) == {STANDSTILL_EN.text, STANDSTILL_DE.text, STANDSTILL_FR.text}
    assert standstill.languages == {"en": 1, "de": 1, "fr": 1}
    assert (standstill.escalated, standstill.unhelpful) == (2, 1)
    assert standstill.label in standstill.questions and hosting.questions == [HOSTING.text]
    assert not standstill.searched and standstill.document is None  # no document lookup was given


def test_without_an_embedder_words_decide() -> None:
    gaps = GapFinder().find([ProblemQuestion("cloud hosting data location", "escalated"),
                             ProblemQuestion("where is cloud data hosted", "unhelpful"),
                             ProblemQuestion("weighting of award criteria", "escalated")])
    assert [g.count for g in gaps] == [2, 1] and gaps[0].languages == {"?": 2}
    assert GapFinder().find([ProblemQuestion("  ", "escalated")]) == []


def test_average_linkage_stops_at_the_threshold() -> None:
    vectors = np.array([[1, 0, 0], [0.96, 0.28, 0], [0, 1, 0], [0, 0.96, 0.28], [0, 0, 1]], dtype=np.float32)
    assert average_linkage(vectors, 0.9) == [[0, 1], [2, 3], [4]]
    assert average_linkage(vectors, 0.2) == [[0, 1], [2, 3], [4]]
    assert average_linkage(vectors, 0.1) == [[0, 1], [2, 3, 4]]  # mean cosines 0.14 merged, 0.137 and 0.092 not
    assert average_linkage(vectors, 0.05) == [[0, 1, 2, 3, 4]]
    assert average_linkage(vectors, 1.1) == [[0], [1], [2], [3], [4]]
    assert average_linkage(np.zeros((0, 3), dtype=np.float32), 0.5) == []


def test_labels_are_the_shared_content_words() -> None:
    assert keywords(["How long is the standstill period?", "Is the standstill period shorter for call-offs?",
                     "Standstill periods in Austria"]) == ["period", "standstill", "austria"]


def test_the_work_is_capped_and_vectors_are_remembered() -> None:
    embedder = CountingEmbedder()
    finder = GapFinder(embedder, max_questions=4)
    start = dt.datetime(2026, 3, 2, 9)
    problems = [ProblemQuestion(f"question number {n} about topic {n}", "escalated", "en",
                                start - dt.timedelta(hours=n)) for n in range(10)]  # the first is the latest
    gaps = finder.find(problems)
    assert sum(g.count for g in gaps) == 4 and embedder.embedded == 4
    assert {q for g in gaps for q in g.questions} == {p.text for p in problems[:4]}
    finder.find(problems)
    assert embedder.embedded == 4  # seen before: not embedded again


def test_each_gap_gets_the_closest_document_or_none() -> None:
    asked: list[list[tuple[str, str]]] = []

    def lookup(questions: Sequence[tuple[str, str]]) -> list[DocumentMatch | None]:
        asked.append(list(questions))
        return [DocumentMatch("G-10", "Standstill", "/documents/G-10#sec-2", 0.5) if "standstill" in q else None
                for q, _ in questions]

    gaps = GapFinder(None, lookup).find([STANDSTILL_EN, BITCOIN, STANDSTILL_EN])
    assert [(g.count, g.document.document_id if g.document else None, g.searched) for g in gaps] == [
        (2, "G-10", True), (1, None, True)]
    assert asked == [[(STANDSTILL_EN.text, "en"), (BITCOIN.text, "en")]]  # one batch, each with its language

    pair = [ProblemQuestion("Stillhaltefrist period wait", "escalated", "de"),
            ProblemQuestion("standstill period wait", "unhelpful", "en")]
    (gap,) = GapFinder(None, lookup).find(pair)  # the label finds nothing, another central question does
    assert gap.label == pair[0].text and gap.document is not None and gap.document.document_id == "G-10"

    def broken(questions: Sequence[tuple[str, str]]) -> list[DocumentMatch | None]:
        raise IndexUnavailableError("down")

    assert [g.searched for g in GapFinder(None, broken).find([BITCOIN])] == [False]


def test_the_index_finds_the_guidance_for_a_gap_and_none_for_missing_knowledge(helpdesk) -> None:  # type: ignore[no-untyped-def]
    lookup = index_lookup(helpdesk.index, helpdesk.embedder, helpdesk.settings.retrieval)
    found, bitcoin, bitcoin_de = lookup([
        ("How long is the standstill period for framework call-offs?", "en"), (BITCOIN.text, "en"),
        ("Können wir den Lieferanten in Bitcoin bezahlen?", "de")])
    assert found is not None and found.document_id.startswith("G-")
    assert found.url.startswith(f"/documents/{found.document_id}#sec-")
    assert found.score >= helpdesk.settings.retrieval.answer_similarity_en
    assert bitcoin is None and bitcoin_de is None
    assert lookup([]) == []
