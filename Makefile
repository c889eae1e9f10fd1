# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= $(or $(XINYONG_PORT),8000)

.PHONY: demo serve test lint typecheck unit bench clean install install-dev system-packages
# Debian packages the platform needs: the CJK font embedded in credit report PDFs, and
# poppler-utils (pdftotext, pdffonts, pdfsig, pdftoppm) with which the tests read them.
REPORT_FONT := /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

system-packages:
	@test -f $(REPORT_FONT) && command -v pdfsig >/dev/null || \
	  (apt-get update -q && apt-get install -y -q fonts-wqy-zenhei poppler-utils) || \
	  echo "install the Debian packages fonts-wqy-zenhei and poppler-utils for credit reports"

$(VENV)/.installed: pyproject.toml | $(BIN)/python system-packages
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install  ## install, create the embedded database, load the demo city, serve portal + API
	$(BIN)/xinyong db upgrade
	$(BIN)/xinyong demo
	$(BIN)/xinyong serve --port $(PORT)

serve: install
	$(BIN)/xinyong serve --port $(PORT)

lint: install-dev
	$(BIN)/ruff check xinyong tests bench
	$(BIN)/ruff format --check xinyong tests bench

typecheck: install-dev
	$(BIN)/mypy

unit: install-dev
	$(BIN)/pytest -q

test: lint typecheck unit  ## install dev dependencies and run the whole suite

bench: install-dev  ## bench/check.py needs wrk (Debian package wrk)
	command -v wrk >/dev/null || apt-get install -y wrk || echo "install wrk for bench/check.py"
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/check.py
	$(BIN)/python bench/demo_load.py --subjects 100000

clean:
	rm -rf $(VENV) xinyong.db xinyong.db-wal xinyong.db-shm .pytest_cache .mypy_cache .ruff_cache
