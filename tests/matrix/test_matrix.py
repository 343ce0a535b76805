"""Routing and a differential sample, through the real shims, on every pair of the matrix.

Each test runs once per pair (the ``target`` fixture): PATH is ``<shims>:<matrix bin>:/usr/bin:/bin``,
so the real pip is the matrix interpreter's own ``bin/pip``, externally managed.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import pipshim_lines, run

from pipshim.pip_argv import version_key

CLEAN_PATH = {"PATH": "/usr/bin:/bin"}


def python_of(venv: Path, cwd: Path) -> tuple[str, str]:
    """(X.Y.Z, sys.base_prefix) of a venv's python."""
    r = run(
        [venv / "bin" / "python", "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3]); print(sys.base_prefix)"],
        CLEAN_PATH,
        cwd,
    )
    assert r.returncode == 0, r.stderr
    version, base = r.stdout.split()
    return version, base


def assert_venv_of(m, venv: Path, cwd: Path) -> None:
    """``venv`` is a complete venv made from the matrix interpreter."""
    assert (venv / "pyvenv.cfg").is_file(), f"{venv} was not created"
    assert not (venv / ".pipshim-incomplete").exists()
    version, base = python_of(venv, cwd)
    assert version == m.target.python_version
    assert Path(base).resolve() == m.prefix.resolve()


def imported_from(venv: Path, module: str, cwd: Path) -> Path:
    r = run([venv / "bin" / "python", "-c", f"import {module}; print({module}.__file__)"], CLEAN_PATH, cwd)
    assert r.returncode == 0, r.stderr
    return Path(r.stdout.strip()).resolve()


def assert_installed_in(venv: Path, module: str, cwd: Path) -> None:
    assert imported_from(venv, module, cwd).is_relative_to(venv.resolve())


def wheel(m, name: str, version: str = "1.0") -> str:
    return str(Path(m.env["PIP_FIND_LINKS"]) / f"{name.replace('-', '_')}-{version}-py3-none-any.whl")


# --- routing ------------------------------------------------------------------------------------


def test_the_real_pip_refuses_here(m, work):
    """The baseline: the matrix interpreter is externally managed for its own pip."""
    r = m.real("pip", "install", "demo-lib", cwd=work)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "externally-managed-environment" in r.stderr
    r = m.real("pip", "--version", cwd=work)
    assert r.stdout.startswith(f"pip {m.target.pip_version} from {m.prefix}/"), r.stdout


def test_project_install_of_a_local_wheel_creates_dot_venv(m, project):
    r = m.shim("pip", "install", wheel(m, "demo-lib"), cwd=project)
    assert r.returncode == 0, r.stderr
    lines = pipshim_lines(r.stderr)
    assert len(lines) == 1 and lines[0].startswith("pipshim: → ./.venv (new; "), lines  # the cwd's .venv, new
    assert f"{m.prefix}/bin/python{m.minor}" in lines[0] or str(m.prefix) in lines[0], lines
    assert_venv_of(m, project / ".venv", project)
    assert_installed_in(project / ".venv", "demo_lib", project)
    # a second install reuses it
    r = m.shim("pip", "install", "demo-dep", cwd=project)
    assert r.returncode == 0, r.stderr
    (line,) = pipshim_lines(r.stderr)
    assert line.startswith("pipshim: → ./.venv (") and "(new" not in line, r.stderr
    assert_installed_in(project / ".venv", "demo_dep", project)


def test_outside_projects_the_user_environment(m, work):
    r = m.shim("pip", "install", "demo-lib", cwd=work)
    assert r.returncode == 0, r.stderr
    assert not (work / ".venv").exists()
    assert_venv_of(m, m.user_venv, work)
    assert_installed_in(m.user_venv, "demo_lib", work)


def test_dry_run_report_passes_through(m, project):
    r = m.shim("pip", "install", "--dry-run", "--report", "-", "--quiet", "demo-lib", cwd=project)
    assert r.returncode == 0, r.stderr
    assert pipshim_lines(r.stderr) == []
    report = json.loads(r.stdout)
    assert [i["metadata"]["name"] for i in report["install"]] == ["demo-lib"]
    assert report["environment"]["python_full_version"] == m.target.python_version
    assert not (project / ".venv").exists()


def test_target_passes_through_and_lands_there(m, project, tmp_path):
    dest = tmp_path / "target"
    r = m.shim("pip", "install", "--target", str(dest), "demo-lib", cwd=project)
    assert r.returncode == 0, r.stderr
    assert pipshim_lines(r.stderr) == []
    assert (dest / "demo_lib" / "__init__.py").is_file()
    assert not (project / ".venv").exists()


def test_python_m_pip_in_a_project_lands_in_dot_venv(m, project):
    r = m.shim("python3", "-m", "pip", "install", "demo-lib", cwd=project)
    assert r.returncode == 0, r.stderr
    assert_venv_of(m, project / ".venv", project)
    assert_installed_in(project / ".venv", "demo_lib", project)
    # and python3 there runs it
    r = m.shim("python3", "-c", "import demo_lib, sys; print(sys.prefix)", cwd=project)
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip()).resolve() == (project / ".venv").resolve()


def test_versioned_pip_in_a_project(m, project):
    r = m.shim(f"pip{m.minor}", "install", "demo-lib", cwd=project)
    assert r.returncode == 0, r.stderr
    assert_venv_of(m, project / ".venv", project)
    assert (project / ".venv" / "bin" / f"python{m.minor}").exists()


def test_abbreviation_read_as_this_pip_reads_it(m, project, tmp_path):
    """``--in`` is ``--index-url`` from pip 23.1 on (23.0 also had ``--install-option``)."""
    index = tmp_path / "empty-index"
    index.mkdir()
    r = m.shim("pip", "install", "--in", index.as_uri(), "demo-lib", cwd=project)
    real = m.real("pip", "install", "--in", index.as_uri(), "demo-lib", cwd=project)
    if version_key(m.target.pip_version) >= (23, 1):
        assert r.returncode == 0, r.stderr
        assert_venv_of(m, project / ".venv", project)
        assert_installed_in(project / ".venv", "demo_lib", project)
        assert real.returncode == 1 and "externally-managed-environment" in real.stderr
    else:  # ambiguous: pip says so, pipshim passes it through unchanged
        assert (r.returncode, r.stdout, r.stderr) == (real.returncode, real.stdout, real.stderr)
        assert not (project / ".venv").exists()


# --- a differential sample: through the shim, byte for byte what the real pip does --------------

DIFFERENTIAL = {
    "version": ("pip", "--version"),
    "V": ("pip", "-V"),
    "pip3-version": ("pip3", "--version"),
    "pip3N-version": ("pip{minor}", "--version"),
    "bogus-option": ("pip", "install", "--bogus", "demo-lib"),
    "ambiguous-option": ("pip", "install", "--no-", "demo-lib"),
    "no-such-command": ("pip", "instal", "demo-lib"),
    "dry-run-report": ("pip", "install", "--dry-run", "--report", "-", "demo-lib"),
    "list": ("pip", "list", "--format=freeze"),
    "show": ("pip", "show", "pip"),
    "help-install": ("pip", "help", "install"),
}


@pytest.mark.parametrize("form", list(DIFFERENTIAL))
def test_differential(m, work, form):
    name, *args = DIFFERENTIAL[form]
    name = name.format(minor=m.minor)
    with ThreadPoolExecutor(2) as pool:  # read-only forms: both sides at once
        shim_side = pool.submit(m.shim, name, *args, cwd=work)
        real = pool.submit(m.real, name, *args, cwd=work).result()
        via_shim = shim_side.result()
    assert (via_shim.returncode, via_shim.stdout, via_shim.stderr) == (real.returncode, real.stdout, real.stderr)
    assert not m.user_venv.exists(), "a read created the user environment"
