# Two commands on a fresh machine with only Python: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell $(PYTHON) -c "import hashlib,sys;print(hashlib.sha1(open('pyproject.toml','rb').read()).hexdigest()[:12])" 2>/dev/null)

.PHONY: run test fuzz bench install locales lint typecheck demo chromium clean

# `serve` applies migrations itself before it starts.
run: install locales
	$(BIN)/sauda serve

# Parallel test workers (pytest-xdist): one per core by default; PYTEST_WORKERS=0 runs in one.
# A worker that runs out of tests takes some of another's (worksteal), so both finish
# together instead of one waiting on the other's last slow tests.
PYTEST_WORKERS ?= auto

# Bytecode is cached under .venv/pycache, also where the shell sets PYTHONDONTWRITEBYTECODE
# (the tree stays free of __pycache__ either way): without it every test worker and every
# `sauda` process a test starts compiles the whole tree from source again, and pytest
# rewrites the asserts of every test module again (~5 s of CPU a worker).
test: export PYTHONDONTWRITEBYTECODE :=
test: export PYTHONPYCACHEPREFIX := $(CURDIR)/$(VENV)/pycache
test: install locales lint typecheck
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist worksteal

# schemathesis (every check, a fixed seed, bounded examples) over every served contract,
# against the app started by tools/fuzz.py on loopback ports (SQLite, the demo shop, an
# owner token); it stops by itself. FUZZ_ARGS passes options, e.g. --max-examples 50.
FUZZ_ARGS ?=

fuzz: install locales
	$(BIN)/python tools/fuzz.py $(FUZZ_ARGS)

# Sauda against the comparison apps in ../shared/bench (bench/compare.py; ~25 min, on
# loopback, bounded); BENCH_ARGS passes options, e.g. --quick.
BENCH_ARGS ?=

bench: install
	$(BIN)/python bench/compare.py $(BENCH_ARGS)

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	@echo "Installing Sauda and its dependencies into $(VENV) (a minute or two the first time)"
	$(BIN)/python -m pip install --progress-bar on -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

# Compiled catalogues are built here, not committed.
locales: install
	@for po in sauda/locales/*/LC_MESSAGES/*.po; do \
		[ -e "$$po" ] || continue; \
		$(BIN)/pybabel -q compile -i "$$po" -o "$${po%.po}.mo" || exit 1; \
	done

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

demo: install locales
	$(BIN)/sauda demo

# Headless Chromium for the page tests (Debian; needs root). CI installs it itself.
chromium:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
