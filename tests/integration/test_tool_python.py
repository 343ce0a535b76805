"""pipshim itself on the oldest Python its ``requires-python`` admits (pyenv's, on this machine):
``make install PYTHON=python3.N`` resolves pipshim's dependencies there, and the shims it writes
route installs to a project venv, the user environment and pipx, with the system pip behind them.

The tool environment is otherwise always the system ``python3``; this is the one place its
oldest Python runs pipshim's resolver, pipx and the bootstrap's import of pipshim from it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from helpers import pipshim_lines, run
from matrix import builder
from packaging.specifiers import SpecifierSet

from integration.support import assert_imports_from_venv, make_project, user_venv

if sys.version_info >= (3, 11):
    import tomllib
else:  # the dev environment runs on the system python3; tomli is pipshim's own fallback
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
APP = "demo-app"

pytestmark = pytest.mark.exhaustive


def oldest_supported() -> tuple[str, Path]:
    """(X.Y.Z, its python) for the oldest minor that requires-python admits; fails when pyenv lacks it."""
    with open(REPO / "pyproject.toml", "rb") as fh:
        spec = SpecifierSet(tomllib.load(fh)["project"]["requires-python"])
    floor = next(f"3.{n}" for n in range(40) if f"3.{n}.99" in spec)
    pythons = builder.installed_pythons(builder.pyenv_root())
    matching = [v for v in pythons if v.startswith(floor + ".")]
    if not matching:
        pytest.fail(f"requires-python {spec} admits Python {floor}, and pyenv has none here ({sorted(pythons)})")
    version = max(matching, key=builder.version_key)
    return version, pythons[version] / "bin" / f"python{floor}"


def test_make_install_and_routing_on_the_oldest_python(tmp_path, wheelhouse, app_data):
    version, python = oldest_supported()
    tool, bin_dir, home = tmp_path / "tool", tmp_path / "bin", tmp_path / "home"
    home.mkdir(exist_ok=True)  # the hermetic HOME of tests/conftest.py
    user = {
        "HOME": str(home),
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PIPSHIM_ROOT": "0",
        "PIPSHIM_CONTAINER": "0",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    # make install needs the machine's package index for pipshim's dependencies
    r = run(
        [
            "make",
            "--no-print-directory",
            "-C",
            REPO,
            "install",
            f"PYTHON={python}",
            f"TOOL_DIR={tool}",
            f"BIN_DIR={bin_dir}",
        ],
        user,
        REPO,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    r = run([tool / "bin" / "python", "-c", "import platform; print(platform.python_version())"], user, tmp_path)
    assert r.stdout.strip() == version, r.stderr

    env = dict(
        user,
        PIP_CONFIG_FILE=os.devnull,
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheelhouse),
        VIRTUALENV_OVERRIDE_APP_DATA=str(app_data),
        PIPSHIM_APPS=APP,
    )
    project = make_project(tmp_path)
    # the first install: the resolver on the oldest Python makes .venv from the system pip's python
    r = run([bin_dir / "pip", "install", "demo-lib"], env, project)
    assert r.returncode == 0, r.stderr
    assert pipshim_lines(r.stderr)[0].startswith("pipshim: → ./.venv (new; "), r.stderr
    # the second: the venv's own python loads pipshim from the tool environment and runs pip
    r = run([bin_dir / "pip", "install", "demo-dep"], env, project)
    assert r.returncode == 0, r.stderr
    for module in ("demo_lib", "demo_dep"):
        assert_imports_from_venv(project / ".venv", module, project)
    r = run([bin_dir / "python3", "-c", "import demo_lib, sys; print(sys.prefix)"], env, project)
    assert Path(r.stdout.strip()) == project / ".venv", r.stderr

    work = tmp_path / "work"
    work.mkdir()
    r = run([bin_dir / "pip", "install", "demo-lib"], env, work)
    assert r.returncode == 0, r.stderr
    assert_imports_from_venv(user_venv(env), "demo_lib", work)
    # pipx, from the tool environment on the oldest Python
    r = run([bin_dir / "pip", "install", APP], env, work)
    assert r.returncode == 0, r.stderr
    r = run([bin_dir / APP], env, work)
    assert r.returncode == 0, r.stderr
