# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= $(or $(XINYONG_PORT),8000)

.PHONY: demo serve test lint typecheck unit bench clean install install-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
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
