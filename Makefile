# Quick start: `make run` (the app on SQLite with demo data) and `make test` (every test).
.PHONY: help run test test-pg setup lint fmt migrate routes lock

help: ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

setup: ## the virtualenv and the pinned npm packages (re-runs only what changed)
	@scripts/setup.sh

run: setup ## the app on SQLite with demo data at http://localhost:8000
	.venv/bin/stampcard serve --demo

lint: setup ## ruff, the import contracts (slice order, pure domain) and mypy
	.venv/bin/ruff check backend digital_stampcard tests benchmarks
	.venv/bin/lint-imports
	.venv/bin/mypy --strict digital_stampcard backend

fmt: setup ## format and fix what ruff can
	.venv/bin/ruff check --fix backend digital_stampcard tests benchmarks
	.venv/bin/ruff format backend digital_stampcard tests benchmarks

migrate: setup ## migrate the database named by DATABASE_URL
	.venv/bin/stampcard migrate

routes: setup ## every API route with its operation id and the file that serves it
	.venv/bin/stampcard routes

# STAMPCARD_TEST_DB=postgres runs the same suite on PostgreSQL (127.0.0.1:5432).
test: lint ## every test: lint, types, unit, API, concurrency and browser tests
	.venv/bin/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

test-pg: ## the same suite on PostgreSQL
	STAMPCARD_TEST_DB=postgres $(MAKE) test

lock: setup ## re-pin requirements/*.lock (with hashes) after changing a dependency in pyproject.toml
	.venv/bin/uv pip compile -q --universal --python-version 3.11 --generate-hashes \
		pyproject.toml requirements/build.in -o requirements/app.lock
	.venv/bin/uv pip compile -q --universal --python-version 3.11 --generate-hashes --extra dev \
		pyproject.toml requirements/build.in -o requirements/dev.lock
