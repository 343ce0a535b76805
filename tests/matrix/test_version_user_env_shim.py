"""The python shim and `pipshim explain` agree on the per-version user environment.

Two real externally managed interpreters of different minor versions (the matrix's 3.12 and
3.13, tests/matrix/builder.py) are on PATH after the shims; the user environment runs 3.13.
For every state of ``venv-3.12`` beside it and every way the user environment's path is set,
``python3.12``, ``python3.13`` and ``python3`` through the shim run what ``pipshim explain --
pythonX.Y -m pip list`` names: a venv route its sys.prefix, a pass-through the real python's, a
refusal the same exit status with one `pipshim:` line. As ever, a user environment without a
bin/pythonX.Y (one of another version, set by PIPSHIM_USER_VENV) leaves pythonX.Y the real one.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import pipshim_lines
from sut import SUT

from matrix import builder
from pipshim import cli, shims
from pipshim.discovery import INCOMPLETE

SHELLS = ["/bin/dash", "/bin/bash"]
PRINT_PREFIX = "import sys; print(sys.prefix)"


@pytest.fixture(scope="module")
def pythons() -> dict[str, Path]:
    """minor version -> the built prefix of a real externally managed interpreter."""
    return builder.two_minors()


def fake_venv(path: Path, prefix: Path, version: str) -> Path:
    """pyvenv.cfg + bin/python* links to the interpreter: Python itself takes it for a venv."""
    (path / "bin").mkdir(parents=True)
    (path / "lib" / f"python{version}" / "site-packages").mkdir(parents=True)
    (path / "pyvenv.cfg").write_text(f"home = {prefix / 'bin'}\ninclude-system-site-packages = true\n")
    for name in ("python", "python3", f"python{version}"):
        (path / "bin" / name).symlink_to(prefix / "bin" / f"python{version}")
    path.chmod(0o755)
    return path


def _ok(p, prefix):
    fake_venv(p, prefix, "3.12")


def _broken(p, prefix):
    fake_venv(p, p.parent / "gone", "3.12")


def _incomplete(p, prefix):
    fake_venv(p, prefix, "3.12")
    (p / INCOMPLETE).write_text("pid 1\n")


def _empty(p, prefix):
    p.mkdir(parents=True)


def _not_venv(p, prefix):
    p.mkdir(parents=True)
    (p / "notes.txt").write_text("mine\n")


def _foreign(p, prefix):
    fake_venv(p, prefix, "3.12")
    p.chmod(0o757)


def _link_to_empty(p, prefix):
    (p.parent / "elsewhere").mkdir()
    p.symlink_to(p.parent / "elsewhere")


STATES = {
    "ok": _ok,
    "broken": _broken,
    "incomplete": _incomplete,
    "empty": _empty,
    "not-venv": _not_venv,
    "foreign": _foreign,
    "a-link-to-an-empty-dir": _link_to_empty,
    "missing": lambda p, prefix: None,
}
# where the user environment's path comes from: per-version environments only for the default one
SETTINGS = ("default", "PIPSHIM_USER_VENV", "config-file", "root-in-container-set")


def explain(cwd: Path, env: dict[str, str], name: str) -> dict:
    out = io.StringIO()
    back = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out):
            assert cli.main(["explain", "--json", "--", name, "-m", "pip", "list"], environ=env) == 0
    finally:
        os.chdir(back)
    return json.loads(out.getvalue())


@pytest.fixture(scope="module")
def cache_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.mark.parametrize("setting", SETTINGS)
@pytest.mark.parametrize("state", list(STATES))
def test_python3_12_runs_what_explain_names_when_the_user_environment_is_3_13(
    state, setting, pythons, tmp_path, cache_home
):
    bin_dir = tmp_path / "bin"
    names = [*shims.default_names(SUT.version), "python3.12", "python3.13"]
    assert shims.install(str(bin_dir), sys.executable, names) == 0
    data = tmp_path / "data"
    user = data / "pipshim" / "venv"
    extra: dict[str, str] = {"PIPSHIM_ROOT": "0"}
    if setting == "PIPSHIM_USER_VENV":
        user = tmp_path / "mine" / "venv"
        extra["PIPSHIM_USER_VENV"] = str(user)
    elif setting == "root-in-container-set":
        user = tmp_path / "image" / "venv"
        extra = {"PIPSHIM_ROOT": "1", "PIPSHIM_CONTAINER": "1", "PIPSHIM_USER_VENV": str(user)}
    elif setting == "config-file":
        user = tmp_path / "configured" / "venv"
        (tmp_path / "config" / "pipshim").mkdir(parents=True)
        (tmp_path / "config" / "pipshim" / "config.toml").write_text(f'user_venv = "{user}"\n')
    fake_venv(user, pythons["3.13"], "3.13")
    STATES[state](Path(f"{user}-3.12"), pythons["3.12"])
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "home").mkdir(exist_ok=True)
    env = {
        "PATH": f"{bin_dir}:{pythons['3.12'] / 'bin'}:{pythons['3.13'] / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "PWD": str(work),
        "LANG": "C.UTF-8",
        "XDG_DATA_HOME": str(data),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(cache_home),
        "PIP_CONFIG_FILE": os.devnull,
        **extra,
    }
    if setting == "config-file":  # the python shim reads no TOML: a pip call (not explain) tells it
        told = subprocess.run([bin_dir / "pip", "--version"], cwd=work, env=env, capture_output=True, text=True)
        assert told.returncode == 0, told.stderr
    real = {
        v: subprocess.run([p / "bin" / f"python{v}", "-c", PRINT_PREFIX], capture_output=True, text=True).stdout
        for v, p in pythons.items()
    }
    real["3"] = real["3.12"]  # python3: the first on PATH
    for name, version in (("python3.12", "3.12"), ("python3.13", "3.13"), ("python3", "3")):
        route = explain(work, env, name)
        if setting == "default" and state == "ok" and name == "python3.12":
            assert route["route"] == "venv" and route["venv"] == f"{user}-3.12", route
        for shell in SHELLS:
            shim = subprocess.run(
                [shell, str(bin_dir / name), "-c", PRINT_PREFIX], cwd=work, env=env, capture_output=True, text=True
            )
            where = (
                f"{shell} {name}: explain {json.dumps(route)}\nshim {shim.returncode} {shim.stdout!r} {shim.stderr!r}"
            )
            runs_it = route["route"] == "venv" and os.path.exists(os.path.join(route["venv"], "bin", name))
            if runs_it:
                assert (shim.returncode, shim.stdout.strip()) == (0, route["venv"]), where
            elif route["route"] in ("venv", "passthrough"):  # a venv of another version: the real pythonX.Y
                assert (shim.returncode, shim.stdout) == (0, real[version]), where
            else:
                assert route["route"] == "refuse", where
                assert (shim.returncode, shim.stdout) == (route["exit_code"], ""), where
                assert pipshim_lines(shim.stderr) == [f"pipshim: {route['message']}"], where
