"""Rules 4 and 9: libraries outside a project (and --user anywhere) go to the user environment.

The user environment is ``${XDG_DATA_HOME:-~/.local/share}/pipshim/venv`` (HOME is a
temp dir, XDG_DATA_HOME unset), made with the system site-packages; PIPSHIM_ROOT=0
and PIPSHIM_CONTAINER=0 say what they mean on any machine.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from helpers import destination, distro_module, pipshim_lines, run
from sut import SUT
from wheels import make_wheel

import pipshim
from integration.support import base_env, explain, pip, user_venv
from pipshim import shims
from pipshim.realpip import is_our_shim

FOREIGN = "#!/bin/sh\necho someone else's demo-tool\n"


@pytest.fixture(scope="module")
def extra_wheels(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("user-env-wheels")
    # a library (not an application) that brings a command
    make_wheel(d, "demo-tool", "1.0", scripts={"demo-tool": "demo_tool:main"})
    return d


@pytest.fixture
def env(shim_env, extra_wheels) -> dict[str, str]:
    e = dict(shim_env)
    e.update(
        PIPSHIM_ROOT="0",
        PIPSHIM_CONTAINER="0",
        PIP_FIND_LINKS=f"{shim_env['PIP_FIND_LINKS']} {extra_wheels}",
    )
    return e


def py_out(python, code, env, cwd):
    return run([python, "-c", code], env, cwd)


def test_library_goes_to_a_user_env_that_sees_the_system_packages(shim_bin, env, work):
    venv = user_venv(env)
    r = pip(shim_bin, env, work, "install", "demo-lib==1.0")
    assert r.returncode == 0, r.stderr
    lines = pipshim_lines(r.stderr)
    assert len(lines) == 1, lines
    assert destination(lines[0], work, env["HOME"]) == (str(venv), True), lines
    cfg = (venv / "pyvenv.cfg").read_text()
    assert "include-system-site-packages = true" in cfg
    assert not (venv / ".pipshim-incomplete").exists()

    code = f"import demo_lib, {distro_module()}; print(demo_lib.__file__); print(demo_lib.VERSION)"
    out = py_out(venv / "bin" / "python", code, env, work)
    assert out.returncode == 0, out.stderr
    where, version = out.stdout.splitlines()
    assert Path(where).is_relative_to(venv)
    assert version == "1.0"
    system = py_out(SUT.python, "import demo_lib", env, work)
    assert system.returncode != 0
    assert "No module named 'demo_lib'" in system.stderr
    # `python3` on PATH (the python shim) runs the user environment outside a project
    shim = run(["python3", "-c", code], env, work)
    assert shim.returncode == 0, shim.stderr
    assert shim.stdout.splitlines()[0] == where
    assert not (work / ".venv").exists()

    # the second install reuses it
    r = pip(shim_bin, env, work, "install", "-U", "demo-lib")
    assert r.returncode == 0, r.stderr
    lines = pipshim_lines(r.stderr)
    assert destination(lines[0], work, env["HOME"]) == (str(venv), False), lines
    assert py_out(venv / "bin" / "python", "import demo_lib; print(demo_lib.VERSION)", env, work).stdout == "2.0\n"


def test_user_flag_inside_a_project_goes_to_the_user_env(shim_bin, env, project):
    route = explain(shim_bin, env, project, "install", "--user", "demo-lib")
    assert route["route"] == "venv"
    assert route["user_env"] is True
    assert "--user" not in route["argv"]
    r = pip(shim_bin, env, project, "install", "--user", "demo-lib")
    assert r.returncode == 0, r.stderr  # a venv pip given --user would fail
    lines = pipshim_lines(r.stderr)
    assert len(lines) == 1, lines
    assert "--user" in lines[0]
    assert destination(lines[0], project, env["HOME"]) == (str(user_venv(env)), True)
    assert not (project / ".venv").exists()
    out = py_out(user_venv(env) / "bin" / "python", "import demo_lib", env, project)
    assert out.returncode == 0, out.stderr


def test_pip_user_variable_goes_to_the_user_env(shim_bin, env, project):
    route = explain(shim_bin, dict(env, PIP_USER="1"), project, "install", "demo-lib")
    assert route["route"] == "venv"
    assert route["venv"] == str(user_venv(env))


def test_console_script_is_linked_into_the_bin_dir_and_unlinked_on_uninstall(shim_bin, env, work):
    link = shim_bin / "demo-tool"
    r = pip(shim_bin, env, work, "install", "demo-tool")
    assert r.returncode == 0, r.stderr
    assert link.is_symlink()
    assert os.readlink(link) == str(user_venv(env) / "bin" / "demo-tool")
    ran = run(["/bin/sh", "-c", "command -v demo-tool && demo-tool"], env, work)
    assert ran.stdout.splitlines() == [str(link), "demo-tool 1.0"]
    # only the new command is linked: the venv's own pip/python never shadow the shims
    for name in shims.default_names(SUT.version):
        assert is_our_shim(shim_bin / name), name
    assert not os.path.lexists(shim_bin / "activate")

    r = pip(shim_bin, env, work, "uninstall", "-y", "demo-tool")
    assert r.returncode == 0, r.stderr
    assert pipshim_lines(r.stderr)[0].endswith("(user environment; pip uninstall)")
    assert not os.path.lexists(link)
    assert (user_venv(env) / "bin" / "python").exists()


def test_a_foreign_file_in_the_bin_dir_is_left_alone(shim_bin, env, work):
    foreign = shim_bin / "demo-tool"
    foreign.write_text(FOREIGN)
    foreign.chmod(0o755)
    r = pip(shim_bin, env, work, "install", "demo-tool")
    assert r.returncode == 0, r.stderr
    lines = pipshim_lines(r.stderr)
    assert any(f"left {foreign} alone" in ln for ln in lines), lines
    assert not foreign.is_symlink()
    assert foreign.read_text() == FOREIGN
    assert (user_venv(env) / "bin" / "demo-tool").exists()

    r = pip(shim_bin, env, work, "uninstall", "-y", "demo-tool")
    assert r.returncode == 0, r.stderr
    assert foreign.read_text() == FOREIGN


def test_a_users_dangling_link_in_the_bin_dir_is_left_alone(shim_bin, env, work):
    theirs = shim_bin / "demo-tool"
    theirs.symlink_to("/opt/mytools/demo-tool")  # not into the user environment: the user's own
    r = pip(shim_bin, env, work, "install", "demo-tool")
    assert r.returncode == 0, r.stderr
    assert any(f"left {theirs} alone" in ln for ln in pipshim_lines(r.stderr)), r.stderr
    assert os.readlink(theirs) == "/opt/mytools/demo-tool"
    assert (user_venv(env) / "bin" / "demo-tool").exists()

    r = pip(shim_bin, env, work, "uninstall", "-y", "demo-tool")
    assert r.returncode == 0, r.stderr
    assert os.readlink(theirs) == "/opt/mytools/demo-tool"


def test_a_dangling_link_of_ours_in_the_bin_dir_is_replaced_and_removed(shim_bin, env, work):
    ours = shim_bin / "demo-tool"
    ours.symlink_to(user_venv(env) / "bin" / "demo-tool")  # left by an earlier install, its target gone
    r = pip(shim_bin, env, work, "install", "demo-tool")
    assert r.returncode == 0, r.stderr
    assert not any("alone" in ln for ln in pipshim_lines(r.stderr)), r.stderr
    assert run([ours], env, work).stdout == "demo-tool 1.0\n"

    r = pip(shim_bin, env, work, "uninstall", "-y", "demo-tool")
    assert r.returncode == 0, r.stderr
    assert not os.path.lexists(ours)


def test_reads_pass_through_before_the_user_env_exists_and_read_it_after(shim_bin, env, work):
    real = run([SUT.pip, "list"], env, work)
    assert real.returncode == 0, real.stderr
    before = pip(shim_bin, env, work, "list")
    assert before.returncode == 0, before.stderr
    assert pipshim_lines(before.stderr) == []
    assert before.stdout == real.stdout
    assert not user_venv(env).exists(), "a read never creates anything"

    assert pip(shim_bin, env, work, "install", "demo-lib").returncode == 0
    after = pip(shim_bin, env, work, "list")
    assert after.returncode == 0, after.stderr
    lines = pipshim_lines(after.stderr)
    assert len(lines) == 1, lines
    assert destination(lines[0], work, env["HOME"]) == (str(user_venv(env)), False)
    assert lines[0].endswith("(user environment; pip list)")
    assert "demo-lib" in after.stdout
    assert "demo-lib" not in run([SUT.pip, "list"], env, work).stdout
    show = pip(shim_bin, env, work, "show", "demo-lib")
    assert show.returncode == 0, show.stderr
    assert f"Location: {user_venv(env)}/lib/" in show.stdout


def test_a_failed_first_install_leaves_no_user_env(shim_bin, env, work):
    r = pip(shim_bin, env, work, "install", "demo-does-not-exist")
    assert r.returncode == 1
    assert "No matching distribution found for demo-does-not-exist" in r.stderr  # pip's own error
    assert any(f"removed {user_venv(env)} again" in ln for ln in pipshim_lines(r.stderr)), r.stderr
    assert not user_venv(env).exists()
    assert not (work / ".venv").exists()
    # and afterwards reads still pass through
    r = pip(shim_bin, env, work, "list")
    assert r.returncode == 0
    assert pipshim_lines(r.stderr) == []


# pip failing after it has installed (a later package's build, a full disk): it exits 1 at the end
FAIL_AT_EXIT = """\
import atexit, os, sys

if os.path.basename(sys.argv[0]).startswith("pip") and "install" in sys.argv:
    atexit.register(lambda: (sys.stdout.flush(), os._exit(1)))
"""


def test_a_first_install_that_fails_after_installing_leaves_no_link_behind(shim_bin, env, work, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(FAIL_AT_EXIT)
    r = pip(shim_bin, dict(env, PYTHONPATH=str(site)), work, "install", "demo-tool")
    assert r.returncode == 1 and "Successfully installed demo-tool" in r.stdout, r.stderr
    assert any(f"removed {user_venv(env)} again" in ln for ln in pipshim_lines(r.stderr)), r.stderr
    assert not user_venv(env).exists()
    assert not os.path.lexists(shim_bin / "demo-tool"), "a link into the venv that was removed"


def test_user_env_location_follows_xdg_data_home_and_settings(shim_bin, env, work, tmp_path):
    assert explain(shim_bin, env, work, "install", "demo-lib")["venv"] == str(user_venv(env))
    data = tmp_path / "data"
    route = explain(shim_bin, dict(env, XDG_DATA_HOME=str(data)), work, "install", "demo-lib")
    assert route["venv"] == str(data / "pipshim" / "venv")
    own = tmp_path / "own-venv"
    route = explain(shim_bin, dict(env, PIPSHIM_USER_VENV=str(own)), work, "install", "demo-lib")
    assert route["venv"] == str(own)
    cfg = Path(env["HOME"]) / ".config" / "pipshim" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text('user_venv = "~/envs/mine"\n')
    route = explain(shim_bin, env, work, "install", "demo-lib")
    assert route["venv"] == str(Path(env["HOME"]) / "envs" / "mine")
    assert not data.exists()
    assert not own.exists()
    assert not user_venv(env).exists()


def test_a_failed_install_into_an_existing_user_env_keeps_it(shim_bin, env, work):
    assert pip(shim_bin, env, work, "install", "demo-lib").returncode == 0
    r = pip(shim_bin, env, work, "install", "demo-does-not-exist")
    assert r.returncode == 1
    assert not any("removed" in ln for ln in pipshim_lines(r.stderr)), r.stderr
    out = py_out(user_venv(env) / "bin" / "python", "import demo_lib", env, work)
    assert out.returncode == 0, out.stderr


@pytest.fixture
def passwd_home_user(tmp_path):
    """(uid, gid, home, shared dir) of a user made for this test, whose passwd home is a test
    directory: what HOME unset (cron, systemd, env -i) falls back to. Removed afterwards."""
    if os.geteuid() != 0:
        pytest.skip("needs root: creates a user whose passwd home is a test directory")
    shared = Path(tempfile.mkdtemp(prefix="pipshim-home-"))  # pytest's temp dirs are root's, mode 700
    shared.chmod(0o755)
    home, name = shared / "home", f"pipshim-h{os.getpid()}"
    sbin = "/usr/sbin:/sbin:/usr/bin:/bin"
    subprocess.run([shutil.which("useradd", path=sbin), "-M", "-d", str(home), name], check=True, capture_output=True)
    try:
        entry = pwd.getpwnam(name)
        for d in (home, shared / "tmpdir"):
            d.mkdir()
            os.chown(d, entry.pw_uid, entry.pw_gid)
        yield entry.pw_uid, entry.pw_gid, home, shared
    finally:
        subprocess.run([shutil.which("userdel", path=sbin), name], capture_output=True)
        shutil.rmtree(shared, ignore_errors=True)


def reachable_tool_python(shared: Path) -> Path:
    """pipshim's Python for another user (the dev env and the checkout may sit under root's
    mode-700 home): a venv of the system Python that sees copies of pipshim, packaging and
    virtualenv (for its bundled pip wheel)."""
    import packaging
    import virtualenv

    lib = shared / "lib"
    for package in (pipshim, packaging, virtualenv):
        here = Path(package.__file__).resolve().parent
        shutil.copytree(here, lib / here.name, ignore=shutil.ignore_patterns("__pycache__"))
    tool = shared / "tool"
    subprocess.run([SUT.python, "-m", "venv", "--without-pip", str(tool)], check=True, capture_output=True)
    (tool / "lib" / f"python{SUT.version}" / "site-packages" / "lib.pth").write_text(f"{lib}\n")
    return tool / "bin" / "python"


def test_home_unset_python_runs_the_user_environment_pip_installed_into(passwd_home_user, wheelhouse):
    """pip with HOME unset puts libraries in the passwd home's user environment; the python
    shim (sh: the uid costs one fork, only then) must run that environment too."""
    uid, gid, home, shared = passwd_home_user
    bin_dir, wheels, work = shared / "bin", shared / "wheels", home / "work"
    assert shims.install(str(bin_dir), str(reachable_tool_python(shared)), shims.default_names(SUT.version)) == 0
    shutil.copytree(wheelhouse, wheels)
    wheels.chmod(0o755)  # copied with the wheelhouse's mode 700
    work.mkdir()
    os.chown(work, uid, gid)
    env = base_env(bin_dir, home, wheels, home / "app-data")
    del env["HOME"]

    def as_user():
        os.setgid(gid)
        os.setgroups([])
        os.setuid(uid)

    r = run(["pip", "install", "demo-lib"], env, work, preexec_fn=as_user)
    assert r.returncode == 0, r.stderr
    venv = home / ".local" / "share" / "pipshim" / "venv"
    assert pipshim_lines(r.stderr)[0].startswith("pipshim: → ~/.local/share/pipshim/venv"), r.stderr
    for python in ("python3", f"python{SUT.version}"):
        ran = run([python, "-c", "import demo_lib, sys; print(sys.prefix)"], env, work, preexec_fn=as_user)
        assert (ran.returncode, ran.stdout.strip()) == (0, str(venv)), ran.stderr


def test_after_user_app_python3_runs_roots_opt_venv_only_with_pipshim_user_venv(passwd_home_user, wheelhouse):
    """A Dockerfile that installs as root, then switches to `USER app`: the non-root user's own
    user environment is in its home, so outside projects its python3 does not see /opt/venv until
    `ENV PIPSHIM_USER_VENV=/opt/venv` names it (README, "Root")."""
    uid, gid, home, shared = passwd_home_user
    bin_dir, wheels, work = shared / "bin", shared / "wheels", home / "work"
    assert shims.install(str(bin_dir), str(reachable_tool_python(shared)), shims.default_names(SUT.version)) == 0
    shutil.copytree(wheelhouse, wheels)
    wheels.chmod(0o755)
    work.mkdir()
    os.chown(work, uid, gid)
    opt_venv = shared / "optvenv"
    root_home = shared / "root"
    root_home.mkdir()
    root = dict(
        base_env(bin_dir, root_home, wheels, root_home / "app-data"),
        PIPSHIM_ROOT="1",
        PIPSHIM_CONTAINER="1",
        PIPSHIM_USER_VENV=str(opt_venv),
    )
    r = run(["pip", "install", "demo-lib"], root, shared)
    assert r.returncode == 0, r.stderr
    assert destination(pipshim_lines(r.stderr)[0], shared, str(root_home)) == (str(opt_venv), True)

    def as_user():
        os.setgid(gid)
        os.setgroups([])
        os.setuid(uid)

    user = base_env(bin_dir, home, wheels, home / "app-data")
    code = "import sys; print(sys.prefix); import demo_lib"
    ran = run(["python3", "-c", code], user, work, preexec_fn=as_user)
    assert ran.returncode == 1 and ran.stdout.strip() == "/usr", ran.stderr
    ran = run(["python3", "-c", code], dict(user, PIPSHIM_USER_VENV=str(opt_venv)), work, preexec_fn=as_user)
    assert (ran.returncode, ran.stdout.strip()) == (0, str(opt_venv)), ran.stderr


def test_explain_writes_nothing_for_a_user_env_set_in_the_settings(shim_bin, env, work):
    """Explain acts on nothing: not even the python shim's file naming the user environment."""
    cfg = Path(env["HOME"]) / ".config" / "pipshim" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text('user_venv = "~/envs/mine"\n')
    line_file = Path(env["HOME"]) / ".local" / "share" / "pipshim" / "user-env"
    assert explain(shim_bin, env, work, "install", "demo-lib")["venv"] == str(Path(env["HOME"]) / "envs" / "mine")
    r = pip(shim_bin, dict(env, PIPSHIM_EXPLAIN="1"), work, "install", "demo-lib")
    assert r.returncode == 0, r.stderr
    assert not line_file.exists()
    assert not (Path(env["HOME"]) / "envs").exists()
