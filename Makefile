# Two commands on a fresh machine: `make serve` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q
ARGS   ?=

.PHONY: serve test contract-live wheel-check teeth drift check lint bench clean help

help:  ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamps re-run the install only when the declared or locked dependencies change.
$(VENV)/.runtime: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install -c constraints.txt -e .
	@touch $@

$(VENV)/.test: pyproject.toml constraints.txt $(VENV)/.runtime
	$(PIP) install -c constraints.txt -e ".[test,dev]"
	@touch $@

# Spectral and the OWASP ruleset, pinned by package-lock.json, in ./node_modules (nothing global);
# no install scripts (the only one is a usage-reporting hook).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

serve: $(VENV)/.runtime  ## Install pinned dependencies and serve on 127.0.0.1:8080 (ARGS="--port 9000" to change)
	$(BIN)/mockserver serve $(ARGS)

test: $(VENV)/.test  ## Install test dependencies and run every test in-process; the contract suite in both profiles
	$(BIN)/python -m pytest $(ARGS)
	$(BIN)/python -m pytest contract_tests --profile jim $(ARGS)

contract-live: $(VENV)/.test  ## Serve each profile on a free port and run the contract suite against it over HTTP
	$(BIN)/python scripts/contract_live.py -q
	$(BIN)/python scripts/contract_live.py -q --profile jim

wheel-check: $(VENV)/.test  ## Build the wheel; from a fresh venv outside the checkout: serve, mockserver verify, a client suite using jim_sandbox
	$(BIN)/python scripts/wheel_check.py $(ARGS)

teeth: $(VENV)/.test  ## Prove the contract suite fails on each deliberately broken server (tests/mutants.py); RECORD=1 rewrites tests/mutant_catchers.json
	TEETH_RECORD=$(RECORD) $(BIN)/python -m pytest tests/test_suite_has_teeth.py -m teeth -s $(ARGS)

drift: $(VENV)/.runtime  ## Print where the jim profile differs from the documented one (ARGS="--base-url URL --api-key KEY" for a live JIM)
	$(BIN)/mockserver drift $(ARGS)

bench: $(VENV)/.runtime  ## Measure against a bare-Starlette ceiling with wrk (ARGS="--quick" for a smoke run, "--peers" to add Prism, Mockoon, WireMock)
	$(BIN)/python benchmarks/bench.py $(ARGS)

check: $(VENV)/.runtime  ## Validate the fixtures against the spec, then exit
	$(BIN)/mockserver check $(ARGS)

lint: $(VENV)/.test node_modules/.installed  ## ruff, mypy (strict on mockserver/), import-linter (ARCHITECTURE.md's rules), Spectral's OWASP rules on the specs, hadolint, compose.yaml against the compose spec
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	node_modules/.bin/spectral lint openapi.yaml admin-openapi.yaml --ruleset .spectral.yaml --fail-severity=warn
	$(BIN)/hadolint --failure-threshold info Dockerfile
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec compose.yaml

clean:  ## Remove the environment and caches
	rm -rf $(VENV) node_modules benchmarks/peers/node_modules .pytest_cache .hypothesis .schemathesis .mypy_cache .ruff_cache reports
