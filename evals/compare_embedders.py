"""Cross-lingual retrieval per embedding backend: English MiniLM, multilingual USE, and both (dual).

Run: `python -m evals.compare_embedders [DATA_DIR]`. Each backend gets its own collection in the same data
folder (collection names carry the embedder id), so re-runs only embed what changed.
Results go to evals/reports/compare_embedders.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from assistant.config import EmbeddingSettings, get_settings
from assistant.embeddings import create_embedder
from assistant.evaluation import evaluate_retrieval, load_questions
from assistant.services.assistant import HelpdeskAssistant
from assistant.services.conversations import ConversationService
from assistant.services.escalations import EscalationService
from assistant.services.retrieval import Retriever
from assistant.store.db import Database
from assistant.vectorstore import VectorIndex
from ingest.pipeline import run_ingest

REPORTS = Path(__file__).resolve().parent / "reports"
BACKENDS = ("sentence-transformers", "use-multilingual", "dual")


def main() -> None:
    """Ingest knowledge/ per backend and compare hit@3 per language on every question with a source."""
    settings = get_settings()
    if len(sys.argv) > 1:
        settings = settings.model_copy(update={"data_dir": Path(sys.argv[1])})
    db = Database(settings.sqlalchemy_url)
    db.upgrade()
    questions = [q for q in load_questions() if q.get("expected_sources")]
    assistants: dict[str, HelpdeskAssistant] = {}
    for backend in BACKENDS:
        embedder = create_embedder(EmbeddingSettings(backend=backend))  # type: ignore[arg-type]
        index = VectorIndex(settings, embedder.id)
        run_ingest([settings.knowledge_dir], index, embedder, settings.ingest, settings.embedding.batch_size)
        retriever = Retriever(index, embedder, settings.retrieval)
        assistants[backend] = HelpdeskAssistant(settings, retriever, ConversationService(db),
                                                EscalationService(db, settings.escalation))
    rows = evaluate_retrieval(assistants, questions, {name: "hybrid" for name in assistants})
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "compare_embedders.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    for row in rows:
        langs = " ".join(f"{k}={v:.2f}" for k, v in row["hit@3_by_language"].items())
        print(f"{row['config']:22} hit@3={row['hit@3']:.3f} mrr={row['mrr']:.3f}  {langs}")


if __name__ == "__main__":
    main()
