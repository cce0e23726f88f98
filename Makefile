# ptleads: the two commands are `make run` and `make test` (see README).
SHELL := /bin/bash
# Bytecode: uv compiles the locked packages at install, and our own modules may write theirs. Where the
# environment sets PYTHONDONTWRITEBYTECODE, every process (pytest workers, each dbt invocation, the CLI)
# would otherwise recompile dagster, dbt and mlflow from source on start: seconds each, minutes per test run.
export UV_COMPILE_BYTECODE := 1
unexport PYTHONDONTWRITEBYTECODE
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
DEMO_SEED ?= 7
DEMO_LEADS ?= 3000
DEMO_FAXES ?= 40
BENCH_SIZES ?= 10000
BENCH_FLAGS ?=
PORT ?= 8501

.PHONY: run test lint dagster bench bench-day setup demo-data pipeline app browser-deps

setup:  ## install uv if missing, then the locked environment
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv
	$(UV) sync --frozen

demo-data: setup  ## generate a demo practice if data/inbox is empty
	@if [ -z "$$(find data/inbox -type f 2>/dev/null | head -1)" ]; then \
	  echo "data/inbox is empty: generating a demo practice"; \
	  $(UV) run ptleads generate --out data --seed $(DEMO_SEED) --leads $(DEMO_LEADS) --months 12 --max-faxes $(DEMO_FAXES); \
	fi

pipeline: demo-data
	$(UV) run ptleads run --inbox data/inbox --warehouse data/warehouse.duckdb --config $$( [ -d data/config ] && echo data/config || echo config )

run: pipeline  ## generate demo data if needed, run the pipeline once, serve the app on :8501
	$(UV) run ptleads app --warehouse data/warehouse.duckdb --port $(PORT)

browser-deps:  ## Debian's headless Chromium for the browser tests (root installs it; others are told)
	@bash scripts/ensure_chromium.sh

test: setup browser-deps  ## the whole test suite (what CI runs)
	$(UV) run pytest -n 2 --dist loadfile --durations=15

lint: setup
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run sqlfluff lint dbt_project/models dbt_project/tests

dagster: setup  ## the Dagster UI with every asset, sensor and schedule (run history kept in data/.dagster_home)
	mkdir -p "$${DAGSTER_HOME:-$(CURDIR)/data/.dagster_home}"
	DAGSTER_HOME="$${DAGSTER_HOME:-$(CURDIR)/data/.dagster_home}" $(UV) run dagster dev -m orchestration.definitions -p 3000

bench: setup  ## scale run per size of BENCH_SIZES (e.g. BENCH_SIZES="10000 100000"; BENCH_FLAGS="--nice 10 --spark"); results in benchmarks/results/ (SCALE.md)
	$(UV) run python benchmarks/scale_run.py --sizes $(BENCH_SIZES) $(BENCH_FLAGS)

bench-day: setup  ## re-measure one new day on the scale warehouse `make bench` left (BENCH_SIZES=1000000): un-land, rebuild as of the day before, land the day
	for size in $(BENCH_SIZES); do $(UV) run python benchmarks/scale_day.py --size $$size || exit 1; done
