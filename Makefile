# pipshim: `make install` (this user) and `make test` (the suite, about 110 s on the 2-core dev
# machine) are the two entry points; `make check` adds the slow, exhaustive end-to-end tests (CI runs both).
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
PURGE ?=
UNINSTALL_PY = $(PYTHON)
UNINSTALL_ENTRY = 'import sys; sys.path.insert(0, "$(CURDIR)/src"); from pipshim.cli import main; sys.exit(main())'

# parallel workers (pytest-xdist); a test file runs in one worker, so its module fixtures are made once
# (pytest caches its assertion-rewritten test modules only where Python may write bytecode)
PYTEST = env -u PYTHONDONTWRITEBYTECODE "$(DEV_PY)" -m pytest -q -p no:cacheprovider
XDIST ?= -n 3 --dist loadfile

# pytest's temp dirs: one per target, outside the checkout (whose pyproject.toml would make every
# test directory part of a project), private. The previous run's (~100k files, mostly venvs) is
# moved aside and deleted in the background at low priority instead of in pytest's foreground.
TEST_TMP ?= $(or $(TMPDIR),/tmp)/pipshim-tests-$(shell id -u)
fresh_tmp = mkdir -p -m 700 "$(TEST_TMP)" && if [ -d "$(TEST_TMP)/$(1)" ]; then \
	mv "$(TEST_TMP)/$(1)" "$(TEST_TMP)/old.$(1).$$$$" && (nice -n 19 rm -rf "$(TEST_TMP)"/old.* >/dev/null 2>&1 &); fi

.PHONY: install uninstall test check unit lint bench dev clean shells

install:
	@test -x "$(TOOL_DIR)/bin/python" || $(PYTHON) -m venv --without-pip "$(TOOL_DIR)"
	@$(PIP_INTO) "$(TOOL_DIR)/bin/python" install --quiet --upgrade --force-reinstall --no-deps .
	@$(PIP_INTO) "$(TOOL_DIR)/bin/python" install --quiet --upgrade-strategy only-if-needed .
	@# install-summary gives the PATH hint (the README's rc line), so install-shims is told BIN_DIR is on PATH
	@PATH="$(BIN_DIR):$$PATH" "$(TOOL_DIR)/bin/python" -I -m pipshim install-shims --bin-dir "$(BIN_DIR)" --python "$(TOOL_DIR)/bin/python"
	@"$(TOOL_DIR)/bin/python" -I -m pipshim install-summary --bin-dir "$(BIN_DIR)" --tool-dir "$(TOOL_DIR)"

# removes the shims and the tool env, then lists what stays; PURGE=1 removes all of it.
# Run from this checkout, so it works whatever state the tool env is in.
uninstall:
	@$(UNINSTALL_PY) -I -c $(UNINSTALL_ENTRY) uninstall-all --bin-dir "$(BIN_DIR)" --tool-dir "$(TOOL_DIR)" $(if $(filter-out 0,$(PURGE)),--purge)

dev: $(DEV_DIR)/.installed

$(DEV_DIR)/.installed: pyproject.toml
	@test -x "$(DEV_PY)" || $(PYTHON) -m venv --without-pip "$(DEV_DIR)"
	$(PIP_INTO) "$(DEV_PY)" install --quiet pip -e '.[dev]'
	@touch $@

lint: dev
	"$(DEV_PY)" -m ruff check src tests tools
	"$(DEV_PY)" -m ruff format --check src tests tools

# the shell tests run the real zsh, fish and busybox ash: install them when missing (root with apt only);
# anyone else is told, and the shell-init tests then fail naming the missing shell
shells:
	@if ! command -v zsh >/dev/null 2>&1 || ! command -v fish >/dev/null 2>&1 || ! command -v busybox >/dev/null 2>&1; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zsh fish busybox) >/dev/null; \
	    else echo "zsh, fish and busybox are needed by the shell tests: install them (as root: make shells)"; fi; \
	fi

# pytest exits 5 when it selects no test: make fails then too
test: dev lint shells
	@$(call fresh_tmp,test)
	$(PYTEST) $(XDIST) --basetemp="$(TEST_TMP)/test" -m "not exhaustive" tests

# the exhaustive end-to-end corpus, then the version matrix: tests/matrix/ runs only when named,
# so that its conftest (which prints the Python/pip pairs it covered) is loaded
check: dev shells
	@$(call fresh_tmp,check)
	$(PYTEST) $(XDIST) --basetemp="$(TEST_TMP)/check" -m exhaustive tests
	@$(call fresh_tmp,matrix)
	$(PYTEST) $(XDIST) --basetemp="$(TEST_TMP)/matrix" tests/matrix

unit: dev
	$(PYTEST) tests/unit

# uv (the bench extra) is the reference for venv creation; offline, the uv rows are left out
bench: dev
	@"$(DEV_PY)" -c "import uv" 2>/dev/null || $(PIP_INTO) "$(DEV_PY)" install --quiet -e '.[bench]' \
	    || echo "bench: uv could not be installed (offline?): no uv rows"
	"$(DEV_PY)" tools/bench.py $(BENCH_ARGS)

clean:
	rm -rf "$(DEV_DIR)" build dist
