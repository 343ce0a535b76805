"""Hermetic tests: no PIP_*, VIRTUAL_ENV, CONDA_*, PIPSHIM_* from the caller, HOME in a temp dir."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

REPO = Path(__file__).resolve().parent.parent
SYSTEM_PYTHON = "/usr/bin/python3"
SYSTEM_PIP = "/usr/bin/pip"
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
    """A bin dir with the real shims (pip…, pipshim, python…), pointing at the interpreter running the tests."""
    from pipshim import shims

    bin_dir = tmp_path / "bin"
    assert shims.install(str(bin_dir), sys.executable, shims.default_names("3.11")) == 0
    return bin_dir


OTHER_USER = "pipshim-other"


@pytest.fixture(scope="session")
def other_user() -> tuple[int, int]:
    """(uid, gid) of a second, non-root user that owns "foreign" directories, created if missing.

    The tests run as root (here and in CI); without root they fail loudly, never skip.
    """
    if os.geteuid() != 0:
        pytest.fail("the ownership tests must run as root: they create a second user and chown to it")
    try:
        entry = pwd.getpwnam(OTHER_USER)
    except KeyError:
        useradd = shutil.which("useradd", path="/usr/sbin:/sbin:/usr/bin:/bin") or "useradd"
        subprocess.run([useradd, "--no-create-home", OTHER_USER], check=True, capture_output=True)
        entry = pwd.getpwnam(OTHER_USER)
    assert entry.pw_uid != 0
    return entry.pw_uid, entry.pw_gid
