"""Integration fixtures: the real Debian pip on /usr/bin/python3, real virtualenv, local wheels.

Nothing here installs into the system Python: a session fixture compares the system
site-packages before and after the whole run.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from wheels import build_wheelhouse

from integration.support import base_env

SYSTEM_PYTHON = "/usr/bin/python3"
SYSTEM_PIP = "/usr/bin/pip"
SYSTEM_SITE_DIRS = ("/usr/lib/python3/dist-packages", "/usr/local/lib/python3.11/dist-packages")


def _site_snapshot() -> dict[str, list[str]]:
    return {d: sorted(os.listdir(d)) if os.path.isdir(d) else [] for d in SYSTEM_SITE_DIRS}


@pytest.fixture(scope="session", autouse=True)
def system_python_untouched():
    """Fail loudly without an externally managed system Python; check it is unchanged at the end."""
    if not (os.path.exists(SYSTEM_PYTHON) and os.path.exists(SYSTEM_PIP)):
        pytest.fail(f"integration tests need {SYSTEM_PYTHON} and {SYSTEM_PIP} (Debian's python3-pip)")
    stdlib = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import sysconfig; print(sysconfig.get_path('stdlib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not os.path.exists(os.path.join(stdlib, "EXTERNALLY-MANAGED")):
        pytest.fail(f"{SYSTEM_PYTHON} is not externally managed: these tests need one that is")
    before = _site_snapshot()
    yield
    assert _site_snapshot() == before, "the system site-packages changed during the tests"


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory) -> Path:
    return build_wheelhouse(tmp_path_factory.mktemp("wheelhouse"))


@pytest.fixture(scope="session")
def app_data(tmp_path_factory) -> Path:
    """virtualenv's seed cache, shared by the session so each new venv is quick."""
    return tmp_path_factory.mktemp("virtualenv-app-data")


@pytest.fixture
def shim_env(shim_bin, wheelhouse, app_data, hermetic_env) -> dict[str, str]:
    """The environment of a user whose PATH has the shims first, offline, with local wheels."""
    return base_env(shim_bin, hermetic_env, wheelhouse, app_data)


@pytest.fixture
def work(tmp_path) -> Path:
    """A directory that is not a project."""
    d = tmp_path / "work"
    d.mkdir()
    return d


@pytest.fixture
def project(tmp_path) -> Path:
    d = tmp_path / "proj"
    d.mkdir()
    (d / "pyproject.toml").write_text('[project]\nname = "proj"\nversion = "0"\n')
    return d


@pytest.fixture(scope="session")
def reference_venv(tmp_path_factory, app_data) -> Path:
    """A venv made by virtualenv directly from /usr/bin/python3, for pip's own output; never modified.

    Making it also fills the shared seed cache, so no later test can interrupt that.
    """
    from integration.support import make_reference_venv

    return make_reference_venv(tmp_path_factory.mktemp("reference") / "venv", app_data)
