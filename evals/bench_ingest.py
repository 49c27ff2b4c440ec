"""Ingestion benchmark: first run over knowledge/ (chunks/s, pages/s, peak memory), then an unchanged re-run.

Run: `python -m evals.bench_ingest` (or `make bench`). Each run is a fresh `helpdesk ingest` process so the
peak RSS is that of the command itself. Results go to evals/reports/bench_ingest.json.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPORTS = Path(__file__).resolve().parent / "reports"


def _run(data_dir: Path, knowledge: Path) -> dict[str, float]:
    env = dict(os.environ, HELPDESK_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1")
    code = ("import json,sys,time;from assistant.config import get_settings;"
            "from assistant.wiring import build_knowledge;"
            "from ingest.pipeline import run_ingest;s=get_settings();e,i,_=build_knowledge(s);t=time.perf_counter();"
            f"r=run_ingest([__import__('pathlib').Path({str(knowledge)!r})],i,e,s.ingest,s.embedding.batch_size);"
            "print(json.dumps({'seconds':time.perf_counter()-t,'chunks':sum(o.chunks for o in r.outcomes),"
            "'embedded':r.chunks_embedded,'pages':sum(o.pages for o in r.outcomes),"
            "'words':sum(o.words for o in r.outcomes),'documents':len(r.outcomes),'failed':len(r.failed)}))")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = time.perf_counter() - started
    result["peak_rss_mib"] = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
    return result


def main() -> None:
    """Measure and print a first and a second (unchanged) ingestion."""
    knowledge = Path("knowledge").resolve()
    with tempfile.TemporaryDirectory() as tmp:
        first = _run(Path(tmp), knowledge)
        second = _run(Path(tmp), knowledge)
    pages_equivalent = first["words"] / 500  # Markdown has no pages: 500 words ~ one printed page
    report = {
        "first": first, "second": second,
        "chunks_per_s": first["chunks"] / first["seconds"],
        "pages_per_s": pages_equivalent / first["seconds"],
        "second_run_ratio": second["seconds"] / first["seconds"],
    }
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "bench_ingest.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
