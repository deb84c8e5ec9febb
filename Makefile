# The desk's two set-up commands: `make run` (local desk) and `make test` (the whole gate).
# `make soak` runs the long proofs at scale (tests/soak) that CI runs after the gate.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SMTP_PORT ?= 2525
STAMP := $(VENV)/.installed

.PHONY: install run demo screenshots test lint typecheck unit soak bench clean package deploy

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

install: $(STAMP) chromium

# The browser tests drive Debian's chromium (never a browser `playwright install` would fetch).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
.PHONY: chromium
chromium:
	@[ -x $(CHROMIUM) ] || { $(SUDO) apt-get update -qq >/dev/null && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# `make run DEMO=1` fills an empty desk with the demo month first (as `make demo` does).
DEMO ?=
run: install
	PORT=$(PORT) $(PY) scripts/run_local.py --port $(PORT) --smtp-port $(SMTP_PORT) $(if $(DEMO),--demo)

# A month of history made through the desk's own services (scripts/demo.py), kept in .run/ for
# the next `make run`; a desk with tickets is left as it is (`make reset` first).
demo: install
	$(PY) scripts/demo.py

# The README's screenshots (docs/screenshots/), taken in headless Chromium on the demo month;
# not part of the gate (marker `screenshots`).
screenshots: install
	$(VENV)/bin/pytest -m screenshots -p no:xdist tests/browser/test_screenshots.py

lint: install
	$(VENV)/bin/ruff check .

typecheck: install
	$(VENV)/bin/mypy app.py chalicelib tests scripts bench infra

# Every test but the soak tier (pyproject's addopts), the end-to-end ones included, on two
# workers (pytest-xdist): the machine's two cores.
unit: install
	$(VENV)/bin/pytest -n 2 --durations=10

soak: install
	$(VENV)/bin/pytest -m soak --durations=10

test: lint typecheck unit

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) $(DEPLOY_VENV) build *.egg-info

# `make run` keeps its data in .run/ across restarts; `make reset` starts the next run empty.
RUN_DATA ?= .run
.PHONY: reset
reset:
	rm -rf $(RUN_DATA)

# One stack per stage (dev, staging, prod). `make package` builds build/$(STAGE)/template.json and
# deployment.zip offline; `make deploy` runs the one command that needs AWS credentials: `sam deploy`,
# which uploads the package (to ARTIFACT_BUCKET, or SAM's own managed bucket when unset) and deploys
# the stack through a CloudFormation change set. The SAM CLI lives in a venv of its own
# (.venv-deploy, from requirements-deploy.txt), installed on the first deploy: it pins its own cfn-lint
# and boto3, and the gate never needs it. Extra parameters: PARAMS="EmailSender=desk@example.com ...".
STAGE ?= dev
ARTIFACT_BUCKET ?=
PARAMS ?=
DEPLOY_VENV ?= .venv-deploy
DEPLOY_STAMP := $(DEPLOY_VENV)/.installed

package: install
	$(PY) -m infra.package --stage $(STAGE)

$(DEPLOY_STAMP): requirements-deploy.txt
	$(PYTHON) -m venv $(DEPLOY_VENV)
	$(DEPLOY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-deploy.txt
	touch $(DEPLOY_STAMP)

deploy: package $(DEPLOY_STAMP)
	SAM_CLI_TELEMETRY=0 $(DEPLOY_VENV)/bin/sam deploy --template-file build/$(STAGE)/template.json --stack-name desk-$(STAGE) \
	    $(if $(ARTIFACT_BUCKET),--s3-bucket $(ARTIFACT_BUCKET),--resolve-s3) --s3-prefix desk-$(STAGE) \
	    --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --no-fail-on-empty-changeset \
	    --no-confirm-changeset $(if $(PARAMS),--parameter-overrides $(PARAMS))
