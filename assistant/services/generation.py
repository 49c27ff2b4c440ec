"""LLM answers grounded in the passages: [n] citations mapped back, unsupported sentences removed."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from assistant.embeddings import CachedEmbedder, Embedder
from assistant.errors import LLMUnavailableError
from assistant.prompts import load_prompt
from assistant.services.answering import ComposedAnswer
from assistant.services.citations import make_citation
from assistant.services.conversations import Turn
from assistant.services.grounding import (
    CITATION,
    EchoFilter,
    invented_figures,
    join_sentences,
    split_sentences,
    words_of,
)
from assistant.services.lexical import tokenize
from assistant.services.redaction import redact_messages
from assistant.services.retrieval import Passage

LANGUAGE_NAMES = {"bg": "Bulgarian", "cs": "Czech", "da": "Danish", "de": "German", "el": "Greek", "en": "English",
                  "es": "Spanish", "et": "Estonian", "fi": "Finnish", "fr": "French", "ga": "Irish",
                  "hr": "Croatian", "hu": "Hungarian", "it": "Italian", "lt": "Lithuanian", "lv": "Latvian",
                  "mt": "Maltese", "nl": "Dutch", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian",
                  "sk": "Slovak", "sl": "Slovenian", "sv": "Swedish"}
LEXICAL_SUPPORT = 0.5
EMBEDDING_SUPPORT = 0.55
MIN_KEPT_SHARE = 0.5


class AnswerGenerator:
    """Writes answers with a LangChain chat model and checks every sentence against its sources."""

    def __init__(self, chat_model: Any, embedder: Embedder, timeout_s: float = 30.0) -> None:
        self._model = chat_model
        self._embedder = embedder
        self._passage_vectors = CachedEmbedder(embedder, capacity=5_000)
        self._timeout_s = timeout_s

    def _messages(self, question: str, passages: list[Passage], language: str, history: list[Turn]) -> list[Any]:
        from langchain_core.messages import HumanMessage, SystemMessage

        name = LANGUAGE_NAMES.get(language, "English")
        numbered = "\n\n".join(f"[{i}] {p.metadata.get('title', '')} — {p.section}\n{p.text}"
                               for i, p in enumerate(passages, start=1))
        recent = "\n".join(f"{t.role}: {t.content[:300]}" for t in history[-4:]) or "(none)"
        return [SystemMessage(load_prompt("system").render(language_name=name)),
                HumanMessage(load_prompt("answer").render(passages=numbered, history=recent, question=question,
                                                          language_name=name))]

    def _invoke(self, messages: list[Any]) -> str:
        """The whole reply, read as a stream so that the time limit covers the call, not just each network read."""
        return "".join(self._tokens(messages))

    def _tokens(self, messages: list[Any]) -> Iterator[str]:
        deadline = time.monotonic() + self._timeout_s
        try:
            for chunk in self._model.stream(redact_messages(messages)):  # personal data never leaves
                if time.monotonic() > deadline:
                    raise LLMUnavailableError("chat model exceeded its time limit (Timeout)")
                token = str(getattr(chunk, "content", chunk))
                if token:
                    yield token
        except LLMUnavailableError:
            raise
        except Exception as exc:  # provider SDKs raise many types; all mean "no answer from the model"
            raise LLMUnavailableError(f"chat model failed: {type(exc).__name__}: {exc}") from exc

    def answer(self, question: str, passages: list[Passage], language: str, history: list[Turn],
               base_url: str) -> ComposedAnswer:
        """Generate, then keep only supported sentences (raises LLMUnavailableError to fall back)."""
        text = self._invoke(self._messages(question, passages, language, history))
        return self.finalise(text, passages, question, language, base_url)

    def stream(self, question: str, passages: list[Passage], language: str, history: list[Turn]) -> Iterator[str]:
        """Tokens as the model writes them; a failure or the time limit raises LLMUnavailableError."""
        yield from self._tokens(self._messages(question, passages, language, history))

    def finalise(self, text: str, passages: list[Passage], question: str, language: str,
                 base_url: str) -> ComposedAnswer:
        """Map [n] to citations, drop sentences the passages do not support, renumber by first use."""
        sentences = split_sentences(text)
        if not sentences or not passages:
            raise LLMUnavailableError("the model returned no usable answer")
        echoes = EchoFilter(self._instructions(language), question, passages)
        sentences = [s for s in sentences if not echoes.is_echo(s)]  # parroted prompt, question, heading, repeat
        verdicts = [(s, *self._support(s, passages)) for s in sentences]
        judged = [v for _, v, _ in verdicts if v is not None]
        supported = sum(1 for v in judged if v)
        if supported < max(1, MIN_KEPT_SHARE * len(judged)):
            raise LLMUnavailableError(f"only {supported} of {len(judged)} generated sentences were supported")
        renumber: dict[int, int] = {}
        out: list[str] = []
        for sentence, verdict, source in verdicts:
            if verdict is False or (verdict is None and CITATION.search(sentence)):
                continue
            if verdict and source is not None and not CITATION.search(sentence):
                sentence = _cite(sentence, source)  # supported but unmarked: cite the passage that supports it
            for n in (int(x) for x in CITATION.findall(sentence)):
                if 1 <= n <= len(passages):
                    renumber.setdefault(n, len(renumber) + 1)
            out.append(CITATION.sub(lambda m: _map(m, renumber), sentence))
        citations = [make_citation(new, passages[old - 1], base_url) for old, new in renumber.items()]
        return ComposedAnswer(join_sentences(out), citations)

    def _instructions(self, language: str) -> str:
        """The prompt's own text without passages, history or question: what the model must not parrot."""
        name = LANGUAGE_NAMES.get(language, "English")
        return load_prompt("system").render(language_name=name) + "\n" + load_prompt("answer").render(
            passages="", history="", question="", language_name=name)

    def _supported(self, sentence: str, passages: list[Passage]) -> bool | None:
        """True or False when the sentence states something checkable; None when it is too short to judge."""
        return self._support(sentence, passages)[0]

    def _support(self, sentence: str, passages: list[Passage]) -> tuple[bool | None, int | None]:
        """The verdict and the number of the passage that supports the sentence best (lexical, then embedding)."""
        cited = [int(n) for n in CITATION.findall(sentence) if 1 <= int(n) <= len(passages)]
        if not passages or (CITATION.search(sentence) and not cited):
            return False, None  # nothing to support it, or it cites a passage that does not exist
        numbers = cited or list(range(1, len(passages) + 1))
        if invented_figures(sentence, [passages[n - 1] for n in numbers]):
            return False, None  # a figure, date or article number that its sources do not contain
        words = set(tokenize(CITATION.sub("", sentence)))
        if len(words) < 3:
            return None, None
        overlap = [len(words & words_of(passages[n - 1].text)) / len(words) for n in numbers]
        best = int(np.argmax(overlap))
        if overlap[best] >= LEXICAL_SUPPORT:
            return True, numbers[best]
        vectors = self._passage_vectors.embed_batch([passages[n - 1].text for n in numbers])
        scores = vectors @ self._embedder.embed(CITATION.sub("", sentence))
        best = int(np.argmax(scores))
        return bool(scores[best] >= EMBEDDING_SUPPORT), numbers[best]

    def condense(self, question: str, history: list[Turn]) -> str | None:
        """Standalone rewrite of a follow-up question (None when the model fails)."""
        from langchain_core.messages import HumanMessage

        transcript = "\n".join(f"{t.role}: {t.content[:300]}" for t in history[-6:])
        try:
            return self._invoke([HumanMessage(load_prompt("condense").render(history=transcript,
                                                                             question=question))]).strip() or None
        except LLMUnavailableError:
            return None

    def translate(self, question: str) -> str | None:
        """English translation of a question, to help lexical retrieval (None when the model fails)."""
        from langchain_core.messages import HumanMessage

        try:
            return self._invoke([HumanMessage(load_prompt("translate").render(question=question))]).strip() or None
        except LLMUnavailableError:
            return None


def _cite(sentence: str, n: int) -> str:
    """Add [n] before the sentence's closing punctuation."""
    body = sentence.rstrip()
    end = body[-1] if body[-1:] in ".!?:" else ""
    return f"{body[:len(body) - len(end)].rstrip()} [{n}]{end}"


def _map(match: re.Match[str], renumber: dict[int, int]) -> str:
    n = int(match.group(1))
    return f"[{renumber[n]}]" if n in renumber else ""
