"""Helpers shared by the integration tests (not fixtures: those live in conftest.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers import pipshim_lines, run
from sut import SUT

from pipshim import shims

SYSTEM_PYTHON = SUT.python
SYSTEM_PIP = SUT.pip
MARKER = ".pipshim-incomplete"  # DESIGN.md: "creation marks the venv as in progress first"
SITE = SUT.venv_site  # lib/pythonX.Y/site-packages of a venv made from the system Python


def base_env(bin_dir: Path, home: Path, wheelhouse: Path, app_data: Path) -> dict[str, str]:
    """A user whose PATH has the shims first, offline with local wheels, an ordinary user on a host
    whatever this machine is (tests about root or containers say so themselves). TMPDIR is the
    test's own: a pip killed on purpose leaves its temp dirs there, not in the machine's /tmp."""
    tmp = home.parent / "tmpdir"
    tmp.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "LANG": "C.UTF-8",
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "VIRTUALENV_OVERRIDE_APP_DATA": str(app_data),
        "PIPSHIM_ROOT": "0",
        "PIPSHIM_CONTAINER": "0",
    }


def user_env(base: Path, wheelhouse: Path, app_data: Path) -> dict[str, str]:
    """Like the ``shim_env`` fixture, for module-scoped fixtures: shims in base/bin, HOME in base/home."""
    bin_dir = base / "bin"
    assert shims.install(str(bin_dir), sys.executable, shims.default_names(SUT.version)) == 0
    home = base / "home"
    home.mkdir(exist_ok=True)
    return base_env(bin_dir, home, wheelhouse, app_data)


def user_venv(env: dict[str, str]) -> Path:
    """The default user environment of the user ``env`` describes."""
    return Path(env["HOME"]) / ".local" / "share" / "pipshim" / "venv"


def pip(shim_bin: Path, env: dict[str, str], cwd: Path, *args):
    return run([shim_bin / "pip", *args], env, cwd)


def explain(shim_bin: Path, env: dict[str, str], cwd: Path, *args) -> dict:
    r = run([shim_bin / "pipshim", "explain", "--json", "--", "pip", *args], env, cwd)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def make_project(parent: Path, name: str = "proj", marker: str = "pyproject.toml") -> Path:
    """A project root named ``name`` with one marker file; the pyproject's name differs from the dir's."""
    d = parent / name
    d.mkdir(parents=True)
    if marker == "pyproject.toml":
        (d / marker).write_text('[project]\nname = "not-the-dir-name"\nversion = "0"\n')
    else:
        (d / marker).write_text("demo-lib\n")
    return d


def imports_from(python: str | Path, module: str, cwd: Path) -> subprocess.CompletedProcess:
    """Import ``module`` with ``python``; stdout is the module's file."""
    return run([python, "-c", f"import {module}; print({module}.__file__)"], env={"PATH": "/usr/bin:/bin"}, cwd=cwd)


def assert_imports_from_venv(venv: Path, module: str, cwd: Path) -> None:
    r = imports_from(venv / "bin" / "python", module, cwd)
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip()).resolve().is_relative_to(venv.resolve()), r.stdout
    system = imports_from(SYSTEM_PYTHON, module, cwd)
    assert system.returncode != 0 and "ModuleNotFoundError" in system.stderr, (system.stdout, system.stderr)


def assert_complete_venv(venv: Path) -> None:
    assert (venv / "pyvenv.cfg").is_file(), f"{venv} has no pyvenv.cfg"
    assert not (venv / MARKER).exists(), f"{venv} still carries {MARKER}"
    r = run([venv / "bin" / "python", "-c", "import sys; print(sys.prefix)"], env={"PATH": "/usr/bin:/bin"}, cwd=venv)
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip()).resolve() == venv.resolve()


def venvs_under(root: Path) -> list[Path]:
    """Every directory named .venv or venv, or holding a pyvenv.cfg, below root."""
    found = set()
    for p in root.rglob("*"):
        if p.name in (".venv", "venv") and p.is_dir():
            found.add(p)
        if p.name == "pyvenv.cfg":
            found.add(p.parent)
    return sorted(found)


def pyvenv_cfg(venv: Path) -> dict[str, str]:
    out = {}
    for line in (venv / "pyvenv.cfg").read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = value.strip()
    return out


def unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def one_pipshim_line(stderr: str) -> str:
    lines = pipshim_lines(stderr)
    assert len(lines) == 1, f"expected exactly one pipshim: line, got {lines!r}\n--- stderr ---\n{stderr}"
    return lines[0]


def make_reference_venv(path: Path, app_data: Path, python: str = SYSTEM_PYTHON) -> Path:
    """A venv made by virtualenv directly (no pipshim), with the same seed cache as pipshim uses."""
    r = subprocess.run(
        [sys.executable, "-m", "virtualenv", "--quiet", "--python", python, str(path)],
        env={"PATH": "/usr/bin:/bin", "HOME": str(path.parent), "VIRTUALENV_OVERRIDE_APP_DATA": str(app_data)},
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    return path


SHARED_GID = 100  # Debian's `users`: named after nobody, so never anyone's private group


def untrusted_writable(path: Path) -> Path:
    """Make ``path`` writable by someone other than its owner: by the shared group `users` when
    root can chgrp it there, else by others. (Group-writable by the owner's own private group,
    umask 002's normal result, is the owner's own and trusted.)"""
    if os.geteuid() == 0:
        os.chown(path, -1, SHARED_GID)
        path.chmod(0o775)
    else:
        path.chmod(0o757)
    return path
