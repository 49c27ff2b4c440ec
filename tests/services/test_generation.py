"""The LLM path with LangChain's fake chat models: citations mapped, unsupported sentences removed, fallbacks."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.prompts import load_prompt
from assistant.services.replies import ChannelAddress
from assistant.wiring import build_helpdesk

QUESTION = "What is the EU threshold for supply contracts of a municipality?"


class FailingChatModel(FakeListChatModel):
    """A chat model whose provider is down."""

    def invoke(self, *args: Any, **kwargs: Any) -> Any:
        raise TimeoutError("provider timed out")

    def stream(self, *args: Any, **kwargs: Any) -> Any:
        raise TimeoutError("provider timed out")


def _helpdesk(settings, model):  # type: ignore[no-untyped-def]
    return build_helpdesk(settings, chat_model=model)


def test_generated_answer_keeps_supported_sentences_and_maps_citations(settings) -> None:
    model = FakeListChatModel(responses=[
        "For municipalities the EU threshold for supplies and services is EUR 216,000 [1]. "
        "The moon is made of green cheese and procurement officers must sing [2]. "
        "It applies from 1 January 2026 [1]."
    ])
    reply = _helpdesk(settings, model).assistant.ask(QUESTION, ChannelAddress(owner_key="b"))
    assert reply.outcome == "answered"
    assert "216,000" in reply.answer and "green cheese" not in reply.answer
    assert "[1]" in reply.answer and "[2]" not in reply.answer
    assert [c.n for c in reply.citations] == [1]


def test_a_supported_sentence_without_a_marker_cites_its_passage(settings) -> None:
    model = FakeListChatModel(responses=["For municipalities the EU threshold for supplies and services is "
                                         "EUR 216,000. Bananas are yellow and whales sing at night."])
    reply = _helpdesk(settings, model).assistant.ask(QUESTION, ChannelAddress(owner_key="b"))
    assert reply.outcome == "answered" and "216,000 [1]." in reply.answer and "Bananas" not in reply.answer
    assert [c.n for c in reply.citations] == [1]


def test_invented_figures_and_echoed_prompt_lines_are_removed(settings) -> None:
    model = FakeListChatModel(responses=[
        "Question: What is the EU threshold for supply contracts of a municipality?\n"
        "For municipalities the EU threshold for supplies and services is EUR 261,000 [1]. "
        "For municipalities the EU threshold for supplies and services is EUR 216,000 [1]. "
        "For municipalities the EU threshold for supplies and services is EUR 216,000 [1].\n"
        "Answer in English, citing passages as [n]."])
    reply = _helpdesk(settings, model).assistant.ask(QUESTION, ChannelAddress(owner_key="b"))
    assert reply.outcome == "answered" and "language model was unavailable" not in reply.answer
    assert reply.answer == "For municipalities the EU threshold for supplies and services is EUR 216,000 [1]."


def test_mostly_invented_answer_falls_back_to_extractive(settings) -> None:
    model = FakeListChatModel(responses=["Bananas are yellow [1]. Whales sing at night [2]. Rain is wet."])
    reply = _helpdesk(settings, model).assistant.ask(QUESTION, ChannelAddress(owner_key="b"))
    assert reply.outcome == "answered"
    assert "language model was unavailable" in reply.answer and "216,000" in reply.answer


def test_provider_error_falls_back_and_says_so(settings) -> None:
    reply = _helpdesk(settings, FailingChatModel(responses=[""])).assistant.ask(QUESTION, ChannelAddress(owner_key="b"))
    assert reply.outcome == "answered" and "216,000" in reply.answer
    assert "language model was unavailable" in reply.answer


def test_streaming_yields_tokens_then_the_reply(settings) -> None:
    text = "The EU threshold for supplies and services of municipalities is EUR 216,000 [1]."
    events = list(_helpdesk(settings, FakeListChatModel(responses=[text])).assistant.stream(
        QUESTION, ChannelAddress(owner_key="b")))
    tokens = [e.text for e in events if e.kind == "token"]
    assert len(tokens) > 10 and "".join(tokens) == text
    assert events[-1].kind == "reply" and events[-1].reply.citations


def test_streaming_failure_resets_and_streams_the_extractive_answer(settings) -> None:
    events = list(_helpdesk(settings, FailingChatModel(responses=[""])).assistant.stream(
        QUESTION, ChannelAddress(owner_key="b")))
    kinds = [e.kind for e in events]
    assert "reset" in kinds and kinds[-1] == "reply"
    assert "216,000" in events[-1].reply.answer


def test_prompts_render_strictly() -> None:
    system = load_prompt("system")
    assert "German" in system.render(language_name="German")
    with pytest.raises(Exception, match="missing"):
        load_prompt("answer").render(question="q")
    for name in ("answer", "condense", "translate"):
        prompt = load_prompt(name)
        rendered = prompt.render(**{v: f"<{v}>" for v in prompt.variables})
        assert "{{" not in rendered
