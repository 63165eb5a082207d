# Everything a fresh machine with only Python and make needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_PORT ?= 8000

.PHONY: demo test docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files record which extras are installed; they are redone when pyproject.toml changes.
$(VENV)/.demo-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[demo]'
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

$(VENV)/.docs-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	touch $@

demo: $(VENV)/.demo-installed
	@echo
	@echo "  Sample site: open http://127.0.0.1:$(DEMO_PORT)/  (Ctrl+C stops it; watch the contexts close)"
	@echo
	cd sample_site && ../$(BIN)/python -m uvicorn sample_site.asgi:application \
		--lifespan on --host 127.0.0.1 --port $(DEMO_PORT)

test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest

# Strict: a broken link, a missing snippet file or a page left out of the nav fails.
docs: $(VENV)/.docs-installed
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict --quiet --site-dir site

clean:
	rm -rf $(VENV) .pytest_cache build dist site
