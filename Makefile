# Inside NN — every entry point installs what it is missing first.
# `make serve` and `make test` are the two commands a new machine needs.

VENV   := .venv
PY     := $(VENV)/bin/python
HOST   := 127.0.0.1:8000
# The browser for the tests; on a runner that ships Chrome, point CHROMIUM at it.
export CHROMIUM ?= /usr/bin/chromium
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: serve build test models compare bench check install clean

## ---- install (idempotent, stamp files) ------------------------------------
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Chromium drives the browser tests (Playwright cannot download one here).
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

install: $(VENV)/.installed node_modules/.installed

## ---- site -----------------------------------------------------------------
serve: install
	$(PY) -m mkdocs serve --dev-addr $(HOST)

build: install
	$(PY) -m mkdocs build --strict

check: install
	$(PY) scripts/check_notes.py

## ---- models -------------------------------------------------------------
models: install
	$(PY) -m demos train all
	$(PY) -m demos export all

# The NTM-vs-Transformer experiment (33 min of training on one thread, plus evaluation; `--smoke`: 5 s).
compare: install
	$(PY) -m demos.memory compare

## ---- tests ----------------------------------------------------------------
test: install $(CHROMIUM)
	$(PY) -m pytest -q -n auto

bench: install $(CHROMIUM)
	$(PY) scripts/bench_site.py

clean:
	rm -rf site .cache .pytest_cache
