# Parley: `make run` to use it locally, `make test` to check it.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test unit functional browser bench package lint openapi reset clean

$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "Parley needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)  ## start the whole product locally on http://127.0.0.1:8000
	$(PY) -m local

test: $(STAMP)  ## the whole suite, offline (unit, functional on the local stack, browser)
	$(PY) -m pytest

unit: $(STAMP)
	$(PY) -m pytest tests/unit

functional: $(STAMP)
	$(PY) -m pytest tests/functional

browser: $(STAMP)
	$(PY) -m pytest tests/browser

bench: $(STAMP)  ## benchmarks: ratios, counts and percentiles
	$(PY) -m bench

package: $(STAMP)  ## CloudFormation (SAM) template and zip in out/, linted
	rm -rf out
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(VENV)/bin/chalice package --stage prod \
	  --pkg-format cloudformation --template-format yaml --merge-template infra/template.yaml out/
	$(VENV)/bin/cfn-lint out/sam.yaml

lint: package  ## the packaged template through cfn-lint, and every module compiles
	$(PY) -m compileall -q app.py chalicelib local tests bench

openapi: $(STAMP)  ## regenerate docs/openapi.json from the routes
	$(PY) -m local.openapi

reset:  ## wipe local data kept between `make run`s
	rm -rf .local

clean:
	rm -rf $(VENV) out .local .pytest_cache
