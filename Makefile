# Two commands matter: `make lab` opens JupyterLab, `make test` runs every test.
# Both install what they need into .venv (and node_modules) first, and skip that when up to date.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.deps-installed
NODE_STAMP := node_modules/.deps-installed

.PHONY: deps lab doctor facts test nbval lint bench notebooks editions samples clean

deps: $(STAMP) $(NODE_STAMP)

# INSTALLER=uv (the default) installs with uv: the same versions as pip, in seconds instead of about a minute
# (measured on a 2-core machine: requirements-dev.txt in 14 s, bytecode included, against pip's 60 s). uv is
# installed into the venv with pip first. If that or uv fails (no uv wheel for this platform, or an index only
# your pip.conf names: uv does not read pip.conf), pip installs everything instead. INSTALLER=pip skips uv.
INSTALLER ?= uv
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check
# --compile-bytecode: pip writes .pyc files at install and uv does not by default. Where PYTHONDONTWRITEBYTECODE
# is set (CI images, this project's build machine), none would ever be written, and every kernel would compile
# anthropic and botocore from source again: strict nbval took 117 s in a fresh clone instead of 74 s.
UV_PIP := $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@case "$(INSTALLER)" in uv|pip) ;; *) echo "INSTALLER=$(INSTALLER): use uv or pip"; exit 2;; esac
	@if [ "$(INSTALLER)" = uv ] && $(PIP) "uv>=0.9" && $(UV_PIP) -r requirements-dev.txt \
		&& $(UV_PIP) --no-deps -e .; then \
		echo "installed with uv ($$($(BIN)/uv --version))"; \
	else \
		[ "$(INSTALLER)" = pip ] || echo "note: uv could not install the requirements: pip installs them (about a minute)"; \
		$(PIP) --upgrade pip && $(PIP) -r requirements-dev.txt \
		&& PYTHONWARNINGS=ignore $(PIP) --no-deps -e .; \
	fi
	@# (PYTHONWARNINGS: setuptools prints an informational box on every editable install; it asks nothing.)
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "note: npm not found: TypeScript samples and their tests are skipped (install Node.js >= 20)"; \
	fi

# The lab serves notebooks/ and opens the first notebook of EDITION (en by default). It prints the
# address to open, token included ("Or copy and paste one of these URLs"); INFO chatter is hidden.
EDITION ?= en
lab: deps   # as root (e.g. in a container) Jupyter needs --allow-root
	@test -d notebooks/$(EDITION) || { echo "EDITION=$(EDITION): use en, ja or zh-TW"; exit 2; }
	@$(BIN)/jupyter lab $$([ "$$(id -u)" = 0 ] && echo --allow-root) --ServerApp.root_dir=notebooks \
		--LabApp.default_url=/lab/tree/$(EDITION)/01_setup_checks.ipynb --ServerApp.log_level=WARN --LabApp.log_level=WARN

doctor: deps   # is this machine ready? exit 0 unless a check FAILs; JSON: .venv/bin/python -m helpers doctor --json
	$(BIN)/python -m helpers doctor

facts: deps   # the catalog's facts, least certain and oldest first: what to re-check (--confidence L, --json)
	$(BIN)/python -m helpers facts

lint: $(STAMP)
	$(BIN)/ruff check helpers tests bench tools conftest.py

# The tests, then strict nbval over every notebook of every edition, in parallel (a notebook's editions
# share one worker: see conftest.py). Both always run; either failing fails the target.
# -p: hypothesis (for tests/) and an eager import of jsonschema's (tools/nbval_startup.py) cost 2.4 s of CPU in each
# of the run's five pytest processes, and the notebooks need neither.
NBVAL := HANDSON_MODE=offline $(BIN)/python -m pytest notebooks -n auto --dist loadfile -p no:hypothesispytest \
	-p tools.nbval_startup
test: deps lint
	@status=0; HANDSON_MODE=offline $(BIN)/python -m pytest tests || status=1; \
	$(NBVAL) || status=1; exit $$status

nbval: deps   # only the notebooks: are the committed outputs what the code prints today?
	$(NBVAL)

notebooks: deps   # re-execute every notebook (all editions) offline and save its outputs
	$(BIN)/python tools/refresh_notebooks.py --jobs 2

editions: deps    # bring ja/ and zh-TW/ in step with en/ (cells, tags, code) and list the prose to translate
	$(BIN)/python tools/editions.py sync

samples: deps   # regenerate the sample PDFs in notebooks/data (committed)
	$(BIN)/python tools/make_sample_pdfs.py

# The suite's numbers, measured now, as one markdown table (about 8 minutes; progress on stderr). Some rows only:
# make bench BENCH_ARGS="--quick --only connect lab"; the fresh-clone rows need BENCH_ARGS=--fresh-clone (~25 min).
bench: deps
	HANDSON_MODE=offline $(BIN)/python bench/report.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache .hypothesis
