# regiongraf: every target creates what it needs (venv, model, graph, indexes) when missing.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

# axe-core for the browser tests' accessibility checks (tests/e2e/package-lock.json).
AXE := tests/e2e/node_modules/axe-core/axe.min.js

.PHONY: help venv model build run test test-remote e2e-tools bench lint clean

# The tests that read or write the store, run again with the graph in a real SPARQL server
# (started by the tests: tests/servers.py). tests/test_remote_store.py runs in `make test`.
REMOTE_TESTS := tests/test_build.py tests/test_import.py tests/test_sparql.py tests/test_linked_data.py \
	tests/test_recovery.py tests/test_reviews.py tests/test_catalogue.py tests/test_api.py tests/test_years.py

help:
	@echo "make run    - sett opp alt, bygg grafen og indeksene, start tjenesten på http://127.0.0.1:8000"
	@echo "make test   - sett opp alt og kjør testene"
	@echo "make test-remote - kjør lager-testene mot en Oxigraph-tjener og Virtuoso (startes av testene)"
	@echo "make bench  - kjør ytelsesmålingene (tabell + JSON i bench/results/)"
	@echo "make lint   - ruff og lagkontraktene (import-linter)"

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first and pinned: pip then takes the local CPU wheel instead of a CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

venv: $(STAMP)

model: venv
	$(BIN)/python -m search.embedding.e5_convert
	@# The ONNX export of the chosen backend (default onnx-fp32; none for torch), so no verb waits for it.
	@case "$${REGIONGRAF_EMBEDDER:-onnx-fp32}" in onnx*) $(BIN)/python -m search.embedding.onnx_export;; esac

build: model
	$(BIN)/regiongraf build

run: build
	$(BIN)/regiongraf serve

# The browser tests need axe-core: installed with npm when it is missing (order-only: never reinstalled
# over an existing tests/e2e/node_modules). Without npm they say so; with CI set they then fail.
$(AXE):
	@if command -v npm >/dev/null; then \
		npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error; \
	else \
		echo "npm mangler: nettlesertestene trenger axe-core (apt-get install npm, så make test igjen)." >&2; \
	fi

e2e-tools: | $(AXE)

test: model | $(AXE)
	$(BIN)/python -m pytest

test-remote: model
	REGIONGRAF_TEST_STORE=oxigraph $(BIN)/python -m pytest $(REMOTE_TESTS)
	REGIONGRAF_TEST_STORE=virtuoso $(BIN)/python -m pytest $(REMOTE_TESTS)

bench: model
	$(BIN)/python -m bench.run

lint: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf .regiongraf bench/results tests/output
