"""The version matrix (issue 10, item 3): routing tests and a differential sample against real
externally managed interpreters for the Python/pip pairs people run (builder.PAIRS).

Slow (a cold cache copies three Pythons), so it runs only when asked for by path
(``pytest tests/matrix``; ``make check`` does), never as part of ``pytest tests`` (``make test``).
A pair that cannot be built here (no pyenv, no such Python) is an error, never a skip, and the
session ends with one line per pair saying what it covered.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import run
from integration.support import base_env
from wheels import build_wheelhouse

from matrix import builder
from pipshim import shims

HERE = Path(__file__).resolve().parent
TARGETS = builder.targets()
BUILD_SECONDS: dict[str, float] = {}


# --- only when asked for ------------------------------------------------------------------------


def _asked_for(config) -> bool:
    if os.environ.get("PIPSHIM_MATRIX") == "1":
        return True
    for arg in config.invocation_params.args:
        if arg.startswith("-"):
            continue
        path = Path(config.invocation_params.dir, arg.split("::")[0]).resolve()
        if path == HERE or HERE in path.parents:
            return True
    return False


def pytest_ignore_collect(collection_path, config):
    """Leave tests/matrix out unless it (or something in it) was named on the command line."""
    if not _asked_for(config):
        return True
    return None


# --- results per pair ---------------------------------------------------------------------------

_RESULTS: dict[str, Counter] = {}


def pytest_collection_modifyitems(items):
    for item in items:
        callspec = getattr(item, "callspec", None)
        target = callspec.params.get("target") if callspec else None
        if isinstance(target, builder.Target):
            item.user_properties.append(("matrix", target.key))


def pytest_runtest_logreport(report):
    key = dict(report.user_properties).get("matrix")
    if key is None:
        return
    counts = _RESULTS.setdefault(key, Counter())
    if report.when == "call":
        counts[report.outcome] += 1
    elif report.outcome == "failed":
        counts["error"] += 1
    elif report.when == "setup" and report.outcome == "skipped":
        counts["skipped"] += 1


def pytest_terminal_summary(terminalreporter, config):
    if not _asked_for(config):
        return
    for t in TARGETS:
        counts = _RESULTS.get(t.key, Counter())
        if t.problem:
            line = f"matrix: {t.describe()}: NOT COVERED: {t.problem}"
            terminalreporter.write_line(line, red=True, bold=True)
            continue
        words = ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "not run"
        built = f" (interpreter ready in {BUILD_SECONDS[t.key]:.1f}s)" if t.key in BUILD_SECONDS else ""
        bad = counts["failed"] or counts["error"] or not counts["passed"]
        terminalreporter.write_line(f"matrix: {t.describe()}: {words}{built}", red=bool(bad), green=not bad)


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="session", params=TARGETS, ids=[t.key for t in TARGETS])
def target(request):
    """(Target, its built prefix). Fails, never skips, when the pair cannot be built here; and
    fails if a test changed the interpreter's site-packages (then it is built again next time)."""
    t: builder.Target = request.param
    if t.problem:
        pytest.fail(f"matrix: {t.describe()} cannot be built: {t.problem}", pytrace=False)
    try:
        dest, seconds = builder.timed_build(t)
    except builder.BuildError as exc:
        pytest.fail(f"matrix: building {t.describe()} failed: {exc}", pytrace=False)
    BUILD_SECONDS[t.key] = seconds
    before = builder.site_snapshot(dest, t)
    yield t, dest
    after = builder.site_snapshot(dest, t)
    if after != before:
        builder.invalidate(dest)
        pytest.fail(f"the site-packages of {dest} changed during the tests: {sorted(set(after) ^ set(before))}")


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory) -> Path:
    return build_wheelhouse(tmp_path_factory.mktemp("wheelhouse"))


@pytest.fixture(scope="session")
def app_data(tmp_path_factory) -> Path:
    """virtualenv's seed cache, shared by the session."""
    return tmp_path_factory.mktemp("virtualenv-app-data")


@dataclass
class Matrix:
    """One test's view of a matrix interpreter: the real shims first on PATH, then the interpreter's bin."""

    target: builder.Target
    prefix: Path  # the built interpreter
    shims: Path  # the shim dir
    env: dict[str, str]
    home: Path

    @property
    def bin(self) -> Path:
        return self.prefix / "bin"

    @property
    def minor(self) -> str:
        return self.target.minor

    def shim(self, name: str, *args, cwd: Path, **kw):
        return run([self.shims / name, *args], self.env, cwd, **kw)

    def real(self, name: str, *args, cwd: Path, **kw):
        return run([self.bin / name, *args], self.env, cwd, **kw)

    @property
    def user_venv(self) -> Path:
        return self.home / ".local" / "share" / "pipshim" / "venv"


@pytest.fixture
def m(target, wheelhouse, app_data, hermetic_env, tmp_path) -> Matrix:
    t, prefix = target
    shim_dir = tmp_path / "shims"
    assert shims.install(str(shim_dir), sys.executable, shims.default_names(t.minor)) == 0
    env = base_env(shim_dir, hermetic_env, wheelhouse, app_data)
    env["PATH"] = f"{shim_dir}:{prefix / 'bin'}:/usr/bin:/bin"  # the pair's own pip after the shims
    return Matrix(t, prefix, shim_dir, env, Path(hermetic_env))
