# Two commands on a fresh machine with Python 3.11+: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN     = $(VENV)/bin
# `make demo HOST=0.0.0.0 PORT=5101`: where the demo server listens.
HOST   ?= 127.0.0.1
PORT   ?= 5000
# The instance folder the app reads (config.instance_path): groupfinder.env, the demo database,
# demo-accounts.txt, file mail. Git-ignored.
INSTANCE ?= $(or $(GROUPFINDER_INSTANCE_PATH),instance)
ENV_FILE  = $(INSTANCE)/groupfinder.env
# Absolute links (feeds, API, mail) follow HOST and PORT unless GROUPFINDER_BASE_URL is set, in
# the environment or in $(ENV_FILE).
LINK_HOST = $(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST))
BASE_URL_SET = $(or $(GROUPFINDER_BASE_URL),$(shell grep -sqE '^[[:space:]]*(export[[:space:]]+)?GROUPFINDER_BASE_URL=' $(ENV_FILE) && echo yes))
DEMO_ENV ?= $(if $(BASE_URL_SET),,GROUPFINDER_BASE_URL=http://$(LINK_HOST):$(PORT))
GF = $(DEMO_ENV) GROUPFINDER_INSTANCE_PATH=$(abspath $(INSTANCE)) $(BIN)/groupfinder

.PHONY: demo test install install-test bench tour clean messages translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@# ical.js, one of the three calendar engines the feed tests compare (skipped where npm is absent)
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/engines --no-audit --no-fund --silent; fi

# Languages (README, Languages). `make messages` finds every marked string (babel.cfg) and
# updates each catalogue; install compiles them (hatch_build.py), as does `make translations`.
CATALOGUES = src/groupfinder/translations
BABEL_KEYWORDS = -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -k lazy_ngettext:1,2 -k N_
messages: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) -c Translators: --no-location --sort-output \
	  --project groupfinder --copyright-holder "groupfinder contributors" -o $(CATALOGUES)/messages.pot .
	$(BIN)/pybabel update -i $(CATALOGUES)/messages.pot -d $(CATALOGUES) --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d $(CATALOGUES) --statistics

translations: $(BIN)/python
	$(BIN)/pybabel compile -d $(CATALOGUES) --statistics

# Written once, never overwritten: a generated secret key, so `.venv/bin/groupfinder …` works
# afterwards in this checkout without exporting anything.
$(ENV_FILE): | $(BIN)/python
	@mkdir -p $(INSTANCE)
	@umask 077 && { \
	  echo '# groupfinder settings for this checkout, written once by `make demo` (never committed).'; \
	  echo '# One GROUPFINDER_* setting a line (README, Configuration); the environment wins.'; \
	  echo "GROUPFINDER_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(48))')"; \
	  echo '# Unset, `make demo` links to http://HOST:PORT and other commands to http://127.0.0.1:5000:'; \
	  echo '# GROUPFINDER_BASE_URL=http://127.0.0.1:5000'; \
	  echo '# Mail (confirmation and reset links) is printed by the server; to keep it in'; \
	  echo '# instance/mail/outbox.jsonl instead:'; \
	  echo '# GROUPFINDER_MAIL_BACKEND=file'; \
	} > $@.tmp && mv $@.tmp $@
	@echo "Wrote $@ with a new secret key."

demo: install $(ENV_FILE)
	$(GF) db upgrade
	$(GF) seed-demo --accounts
	$(GF) run --host $(HOST) --port $(PORT)

# One pytest process per core (pytest-xdist), each file kept in one process (module caches, and
# the Redis tests that reset their database, stay together). PYTEST_WORKERS= runs in one process.
PYTEST_WORKERS ?= -n auto --maxprocesses=4 --dist loadfile

test: install-test
	$(BIN)/python -m pytest $(PYTEST_WORKERS) $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python bench/search.py
	$(BIN)/python bench/feeds.py
	$(BIN)/python bench/suggest.py
	$(BIN)/python bench/cache_memory.py
	$(BIN)/python bench/sqlite_writers.py

# The README's tour screenshots (docs/tour/*.jpg), taken from a throwaway demo with Chromium.
tour: install-test
	$(BIN)/python docs/tour/screenshots.py

clean:
	rm -rf $(VENV) instance dist build .pytest_cache
