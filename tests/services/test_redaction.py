"""Personal data is redacted before text reaches the chat model and the logs; procurement figures are kept."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from assistant.services.conversations import Turn
from assistant.services.generation import AnswerGenerator
from assistant.services.redaction import PersonalDataFilter, install_log_redaction, redact_personal_data
from assistant.services.retrieval import Passage
from tests.experts_support import WordEmbedder


@pytest.mark.parametrize(("text", "expected"), [
    ("write to anna.berg+eu@stadt-koeln.de please", "write to [EMAIL] please"),
    ("Mail: J.Doe@mairie.paris.fr.", "Mail: [EMAIL]."),
    ("call +49 221 1234567 today", "call [PHONE] today"),
    ("call +33 (0)1 23 45 67 89", "call [PHONE]"),
    ("ring 0049-30-1234567", "ring [PHONE]"),
    ("telefon 030 12345678", "telefon [PHONE]"),
    ("tel: 1234567", "tel: [PHONE]"),
    ("pay to DE89 3704 0044 0532 0130 00 now", "pay to [IBAN] now"),
    ("IBAN FR1420041010050500013M02606", "IBAN [IBAN]"),
])
def test_personal_data_is_replaced(text: str, expected: str) -> None:
    assert redact_personal_data(text) == expected


@pytest.mark.parametrize("text", [
    "The threshold for works is EUR 5 538 000 and for supplies EUR 221 000.",
    "Directive 2014/24/EU, Article 32(2)(c), OJ L 94, 28.3.2014, p. 65.",
    "Contract notice 2024/S 123-456789 published on 2024-01-15 for 140 000 EUR.",
    "CPV code 72000000-5 covers IT services; ISO 27001 certification.",
])
def test_procurement_figures_are_kept(text: str) -> None:
    assert redact_personal_data(text) == text


def test_log_records_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.redaction")
    logger.addFilter(PersonalDataFilter())
    try:
        with caplog.at_level(logging.INFO, logger="tests.redaction"):
            logger.info("escalation from %s, phone %s", "anna@example.eu", "+49 221 1234567")
    finally:
        logger.filters.clear()
    assert caplog.messages == ["escalation from [EMAIL], phone [PHONE]"]


def test_installed_redaction_covers_every_logger(caplog: pytest.LogCaptureFixture) -> None:
    original = logging.getLogRecordFactory()
    try:
        install_log_redaction()
        install_log_redaction()  # idempotent
        with caplog.at_level(logging.WARNING):
            logging.getLogger("some.library").warning("IBAN %s failed", "DE89 3704 0044 0532 0130 00")
        assert caplog.messages[-1] == "IBAN [IBAN] failed"
    finally:
        logging.setLogRecordFactory(original)


class RecordingChatModel:
    """A chat model that remembers the messages it was sent."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def invoke(self, messages: list[Any]) -> str:
        self.sent.extend(messages)
        return "Supplies above EUR 221 000 need an EU-wide tender [1]."

    def stream(self, messages: list[Any]) -> Any:
        self.sent.extend(messages)
        yield "Supplies above EUR 221 000 need an EU-wide tender [1]."


def test_the_chat_model_never_sees_personal_data() -> None:
    model = RecordingChatModel()
    generator = AnswerGenerator(model, WordEmbedder())
    passage = Passage("c1", "Supplies above EUR 221 000 need an EU-wide tender. Contact desk@ec.europa.eu.",
                      {"title": "Thresholds"}, 1.0, 1.0, 1.0)
    history = [Turn("user", "I am anna@stadt.de, +49 221 1234567")]
    question = "Our IBAN DE89 3704 0044 0532 0130 00 — which threshold applies? Mail me at anna@stadt.de"
    generator.answer(question, [passage], "en", history, "http://testserver")
    list(generator.stream(question, [passage], "en", history))
    generator.condense(question, history)
    generator.translate(question)
    sent = "\n".join(str(m.content) for m in model.sent)
    for secret in ("anna@stadt.de", "desk@ec.europa.eu", "1234567", "DE89"):
        assert secret not in sent
    assert "[EMAIL]" in sent and "[IBAN]" in sent and "[PHONE]" in sent
    assert "EUR 221 000" in sent
