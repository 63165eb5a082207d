# Everything a fresh machine with only Python and make needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_PORT ?= 8000
DOCS_PORT ?= 8008

.PHONY: demo test lint docs docs-serve matrix bench clean fuzz rolling-restart browser

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
	cd sample_site && BOOKS_API_URL=http://127.0.0.1:$(DEMO_PORT)/api/ \
		../$(BIN)/python -m uvicorn sample_site.asgi:application \
		--lifespan on --host 127.0.0.1 --port $(DEMO_PORT)

# The whole suite, under coverage from before any plugin loads (server and worker processes
# too); fails below 95% branch coverage. TEST_WORKERS pytest-xdist workers: most tests wait on
# real processes, so more workers than cores (measured on 2 cores: see .ci/run). loadscope
# keeps a module on one worker, so its module-scoped projects and servers are built once.
TEST_WORKERS ?= 4
test: $(VENV)/.dev-installed
	rm -f .coverage .coverage.*
	$(BIN)/python -m coverage run -m pytest -n $(TEST_WORKERS) --dist loadscope
	$(BIN)/python -m coverage combine --quiet
	$(BIN)/python -m coverage report --fail-under=95

# Debian's Chromium, for the test that opens `manage.py lifespan --timeline`'s SVG in a real
# browser (it skips without one). Needs root, as CI has; nothing to do once installed.
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

lint: $(VENV)/.dev-installed
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	$(BIN)/lint-imports  # the layers (pyproject.toml, docs/architecture.md)
	$(BIN)/python -m mypy django_lifespan_ctx sample_site/library sample_site/signals_demo sample_site/visits sample_site/sample_site
	$(BIN)/python -m pyright
	# The typed state (views, current_state, commands, threads, tests) under both checkers;
	# then reads of keys the type lacks must fail.
	$(BIN)/python -m mypy docs/examples/typed_state.py docs/examples/typed_everywhere.py
	$(BIN)/python -m pyright sample_site/library/views.py sample_site/library/state.py \
		docs/examples/typed_state.py docs/examples/typed_everywhere.py
	$(BIN)/python -m tests.typing_negative

# The fault model with many more generated scenarios than `make test` runs, split over
# FUZZ_SHARDS processes (each mostly waits, so four share two cores): about 9 minutes.
FUZZ_EXAMPLES ?= 10000
FUZZ_SHARDS ?= 4
fuzz: $(VENV)/.dev-installed
	seq $(FUZZ_SHARDS) | xargs -P $(FUZZ_SHARDS) -I{} env FAULT_MODEL_EXAMPLES=$$(( $(FUZZ_EXAMPLES) / $(FUZZ_SHARDS) )) \
		$(BIN)/python -m pytest -p no:cacheprovider -q tests/fault_model/test_fault_model.py

# A rolling restart under load on every server and loop of the Draining table: 30 keep-alive
# clients through SIGTERM, every refused, reset or 5xx answer a failure (about 10 s a server).
rolling-restart: $(VENV)/.dev-installed
	$(BIN)/python -m tests.rolling_restart

# Python 3.10-3.13 x Django 5.2, 6.0, 6.1 (6.x from 3.12), interpreters from pyenv; four
# sessions at a time (MATRIX_AT_ONCE), each printed whole when it ends.
matrix: $(VENV)/.dev-installed
	PYENV_VERSION=$${PYENV_VERSION:-3.11.7:3.12.1:3.13.0:3.10.13} $(BIN)/python .ci/matrix.py

$(VENV)/.bench-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@

bench: $(VENV)/.bench-installed
	$(BIN)/python -m benchmarks

# Strict: a broken link, a missing snippet file or a page left out of the nav fails,
# and so does a public name (the list is docs/reference.md) without a docstring.
docs: $(VENV)/.docs-installed
	$(BIN)/python -m tests.docstrings
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict --quiet --site-dir site

# The same site, served locally and rebuilt on every edit: the raw pages only point to their examples.
docs-serve: $(VENV)/.docs-installed
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs serve --strict --dev-addr 127.0.0.1:$(DOCS_PORT)

clean:
	rm -rf $(VENV) .pytest_cache .nox .coverage build dist site
