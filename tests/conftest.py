"""Hermetic tests: no PIP_*, VIRTUAL_ENV, CONDA_*, PIPSHIM_* from the caller, HOME in a temp dir.

The system under test (the system Python's version, dirs and pip) comes from ``sut.SUT``.
Tests run in parallel (pytest-xdist): a session fixture runs once per worker, and what the
workers share (``shared_dir``) is made once, under a file lock.

Markers: ``exhaustive`` tests (the whole differential corpus; everything under tests/matrix/)
run in ``make check``, the rest in ``make test``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

sys.path.insert(0, str(Path(__file__).parent))

from sut import SUT

TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """The version matrix (tests/matrix/, when it exists) is slow: it belongs to `make check`."""
    matrix = TESTS / "matrix"
    for item in items:
        if Path(str(item.fspath)).is_relative_to(matrix):
            item.add_marker(pytest.mark.exhaustive)


def shared_dir(tmp_path_factory, name: str) -> Path:
    """A directory every xdist worker of this run sees (the run's base temp dir without xdist).

    Fill it under ``FileLock(str(path) + ".lock")``: the workers start at the same time.
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    path = base / name
    path.mkdir(exist_ok=True)
    return path


DROP_PREFIXES = ("PIP_", "VIRTUAL_ENV", "CONDA_", "PIPSHIM_", "XDG_", "PYTHON", "PYENV_VERSION")


@pytest.fixture(autouse=True)
def hermetic_env(monkeypatch, tmp_path):
    for key in list(os.environ):
        if key.startswith(DROP_PREFIXES):
            monkeypatch.delenv(key)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    cwd = os.getcwd()
    yield home
    assert os.getcwd() == cwd, "a test changed the working directory"


@pytest.fixture
def shim_bin(tmp_path) -> Path:
    """A bin dir with the real shims (pip…, pipshim, python…) for the system Python's X.Y, pointing
    at the interpreter running the tests (pipshim's resolver)."""
    from pipshim import shims

    bin_dir = tmp_path / "bin"
    assert shims.install(str(bin_dir), sys.executable, shims.default_names(SUT.version)) == 0
    return bin_dir


OTHER_USER = "pipshim-other"


@pytest.fixture(scope="session")
def other_user(tmp_path_factory) -> tuple[int, int]:
    """(uid, gid) of a second, non-root user that owns "foreign" directories, created if missing.

    Only root can create that user and chown to it: as an ordinary user the tests that need it
    are skipped, and say why. As root a failure to create it fails them.
    """
    if os.geteuid() != 0:
        pytest.skip("needs root: creates a second user and chowns files to it")
    with FileLock(str(shared_dir(tmp_path_factory, "locks") / "useradd.lock")):
        try:
            entry = pwd.getpwnam(OTHER_USER)
        except KeyError:
            useradd = shutil.which("useradd", path="/usr/sbin:/sbin:/usr/bin:/bin") or "useradd"
            subprocess.run([useradd, "--no-create-home", OTHER_USER], check=True, capture_output=True)
            entry = pwd.getpwnam(OTHER_USER)
    assert entry.pw_uid != 0
    return entry.pw_uid, entry.pw_gid
