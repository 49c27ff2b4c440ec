"""`make knowledge`: write the DOCX and PDF editions of every template to knowledge/downloads, reproducibly.

The Markdown under knowledge/templates is the source and the only indexed edition; the generated files are for
municipalities to download and edit, and ingestion skips them (IngestSettings.exclude has "downloads/*").
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from assistant.errors import DocumentLoadError
from knowledge.docx_edition import write_docx
from knowledge.pdf_edition import DEJAVU_DIR, PdfFont, pick_font, write_pdf
from knowledge.template_source import read_template

KNOWLEDGE_DIR = Path(__file__).resolve().parent
EDITION_SUFFIXES = (".docx", ".pdf")


def template_paths(knowledge_dir: Path) -> list[Path]:
    """The template sources, in a stable order."""
    return sorted((knowledge_dir / "templates").glob("*/*.md"))


def build_editions(knowledge_dir: Path, out_dir: Path, font: PdfFont) -> list[Path]:
    """Write both editions of every template into out_dir and remove editions of templates that no longer exist."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    seen: dict[str, Path] = {}
    for source in template_paths(knowledge_dir):
        template = read_template(source)
        if template.file_stem in seen:
            other = seen[template.file_stem]
            raise DocumentLoadError(f"{source}: template id {template.template_id} is also used by {other}")
        seen[template.file_stem] = source
        docx_path, pdf_path = (out_dir / f"{template.file_stem}{suffix}" for suffix in EDITION_SUFFIXES)
        write_docx(template, docx_path)
        write_pdf(template, pdf_path, font)
        written += [docx_path, pdf_path]
    for stale in sorted(out_dir.iterdir()):
        if stale.suffix in EDITION_SUFFIXES and stale not in written:
            stale.unlink()
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge.build", description=__doc__.splitlines()[0])
    parser.add_argument("--knowledge-dir", type=Path, default=KNOWLEDGE_DIR, help="folder holding templates/")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: <knowledge-dir>/downloads)")
    args = parser.parse_args(argv)
    out_dir = args.out or args.knowledge_dir / "downloads"
    font = pick_font()
    if not font.unicode:
        print(f"warning: DejaVu Sans not found in {DEJAVU_DIR} (Debian package fonts-dejavu-core); the PDFs use "
              "Helvetica and will differ from the committed ones", file=sys.stderr)
    started = time.perf_counter()
    try:
        written = build_editions(args.knowledge_dir, out_dir, font)
    except (DocumentLoadError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    total = 0
    for path in written:
        size = path.stat().st_size
        total += size
        print(f"{path}  {size:,} bytes")
    print(f"{len(written)} files, {total:,} bytes in {time.perf_counter() - started:.1f} s (PDF font: {font.family})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
