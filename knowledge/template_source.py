"""A template's Markdown read into front matter and a flat list of blocks that both editions render."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from assistant.errors import DocumentLoadError
from ingest.loaders import parse_front_matter

PLACEHOLDER = re.compile(r"(\{\{[a-z0-9_]+\}\})")


@dataclass(frozen=True)
class Span:
    """A run of text with one style; `placeholder` marks a `{{field}}` the municipality edits."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    placeholder: bool = False


Spans = tuple[Span, ...]


@dataclass(frozen=True)
class Heading:
    """A Markdown heading: level 2 for `##` (clauses 1-10), 3 for `###` (clauses 4.2...)."""

    level: int
    spans: Spans


@dataclass(frozen=True)
class Paragraph:
    spans: Spans


@dataclass(frozen=True)
class ListItem:
    """One bullet or numbered item; depth 0 is the outermost list."""

    spans: Spans
    depth: int = 0
    ordered: bool = False


@dataclass(frozen=True)
class Table:
    header: tuple[Spans, ...]
    rows: tuple[tuple[Spans, ...], ...]


Block = Heading | Paragraph | ListItem | Table


@dataclass(frozen=True)
class TemplateSource:
    """One template: its front matter and its body blocks (the `#` title line is not a block)."""

    meta: dict[str, Any]
    blocks: tuple[Block, ...] = field(default=())

    @property
    def template_id(self) -> str:
        return str(self.meta["id"])

    @property
    def title(self) -> str:
        return str(self.meta["title"])

    @property
    def reviewed_on(self) -> dt.date:
        """The last-reviewed date; every timestamp in the generated files is set to it."""
        return dt.date.fromisoformat(str(self.meta["last_reviewed"]))

    @property
    def file_stem(self) -> str:
        return self.template_id.lower()


def plain_text(spans: Spans) -> str:
    return "".join(span.text for span in spans)


def read_template(path: Path) -> TemplateSource:
    """Parse a template file; a missing id, title or last_reviewed date is a DocumentLoadError."""
    meta, body = parse_front_matter(path.read_text(encoding="utf-8"))
    for key in ("id", "title", "last_reviewed"):
        if not meta.get(key):
            raise DocumentLoadError(f"{path}: front matter has no '{key}'")
    try:
        dt.date.fromisoformat(str(meta["last_reviewed"]))
    except ValueError as exc:
        raise DocumentLoadError(f"{path}: last_reviewed is not a date: {meta['last_reviewed']!r}") from exc
    return TemplateSource(meta=meta, blocks=tuple(parse_blocks(body)))


def parse_blocks(markdown: str) -> list[Block]:
    """Turn a Markdown body into blocks; the level-1 heading (the title) is dropped."""
    tokens = MarkdownIt("commonmark", {"html": False}).enable("table").parse(markdown)
    blocks: list[Block] = []
    lists: list[bool] = []  # one entry per open list: is it ordered?
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type in ("bullet_list_open", "ordered_list_open"):
            lists.append(token.type == "ordered_list_open")
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type == "heading_open":
            level = int(token.tag[1])
            if level > 1:
                blocks.append(Heading(level, inline_spans(tokens[index + 1])))
        elif token.type == "inline" and tokens[index - 1].type == "paragraph_open":
            spans = inline_spans(token)
            blocks.append(ListItem(spans, len(lists) - 1, lists[-1]) if lists else Paragraph(spans))
        elif token.type in ("fence", "code_block"):
            blocks.append(Paragraph((Span(token.content.rstrip("\n"), code=True),)))
        elif token.type == "table_open":
            table, index = _read_table(tokens, index)
            blocks.append(table)
        index += 1
    return blocks


def _read_table(tokens: list[Token], start: int) -> tuple[Table, int]:
    rows: list[tuple[Spans, ...]] = []
    cells: list[Spans] = []
    index = start
    while tokens[index].type != "table_close":
        token = tokens[index]
        if token.type == "inline":
            cells.append(inline_spans(token))
        elif token.type == "tr_close":
            rows.append(tuple(cells))
            cells = []
        index += 1
    return Table(header=rows[0], rows=tuple(rows[1:])), index


def inline_spans(token: Token) -> Spans:
    """Styled spans of an inline token, placeholders split out and adjacent same-style runs merged."""
    spans: list[Span] = []
    bold = italic = 0
    href = ""
    for child in token.children or []:
        kind = child.type
        if kind in ("strong_open", "strong_close"):
            bold += 1 if kind == "strong_open" else -1
        elif kind in ("em_open", "em_close"):
            italic += 1 if kind == "em_open" else -1
        elif kind in ("text", "softbreak", "hardbreak", "code_inline"):
            text = {"softbreak": " ", "hardbreak": "\n"}.get(kind, child.content)
            spans.append(Span(text, bold > 0, italic > 0, code=kind == "code_inline"))
        elif kind == "link_open":
            href = str(child.attrs.get("href", ""))
        elif kind == "link_close" and href:
            spans.append(Span(f" ({href})", bold > 0, italic > 0))
    return _merge(_split_placeholders(spans))


def _split_placeholders(spans: list[Span]) -> list[Span]:
    result: list[Span] = []
    for span in spans:
        if span.code:
            result.append(span)
            continue
        for part in PLACEHOLDER.split(span.text):
            if part:
                result.append(replace(span, text=part, placeholder=bool(PLACEHOLDER.fullmatch(part))))
    return result


def _merge(spans: list[Span]) -> Spans:
    merged: list[Span] = []
    for span in spans:
        last = merged[-1] if merged else None
        if last and not span.placeholder and not last.placeholder and replace(last, text="") == replace(span, text=""):
            merged[-1] = replace(last, text=last.text + span.text)
        else:
            merged.append(span)
    return tuple(merged)
