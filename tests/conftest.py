"""Hermetic tests: no PIP_*, VIRTUAL_ENV, CONDA_*, PIPSHIM_* from the caller, HOME in a temp dir.

The system under test (the system Python's version, dirs and pip) comes from ``sut.SUT``.
Tests run in parallel (pytest-xdist): a session fixture runs once per worker, and what the
workers share (``shared_dir``) is made once, under a file lock.

Markers: ``exhaustive`` tests run in ``make check``, the rest in ``make test``: every integration
test outside ``integration/conftest.END_TO_END``, the rest of the differential corpus, and
everything under tests/matrix/.
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
    """The version matrix (tests/matrix/) is slow: it belongs to `make check`."""
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


@pytest.fixture
def work(tmp_path) -> Path:
    """A directory that is not a project."""
    d = tmp_path / "work"
    d.mkdir()
    return d


@pytest.fixture
def project(tmp_path) -> Path:
    """A new project (a pyproject.toml), without a venv."""
    d = tmp_path / "proj"
    d.mkdir()
    (d / "pyproject.toml").write_text('[project]\nname = "proj"\nversion = "0"\n')
    return d


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


@pytest.fixture(scope="session")
def warm_cache(tmp_path_factory) -> Path:
    """pipshim's cache after one venv creation (pip's seed unit built and byte-compiled, the
    interpreter probed), made once per run. Tests copy it into their HOME (warm_home) so that
    each new venv does not build the seed again; tests about the cold cache leave it out."""
    from pipshim import shims

    shared = shared_dir(tmp_path_factory, "warm-cache")
    home = shared / "home"
    with FileLock(str(shared / "fill.lock")):
        if not (shared / "done").exists():
            assert shims.install(str(shared / "bin"), sys.executable, shims.default_names(SUT.version)) == 0
            proj = shared / "proj"
            proj.mkdir(exist_ok=True)
            home.mkdir(exist_ok=True)
            (proj / "pyproject.toml").write_text('[project]\nname = "w"\nversion = "0"\n')
            env = {"PATH": f"{shared / 'bin'}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
            env.update(PIP_CONFIG_FILE=os.devnull, PIPSHIM_ROOT="0", PIPSHIM_CONTAINER="0")
            r = subprocess.run(
                [str(shared / "bin" / "pipshim"), "venv"], env=env, cwd=proj, capture_output=True, text=True
            )
            assert r.returncode == 0, r.stderr
            (shared / "done").write_text("")
    return home / ".cache" / "pipshim"


def warm_home(home: Path, cache: Path) -> None:
    """Give ``home`` its own copy of the warm pipshim cache (hard-linked files, mode 700 dirs):
    a test that damages its copy damages no other test."""
    dest = home / ".cache" / "pipshim"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.parent.chmod(0o700)

    def link_or_copy(src: str, dst: str) -> None:
        # the seed's files are links (pipshim checks them before each use); the small cache
        # files are copies, which a test may overwrite in place without touching the others
        if "venvseed" in Path(src).relative_to(cache).parts[:1] and not src.endswith(".json"):
            os.link(src, dst)
        else:
            shutil.copy2(src, dst)

    shutil.copytree(cache, dest, copy_function=link_or_copy, symlinks=True)


def cold_home(home: Path) -> None:
    """Take the warm cache out of ``home`` again (unlinked, so the shared copy is unharmed)."""
    shutil.rmtree(home / ".cache" / "pipshim", ignore_errors=True)
