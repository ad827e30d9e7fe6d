# Two commands a newcomer needs:   make run   |   make test
# Everything else is a step of those two.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SAMENV := .sam-venv
SAM    := $(SAMENV)/bin/sam
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= us-east-1
export AWS_REGION ?= us-east-1

.PHONY: run test install lint typecheck sam-validate package events events-check browser unit \
        integration e2e bench bench-api-load bench-profiling bench-first-ranked bench-alpha \
        bench-clusters bench-cluster-scale bench-ingest bench-loop bench-runtime-loop \
        bench-settings-saves space clean

## make run: install, then start Postgres + graph + simulated market + API + UI on 127.0.0.1
run: install
	$(BIN)/walltrack run $(ARGS)

## make test: every check CI runs, in order of cost; one pytest run over all tiers so its
## closing line counts every test
test: install lint typecheck sam-validate events-check package browser
	$(BIN)/pytest tests/unit tests/integration tests/sim_calibration tests/e2e -q

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[ui,local,dev]"
	touch $@

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/hadolint Dockerfile

typecheck: install
	$(BIN)/mypy

# aws-sam-cli pins click/boto3 versions of its own, so it lives in its own virtual environment.
# Pinned: `make events-check` compares the sample events it generates with the committed ones,
# and a new release may change them (bump it with `make events`).
SAM_VERSION := 1.170.0
$(SAM):
	$(PYTHON) -m venv $(SAMENV)
	$(SAMENV)/bin/python -m pip install -q --upgrade pip
	$(SAMENV)/bin/python -m pip install -q "aws-sam-cli==$(SAM_VERSION)"

sam-validate: $(SAM)
	$(SAM) validate --template template.yaml
	$(SAM) validate --lint --template template.yaml

# Debian's chromium drives the browser tests (Playwright uses it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

unit: install
	$(BIN)/pytest tests/unit -q

integration: install
	$(BIN)/pytest tests/integration -q

## make calibration: the calibrated sim scenario within the real market's bands on 3 seeds
calibration: install
	$(BIN)/pytest tests/sim_calibration -q

e2e: install browser
	$(BIN)/pytest tests/e2e -q

bench: install
	$(BIN)/python bench/cold_imports.py
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/swap_throughput.py
	$(BIN)/python bench/alpha.py --seed 1 2 3 4 5 6 7 8
	$(BIN)/python bench/api_load.py

## make bench-api-load: 50 concurrent clients on the API's read routes beside a bare FastAPI
## endpoint, both served by uvicorn on 127.0.0.1 (ARGS="--check" exits 1 on a missed target)
bench-api-load: install
	$(BIN)/python bench/api_load.py $(ARGS)

## make bench-profiling: wallet profiles per minute and Helius/Jupiter calls per profile at each
## Helius plan, on the default world (ARGS="--seed 1 --wallets 24 --plans developer")
bench-profiling: install
	$(BIN)/python bench/profiling.py $(ARGS)

## make bench-first-ranked: `walltrack run` (its default world) in a temp folder, timed until
## GET /wallets lists the first profiled wallet and 20 of them (ARGS="--cap-minutes 30")
bench-first-ranked: install
	$(BIN)/python bench/first_ranked.py $(ARGS)

## make bench-alpha: the alpha bench through the product (calibrated world; ARGS='--seed 4 --quick')
bench-alpha: install
	$(BIN)/python bench/alpha.py $(or $(ARGS),--seed 1 2 3 4 5 6 7 8)

## make bench-clusters: owners vs the calibrated sim's hidden owners (ARI, pairwise precision and
## recall) beside the first-funder and co-entry baselines (ARGS='--seed 1 2 3 4 5')
bench-clusters: install
	$(BIN)/python bench/clusters.py $(or $(ARGS),--seed 1 2 3 4 5)

## make bench-cluster-scale: grouping time on synthetic evidence (10k/30k/100k wallets, 10 edges
## a wallet) and edges/s written to the embedded graph server through the driver
bench-cluster-scale: install
	$(BIN)/python bench/cluster_scale.py $(ARGS)

## make bench-ingest: step 6 on loopback: ingestion throughput (swap transactions/s committed),
## then 10,000 sim deliveries with drop/duplicate/reorder/delay/5xx faults and one reconcile:
## lost and duplicated swaps (0/0), delivery -> committed and -> scored-signal latency p50/p99
bench-ingest: install
	$(BIN)/python bench/ingest.py $(ARGS)

## make bench-loop: the whole copy loop through the product on the second half of calibrated
## sim days (watchlist -> signals -> positions -> orders -> exits): paper PnL beside baselines
## and the oracle, edge kept, max drawdown, delivery -> paper fill latency (ARGS='--seed 4 --quick')
bench-loop: install
	$(BIN)/python bench/loop.py $(or $(ARGS),--seed 1 4 5)

## make bench-runtime-loop: webhook POST -> entry paper fill through the local runtime as
## `walltrack run` runs it (dispatcher, Postgres queues, uvicorn), per hop (ARGS='--deliveries 60')
bench-runtime-loop: install
	$(BIN)/python bench/runtime_loop.py $(ARGS)

## make bench-settings-saves: Settings saves in a real browser on a loaded machine (e2e stack,
## busy processes beside it): how many get no "Saved" answer (ARGS='--runs 20 --load 2')
bench-settings-saves: install browser
	$(BIN)/python bench/settings_saves.py $(ARGS)

## make package: the Lambda package as `sam deploy` ships it (.aws-sam/build), built once for
## template.yaml's Runtime and Architectures, then checked (tools/check_package.py: ABI tags,
## contents, imports in a Python of the runtime's version, sizes against Lambda's limits)
package: install $(SAM)
	$(SAM) build --template template.yaml --build-in-source --no-cached --parallel
	$(BIN)/python -m tools.check_package .aws-sam/build

# `sam build` runs these (Metadata: BuildMethod: makefile) in the source tree: the one
# dependencies layer (pyproject's runtime dependencies as wheels for the template's runtime),
# and each function's code (walltrack/ and functions/ only). See tools/lambda_package.py.
LAMBDA_BUILD_PYTHON = @test -x $(BIN)/python || { \
	  echo "$(BIN)/python is missing: build with 'make package' (it installs it first)" >&2; \
	  exit 2; }; $(BIN)/python

build-DependenciesLayer:
	$(LAMBDA_BUILD_PYTHON) -m tools.lambda_package layer "$(ARTIFACTS_DIR)"

build-%:
	$(LAMBDA_BUILD_PYTHON) -m tools.lambda_package function "$(ARTIFACTS_DIR)"

## make events: (re)generate tests/fixtures/events with `sam local generate-event`, one event
## per trigger of each function in template.yaml; events-check fails if they differ
events: $(SAM)
	$(BIN)/python -m tools.lambda_events write --sam $(SAM)

events-check: install $(SAM)
	$(BIN)/python -m tools.lambda_events check --sam $(SAM)

## make space DIR=<clone of your Space>: lay out the dashboard's Hugging Face Space in DIR
## (spaces/app.py, requirements.txt, README.md, walltrack/ and ui/); commit and push DIR
space:
	@test -n "$(DIR)" || { echo "usage: make space DIR=<clone of your Space>" >&2; exit 2; }
	$(PYTHON) -m tools.space "$(DIR)"

clean:
	rm -rf $(VENV) $(SAMENV) .walltrack .pytest_cache .mypy_cache .ruff_cache .aws-sam
