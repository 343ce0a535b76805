"""pip through the shims' one-start path (pipshim.boot) is byte-identical to the venv's pip.

Each form runs through the shim and through the environment's own pip directly, in a
project venv and in the user environment; rc, stdout and stderr must match once the one
`pipshim:` line is taken out.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import pipshim_lines, run, without_pipshim_lines

from integration.support import user_venv

FORMS = [
    ["--version"],
    ["-V"],
    ["list"],
    ["list", "--format=json"],
    ["list", "--format=freeze"],
    ["freeze"],
    ["freeze", "--all"],
    ["show", "pip"],
    ["show", "nonexistent-pkg"],
    ["show"],
    ["install", "demo-lib"],
    ["install", "demo-lib==2.0"],
    ["install", "not a requirement!!"],
    ["install", "--definitely-not-an-option"],
    ["--definitely-not-an-option"],
    ["nocommand"],
    ["check"],
    ["help", "list"],
    ["list", "--help"],
    ["uninstall", "-y", "nonexistent-pkg"],
    ["config", "list"],
]


def compare(shim: Path, direct: Path, args: list[str], env: dict[str, str], cwd: Path) -> None:
    got = run([shim, *args], env, cwd)
    want = run([direct, *args], env, cwd)
    assert len(pipshim_lines(got.stderr)) <= 1, got.stderr
    assert (got.returncode, got.stdout, without_pipshim_lines(got.stderr)) == (
        want.returncode,
        want.stdout,
        want.stderr,
    ), args


@pytest.fixture
def project_venv(shim_bin, shim_env, project) -> Path:
    r = run([shim_bin / "pip", "install", "demo-lib"], shim_env, project)
    assert r.returncode == 0, r.stderr
    return project / ".venv"


@pytest.mark.parametrize("args", FORMS, ids=[" ".join(f) for f in FORMS])
def test_in_a_project_venv(args, shim_bin, shim_env, project, project_venv):
    compare(shim_bin / "pip", project_venv / "bin" / "pip", args, shim_env, project)


@pytest.mark.parametrize("args", FORMS[:12], ids=[" ".join(f) for f in FORMS[:12]])
def test_in_the_user_environment(args, shim_bin, shim_env, work):
    r = run([shim_bin / "pip", "install", "--user", "demo-lib"], shim_env, work)
    assert r.returncode == 0, r.stderr
    venv = user_venv(shim_env)
    compare(shim_bin / "pip", venv / "bin" / "pip", args, {**shim_env, "PIP_USER": "0"}, work)


@pytest.mark.parametrize("args", [["--version"], ["list"], ["show", "nonexistent-pkg"]])
def test_python_m_pip_through_the_python_shim(args, shim_bin, shim_env, project, project_venv):
    got = run([shim_bin / "python3", "-m", "pip", *args], shim_env, project)
    want = run([project_venv / "bin" / "python", "-m", "pip", *args], shim_env, project)
    assert (got.returncode, got.stdout, without_pipshim_lines(got.stderr)) == (
        want.returncode,
        want.stdout,
        want.stderr,
    )
