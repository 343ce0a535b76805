"""``pipshim run CMD…`` / ``pipshim which CMD``: the environment a ``pip install`` here would use.

A project gets its venv from a real ``pip install`` through the shims (a tiny package with
a console script stands in for pygments/pygmentize, offline).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import pipshim_lines, run

from integration.support import one_pipshim_line, pip

SCRIPT = "demo-app"  # the wheelhouse's package with a console script of that name


@pytest.fixture
def installed(shim_bin, shim_env, project) -> Path:
    r = pip(shim_bin, shim_env, project, "install", SCRIPT)
    assert r.returncode == 0, r.stderr
    venv = project / ".venv"
    assert (venv / "bin" / SCRIPT).is_file()
    return venv


def pipshim(shim_bin, env, cwd, *args):
    return run([shim_bin / "pipshim", *args], env, cwd)


def test_run_runs_the_projects_command(shim_bin, shim_env, project, installed):
    r = pipshim(shim_bin, shim_env, project, "run", SCRIPT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"{SCRIPT} 1.0"
    assert pipshim_lines(r.stderr) == []


def test_run_in_a_venv_whose_path_has_a_colon_is_one_line(shim_bin, shim_env, tmp_path):
    """PATH would split `a:b/.venv/bin` into `a` and `b/.venv/bin`, directories that may be anyone's."""
    proj = tmp_path / "a:b"
    proj.mkdir()
    (proj / "requirements.txt").write_text(f"{SCRIPT}\n")
    assert pip(shim_bin, shim_env, proj, "install", SCRIPT).returncode == 0
    r = pipshim(shim_bin, shim_env, proj, "run", SCRIPT)
    assert r.returncode == 2
    assert pipshim_lines(r.stderr) == [
        f"pipshim: {proj / '.venv'} has a ':' in its path, which PATH cannot hold: run its bin/ commands by their path"
    ]


def test_run_with_a_minimal_environment(shim_bin, hermetic_env, project, installed):
    env = {"HOME": str(hermetic_env), "PATH": "/usr/bin:/bin"}  # env -i HOME=… PATH=/usr/bin:/bin
    script = f'command -v {SCRIPT}; echo "$VIRTUAL_ENV"; echo "$PATH"'
    r = run([shim_bin / "pipshim", "run", "sh", "-c", script], env, project)
    assert r.returncode == 0, r.stderr
    where, virtual_env, path = r.stdout.splitlines()
    assert where == str(installed / "bin" / SCRIPT)
    assert virtual_env == str(installed)
    assert path == f"{installed / 'bin'}:/usr/bin:/bin"


def test_run_from_a_subdirectory_and_python_is_the_venvs(shim_bin, shim_env, project, installed):
    sub = project / "src" / "pkg"
    sub.mkdir(parents=True)
    env = dict(shim_env, PYTHONHOME="/nonexistent")  # unset for the child: it would break the venv's python
    r = pipshim(shim_bin, env, sub, "run", "python3", "-c", "import sys; print(sys.prefix)")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(installed)


def test_run_keeps_the_shim_dir_after_the_venv(shim_bin, shim_env, project, installed):
    r = pipshim(shim_bin, shim_env, project, "run", "sh", "-c", 'echo "$PATH"')
    assert r.stdout.strip().split(":") == [str(installed / "bin"), str(shim_bin), "/usr/bin", "/bin"]


def test_run_passes_arguments_and_exit_status(shim_bin, shim_env, project, installed):
    r = pipshim(shim_bin, shim_env, project, "run", "sh", "-c", 'printf "%s|" "$@"; exit 7', "sh", "a b", "-x", "")
    assert r.returncode == 7
    assert r.stdout == "a b|-x||"


def test_run_command_not_found_is_127_with_one_line(shim_bin, shim_env, project, installed):
    r = pipshim(shim_bin, shim_env, project, "run", "no-such-command-here")
    assert r.returncode == 127
    assert "no-such-command-here" in one_pipshim_line(r.stderr)
    assert r.stdout == ""


def test_run_without_a_command_is_a_usage_error(shim_bin, shim_env, project):
    r = pipshim(shim_bin, shim_env, project, "run")
    assert r.returncode == 2
    assert "usage" in one_pipshim_line(r.stderr)


def test_run_in_a_project_without_venv_says_so_and_creates_nothing(shim_bin, shim_env, project):
    r = pipshim(shim_bin, shim_env, project, "run", "sh", "-c", 'echo "[$VIRTUAL_ENV]"')
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"
    line = one_pipshim_line(r.stderr)
    assert str(project / ".venv") in line and "does not exist yet" in line
    assert not (project / ".venv").exists()


def test_run_outside_projects_without_user_env_creates_nothing(shim_bin, shim_env, work):
    r = pipshim(shim_bin, shim_env, work, "run", "true")
    assert r.returncode == 0, r.stderr
    assert len(pipshim_lines(r.stderr)) == 1
    assert not (Path(shim_env["HOME"]) / ".local" / "share" / "pipshim" / "venv").exists()


def test_run_passes_through_when_disabled(shim_bin, shim_env, project, installed):
    env = dict(shim_env, PIPSHIM_DISABLE="1")
    r = pipshim(shim_bin, env, project, "run", "sh", "-c", 'echo "[$VIRTUAL_ENV]"; command -v demo-app || echo none')
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["[]", "none"]
    assert pipshim_lines(r.stderr) == []


def test_root_on_a_host_outside_projects_runs_and_finds_commands_as_they_are(shim_bin, shim_env, work):
    """`sudo pipshim run CMD` where `sudo pip install X` would be refused: there is no
    environment to run in, so CMD runs as it is (as the python shim runs the real python)."""
    env = dict(shim_env, PIPSHIM_ROOT="1", PIPSHIM_CONTAINER="0")
    r = pipshim(shim_bin, env, work, "run", "sh", "-c", 'echo "[${VIRTUAL_ENV-}]"')
    assert (r.returncode, r.stdout.strip(), pipshim_lines(r.stderr)) == (0, "[]", []), r.stderr
    r = pipshim(shim_bin, env, work, "which", "sh")
    assert r.returncode == 0 and os.path.basename(r.stdout.strip()) == "sh", r.stderr
    assert pip(shim_bin, env, work, "install", "demo-lib").returncode == 1  # the install itself is still refused


def test_run_refuses_a_broken_venv_with_its_fix(shim_bin, shim_env, project):
    venv = project / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "lib" / "python3.99").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /nonexistent\n")
    r = pipshim(shim_bin, shim_env, project, "run", "true")
    assert r.returncode == 2
    assert "pipshim venv --recreate" in one_pipshim_line(r.stderr)


def test_which_names_the_projects_command(shim_bin, shim_env, project, installed, work):
    r = pipshim(shim_bin, shim_env, project, "which", SCRIPT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(installed / "bin" / SCRIPT)
    r = pipshim(shim_bin, shim_env, project, "which", "sh")
    assert r.returncode == 0 and r.stdout.strip() in ("/usr/bin/sh", "/bin/sh")
    r = pipshim(shim_bin, shim_env, work, "which", SCRIPT)
    assert r.returncode == 1
    assert r.stdout == ""
    assert SCRIPT in pipshim_lines(r.stderr)[-1]


def test_shebang_runs_the_script_with_the_projects_python(shim_bin, shim_env, project, installed):
    script = project / "tool.py"
    script.write_text("#!/usr/bin/env -S pipshim run python3\nimport sys, demo_app\nprint(sys.prefix)\n")
    os.chmod(script, 0o755)
    r = run([script], shim_env, project)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(installed)
