"""Personal data (e-mail addresses, phone numbers, IBANs) replaced by placeholders before text leaves the helpdesk."""

from __future__ import annotations

import logging
import re
from typing import Any

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
# International numbers (+49 ..., 0049 ...), national numbers written with a separator after the
# trunk prefix (030 1234567, 06-12345678) and any number after a "tel"/"phone" label.
PHONE = re.compile(
    r"(?<![\w+])(?:\+|00)\d{1,3}[\s./-]?(?:\(0\)[\s./-]?)?\d(?:[\s./-]?\d){5,12}(?!\w)"
    r"|(?<![\w.,])\(?0\d{1,4}\)?[\s/-]\d(?:[\s/-]?\d){4,10}(?!\w)"
    r"|(?i:(?<=tel[.:] )|(?<=tel: )|(?<=phone: )|(?<=telefon: )|(?<=mobile: ))\d(?:[\s./-]?\d){5,14}(?!\w)"
)
PLACEHOLDERS = (("[IBAN]", IBAN), ("[EMAIL]", EMAIL), ("[PHONE]", PHONE))


def redact_personal_data(text: str) -> str:
    """The text with e-mail addresses, IBANs and phone numbers replaced by [EMAIL], [IBAN] and [PHONE]."""
    for placeholder, pattern in PLACEHOLDERS:
        text = pattern.sub(placeholder, text)
    return text


def redact_messages(messages: list[Any]) -> list[Any]:
    """Copies of LangChain chat messages with personal data redacted from their text content."""
    return [m.model_copy(update={"content": redact_personal_data(m.content)}) if isinstance(m.content, str) else m
            for m in messages]


class PersonalDataFilter(logging.Filter):
    """Redacts personal data from a log record's final message (its arguments are folded in first)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        message = record.getMessage()
        redacted = redact_personal_data(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def install_log_redaction() -> None:
    """Make every log record of this process pass through PersonalDataFilter when it is created (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "redacts_personal_data", False):
        return
    record_filter = PersonalDataFilter()

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        record_filter.filter(record)
        return record

    redacting_factory.redacts_personal_data = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting_factory)
