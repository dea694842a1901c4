# Everything runs from .venv, created on first use. Python 3.11+ and make are all it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed
RUNTIME := $(VENV)/.runtime

.PHONY: serve test jstest compose-config bench load lint typecheck install lock floors clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Serving needs the runtime dependencies only; the tests and benchmarks add their tools.
$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $(STAMP) $(RUNTIME)

install: $(STAMP)

serve: $(RUNTIME)
	$(BIN)/descentlab serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check backend tests bench
	$(BIN)/ruff format --check backend tests bench

typecheck: install
	$(BIN)/mypy

# The front end's pure modules (state, requests, figure builders) under Node's own runner.
jstest:
	@if command -v node >/dev/null 2>&1; then \
		node --test tests/js/; \
	else \
		echo "node not found: skipping the JavaScript unit tests (tests/js); CI has node"; \
	fi

# docker-compose.yml (with its GPU profile) as Docker Compose v2 reads it; needs no engine.
# Skipped, saying why, where `docker compose` is missing (tests/unit/test_deployment.py
# checks the file's structure either way).
compose-config:
	@if docker compose version >/dev/null 2>&1; then \
		docker compose config -q && docker compose --profile gpu config -q \
			&& echo "docker compose config: docker-compose.yml is valid (default and gpu profiles)"; \
	else \
		echo "skipping docker compose config: $$(docker compose version 2>&1 | head -n 1)"; \
	fi

test: lint typecheck jstest compose-config
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python -m bench.run_all

# A class of 100 students dragging sliders for 60 s, plus training jobs, against one server;
# then keep-alive latency with several workers. Writes docs/load_results.json and the load
# section of docs/BENCHMARKS.md. Shorter trials: make load LOAD_ARGS="--students 20 --seconds 10"
load: install
	$(BIN)/python -m bench.load $(LOAD_ARGS)

# requirements.lock: the runtime dependencies at exact versions and hashes, for the Docker
# image (CPython 3.11 on Linux). Rerun after changing the dependencies in pyproject.toml;
# tests/unit/test_packaging.py fails while the lock misses one or falls outside its range.
LOCK_VENV := .venv-lock
lock:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet "pip-tools>=7.4"
	$(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links --annotation-style=line \
		--output-file=requirements.lock pyproject.toml

# The declared minimum versions, tried: a fresh environment with every runtime dependency
# at its floor in pyproject.toml (.ci/floors.py) runs the API tests. Old releases may warn
# of newer deprecations, so warnings are shown here instead of failing. .ci/run runs it.
FLOORS_VENV := .venv-floors
FLOORS_TESTS := $(patsubst %,tests/api/test_%.py,health grid trajectories analyze datasets \
	experiments sweeps export lessons validation limits security catalogue frontend_files \
	uploads results openapi compression event_streams)
floors: install
	rm -rf $(FLOORS_VENV)
	$(PYTHON) -m venv $(FLOORS_VENV)
	$(BIN)/python .ci/floors.py > $(FLOORS_VENV)/floors.txt
	$(FLOORS_VENV)/bin/python -m pip install --quiet --constraint $(FLOORS_VENV)/floors.txt \
		-e . "pytest>=8" "httpx>=0.27" "jsonpatch>=1.33"
	$(FLOORS_VENV)/bin/python -m pip list 2>/dev/null | grep -Ei '^(fastapi|jax|numpy|pydantic|optax) '
	$(FLOORS_VENV)/bin/python -m pytest -q -p no:cacheprovider -W default::DeprecationWarning \
		$(FLOORS_TESTS)

clean:
	rm -rf $(VENV) $(LOCK_VENV) $(FLOORS_VENV) .pytest_cache .mypy_cache .ruff_cache build dist
