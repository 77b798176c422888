# The 3D code arena. `make run` sets up and serves the demo; `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PYTEST := $(PY) -m pytest
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# Tests that need PostgreSQL run in a second pass against this server; unreachable means skipped.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/arena
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
export TEST_DATABASE_URL TEST_REDIS_URL

.PHONY: help install install-metrics system-deps run serve demo test test-fast lint lint-js format migrations-check ci \
        bench bench-render bench-release bench-memory bench-rating bench-rating-cli bench-refresh bench-sampling bench-arena bench-metrics bench-import bench-glb bench-agreement bench-study clean

help:
	@echo "make run     set up, import and render the demo, serve on http://$(HOST):$(PORT)"
	@echo "make test    run the test suite"
	@echo "make bench   run every benchmark and write docs/benchmarks.md"
	@echo "make bench-release  the benchmark release's factories through the pool against plain bpy"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed (bpy 5.0 is built for it): set PYTHON=/path/to/python3.11"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Optional: learned-embedding metrics (torch, transformers). The tests use them.
$(VENV)/.metrics-installed: $(VENV)/.installed requirements-metrics.txt
	$(PY) -m pip install --quiet -r requirements-metrics.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian packages: bubblewrap (the render sandbox) and Chromium (browser tests).
# Installed when missing and we may (root with apt); otherwise say what is missing.
system-deps:
	@missing=""; \
	command -v bwrap >/dev/null || missing="$$missing bubblewrap"; \
	command -v chromium >/dev/null || missing="$$missing chromium chromium-driver"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "warning: missing Debian packages:$$missing (install them with apt-get as root)"; \
	  fi; \
	fi

install: $(VENV)/.installed node_modules/.installed system-deps

install-metrics: $(VENV)/.metrics-installed

demo: install
	$(MANAGE) migrate --noinput -v 0
	$(MANAGE) arena_import demo/
	$(MANAGE) arena_render
	$(MANAGE) arena_metrics
	@# Simulated demo votes (from each demo generator's 'simulated_rating'), only into an empty arena.
	$(MANAGE) arena_demo_votes --if-empty --votes 300

run: demo serve

serve:
	@echo "Serving on http://$(HOST):$(PORT)/  (arena: /arena/, gallery: /renders/, leaderboard: /leaderboard/)"
	$(MANAGE) runserver $(HOST):$(PORT)

test: install $(VENV)/.metrics-installed
	@mkdir -p test-artifacts
	$(PYTEST) -m "not postgres" $(PYTEST_ARGS)
	@if $(PY) -c "import socket,sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); socket.create_connection((p.hostname, p.port or 5432), 2)" "$(TEST_DATABASE_URL)" 2>/dev/null; then \
	  DATABASE_URL=$(TEST_DATABASE_URL) $(PYTEST) -m postgres $(PYTEST_ARGS); \
	else \
	  echo "PostgreSQL is not reachable at $(TEST_DATABASE_URL): its tests are skipped"; \
	  $(PYTEST) -m postgres $(PYTEST_ARGS); \
	fi

lint: install lint-js
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy leaderboard renderer metrics

# ESLint's recommended rules over the pages' modules (eslint.config.mjs).
lint-js: node_modules/.installed
	npx --no-install eslint static/js

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: install
	$(MANAGE) makemigrations --check --dry-run

ci: lint migrations-check test

# Each benchmark prints its figures beside the comparison measured in the same run;
# `make bench` keeps that output in var/bench/ and writes it into docs/benchmarks.md.
BENCH_OUT := var/bench

bench: install
	@mkdir -p $(BENCH_OUT)
	set -o pipefail; $(MAKE) --no-print-directory bench-render | tee $(BENCH_OUT)/render.md
	set -o pipefail; $(MAKE) --no-print-directory bench-release | tee $(BENCH_OUT)/release.md
	set -o pipefail; $(MAKE) --no-print-directory bench-rating | tee $(BENCH_OUT)/rating.md
	set -o pipefail; $(MAKE) --no-print-directory bench-rating-cli | tee $(BENCH_OUT)/rating-cli.md
	set -o pipefail; $(MAKE) --no-print-directory bench-refresh | tee $(BENCH_OUT)/refresh.md
	set -o pipefail; $(MAKE) --no-print-directory bench-sampling | tee $(BENCH_OUT)/sampling.md
	set -o pipefail; $(MAKE) --no-print-directory bench-metrics | tee $(BENCH_OUT)/metrics.md
	set -o pipefail; $(MAKE) --no-print-directory bench-arena | tee $(BENCH_OUT)/arena.md
	set -o pipefail; $(MAKE) --no-print-directory bench-import | tee $(BENCH_OUT)/import.md
	set -o pipefail; $(MAKE) --no-print-directory bench-glb | tee $(BENCH_OUT)/glb.md
	set -o pipefail; $(MAKE) --no-print-directory bench-agreement | tee $(BENCH_OUT)/agreement.md
	set -o pipefail; $(MAKE) --no-print-directory bench-study | tee $(BENCH_OUT)/study.md
	set -o pipefail; $(MAKE) --no-print-directory bench-memory | tee $(BENCH_OUT)/memory.md
	$(PY) -m config.benchdoc machine
	@for name in render release rating rating-cli refresh sampling metrics arena import glb agreement study memory; do \
	  $(PY) -m config.benchdoc section $$name $(BENCH_OUT)/$$name.md || exit 1; \
	done
	@echo "docs/benchmarks.md updated"

bench-render: install
	@$(PY) -m renderer.bench

# The reference factories of ../shared/benchmark-release (skipped with a message when absent).
bench-release: install
	@$(PY) -m renderer.bench_release

# The benchmark release's reference factories (../shared/benchmark-release): peak memory per job.
bench-memory: install
	@$(PY) -m renderer.bench_memory

bench-rating: install
	@$(PY) -m leaderboard.bench

# The chat arena's rating code (arena-rank) pins numpy 2, which bpy excludes: it gets its own venv.
REF_VENV := $(BENCH_OUT)/ref-venv

$(REF_VENV)/.installed: requirements-bench-reference.txt
	test -d $(REF_VENV) || $(PYTHON) -m venv $(REF_VENV)
	$(REF_VENV)/bin/python -m pip install --quiet -r requirements-bench-reference.txt
	touch $@

# `python -m leaderboard.rating` on 1M battles against the reference, as whole processes.
bench-rating-cli: install $(REF_VENV)/.installed
	@$(PY) -m leaderboard.bench_cli --reference-python $(REF_VENV)/bin/python

bench-refresh: install
	@$(PY) -m leaderboard.bench --refresh

bench-sampling: install
	@$(MANAGE) arena_simulate --votes 3000 --runs 12 --strategy all

bench-metrics: install
	@OMP_NUM_THREADS=1 $(PY) -m metrics.bench

bench-arena: install
	@$(PY) -m leaderboard.bench_arena

bench-import: install
	@$(PY) -m arena.bench_import

# Real factories from ../shared, drawn in headless Chromium per GLB compression.
bench-glb: install
	@$(PY) -m renderer.bench_glb

# A study's agreement panel: 300 participants x 30 votes read, computed and served.
bench-agreement: install
	@$(PY) -m arena.bench_agreement

# A study launch, open loop: participants arriving at a set rate through consent to the quota,
# GLBs sent by Django and by nginx (X-Accel-Redirect, when Debian's nginx is installed).
bench-study: install
	@$(PY) -m leaderboard.bench_study

clean:
	rm -rf var test-artifacts
