# pipshim: `make install` (this user) and `make test` (the whole suite) are the two entry points.
PYTHON ?= python3
PREFIX ?=
XDG_DATA_HOME ?= $(HOME)/.local/share
ifeq ($(PREFIX),)
TOOL_DIR ?= $(XDG_DATA_HOME)/pipshim/tool
BIN_DIR ?= $(HOME)/.local/bin
else
TOOL_DIR ?= $(PREFIX)/lib/pipshim/tool
BIN_DIR ?= $(PREFIX)/bin
endif
DEV_DIR ?= $(CURDIR)/.dev
DEV_PY := $(DEV_DIR)/bin/python
# pip's --python installs into an interpreter that has no pip of its own: no ensurepip
# (python3-venv) needed, and the system site-packages are never touched.
PIP_INTO = $(PYTHON) -m pip --disable-pip-version-check --python

.PHONY: install uninstall test unit lint bench dev clean shells

install:
	@test -x "$(TOOL_DIR)/bin/python" || $(PYTHON) -m venv --without-pip "$(TOOL_DIR)"
	$(PIP_INTO) "$(TOOL_DIR)/bin/python" install --quiet --upgrade --force-reinstall --no-deps .
	$(PIP_INTO) "$(TOOL_DIR)/bin/python" install --quiet --upgrade-strategy only-if-needed .
	"$(TOOL_DIR)/bin/python" -I -m pipshim install-shims --bin-dir "$(BIN_DIR)" --python "$(TOOL_DIR)/bin/python"
	@echo "pipshim installed: shims in $(BIN_DIR), resolver in $(TOOL_DIR)"

uninstall:
	@if [ -x "$(TOOL_DIR)/bin/python" ]; then "$(TOOL_DIR)/bin/python" -I -m pipshim uninstall-shims --bin-dir "$(BIN_DIR)"; fi
	rm -rf "$(TOOL_DIR)"

dev: $(DEV_DIR)/.installed

$(DEV_DIR)/.installed: pyproject.toml
	@test -x "$(DEV_PY)" || $(PYTHON) -m venv --without-pip "$(DEV_DIR)"
	$(PIP_INTO) "$(DEV_PY)" install --quiet pip -e '.[dev]'
	@touch $@

lint: dev
	"$(DEV_PY)" -m ruff check src tests tools
	"$(DEV_PY)" -m ruff format --check src tests tools

# the shell-init tests run the real zsh and fish: install them when missing (root with apt only)
shells:
	@if ! command -v zsh >/dev/null 2>&1 || ! command -v fish >/dev/null 2>&1; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zsh fish) >/dev/null; \
	    else echo "zsh and fish are needed by the shell-init tests: install them"; fi; \
	fi

test: dev lint shells
	"$(DEV_PY)" -m pytest -q -p no:cacheprovider tests

unit: dev
	"$(DEV_PY)" -m pytest -q -p no:cacheprovider tests/unit

bench: dev
	"$(DEV_PY)" tools/bench.py $(BENCH_ARGS)

clean:
	rm -rf "$(DEV_DIR)" build dist

# the version matrix (issue 10): routing and differential tests on real externally managed
# interpreters for Ubuntu 24.04's, Debian 13's and the newest Python/pip pair, built from pyenv's
# Pythons into ~/.cache/pipshim-test/matrix; prints the pairs it covered. Not part of `make test`.
.PHONY: check-matrix
check-matrix: dev
	"$(DEV_PY)" -m pytest -q -p no:cacheprovider tests/matrix tests/integration/test_side_by_side.py
