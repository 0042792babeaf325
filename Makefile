# Two commands on a fresh machine: `make run` serves the product, `make test` passes the tests.
# Each installs what it needs: uv (with pip, when missing), Python 3.12 packages from uv.lock, and for the tests
# Debian's redis-server (the replica tests start their own Redis with it) and nginx (the load balancer test runs
# deploy/nginx.conf in front of two replicas).
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

# The console's browser tests drive Debian's chromium through Playwright (its own browser download is not used).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install browser redis-server nginx screenshots run studio test test-unit test-integration soak lint format typecheck evals evals-langsmith bench clean

install: .venv/.installed

# Bytecode is compiled at install: where PYTHONDONTWRITEBYTECODE is set (as on our CI machine) no .pyc is ever
# written, and every process, each test server included, compiled ~4,800 modules again (a third of a server's
# start-up CPU: 31 -> 21 s).
.venv/.installed: pyproject.toml uv.lock .python-version
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen --compile-bytecode
	@touch $@

browser: ## Debian's chromium for the console's browser tests: installed with apt-get when missing, or a clear failure
	@[ -x "$(CHROMIUM)" ] || command -v chromium >/dev/null 2>&1 || \
		{ echo "chromium is missing: installing it with apt-get (the console's browser tests need it)"; \
		  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; } || \
		{ echo "could not install chromium: install Debian's chromium package, then run make test again" >&2; exit 1; }

screenshots: install browser ## PNGs of every console page at 1280x800 and 390px into docs/screenshots (real server)
	mkdir -p docs/screenshots
	SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(UV) run --frozen pytest -q \
		tests/integration/console/test_console_pages.py::test_every_page_renders_at_both_widths_within_the_content_policy

redis-server: ## Debian's redis-server for the replica tests (tests/integration/replicas): apt-get when missing
	@[ -x /usr/bin/redis-server ] || command -v redis-server >/dev/null 2>&1 || \
		{ echo "redis-server is missing: installing it with apt-get (the replica tests start their own)"; \
		  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends redis-server; } || \
		{ echo "could not install redis-server: install Debian's redis-server package, then run make test again" >&2; exit 1; }

nginx: ## Debian's nginx for the load balancer test (tests/integration/replicas/test_replica_nginx.py): apt-get when missing
	@[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || \
		{ echo "nginx is missing: installing it with apt-get (the load balancer test starts its own)"; \
		  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends nginx; } || \
		{ echo "could not install nginx: install Debian's nginx package, then run make test again" >&2; exit 1; }

run: install ## serve the LangGraph API and our routes on 127.0.0.1:$(PORT), embedded Postgres unless DATABASE_URL
	$(UV) run --frozen support-agent serve --port $(PORT)

studio: install ## LangGraph Studio through `langgraph dev` on port $(STUDIO_PORT), Postgres checkpointer
	$(UV) run --frozen support-agent studio --port $(STUDIO_PORT)

test: install browser redis-server nginx lint typecheck ## lint, type-check, then every test (unit and integration, real Postgres and server)
	REQUIRE_NGINX=1 $(UV) run --frozen pytest

test-unit: install
	$(UV) run --frozen pytest tests/unit

test-integration: install browser redis-server nginx
	REQUIRE_NGINX=1 $(UV) run --frozen pytest tests/integration

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
