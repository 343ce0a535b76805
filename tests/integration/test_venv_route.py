"""Issue 3, items 5 and 7: inside a project, `pip install` on the externally managed
/usr/bin/python3 goes into the project's .venv (created on first use), and pip's
read-only commands read that .venv as if it were activated."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
from helpers import destination, pipshim_lines, run, without_pipshim_lines
from sut import SUT

from integration.support import (
    SYSTEM_PIP,
    assert_complete_venv,
    assert_imports_from_venv,
    make_project,
    make_reference_venv,
    one_pipshim_line,
    pyvenv_cfg,
    unquote,
    user_env,
    venvs_under,
)


@pytest.fixture(scope="module")
def shared(tmp_path_factory, wheelhouse, app_data):
    """One project whose .venv was made by `pip install demo-needs-dep` through the shim."""
    base = tmp_path_factory.mktemp("venv-route")
    env = user_env(base, wheelhouse, app_data)
    project = make_project(base, "shared-proj")
    r = run(["pip", "install", "demo-needs-dep"], env, project)
    assert r.returncode == 0, r.stderr
    return SimpleNamespace(env=env, project=project, venv=project / ".venv")


@pytest.mark.parametrize(
    ("marker", "name"),
    [("pyproject.toml", "wonder-app"), ("requirements.txt", "wonder-app"), ("pyproject.toml", "my app")],
    ids=["pyproject", "requirements-only", "space-in-dir"],
)
def test_install_creates_project_venv(tmp_path, shim_env, marker, name):
    project = make_project(tmp_path, name, marker)
    venv = project / ".venv"

    r = run(["pip", "install", "demo-needs-dep"], shim_env, project)

    assert r.returncode == 0, r.stderr
    assert "Successfully installed demo-dep-1.0 demo-needs-dep-1.0" in r.stdout
    assert_complete_venv(venv)
    line = one_pipshim_line(r.stderr)
    assert destination(line, project, shim_env["HOME"]) == (str(venv), True), line
    assert "externally managed" in line
    # the package (and its dependency) import from .venv/bin/python, not from the system Python
    assert_imports_from_venv(venv, "demo_needs_dep", tmp_path)
    assert_imports_from_venv(venv, "demo_dep", tmp_path)
    cfg = pyvenv_cfg(venv)
    # made from the interpreter the system pip runs on, with the project dir's name as prompt
    assert unquote(cfg["prompt"]) == name
    activated = run(["bash", "-c", '. .venv/bin/activate && printf %s "$VIRTUAL_ENV_PROMPT"'], shim_env, project)
    assert activated.stdout == name, activated.stderr
    assert cfg["include-system-site-packages"] == "false"
    assert cfg["home"] == os.path.dirname(SUT.python_real)
    assert venvs_under(tmp_path) == [venv]
    if marker == "requirements.txt":  # the usual next step in such a directory
        r = run(["pip", "install", "-r", "requirements.txt"], shim_env, project)
        assert r.returncode == 0, r.stderr
        assert "(new" not in one_pipshim_line(r.stderr)
        assert_imports_from_venv(venv, "demo_lib", tmp_path)


def test_subdirectory_uses_the_same_venv(shared):
    sub = shared.project / "src" / "pkg"
    sub.mkdir(parents=True, exist_ok=True)

    r = run(["pip", "install", "demo-lib==1.0"], shared.env, sub)

    assert r.returncode == 0, r.stderr
    line = one_pipshim_line(r.stderr)
    assert destination(line, sub, shared.env["HOME"]) == (str(shared.venv), False), line
    assert not (sub / ".venv").exists() and not (shared.project / "src" / ".venv").exists()
    assert venvs_under(shared.project) == [shared.venv]
    assert_imports_from_venv(shared.venv, "demo_lib", sub)


@pytest.mark.parametrize(
    "args",
    [["list"], ["list", "--format=json"], ["freeze"], ["show", "-f", "demo-needs-dep"], ["--version"]],
    ids=["list", "list-json", "freeze", "show-f", "version"],
)
def test_read_commands_read_the_venv(shared, args):
    via_shim = run(["pip", *args], shared.env, shared.project)
    own = run([shared.venv / "bin" / "pip", *args], shared.env, shared.project)

    assert own.returncode == 0, own.stderr
    assert (via_shim.returncode, via_shim.stdout) == (own.returncode, own.stdout)
    assert without_pipshim_lines(via_shim.stderr) == own.stderr
    line = one_pipshim_line(via_shim.stderr)
    assert destination(line, shared.project, shared.env["HOME"]) == (str(shared.venv), False), line
    if args[0] in ("list", "freeze", "show"):
        assert "demo-needs-dep" in via_shim.stdout.replace("demo_needs_dep", "demo-needs-dep")


def test_read_command_in_new_project_creates_nothing(tmp_path, shim_env, project):
    """Nothing is created for a command that does not install: pip list passes through, and one
    line says the project has no venv yet and what was read instead."""
    via_shim = run(["pip", "list"], shim_env, project)
    system = run([SYSTEM_PIP, "list"], shim_env, project)

    assert (via_shim.returncode, via_shim.stdout) == (system.returncode, system.stdout)
    assert without_pipshim_lines(via_shim.stderr) == system.stderr
    assert pipshim_lines(via_shim.stderr) == [
        f"pipshim: {project / '.venv'} does not exist yet: pip list reads {SUT.python_real}'s packages instead"
    ]
    assert venvs_under(tmp_path) == []


def test_uninstall_removes_from_the_venv(shared):
    r = run(["pip", "install", "demo-lib==2.0"], shared.env, shared.project)
    assert r.returncode == 0, r.stderr
    assert_imports_from_venv(shared.venv, "demo_lib", shared.project)

    r = run(["pip", "uninstall", "-y", "demo-lib"], shared.env, shared.project)

    assert r.returncode == 0, r.stderr
    assert "Successfully uninstalled demo-lib-2.0" in r.stdout
    line = one_pipshim_line(r.stderr)
    assert destination(line, shared.project, shared.env["HOME"])[0] == str(shared.venv), line
    gone = run([shared.venv / "bin" / "python", "-c", "import demo_lib"], shared.env, shared.project)
    assert gone.returncode != 0 and "ModuleNotFoundError" in gone.stderr
    assert not list((shared.venv / "lib").glob("python3*/site-packages/demo_lib*"))
    # the rest of the venv is untouched
    assert_complete_venv(shared.venv)
    assert_imports_from_venv(shared.venv, "demo_needs_dep", shared.project)


def test_dash_q_silences_the_line_on_creation(tmp_path, shim_env, project):
    r = run(["pip", "install", "-q", "demo-lib"], shim_env, project)

    assert r.returncode == 0, r.stderr
    assert pipshim_lines(r.stderr) == []
    assert_complete_venv(project / ".venv")
    assert_imports_from_venv(project / ".venv", "demo_lib", tmp_path)


@pytest.mark.parametrize("args", [["install", "demo-dep"], ["list"]], ids=["install", "list"])
def test_pipshim_quiet_silences_the_line(shared, args):
    loud = run(["pip", *args], shared.env, shared.project)
    quiet = run(["pip", *args], {**shared.env, "PIPSHIM_QUIET": "1"}, shared.project)

    assert loud.returncode == quiet.returncode == 0, quiet.stderr
    assert len(pipshim_lines(loud.stderr)) == 1  # the line exists without the setting
    assert pipshim_lines(quiet.stderr) == []
    assert quiet.stdout == loud.stdout  # pip's own output is not silenced


@pytest.mark.parametrize("name", ["pip3", f"pip{SUT.version}"])
def test_other_pip_names(shared, name):
    version = run([name, "--version"], shared.env, shared.project)
    own = run([shared.venv / "bin" / name, "--version"], shared.env, shared.project)
    assert version.returncode == 0 and version.stdout == own.stdout
    assert str(shared.venv) in version.stdout

    r = run([name, "install", "demo-lib==1.0"], shared.env, shared.project)

    assert r.returncode == 0, r.stderr
    line = one_pipshim_line(r.stderr)
    assert destination(line, shared.project, shared.env["HOME"])[0] == str(shared.venv), line
    assert_imports_from_venv(shared.venv, "demo_lib", shared.project)


def test_new_project_via_pip3_n(tmp_path, shim_env):
    """pip3.N, whether or not the distribution ships a pip3.N of its own (Debian 13 does not)."""
    project = make_project(tmp_path, "via-pip3n")
    r = run([f"pip{SUT.version}", "install", "demo-lib"], shim_env, project)

    assert r.returncode == 0, r.stderr
    assert destination(one_pipshim_line(r.stderr), project, shim_env["HOME"])[1]
    assert_complete_venv(project / ".venv")
    assert_imports_from_venv(project / ".venv", "demo_lib", tmp_path)


def test_active_venv_not_on_path_wins_over_the_project(tmp_path, shim_env, project, app_data):
    """Rule 3: VIRTUAL_ENV set (its bin not on PATH): pip acts as that venv's pip, nothing is created."""
    active = make_reference_venv(tmp_path / "active", app_data)
    env = {**shim_env, "VIRTUAL_ENV": str(active)}

    r = run(["pip", "install", "demo-lib"], env, project)

    assert r.returncode == 0, r.stderr
    line = one_pipshim_line(r.stderr)
    assert destination(line, project, env["HOME"]) == (str(active), False), line
    assert not (project / ".venv").exists()
    assert_imports_from_venv(active, "demo_lib", tmp_path)
    listed = run(["pip", "list"], env, project)
    assert listed.stdout == run([active / "bin" / "pip", "list"], env, project).stdout


def test_a_pip_conf_quiet_silences_the_pipshim_line_as_pip_itself_is_quiet(tmp_path, shim_env):
    """`quiet = 1` in a pip.conf is pip's -q: the install and the read routed after it say no line."""
    project = make_project(tmp_path, "quiet-proj")
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nquiet = 1\n")
    env = {**shim_env, "PIP_CONFIG_FILE": str(conf), "XDG_CONFIG_DIRS": str(tmp_path / "no-xdg")}
    r = run(["pip", "install", "demo-lib"], env, project)
    assert r.returncode == 0 and (project / ".venv").is_dir(), r.stderr
    assert pipshim_lines(r.stderr) == [] and "Successfully installed" not in r.stdout, "pip was quiet too"
    r = run(["pip", "freeze"], env, project)
    assert r.returncode == 0 and "demo-lib==" in r.stdout.replace("_", "-"), r.stderr
    assert pipshim_lines(r.stderr) == []
    conf.write_text("[global]\nquiet = 0\n")
    assert len(pipshim_lines(run(["pip", "freeze"], env, project).stderr)) == 1, "quiet = 0 is pip's default"
