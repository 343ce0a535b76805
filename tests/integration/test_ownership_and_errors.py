"""Issue 3, items 5-7: venvs that are not safe to use are not used; pipshim's own errors
(no real pip, a broken venv) are one `pipshim:` line and the documented exit status;
`pipshim explain` and `pipshim venv` do what they say."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from helpers import destination, pipshim_lines, run
from sut import SUT

from integration.support import (
    MARKER,
    SITE,
    SYSTEM_PIP,
    SYSTEM_PYTHON,
    assert_complete_venv,
    assert_imports_from_venv,
    make_project,
    one_pipshim_line,
    pyvenv_cfg,
    unquote,
    untrusted_writable,
    venvs_under,
)


def plant_venv(venv, python=SYSTEM_PYTHON):
    """What a venv looks like to a stat(): pyvenv.cfg, bin/python, an empty site-packages."""
    (venv / "bin").mkdir(parents=True)
    (venv / SITE).mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(python)
    (venv / "pyvenv.cfg").write_text(
        f"home = /usr/bin\ninclude-system-site-packages = false\nversion = {SUT.version_full}\nexecutable = {python}\n"
    )
    return venv


def files_below(d):
    return sorted(str(p.relative_to(d)) for p in d.rglob("*"))


@pytest.fixture(params=["other-user", "group-writable"])
def planted(request, tmp_path):
    """A .venv in a shared parent dir that the current user must not trust (another user's:
    needs root, which other_user says; group-writable: anyone)."""
    shared = tmp_path / "shared"
    shared.mkdir()
    venv = plant_venv(shared / ".venv")
    if request.param == "other-user":
        uid, gid = request.getfixturevalue("other_user")
        for p in [venv, *venv.rglob("*")]:
            os.lchown(p, uid, gid)
    else:
        untrusted_writable(venv)
    before = files_below(venv)
    return shared, venv, before


def test_planted_venv_in_a_parent_is_not_used_by_a_project(tmp_path, shim_env, planted):
    shared, planted_venv, before = planted
    project = make_project(shared, "proj")

    r = run(["pip", "install", "demo-lib"], shim_env, project)

    assert r.returncode == 0, r.stderr
    own = project / ".venv"
    line = one_pipshim_line(r.stderr)
    assert destination(line, project, shim_env["HOME"]) == (str(own), True), line
    assert_complete_venv(own)
    assert_imports_from_venv(own, "demo_lib", tmp_path)
    assert files_below(planted_venv) == before, "something was written into the planted venv"


def test_planted_venv_in_a_parent_is_not_used_without_a_project(tmp_path, shim_env, planted):
    shared, planted_venv, before = planted
    cwd = shared / "somewhere"
    cwd.mkdir()

    # a read command before any install reads the system pip's environment, not the planted one
    via_shim = run(["pip", "list"], shim_env, cwd)
    system = run([SYSTEM_PIP, "list"], shim_env, cwd)
    assert (via_shim.returncode, via_shim.stdout, via_shim.stderr) == (system.returncode, system.stdout, system.stderr)

    via_shim = run(["pip", "install", "demo-lib"], shim_env, cwd)

    assert via_shim.returncode == 0, via_shim.stderr
    line = one_pipshim_line(via_shim.stderr)
    assert f"ignored {planted_venv}" in line and "user env" in line, line
    assert_imports_from_venv(user_env_dir(shim_env), "demo_lib", tmp_path)
    assert files_below(planted_venv) == before


def test_group_writable_project_venv_is_not_used(tmp_path, shim_env, project):
    venv = untrusted_writable(plant_venv(project / ".venv"))
    before = files_below(venv)

    r = run(["pip", "install", "demo-lib"], shim_env, project)

    assert r.returncode == 0, r.stderr
    assert files_below(venv) == before, "something was installed into the group-writable venv"
    assert "writable by" in one_pipshim_line(r.stderr)
    assert_imports_from_venv(user_env_dir(shim_env), "demo_lib", tmp_path)


def test_group_writable_project_dir_is_not_used(tmp_path, shim_env, project):
    untrusted_writable(project)

    r = run(["pip", "install", "demo-lib"], shim_env, project)

    assert r.returncode == 0, r.stderr
    assert not (project / ".venv").exists()
    assert venvs_under(tmp_path) == [user_env_dir(shim_env)]


@pytest.mark.parametrize("what", ["project-dir", "project-venv"])
def test_untrusted_project_says_why_it_was_not_used(tmp_path, shim_env, project, what):
    if what == "project-dir":
        untrusted_writable(project)
    else:
        untrusted_writable(plant_venv(project / ".venv"))

    r = run(["pip", "install", "demo-lib"], shim_env, project)

    assert r.returncode == 0, r.stderr
    line = one_pipshim_line(r.stderr)
    assert "writable by" in line and "user env" in line, line


@pytest.mark.parametrize("how", ["twice", "symlinked"])
def test_shim_dir_twice_on_path_does_not_loop(tmp_path, shim_env, shim_bin, how):
    second = shim_bin
    if how == "symlinked":
        second = tmp_path / "bin-alias"
        second.symlink_to(shim_bin)
    env = {**shim_env, "PATH": f"{shim_bin}:{second}:/usr/bin:/bin"}
    cwd = tmp_path / "work"
    cwd.mkdir()

    via_shim = run(["pip", "--version"], env, cwd, timeout=60)
    system = run([SYSTEM_PIP, "--version"], env, cwd)

    assert (via_shim.returncode, via_shim.stdout, via_shim.stderr) == (0, system.stdout, system.stderr)
    assert f"pip {SUT.pip_version} from {SUT.pip_dir}" in via_shim.stdout


@pytest.mark.parametrize("extra", ["shims-only", "with-python3"])
@pytest.mark.parametrize("args", [["install", "demo-lib"], ["--version"]], ids=["install", "version"])
def test_no_real_pip_exits_127(tmp_path, shim_env, shim_bin, project, extra, args):
    path = str(shim_bin)
    if extra == "with-python3":
        pybin = tmp_path / "pybin"
        pybin.mkdir()
        (pybin / "python3").symlink_to(SYSTEM_PYTHON)
        path += f":{pybin}"
    env = {**shim_env, "PATH": path}

    r = run(["pip", *args], env, project, timeout=60)

    assert r.returncode == 127, r.stderr
    assert r.stdout == ""
    line = one_pipshim_line(r.stderr)
    assert r.stderr == line + "\n"
    assert "pip" in line
    assert venvs_under(tmp_path) == []


@pytest.mark.parametrize("linked", [False, True], ids=["dir", "symlinked"])
def test_broken_venv_exits_2_then_recreate_fixes_it(tmp_path, shim_env, project, linked):
    gone = f"/nonexistent/bin/python{SUT.version}"
    if linked:  # .venv -> a venv kept elsewhere: the venv there is made again, the link stays
        target = plant_venv(tmp_path / "elsewhere" / "proj-venv", python=gone)
        (project / ".venv").symlink_to(target)
        venv = project / ".venv"
    else:
        target = venv = plant_venv(project / ".venv", python=gone)
    before = files_below(venv)

    r = run(["pip", "install", "demo-lib"], shim_env, project)

    assert r.returncode == 2
    assert r.stdout == ""
    line = one_pipshim_line(r.stderr)
    assert r.stderr == line + "\n"
    assert "pipshim venv --recreate" in line and str(venv) in line
    assert files_below(venv) == before, "the broken venv was changed"
    assert os.readlink(venv / "bin" / "python") == gone

    fix = run(["pipshim", "venv", "--recreate"], shim_env, project)

    assert fix.returncode == 0, fix.stderr
    assert fix.stdout == f"{venv}\n"
    assert_complete_venv(venv)
    assert unquote(pyvenv_cfg(venv)["prompt"]) == "proj"
    if linked:
        assert os.readlink(venv) == str(target), "the user's link was replaced"
        assert sorted(os.listdir(target.parent)) == ["proj-venv"], "something was left beside the venv"

    r = run(["pip", "install", "demo-lib"], shim_env, project)

    assert r.returncode == 0, r.stderr
    assert_imports_from_venv(venv, "demo_lib", tmp_path)


def _link_target(tmp_path, what):
    """What a user's ``.venv`` symlink may point at that is not a venv pipshim may use or make."""
    target = tmp_path / "elsewhere" / "venv"
    if what == "a-non-venv":
        target.mkdir(parents=True)
        (target / "notes.txt").write_text("mine\n")
    elif what == "an-empty-dir":
        target.mkdir(parents=True)
    elif what == "an-incomplete-venv":
        plant_venv(target)
        (target / MARKER).write_text("pid 1\n")
    return target


@pytest.mark.parametrize("what", ["nothing", "a-non-venv", "an-empty-dir", "an-incomplete-venv"])
def test_a_dotvenv_symlink_to_what_is_not_a_venv_is_refused_and_left_in_place(tmp_path, shim_env, project, what):
    target = _link_target(tmp_path, what)
    link = project / ".venv"
    link.symlink_to(target)
    before = files_below(tmp_path / "elsewhere") if target.parent.exists() else None

    r = run(["pip", "install", "demo-dep"], shim_env, project)

    assert (r.returncode, r.stdout) == (2, ""), r.stderr
    line = one_pipshim_line(r.stderr)
    assert r.stderr == line + "\n"
    assert str(link) in line and str(target) in line and "remove the link" in line, line
    assert link.is_symlink() and os.readlink(link) == str(target), "the user's link was touched"
    assert (files_below(tmp_path / "elsewhere") if target.parent.exists() else None) == before
    assert sorted(os.listdir(project)) == [".venv", "pyproject.toml"]
    # a read runs nothing through the link either, and explain says the same refusal
    assert run(["pip", "list"], shim_env, project).returncode == 2
    route = json.loads(run(["pipshim", "explain", "--json", "--", "pip", "install", "x"], shim_env, project).stdout)
    assert (route["route"], route["exit_code"], route["message"]) == ("refuse", 2, line.removeprefix("pipshim: "))
    assert link.is_symlink() and os.readlink(link) == str(target)


def test_a_dotvenv_symlink_to_a_venv_is_used_and_a_failed_install_keeps_both(tmp_path, shim_env, project):
    elsewhere = make_project(tmp_path, "cache")
    assert run(["pip", "install", "demo-lib"], shim_env, elsewhere).returncode == 0
    target = elsewhere / ".venv"
    link = project / ".venv"
    link.symlink_to(target)

    r = run(["pip", "install", "demo-dep"], shim_env, project)

    assert r.returncode == 0, r.stderr
    assert destination(one_pipshim_line(r.stderr), project, shim_env["HOME"]) == (str(link), False)
    assert_imports_from_venv(target, "demo_dep", tmp_path)
    before = files_below(target)

    r = run(["pip", "install", "no-such-package-anywhere"], shim_env, project)

    assert r.returncode == 1, r.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert files_below(target) == before
    assert_complete_venv(target)


DEAD_PYTHON = f"""#!/bin/sh
# what a python whose libpython is gone does (the dynamic loader's message and status)
echo "python{SUT.version}: error while loading shared libraries:" \\
    "libpython{SUT.version}.so.1.0: cannot open shared object file" >&2
exit 127
"""


@pytest.mark.parametrize("how", ["dead-interpreter", "python-upgraded"])
def test_venv_whose_python_no_longer_runs_exits_2(tmp_path, shim_env, project, how):
    r = run(["pip", "install", "demo-lib"], shim_env, project)
    assert r.returncode == 0, r.stderr
    venv = project / ".venv"
    if how == "dead-interpreter":
        dead = tmp_path / f"dead-python{SUT.version}"
        dead.write_text(DEAD_PYTHON)
        dead.chmod(0o755)
        (venv / "bin" / "python").unlink()
        (venv / "bin" / "python").symlink_to(dead)
    else:
        # made by the previous minor version, which the system Python no longer is (a distribution upgrade)
        major, minor = SUT.version_info
        older = f"{major}.{minor - 1}"
        (venv / "lib" / f"python{SUT.version}").rename(venv / "lib" / f"python{older}")
        cfg = (venv / "pyvenv.cfg").read_text()
        assert SUT.version_full in cfg, cfg
        cfg = cfg.replace(SUT.version_full, f"{older}.12").replace(f"python{SUT.version}", f"python{older}")
        (venv / "pyvenv.cfg").write_text(cfg.replace(f"python-version = {SUT.version}", f"python-version = {older}"))
    before = files_below(venv)

    r = run(["pip", "install", "demo-dep"], shim_env, project)

    assert (r.returncode, r.stdout) == (2, ""), r.stderr
    line = one_pipshim_line(r.stderr)
    assert r.stderr == line + "\n"
    assert "pipshim venv --recreate" in line and str(venv) in line
    assert files_below(venv) == before, "the venv was changed"

    fix = run(["pipshim", "venv", "--recreate"], shim_env, project)
    assert fix.returncode == 0, fix.stderr
    r = run(["pip", "install", "demo-dep"], shim_env, project)
    assert r.returncode == 0, r.stderr
    assert_imports_from_venv(venv, "demo_dep", tmp_path)


def test_explain_json_names_the_venv_and_creates_nothing(tmp_path, shim_env, project):
    before = [p for p in files_below(tmp_path) if not p.startswith("home/.cache")]

    r = run(["pipshim", "explain", "--json", "--", "pip", "install", "demo-lib"], shim_env, project)

    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["route"] == "venv"
    assert data["venv"] == str(project / ".venv")
    assert data["create"] is True
    assert "demo-lib" in data["argv"]
    assert not (project / ".venv").exists()
    # only pipshim's own cache (the interpreter facts) may appear
    assert [p for p in files_below(tmp_path) if not p.startswith("home/.cache")] == before


def test_explain_text_without_project_names_the_user_environment(tmp_path, shim_env):
    cwd = tmp_path / "work"
    cwd.mkdir()
    r = run(["pipshim", "explain", "--", "pip", "install", "demo-lib"], shim_env, cwd)

    assert r.returncode == 0, r.stderr
    assert destination(r.stdout.splitlines()[0], cwd, shim_env["HOME"]) == (str(user_env_dir(shim_env)), True)
    assert "rule 9" in r.stdout
    assert venvs_under(tmp_path) == []


def user_env_dir(env: dict[str, str]):
    return Path(env["HOME"]) / ".local" / "share" / "pipshim" / "venv"


def test_pipshim_venv_creates_and_prints_the_venv(tmp_path, shim_env, project):
    venv = project / ".venv"

    r = run(["pipshim", "venv"], shim_env, project)

    assert r.returncode == 0, r.stderr
    assert r.stdout == f"{venv}\n"
    assert_complete_venv(venv)
    assert not (venv / MARKER).exists()
    assert unquote(pyvenv_cfg(venv)["prompt"]) == "proj"
    inode = (venv / "pyvenv.cfg").stat().st_ino

    sub = project / "sub"
    sub.mkdir()
    again = run(["pipshim", "venv"], shim_env, sub)  # from a subdirectory: the same venv

    assert again.returncode == 0, again.stderr
    assert again.stdout == f"{venv}\n"
    assert pipshim_lines(again.stderr) == []
    assert (venv / "pyvenv.cfg").stat().st_ino == inode, "an existing venv was made again"
    assert venvs_under(tmp_path) == [venv]


def test_pipshim_venv_as_root_on_a_host_without_project_fails(tmp_path, shim_env):
    cwd = tmp_path / "work"
    cwd.mkdir()
    env = {**shim_env, "PIPSHIM_ROOT": "1", "PIPSHIM_CONTAINER": "0"}
    r = subprocess.run(["pipshim", "venv"], env=env, cwd=cwd, capture_output=True, text=True)

    assert r.returncode == 1
    assert "root outside a container" in one_pipshim_line(r.stderr)
    assert venvs_under(tmp_path) == []


def test_pipshim_version_and_usage_errors(tmp_path, shim_env):
    cwd = tmp_path / "work"
    cwd.mkdir()
    version = run(["pipshim", "--version"], shim_env, cwd)
    assert version.returncode == 0 and version.stdout.startswith("pipshim "), version.stderr

    no_pip = run(["pipshim", "explain", "--json"], shim_env, cwd)
    assert (no_pip.returncode, no_pip.stdout) == (2, "")
    assert no_pip.stderr == one_pipshim_line(no_pip.stderr) + "\n"
    assert "usage" in no_pip.stderr

    unknown = run(["pipshim", "frobnicate"], shim_env, cwd)
    assert unknown.returncode == 2
    assert unknown.stderr.splitlines()[-1].startswith("pipshim:")
    assert venvs_under(tmp_path) == []


def test_pipshim_venv_outside_a_project_is_the_user_environment(tmp_path, shim_env):
    cwd = tmp_path / "nowhere"
    cwd.mkdir()
    r = run(["pipshim", "venv"], shim_env, cwd)
    assert r.returncode == 0, r.stderr
    user = user_env_dir(shim_env)
    assert r.stdout == f"{user}\n"
    assert "include-system-site-packages = true" in (user / "pyvenv.cfg").read_text()
    assert not (user / MARKER).exists()


@pytest.mark.parametrize("how", ["PIPSHIM_USER_VENV", "XDG_DATA_HOME"])
def test_a_user_environment_in_a_shared_directory_is_refused_and_nothing_is_made_there(tmp_path, shim_env, how):
    """`PIPSHIM_USER_VENV=/tmp/x` or `XDG_DATA_HOME=/tmp`: another user could have taken the
    name first, so pipshim makes nothing there and says how to choose a place of its own."""
    shared = tmp_path / "tmp"
    shared.mkdir()
    shared.chmod(0o1777)
    cwd = tmp_path / "somewhere"
    cwd.mkdir()
    env = dict(shim_env, **{how: str(shared / "x") if how == "PIPSHIM_USER_VENV" else str(shared)})
    r = run(["pip", "install", "demo-lib"], env, cwd)
    assert r.returncode == 2, r.stderr
    line = one_pipshim_line(r.stderr)
    assert f"{shared} is writable by every user: pipshim creates nothing there" in line, line
    assert "choose a directory of your own" in line and "Traceback" not in r.stderr
    assert os.listdir(shared) == []


def test_a_cache_in_a_shared_directory_is_refused_and_the_project_is_left_as_it_was(tmp_path, shim_env, project):
    """HOME=/tmp in a project: the pip seed would live in /tmp/.cache, so no venv is made."""
    shared = tmp_path / "tmp"
    shared.mkdir()
    shared.chmod(0o1777)
    before = files_below(project)
    r = run(["pip", "install", "demo-lib"], dict(shim_env, HOME=str(shared)), project)
    assert r.returncode == 2, r.stderr
    line = one_pipshim_line(r.stderr)
    assert f"{shared} is writable by every user" in line and "set XDG_CACHE_HOME (or HOME)" in line, line
    assert os.listdir(shared) == [] and files_below(project) == before
