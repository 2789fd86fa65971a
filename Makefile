# Two commands on a fresh machine with Python 3.11+: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN     = $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
# Local demo only: a fixed key is fine on 127.0.0.1; production sets its own (README).
DEMO_ENV ?= GROUPFINDER_SECRET_KEY=demo-only-not-for-production

.PHONY: demo test install install-test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@# ical.js, one of the three calendar engines the feed tests compare (skipped where npm is absent)
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/engines --no-audit --no-fund --silent; fi

demo: install
	$(DEMO_ENV) $(BIN)/groupfinder db upgrade
	$(DEMO_ENV) $(BIN)/groupfinder seed-demo
	$(DEMO_ENV) $(BIN)/groupfinder run --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python bench/search.py
	$(BIN)/python bench/feeds.py
	$(BIN)/python bench/suggest.py

clean:
	rm -rf $(VENV) instance dist build .pytest_cache
