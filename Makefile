# Two commands on a fresh machine: `make run` serves the product, `make test` passes the tests.
# Each installs what it needs: uv (with pip, when missing), Python 3.12 packages from uv.lock.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(PYTHON) -m uv
PORT ?= 8123
STUDIO_PORT ?= 2124
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export LANGSMITH_TRACING ?= false
export LANGSMITH_TEST_TRACKING ?= false
export UV_PYTHON_DOWNLOADS := never

.PHONY: install run studio test test-unit test-integration soak lint format typecheck evals evals-langsmith bench clean

install: .venv/.installed

.venv/.installed: pyproject.toml uv.lock .python-version
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen
	@touch $@

run: install ## serve the LangGraph API and our routes on 127.0.0.1:$(PORT), embedded Postgres unless DATABASE_URL
	$(UV) run --frozen support-agent serve --port $(PORT)

studio: install ## LangGraph Studio through `langgraph dev` on port $(STUDIO_PORT), Postgres checkpointer
	$(UV) run --frozen support-agent studio --port $(STUDIO_PORT)

test: install lint typecheck ## lint, type-check, then every test (unit and integration, real Postgres and server)
	$(UV) run --frozen pytest

test-unit: install
	$(UV) run --frozen pytest tests/unit

test-integration: install
	$(UV) run --frozen pytest tests/integration

soak: install ## rerun the server integration tests SOAK_RUNS times (default 10) and print the pass count
	scripts/soak-tests $(or $(SOAK_RUNS),10)

lint: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

format: install
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

typecheck: install
	$(UV) run --frozen mypy .

evals: install ## every eval suite on the data present (evals/targets.yaml): one table row per suite and file, target, pass/fail
	$(UV) run --frozen python -m evals.table

evals-langsmith: install ## the eval suites as LangSmith pytest evals (offline unless LANGSMITH_API_KEY is set)
	$(UV) run --frozen pytest evals

bench: install ## every benchmark; each prints its figures
	$(UV) run --frozen support-agent bench turns
	$(UV) run --frozen support-agent bench memory
	$(UV) run --frozen support-agent bench signals
	$(UV) run --frozen support-agent bench kb
	$(UV) run --frozen support-agent bench load

clean:
	rm -rf .venv .mypy_cache .ruff_cache .pytest_cache
