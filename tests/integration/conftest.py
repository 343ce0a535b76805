"""Integration fixtures: the real distribution pip on the system Python (``sut.SUT``), real
virtualenv, local wheels.

Nothing here installs into the system Python: a session fixture compares the system
site-packages before and after the whole run (in every xdist worker).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import shared_dir
from filelock import FileLock
from sut import SUT
from wheels import build_wheelhouse

from integration.support import base_env, make_reference_venv

SYSTEM_PYTHON = SUT.python
SYSTEM_PIP = SUT.pip
SYSTEM_SITE_DIRS = tuple(dict.fromkeys((SUT.purelib, *SUT.site_dirs, SUT.dist_packages)))


def _site_snapshot() -> dict[str, list[str]]:
    return {d: sorted(os.listdir(d)) if os.path.isdir(d) else [] for d in SYSTEM_SITE_DIRS}


@pytest.fixture(scope="session", autouse=True)
def system_python_untouched():
    """Fail loudly without an externally managed system Python; check it is unchanged at the end."""
    if not (os.path.exists(SYSTEM_PYTHON) and os.path.exists(SYSTEM_PIP)):
        pytest.fail(f"integration tests need {SYSTEM_PYTHON} and {SYSTEM_PIP} (the distribution's python3-pip)")
    if SUT.externally_managed is None:
        pytest.fail(f"{SYSTEM_PYTHON} is not externally managed: these tests need one that is")
    before = _site_snapshot()
    yield
    assert _site_snapshot() == before, "the system site-packages changed during the tests"


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory) -> Path:
    return build_wheelhouse(tmp_path_factory.mktemp("wheelhouse"))


@pytest.fixture(scope="session")
def app_data(tmp_path_factory) -> Path:
    """virtualenv's seed cache, shared by every worker of the run so that each new venv is quick.

    It is filled once, first thing (by making the reference venv), so no test that kills a
    venv creation half-way can leave it half-filled.
    """
    shared = shared_dir(tmp_path_factory, "virtualenv")
    data = shared / "app-data"
    with FileLock(str(shared / "fill.lock")):
        if not (shared / "reference" / "pyvenv.cfg").is_file():
            make_reference_venv(shared / "reference", data)
    return data


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
    """A venv made by virtualenv directly from the system Python, for pip's own output; never
    modified, shared by the workers (the one that filled ``app_data``)."""
    return shared_dir(tmp_path_factory, "virtualenv") / "reference"


@pytest.fixture(scope="session")
def pipx_wheels(tmp_path_factory) -> Path:
    """The pipx tests' own wheels, next to the session wheelhouse."""
    from wheels import make_wheel

    d = tmp_path_factory.mktemp("pipx-wheels")
    make_wheel(d, "demo-noscript", "1.0")  # listed as an app, but has no console script
    make_wheel(d, "demo-cli", "1.0", scripts={"demo-cli": "demo_cli:main"})
    make_wheel(d, "demo-cli", "2.0", scripts={"demo-cli": "demo_cli:main"})
    return d


@pytest.fixture(scope="session")
def pipx_shared(tmp_path_factory) -> Path:
    """pipx's shared pip venv, made once for the session's pipx tests."""
    return tmp_path_factory.mktemp("pipx-shared") / "shared"
