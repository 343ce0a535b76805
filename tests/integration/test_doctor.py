"""``pipshim doctor``: exit 0 with ✓ lines on a good set-up, exit 1 with a ✗ line and its fix
on a broken one. Run as the shim a user would call (``<bin>/pipshim doctor``)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import pipshim_lines, run
from sut import SUT

from pipshim import shims


@pytest.fixture
def env(shim_env) -> dict[str, str]:
    return dict(shim_env, PIPSHIM_ROOT="0", PIPSHIM_CONTAINER="0")


def doctor(shim_bin, env, cwd):
    return run([shim_bin / "pipshim", "doctor"], env, cwd)


def marks(stdout: str, mark: str) -> list[str]:
    return [ln for ln in stdout.splitlines() if ln.startswith(mark)]


def assert_healthy(r) -> None:
    assert r.returncode == 0, r.stdout + r.stderr
    assert marks(r.stdout, "✗") == [], r.stdout
    for ln in r.stdout.splitlines():
        assert ln[:1] in ("✓", "ℹ"), ln


def test_good_setup_passes(shim_bin, env, work):
    r = doctor(shim_bin, env, work)
    assert_healthy(r)
    ok = "\n".join(marks(r.stdout, "✓"))
    assert f"`pip` on PATH is pipshim's shim ({shim_bin / 'pip'})" in ok
    assert f"the shims in {shim_bin} run pipshim" in ok
    assert f"real pip: {SUT.pip}" in ok
    assert "pipx" in ok
    assert "externally managed" in r.stdout
    # a healthy user environment is checked too
    user_venv = Path(env["HOME"]) / ".local" / "share" / "pipshim" / "venv"
    assert run([shim_bin / "pip", "install", "demo-lib"], env, work).returncode == 0
    r = doctor(shim_bin, env, work)
    assert_healthy(r)
    assert any(f"user environment: {user_venv} (ok)" in ln for ln in marks(r.stdout, "✓")), r.stdout


def test_outside_projects_it_says_where_installs_go_not_what_is_not_created(shim_bin, env, work, project):
    user_venv = Path(env["HOME"]) / ".local" / "share" / "pipshim" / "venv"
    r = doctor(shim_bin, env, work)
    assert f"ℹ this directory: not in a project; installs here go to the user environment {user_venv}" in (
        r.stdout.splitlines()
    ), r.stdout
    assert "this directory's venv" not in r.stdout
    r = doctor(shim_bin, env, project)  # a project's venv is made by its first install
    assert f"ℹ this directory's venv: {project / '.venv'} (not created yet)" in r.stdout.splitlines(), r.stdout
    assert "not in a project" not in r.stdout


@pytest.mark.parametrize("where", ["after-usr-bin", "missing"])
def test_bin_dir_not_before_the_real_pip_fails_with_the_fix(shim_bin, env, work, where):
    env["PATH"] = f"/usr/bin:/bin:{shim_bin}" if where == "after-usr-bin" else "/usr/bin:/bin"
    r = doctor(shim_bin, env, work)
    assert r.returncode == 1, r.stdout + r.stderr
    bad = marks(r.stdout, "✗")
    assert len(bad) == 1, r.stdout
    assert SUT.pip in bad[0]
    assert "fix" in bad[0]
    assert f"{shim_bin / 'pipshim'} shell-init" in bad[0]
    assert "or, if your rc file has it, open a new shell (or run `hash -r`)" in bad[0]


def test_shim_pointing_at_a_missing_interpreter_fails_with_the_fix(shim_bin, env, work, tmp_path):
    missing = tmp_path / "gone" / "python3"
    # the pip shims were written by an install whose interpreter has since been removed
    assert shims.install(str(shim_bin), str(missing), list(SUT.pip_shim_names)) == 0
    r = doctor(shim_bin, env, work)
    assert r.returncode == 1, r.stdout + r.stderr
    assert pipshim_lines(r.stderr) == [], r.stderr
    bad = marks(r.stdout, "✗")
    assert len(bad) == 1, r.stdout
    assert str(missing) in bad[0]
    assert "fix" in bad[0]


def test_shim_pointing_at_a_python_without_pipshim_fails_with_the_fix(shim_bin, env, work):
    assert shims.install(str(shim_bin), SUT.python, list(SUT.pip_shim_names)) == 0
    r = doctor(shim_bin, env, work)
    assert r.returncode == 1, r.stdout + r.stderr
    bad = marks(r.stdout, "✗")
    assert len(bad) == 1, r.stdout
    assert SUT.python in bad[0]
    assert "fix: run `make install` again" in bad[0]


def test_no_real_pip_fails_with_the_fix(shim_bin, env, work, tmp_path):
    only_sh = tmp_path / "only-sh"
    only_sh.mkdir()
    os.symlink("/bin/sh", only_sh / "sh")
    env["PATH"] = f"{shim_bin}:{only_sh}"
    r = doctor(shim_bin, env, work)
    assert r.returncode == 1, r.stdout + r.stderr
    bad = marks(r.stdout, "✗")
    assert any("real pip: not found" in ln and "fix: install python3-pip" in ln for ln in bad), r.stdout


def test_broken_user_env_fails_with_the_fix(shim_bin, env, work):
    venv = Path(env["HOME"]) / ".local" / "share" / "pipshim" / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/lib/python-gone/bin\n")
    os.symlink("/usr/lib/python-gone/bin/python3", venv / "bin" / "python")
    r = doctor(shim_bin, env, work)
    assert r.returncode == 1, r.stdout + r.stderr
    bad = marks(r.stdout, "✗")
    assert len(bad) == 1, r.stdout
    assert str(venv) in bad[0]
    assert "fix: `pipshim venv --recreate`" in bad[0]


def test_broken_project_venv_fails_with_the_fix(shim_bin, env, project):
    venv = project / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/lib/python-gone/bin\n")
    os.symlink("/usr/lib/python-gone/bin/python3", venv / "bin" / "python")
    r = doctor(shim_bin, env, project)
    assert r.returncode == 1, r.stdout + r.stderr
    bad = marks(r.stdout, "✗")
    assert any(str(venv) in ln and "pipshim venv --recreate" in ln for ln in bad), r.stdout


def test_a_bad_settings_file_is_a_problem_with_its_fix(shim_bin, env, work):
    """A bad config.toml only warns on each pip call (the defaults apply); doctor names it as a
    problem, and ``explain`` says the same warning as the pip call would."""
    config = Path(env["HOME"]) / ".config" / "pipshim" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("apps = [\n")
    warning = f"ignoring {config}: "
    r = doctor(shim_bin, env, work)
    assert r.returncode == 1, r.stdout + r.stderr
    (bad,) = marks(r.stdout, "✗")
    assert bad.startswith(f"✗ settings: {warning}") and bad.endswith(f"— fix: correct or remove {config}"), bad
    r = run([shim_bin / "pipshim", "explain", "--", "pip", "install", "demo-lib"], env, work)
    assert r.returncode == 0 and pipshim_lines(r.stderr)[0].startswith(f"pipshim: {warning}"), r.stderr
    r = run([shim_bin / "pipshim", "explain", "--json", "--", "pip", "install", "demo-lib"], env, work)
    assert [w.startswith(warning) for w in json.loads(r.stdout)["warnings"]] == [True], r.stdout
    config.write_text("quiet = true\n")
    r = doctor(shim_bin, env, work)
    assert_healthy(r)
    assert f"✓ settings: {config}" in marks(r.stdout, "✓"), r.stdout
