# Everything starts from a bare python3: the first target that needs the virtual
# environment builds it from requirements.lock; later runs skip that until the
# lock or pyproject.toml changes.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=
# The second pass of `make test`: the database-touching tests on PostgreSQL, in a
# throw-away database (pytest-django's test_…, the Flask tests' test_flask_…).
TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/celery_in_practice
DATABASE_TESTS := tests/django tests/flask/test_accounts.py tests/flask/test_contact.py tests/flask/test_snippets.py tests/flask/test_sweep.py tests/flask/test_worker.py \
	tests/flask/test_sweep_plan.py tests/shared_tasks/test_outbox.py tests/shared_tasks/test_beat.py

.DEFAULT_GOAL := help
.PHONY: help install run-django run-flask broker docs docs-check tour test test-hosts lint bench lock clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is needed, found " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

install: $(STAMP) ## build the virtual environment from the lock

run-django: $(STAMP) ## run the Django demo: web, worker, beat, Flower, SMTP sink
	$(BIN)/python -m devstack django

run-flask: $(STAMP) ## run the Flask demo: web, worker, beat, Flower, SMTP sink
	$(BIN)/python -m devstack flask

STACK ?= django
broker: $(STAMP) ## run only a demo's embedded broker, for a worker started by hand (STACK=flask)
	$(BIN)/python -m devstack.broker $(STACK)

docs: $(STAMP) ## build the tutorial site into docs/_build/html (warnings are errors)
	@command -v dot >/dev/null || { echo "make docs: the diagrams need Graphviz's dot (Debian: apt-get install graphviz)"; exit 1; }
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html
	@echo "docs: file://$(CURDIR)/docs/_build/html/index.html"

docs-check: docs ## open every page in headless Chromium: console errors, tabs, links, screenshots
	$(BIN)/python docs/_tools/sitecheck.py

tour: $(STAMP) ## retake the quick start's screenshots of the running Django demo (needs chromium)
	PYTHONPATH=$(CURDIR) $(BIN)/python docs/_tools/tour.py

test: $(STAMP) ## run the tests, then the database ones on PostgreSQL (absent servers: skipped)
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/python -m pytest $(PYTEST_ARGS) $(DATABASE_TESTS)

test-hosts: $(STAMP) ## the production chapter's deployment on simulated hosts, with faults (root)
	SIMULATED_HOSTS=1 $(BIN)/python -m pytest $(PYTEST_ARGS) tests/hosts

lint: $(STAMP) ## ruff over the code
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP) ## run the benchmarks and write bench/results.md
	$(BIN)/python -m bench

lock: $(STAMP) ## re-resolve requirements.lock (and requirements-production.lock) from pyproject.toml
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra local --extra dev --generate-hashes --python-version 3.11 --quiet -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 --quiet -o requirements-production.lock

clean: ## remove the virtual environment, databases, mail, docs build
	rm -rf $(VENV) var/* docs/_build .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
