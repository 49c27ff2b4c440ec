"""Checks on generated sentences: invented figures, echoed instructions, questions and headings, list layout."""

from __future__ import annotations

from assistant.services.grounding import EchoFilter, figures, invented_figures, join_sentences, split_sentences
from assistant.services.retrieval import Passage

PASSAGE = Passage("c1", "From 1 January 2026 the threshold for supplies is EUR 216,000 (Art 4 Directive 2014/24/EU).",
                  {"title": "EU thresholds 2026-2027", "section": "2 Thresholds > 2.1 Supplies"}, 1.0, 1.0, 1.0)


def test_figures_are_normalised_like_the_lexical_index() -> None:
    assert {"216000", "2026"} <= figures("EUR 216,000 from 2026")


def test_a_figure_the_sources_lack_is_invented() -> None:
    assert invented_figures("The threshold is EUR 261,000 [1].", [PASSAGE]) == {"261000"}
    assert not invented_figures("The threshold is EUR 216,000 from 1 January 2026 [1].", [PASSAGE])
    assert not invented_figures("See 2.1 of EU thresholds 2026-2027.", [PASSAGE])  # the heading counts


def test_echoes_of_the_prompt_question_heading_and_repeats_are_recognised() -> None:
    instructions = "Answer only from the numbered passages.\nQuestion:\nAnswer in English, citing passages as [n]."
    echoes = EchoFilter(instructions, "What is the threshold for supplies?", [PASSAGE])
    assert echoes.is_echo("Answer in English, citing passages as [n].")
    assert echoes.is_echo("Question: What is the threshold for supplies?")
    assert echoes.is_echo("EU thresholds 2026-2027 — 2 Thresholds > 2.1 Supplies")
    assert not echoes.is_echo("The threshold for supplies is EUR 216,000 [1].")
    assert echoes.is_echo("The threshold for supplies is EUR 216,000 [1].")  # the second time


def test_list_items_keep_their_own_lines() -> None:
    assert join_sentences(["Two things matter.", "- the value [1]", "- the date [2]", "Then decide."]) == (
        "Two things matter.\n- the value [1]\n- the date [2]\nThen decide.")


def test_numbered_items_stay_whole_and_sentences_split() -> None:
    assert split_sentences("The four functions are:\n1. Evaluate\n2. Compare. Then share.\n\nIt ends.") == [
        "The four functions are:", "1. Evaluate", "2. Compare.", "Then share.", "It ends."]


def test_a_lead_in_to_a_list_is_not_an_echo_of_the_question() -> None:
    echoes = EchoFilter("Question:", "What are the four functions of the tool?", [PASSAGE])
    assert not echoes.is_echo("The four functions of the tool are:")
    assert echoes.is_echo("The four functions of the tool.")
