# Quick start: `make run` (the app on SQLite with demo data) and `make test` (every test).
.PHONY: run test setup lint

setup:
	@scripts/setup.sh

run: setup
	.venv/bin/stampcard serve --demo

lint: setup
	.venv/bin/ruff check backend digital_stampcard tests benchmarks
	.venv/bin/mypy --strict digital_stampcard

# STAMPCARD_TEST_DB=postgres runs the same suite on PostgreSQL (127.0.0.1:5432).
test: lint
	.venv/bin/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)
