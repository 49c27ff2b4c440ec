"""The advisor's, finder's and draft builder's texts as keys of the interface texts (data/ui/*.json), said in any
language by the page, the chat or the command line that shows them."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.errors import ExplainedInputError

TEXTS_DIR = Path(__file__).resolve().parent.parent / "data" / "ui"
_LANGUAGE_CODE = re.compile(r"[a-z]{2}")


@dataclass(frozen=True)
class Phrase:
    """An interface text by key and the values it is formatted with; a value may be a phrase itself."""

    key: str
    values: tuple[tuple[str, str | int | Phrase], ...] = ()
    default: str | None = None  # the English text, for keys made from a template's own labels

    def say(self, texts: Mapping[str, str]) -> str:
        """The text in the language of `texts` (a catalogue of interface texts)."""
        template = texts.get(self.key, self.default) if self.default is not None else texts[self.key]
        return template.format(**{name: value.say(texts) if isinstance(value, Phrase) else value
                                  for name, value in self.values})

    def __str__(self) -> str:
        return self.say(tool_texts("en"))


def phrase(key: str, **values: str | int | Phrase) -> Phrase:
    """A phrase with its values given by name."""
    return Phrase(key, tuple(values.items()))


def refusal(key: str, **values: str | int | Phrase) -> ExplainedInputError:
    """The error for invalid input, explained by a phrase (English in str(), any language on a page)."""
    return ExplainedInputError(phrase(key, **values))


def keyed(prefix: str, english: str) -> Phrase:
    """The phrase for a text known by its English wording (a template's field label, a time-limit step)."""
    return Phrase(prefix + re.sub(r"[^a-z0-9]+", "_", english.lower()).strip("_"), default=english)


def procedure_name(key: str) -> Phrase:
    """The name of a procedure of Directive 2014/24/EU, e.g. "open procedure"."""
    return phrase(f"procedure_{key}")


def step_name(step: str) -> Phrase:
    """A time-limit step as it reads inside a sentence, e.g. "receipt of tenders"."""
    return keyed("step_", step)


def long_date(day: dt.date, texts: Mapping[str, str]) -> str:
    """Wednesday 1 April 2026, in the language of `texts`."""
    return texts[f"date_month_{day.month}"].format(weekday=texts[f"weekday_{day.isoweekday()}"], day=day.day,
                                                     year=day.year)


@lru_cache(maxsize=32)
def tool_texts(language: str) -> Mapping[str, str]:
    """The interface texts in a language, English where the language or one of its texts is missing."""
    english = _read("en")
    if language == "en" or not _LANGUAGE_CODE.fullmatch(language) or not (TEXTS_DIR / f"{language}.json").exists():
        return english
    return {**english, **_read(language)}


def _read(language: str) -> dict[str, str]:
    return dict(json.loads((TEXTS_DIR / f"{language}.json").read_text(encoding="utf-8")))
