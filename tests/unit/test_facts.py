"""Fact gathering against real directory trees: venvs, projects, ownership, the real pip, pip's settings."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from sut import SUT

from pipshim import discovery, realpip
from pipshim.discovery import INCOMPLETE, Source, State, find_venvs, owner_problem
from pipshim.discovery import classify as _classify
from pipshim.discovery import find_project as _find_project
from pipshim.pip_argv import parse
from pipshim.pipconf import TARGET_SETTINGS, env_setting, file_setting, other_spellings, read_settings

from .factories import make_facts

NEAREST, PROJECT = Source.NEAREST, Source.PROJECT
SHARED_GID = 100  # Debian's `users`: a group not named after the user, so never a private group


def venv_candidate(path, source, uid):
    return _classify(path, source, uid)


def find_project(cwd, home, uid):
    found = _find_project(cwd, home, uid)
    return found.venv if found else None


def shared_group(path) -> None:
    """Give ``path`` a group with other members (Debian's `users`): only root may."""
    if os.geteuid() != 0:
        pytest.skip("needs root: chgrp to a group the user is not in")
    os.chown(path, -1, SHARED_GID)


ME = os.getuid()


@pytest.fixture(scope="session")
def other_uid(other_user) -> int:
    """The second, non-root user of tests/conftest.py."""
    return other_user[0]


def mkdir(path: Path, mode: int = 0o755) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, mode)
    return path


def make_venv(path: Path, python: str = sys.executable) -> Path:
    """A directory that looks like a venv: pyvenv.cfg and bin/python -> ``python``."""
    mkdir(path / "bin")
    os.chmod(path, 0o755)
    (path / "pyvenv.cfg").write_text(f"home = {os.path.dirname(python)}\n")
    (path / "bin" / "python").symlink_to(python)
    return path


STATE_WORDS = {
    State.OK: "ok",
    State.BROKEN: "broken",
    State.INCOMPLETE: "incomplete",
    State.EMPTY: "empty",
    State.NOT_VENV: "not-venv",
    State.FOREIGN: "foreign",
    State.MISSING: "missing",
}


def under(found, root: Path) -> list[tuple[str, str]]:
    """(path relative to root, state) for the candidates inside root (ancestors of tmp_path are not ours)."""
    return [
        (os.path.relpath(c.path, root), STATE_WORDS[c.state]) for c in found if c.path.startswith(str(root) + os.sep)
    ]


@pytest.fixture
def root(tmp_path) -> Path:
    return mkdir(tmp_path / "t")


# --- find_venvs ---------------------------------------------------------------


def test_cwd_inside_a_venv_finds_that_venv_first(root):
    make_venv(root / "env")
    cwd = mkdir(root / "env" / "lib" / "site")
    found = find_venvs(str(cwd), ME)
    assert under(found, root) == [("env", "ok")]
    assert found[0].source == NEAREST


def test_dot_venv_is_preferred_over_venv_in_the_same_directory(root):
    make_venv(root / "venv")
    make_venv(root / ".venv")
    assert under(find_venvs(str(root), ME), root) == [(".venv", "ok"), ("venv", "ok")]


def test_venvs_are_listed_nearest_first(root):
    make_venv(root / ".venv")
    make_venv(root / "app" / "venv")
    cwd = mkdir(root / "app" / "src")
    assert under(find_venvs(str(cwd), ME), root) == [("app/venv", "ok"), (".venv", "ok")]


def test_a_dot_venv_without_pyvenv_cfg_is_not_a_venv(root):
    mkdir(root / ".venv" / "lib")
    assert under(find_venvs(str(root), ME), root) == [(".venv", "not-venv")]
    assert find_venvs(str(root), ME)[0].detail == "has no pyvenv.cfg"


def test_an_empty_dot_venv_is_empty(root):
    mkdir(root / ".venv")
    assert under(find_venvs(str(root), ME), root) == [(".venv", "empty")]


def test_a_venv_with_the_incomplete_marker_is_incomplete(root):
    make_venv(root / ".venv")
    (root / ".venv" / INCOMPLETE).write_text("")
    assert under(find_venvs(str(root), ME), root) == [(".venv", "incomplete")]


def test_the_incomplete_marker_alone_does_not_make_a_directory_of_files_removable(root):
    """A repository can carry .venv/.pipshim-incomplete: what a venv never holds is kept."""
    mkdir(root / ".venv" / "data")
    (root / ".venv" / "data" / "notes.txt").write_text("mine\n")
    (root / ".venv" / INCOMPLETE).write_text("")
    (found,) = find_venvs(str(root), ME)
    assert (found.state, found.detail) == (State.NOT_VENV, "it holds data, which a venv does not have")


def test_a_venv_in_a_directory_others_may_write_is_foreign(root):
    """Whoever may write the directory holding it could swap it (or a link to it) for theirs."""
    shared = root / "shared"
    make_venv(shared / ".venv")
    shared.chmod(0o777)
    (found,) = find_venvs(str(shared), ME)
    assert found.state is State.FOREIGN
    assert found.detail.startswith(f"{shared}, which holds it, is writable by others")


def test_in_a_sticky_directory_our_own_venv_is_usable_and_a_link_is_not(root):
    sticky = root / "tmp"
    make_venv(sticky / "own" / ".venv")
    make_venv(root / "elsewhere")
    (sticky / ".venv").symlink_to(root / "elsewhere")
    sticky.chmod(0o1777)
    (sticky / "own").chmod(0o1777)
    assert [c.state for c in find_venvs(str(sticky / "own"), ME)] == [State.OK, State.FOREIGN]


def test_an_acl_that_lets_another_user_write_makes_a_venv_foreign(root):
    """With an ACL the group bits are its mask: the private-group exception no longer holds."""
    from helpers import add_acl

    venv = make_venv(root / ".venv")
    venv.chmod(0o775)
    assert find_venvs(str(root), ME)[0].state is State.OK or not discovery._private_group(venv.stat().st_gid, ME)
    add_acl(venv, 54321)
    (found,) = find_venvs(str(root), ME)
    assert (found.state, found.detail) == (State.FOREIGN, "writable by an ACL entry (drwxrwxr-x+)")


def test_another_users_primary_group_is_not_a_private_group(monkeypatch):
    """gr_mem lists only supplementary members: a user whose primary gid it is can write too."""
    import pwd

    me = pwd.getpwuid(ME)
    other = pwd.struct_passwd(("intruder", "x", 54321, me.pw_gid, "", "/", "/bin/sh"))
    discovery._PRIVATE.clear()
    monkeypatch.setattr(pwd, "getpwall", lambda: [me, other])
    try:
        assert not discovery._private_group(me.pw_gid, ME)
    finally:
        discovery._PRIVATE.clear()


def test_a_venv_whose_python_link_is_dangling_is_broken(root):
    make_venv(root / ".venv", python="/usr/bin/python3.0-gone")
    found = find_venvs(str(root), ME)[0]
    assert found.state is State.BROKEN
    assert "/usr/bin/python3.0-gone" in found.detail


def test_a_venv_made_by_python_38_without_a_versioned_python_is_ok(root):
    """Python <= 3.8's venv has lib/python3.8 but only bin/python and bin/python3."""
    make_venv(root / ".venv")
    mkdir(root / ".venv" / "lib" / "python3.8" / "site-packages")
    (root / ".venv" / "bin" / "python3").symlink_to("python")
    assert under(find_venvs(str(root), ME), root) == [(".venv", "ok")]


def test_a_venv_whose_versioned_python_link_is_dangling_is_broken(root):
    make_venv(root / ".venv")
    mkdir(root / ".venv" / "lib" / "python3.8" / "site-packages")
    (root / ".venv" / "bin" / "python3.8").symlink_to("/usr/bin/python3.8-gone")
    found = find_venvs(str(root), ME)[0]
    assert found.state is State.BROKEN and "python3.8" in found.detail


def test_a_file_named_venv_is_not_a_candidate(root):
    (root / ".venv").write_text("not a directory")
    assert under(find_venvs(str(root), ME), root) == []
    assert venv_candidate(str(root / ".venv"), NEAREST, ME).state is State.NOT_VENV


def test_a_missing_directory_is_missing(root):
    c = venv_candidate(str(root / "nope"), PROJECT, ME)
    assert (c.state, c.source, c.python) == (State.MISSING, PROJECT, str(root / "nope" / "bin" / "python"))


def test_a_symlink_to_a_venv_is_followed(root):
    target = make_venv(root / "cache" / "venv")
    (root / ".venv").symlink_to(target)
    c = venv_candidate(str(root / ".venv"), PROJECT, ME)
    assert (c.state, c.path, c.link) == (State.OK, str(root / ".venv"), "")


@pytest.mark.parametrize(
    ("what", "words"),
    [
        ("nothing", "which does not exist"),
        ("an-empty-dir", "which is not a venv"),
        ("an-incomplete-venv", "which is not a venv"),
    ],
)
def test_a_symlink_to_what_is_not_a_venv_is_not_a_venv_naming_its_target(root, what, words):
    target = root / "cache" / "venv"
    if what == "an-empty-dir":
        mkdir(target)
    elif what == "an-incomplete-venv":
        (make_venv(target) / INCOMPLETE).write_text("")
    (root / ".venv").symlink_to(target)
    c = venv_candidate(str(root / ".venv"), PROJECT, ME)
    assert (c.state, c.link, c.detail) == (State.NOT_VENV, str(target), f"is a symlink to {target}, {words}")
    assert not c.state.creatable


def test_a_group_writable_venv_is_foreign(root):
    make_venv(root / ".venv")
    os.chmod(root / ".venv", 0o775)
    shared_group(root / ".venv")
    found = find_venvs(str(root), ME)[0]
    assert found.state is State.FOREIGN
    assert "drwxrwxr-x" in found.detail


def test_a_venv_planted_by_another_user_is_foreign(root, other_uid):
    make_venv(root / ".venv")
    os.chown(root / ".venv", other_uid, -1)
    found = find_venvs(str(root), ME)[0]
    assert (found.state, found.detail) == (State.FOREIGN, f"owned by uid {other_uid}")


# --- find_project ---------------------------------------------------------------


@pytest.mark.parametrize(
    "marker",
    ["pyproject.toml", "setup.py", "setup.cfg", "Pipfile", "requirements.txt", "requirements-dev.txt"],
)
def test_a_python_marker_makes_the_nearest_project_root(root, marker):
    proj = mkdir(root / "proj")
    (proj / marker).write_text("")
    cwd = mkdir(proj / "src" / "pkg")
    found = find_project(str(cwd), str(root), ME)
    assert (found.path, found.source, found.state, found.detail) == (
        str(proj / ".venv"),
        PROJECT,
        State.MISSING,
        "does not exist",
    )


@pytest.mark.parametrize("name", ["README.md", "requirements.in", "package.json", ".git", "reqs.txt"])
def test_other_files_do_not_make_a_project(root, name):
    (mkdir(root / "proj") / name).write_text("")
    assert find_project(str(root / "proj"), str(root), ME) is None


def test_the_nearest_project_wins_over_an_outer_one(root):
    (root / "pyproject.toml").write_text("")
    inner = mkdir(root / "mono" / "pkg")
    (inner / "setup.cfg").write_text("")
    assert find_project(str(mkdir(inner / "tests")), "", ME).path == str(inner / ".venv")
    assert find_project(str(root / "mono"), "", ME).path == str(root / ".venv")


def test_a_project_with_a_venv_reports_the_venv_state(root):
    (root / "pyproject.toml").write_text("")
    make_venv(root / ".venv")
    assert find_project(str(root), "", ME).state is State.OK


def test_home_itself_is_never_a_project(root):
    home = root / "home"
    (mkdir(home) / "requirements.txt").write_text("")
    mkdir(home / "Downloads")
    assert find_project(str(home), str(home), ME) is None
    assert find_project(str(home / "Downloads"), str(home), ME) is None
    assert find_project(str(home / "Downloads"), "", ME).path == str(home / ".venv")


def test_root_is_never_a_project(root, monkeypatch):
    monkeypatch.setattr(discovery, "project_marker", lambda d: "setup.py" if d == "/" else None)
    assert find_project(str(root), "", ME) is None
    monkeypatch.setattr(discovery, "project_marker", lambda d: "setup.py" if d == str(root.parent) else None)
    assert find_project(str(root), "", ME).path == str(root.parent / ".venv")


def test_a_group_writable_project_is_foreign(root):
    proj = mkdir(root / "proj", 0o775)
    shared_group(proj)
    (proj / "pyproject.toml").write_text("")
    found = find_project(str(proj), str(root), ME)
    assert (found.path, found.state) == (str(proj / ".venv"), State.FOREIGN)
    assert f"project {proj} is writable by group {SHARED_GID}" in found.detail


def test_a_project_owned_by_another_user_is_foreign(root, other_uid):
    proj = mkdir(root / "proj")
    (proj / "pyproject.toml").write_text("")
    os.chown(proj, other_uid, -1)
    found = find_project(str(proj), str(root), ME)
    assert found.state is State.FOREIGN
    assert f"owned by uid {other_uid}" in found.detail


# --- owner_problem ---------------------------------------------------------------


def test_owner_problem_accepts_ones_own_and_roots_directories(root, other_uid):
    d = mkdir(root / "d")
    assert owner_problem(os.stat(d), ME) is None
    assert owner_problem(os.stat(d), 1000) is None  # owned by root: fine for anyone
    os.chown(d, other_uid, -1)
    assert owner_problem(os.stat(d), other_uid) is None


def test_owner_problem_rejects_another_non_root_users_directory(root, other_uid):
    d = mkdir(root / "d")
    os.chown(d, other_uid, -1)
    assert owner_problem(os.stat(d), ME) == f"owned by uid {other_uid}"
    assert owner_problem(os.stat(d), 1000) == f"owned by uid {other_uid}"


@pytest.mark.parametrize("mode", [0o757, 0o777, 0o1777])
def test_owner_problem_rejects_other_writable_directories(root, mode):
    d = mkdir(root / "d", mode)
    assert owner_problem(os.stat(d), ME).startswith("writable by others (d")


def test_owner_problem_rejects_a_directory_writable_by_a_shared_group(root):
    d = mkdir(root / "d", 0o775)
    shared_group(d)
    assert owner_problem(os.stat(d), ME) == f"writable by group {SHARED_GID} (drwxrwxr-x)"


def test_owner_problem_accepts_group_write_by_the_owners_private_group(root, other_user):
    """umask 002 (Ubuntu, Fedora): a directory the user made is 775, group = their private group."""
    uid, gid = other_user
    d = mkdir(root / "d", 0o775)
    os.chown(d, uid, gid)
    assert owner_problem(os.stat(d), uid) is None


# --- realpip ---------------------------------------------------------------------


def exe(path: Path, text: str, mode: int = 0o755) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.chmod(path, mode)
    return path


PY_PIP = "#!/usr/bin/python3\nfrom pip._internal.cli.main import main\n"


def test_find_skips_the_shim_dir_even_listed_twice_and_via_a_symlink(root):
    shim = exe(root / "shims" / "pip", "#!/bin/sh\nexec something\n").parent
    (root / "shimlink").symlink_to(shim)
    real = exe(root / "usr" / "pip", PY_PIP)
    path = os.pathsep.join([str(shim), str(root / "shimlink"), str(shim), str(real.parent)])
    found = realpip.find("pip", path, (str(shim),))
    assert (found.path, found.python) == (str(real), "/usr/bin/python3")


def test_find_skips_any_file_carrying_the_shim_id(root):
    exe(root / "a" / "pip", f"#!/bin/sh\n# {realpip.SHIM_ID}\nexec /opt/pipshim/python -I -m pipshim\n")
    real = exe(root / "b" / "pip", PY_PIP)
    path = os.pathsep.join([str(root / "a"), str(root / "b")])
    assert realpip.find("pip", path, ()).path == str(real)


def test_find_skips_files_that_are_not_executable(root):
    exe(root / "a" / "pip", PY_PIP, mode=0o644)
    real = exe(root / "b" / "pip", PY_PIP)
    assert realpip.find("pip", f"{root / 'a'}:{root / 'b'}", ()).path == str(real)


PIP3N = f"pip{SUT.version}"  # the system Python's own pip3.N


@pytest.mark.parametrize(
    ("present", "expected"),
    [
        ((PIP3N, "pip3", "pip"), PIP3N),
        (("pip3", "pip"), "pip3"),
        (("pip",), "pip"),
    ],
)
def test_find_falls_back_from_pip3_n_to_pip3_to_pip(root, present, expected):
    for name in present:
        exe(root / "bin" / name, PY_PIP)
    assert realpip.find(PIP3N, str(root / "bin"), ()).path == str(root / "bin" / expected)


def test_find_prefers_the_same_name_later_on_path_over_a_fallback_earlier(root):
    exe(root / "a" / "pip3", PY_PIP)
    exe(root / "b" / PIP3N, PY_PIP)
    assert realpip.find(PIP3N, f"{root / 'a'}:{root / 'b'}", ()).path == str(root / "b" / PIP3N)


def test_find_returns_none_when_only_shims_are_on_path(root):
    shim = exe(root / "shims" / "pip", PY_PIP).parent
    exe(root / "other" / "pip3", f"#!/bin/sh\n# {realpip.SHIM_ID}\n")
    assert realpip.find("pip", f"{shim}:{root / 'other'}:", (str(shim),)) is None


def test_pip_names():
    assert realpip.pip_names(PIP3N) == [PIP3N, "pip3", "pip"]
    assert realpip.pip_names("pip3") == ["pip3", "pip"]
    assert realpip.pip_names("pip") == ["pip", "pip3"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("#!/usr/bin/python3\nimport sys\n", "/usr/bin/python3", id="a plain python shebang"),
        pytest.param(
            f"#!/usr/bin/python{SUT.version} -E\n", f"/usr/bin/python{SUT.version}", id="a shebang with an option"
        ),
        pytest.param("#! /usr/local/bin/pypy3\n", "/usr/local/bin/pypy3", id="pypy with a space after #!"),
        pytest.param(
            "#!/bin/sh\n'''exec' \"/path with space/python\" \"$0\" \"$@\"\n' '''\nimport sys\n",
            "/path with space/python",
            id="pip's sh + 'exec' long-shebang form with a space in the path",
        ),
        pytest.param(
            "#!/bin/sh\n'''exec' /opt/py/bin/python3 \"$0\" \"$@\"\n' '''\n",
            "/opt/py/bin/python3",
            id="the long-shebang form without quotes",
        ),
        pytest.param('#!/usr/bin/env bash\nexec pyenv exec pip "$@"\n', None, id="pyenv's bash shim via env"),
        pytest.param('#!/bin/bash\nexec "$(pyenv root)/libexec/pyenv" exec pip "$@"\n', None, id="a bash script"),
        pytest.param('#!/bin/sh\nexec /usr/bin/python3 -m pip "$@"\n', None, id="a sh script that is not the form"),
        pytest.param("\x7fELF\x02\x01\x01", None, id="a binary"),
        pytest.param("#!\n", None, id="an empty shebang"),
    ],
)
def test_script_interpreter(root, text, expected):
    script = exe(root / "pip", text)
    assert realpip.script_interpreter(str(script), "/nonexistent") == expected


def test_script_interpreter_resolves_env_python3_on_the_given_path(root):
    script = exe(root / "pip", "#!/usr/bin/env python3\n")
    shim_python = exe(root / "shims" / "python3", "#!/bin/sh\n")
    python = exe(root / "bin" / "python3", "")
    path = f"{shim_python.parent}:{python.parent}"
    assert realpip.script_interpreter(str(script), path, (str(shim_python.parent),)) == str(python)
    assert realpip.script_interpreter(str(script), path) == str(shim_python)
    assert realpip.script_interpreter(str(script), str(root / "empty")) is None


def test_script_interpreter_skips_env_options(root):
    script = exe(root / "pip", "#!/usr/bin/env -S PYTHONSAFEPATH=1 python3 -I\n")
    python = exe(root / "bin" / "python3", "")
    assert realpip.script_interpreter(str(script), str(python.parent)) == str(python)


# --- pipconf.read_settings ----------------------------------------------------------


@pytest.fixture
def conf(tmp_path):
    """Write a pip config file under tmp_path and return its path."""

    def write(rel: str, text: str) -> str:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return str(path)

    return write


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """An environment with every config location under tmp_path (plus /etc/pip.conf, which pip always reads)."""
    return {
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_DIRS": str(tmp_path / "xdg"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }


def test_global_config_is_read_from_xdg_config_dirs(env, conf):
    path = conf("xdg/pip/pip.conf", "[global]\ntarget = /g\n")
    assert read_settings(env, "install", None, False) == {"target": ("/g", f"{path} [global]")}


def test_user_config_in_xdg_config_home_overrides_global(env, conf):
    conf("xdg/pip/pip.conf", "[global]\ntarget = /g\nprefix = /p\n")
    user = conf("config/pip/pip.conf", "[global]\ntarget = /u\n")
    settings = read_settings(env, "install", None, False)
    assert settings["target"] == ("/u", f"{user} [global]")
    assert settings["prefix"][0] == "/p"


def test_legacy_user_config_is_read_and_the_xdg_one_wins(env, conf):
    conf("home/.pip/pip.conf", "[global]\ntarget = /legacy\nroot = /r\n")
    conf("config/pip/pip.conf", "[global]\ntarget = /u\n")
    settings = read_settings(env, "install", None, False)
    assert (settings["target"][0], settings["root"][0]) == ("/u", "/r")


def test_site_config_of_the_interpreter_prefix_overrides_user(env, conf, tmp_path):
    conf("config/pip/pip.conf", "[global]\ntarget = /u\n")
    site = conf("prefix/pip.conf", "[global]\ntarget = /site\n")
    assert read_settings(env, "install", str(tmp_path / "prefix"), False)["target"] == ("/site", f"{site} [global]")


def test_pip_config_file_dev_null_skips_every_file_but_not_env_vars(env, conf, tmp_path):
    conf("xdg/pip/pip.conf", "[global]\ntarget = /g\n")
    conf("config/pip/pip.conf", "[global]\nuser = yes\n")
    conf("prefix/pip.conf", "[global]\nroot = /r\n")
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_PREFIX="/p")
    assert read_settings(env, "install", str(tmp_path / "prefix"), False) == {"prefix": ("/p", "PIP_PREFIX")}


def test_an_existing_pip_config_file_is_read_last_and_skips_user_config(env, conf):
    conf("xdg/pip/pip.conf", "[global]\ntarget = /g\nroot = /r\n")
    conf("config/pip/pip.conf", "[global]\nuser = yes\n")
    env["PIP_CONFIG_FILE"] = conf("custom.conf", "[global]\ntarget = /custom\n")
    settings = read_settings(env, "install", None, False)
    assert set(settings) == {"target", "root"}
    assert settings["target"] == ("/custom", f"{env['PIP_CONFIG_FILE']} [global]")


def test_isolated_skips_user_config_and_env_vars(env, conf):
    glob = conf("xdg/pip/pip.conf", "[global]\nroot = /r\n")
    conf("config/pip/pip.conf", "[global]\ntarget = /u\n")
    conf("home/.pip/pip.conf", "[global]\nprefix = /legacy\n")
    env.update(PIP_BREAK_SYSTEM_PACKAGES="1", PIP_USER="1")
    assert read_settings(env, "install", None, True) == {"root": ("/r", f"{glob} [global]")}


def test_the_command_section_overrides_global_in_a_file(env, conf):
    path = conf("config/pip/pip.conf", "[install]\ntarget = /inst\n[global]\ntarget = /glob\n")
    assert read_settings(env, "install", None, False)["target"] == ("/inst", f"{path} [install]")
    assert read_settings(env, "list", None, False)["target"] == ("/glob", f"{path} [global]")


def test_an_env_var_overrides_every_file(env, conf):
    conf("config/pip/pip.conf", "[install]\nbreak-system-packages = false\ntarget = /file\n")
    env.update(PIP_BREAK_SYSTEM_PACKAGES="yes", PIP_TARGET="/env")
    settings = read_settings(env, "install", None, False)
    assert settings == {
        "break-system-packages": ("yes", "PIP_BREAK_SYSTEM_PACKAGES"),
        "target": ("/env", "PIP_TARGET"),
    }


def test_only_settings_that_change_the_target_are_kept_with_names_normalised(env, conf):
    path = conf(
        "config/pip/pip.conf",
        "[global]\nindex-url = http://x\ntimeout = 5\nBreak_System_Packages = true\n--dry-run = yes\n",
    )
    env.update(PIP_INDEX_URL="http://y", PIP_REPORT="-")
    assert read_settings(env, "install", None, False) == {
        "break-system-packages": ("true", f"{path} [global]"),
        "dry-run": ("yes", f"{path} [global]"),
        "report": ("-", "PIP_REPORT"),
    }
    assert "report" in TARGET_SETTINGS


def test_a_files_quiet_is_read_from_global_then_the_commands_section_later_files_winning(env, conf):
    glob = conf("xdg/pip/pip.conf", "[global]\nquiet = 2\n")
    assert file_setting(env, "quiet", "list", None, False) == ("2", f"{glob} [global]")
    user = conf("config/pip/pip.conf", "[list]\nQuiet = 0\n[global]\nquiet = yes\n")
    assert file_setting(env, "quiet", "list", None, False) == ("0", f"{user} [list]")
    assert file_setting(env, "quiet", "freeze", None, False) == ("yes", f"{user} [global]")
    assert file_setting(env, "quiet", "freeze", None, True) == ("2", f"{glob} [global]"), "isolated: no user file"
    conf("config/pip/pip.conf", "[global]\nquiet =\n")
    assert file_setting(env, "quiet", "freeze", None, False) is None, "an empty value cancels, then is skipped"
    env["PIP_QUIET"] = "1"
    assert file_setting(env, "quiet", "freeze", None, False) is None, "the PIP_ layer is env_setting's"
    env["PIP_CONFIG_FILE"] = os.devnull
    assert file_setting(env, "quiet", "list", None, False) is None


def test_gather_reads_a_pip_conf_quiet_for_a_read_too(tmp_path):
    """Every routed call says a line, reads included: its quiet is read whatever the command."""
    from pipshim import facts

    env = _gather_env(tmp_path)
    (tmp_path / "config" / "pip" / "pip.conf").write_text("[freeze]\nquiet = 1\n")
    f = facts.gather("pip", ["freeze"], env, str(tmp_path / "shims"))
    assert f.interp is not None and f.interp.externally_managed  # the system pip: a routed call
    assert (f.pip_conf_quiet, f.quiet) == ("1", True)
    assert not facts.gather("pip", ["list"], env, str(tmp_path / "shims")).quiet, "[freeze] is freeze's alone"


def test_an_unreadable_config_file_is_skipped(env, conf):
    conf("xdg/pip/pip.conf", "target = /no-section-header\n")
    good = conf("config/pip/pip.conf", "[global]\nprefix = /p\n")
    assert read_settings(env, "install", None, False) == {"prefix": ("/p", f"{good} [global]")}


def test_a_command_section_in_a_global_file_beats_global_in_a_user_file_as_in_pip(env, conf):
    glob = conf("xdg/pip/pip.conf", "[install]\nbreak-system-packages = true\n")
    conf("config/pip/pip.conf", "[global]\nbreak-system-packages = false\n")
    assert read_settings(env, "install", None, False)["break-system-packages"] == ("true", f"{glob} [install]")


def test_an_empty_value_is_ignored_as_in_pip(env, conf):
    path = conf("config/pip/pip.conf", "[global]\ntarget = /file\n")
    env["PIP_TARGET"] = ""
    assert read_settings(env, "install", None, False)["target"] == ("/file", f"{path} [global]")


def test_an_empty_value_in_a_later_file_cancels_an_earlier_one_as_in_pip(env, conf):
    """pip merges section.key over every file first and skips an empty value only then."""
    conf("home/.pip/pip.conf", "[global]\ntarget = /tmp/x\nroot = /r\n")
    conf("config/pip/pip.conf", "[global]\ntarget =\n")
    assert read_settings(env, "install", None, False) == {"root": ("/r", f"{env['HOME']}/.pip/pip.conf [global]")}


def test_an_empty_env_var_does_not_cancel_a_file_its_section_comes_after(env, conf):
    path = conf("config/pip/pip.conf", "[install]\nuser = yes\n")
    env["PIP_USER"] = ""
    assert read_settings(env, "install", None, False) == {"user": ("yes", f"{path} [install]")}


@pytest.mark.parametrize("var", ["PIP_Target", "PIP_TARGET", "PIP_target", "PIP_--target"])
def test_any_pip_prefix_counts_with_the_rest_of_the_name_in_any_case(env, var):
    env[var] = "/t"
    assert read_settings(env, "install", None, False) == {"target": ("/t", var)}


def test_pip_prefix_itself_is_case_sensitive_and_pips_ignored_names_are_ignored(env):
    env.update(pip_target="/t", Pip_Root="/r", PIP_break_system_packages="1", PIP_HELP="1")
    assert read_settings(env, "install", None, False) == {"break-system-packages": ("1", "PIP_break_system_packages")}


@pytest.mark.parametrize(("value", "where"), [("1", "PIP_NO_USER"), ("yes", "conf")])
def test_no_user_is_read_as_user_with_its_value_as_pip_does(env, conf, value, where):
    """pip strtobools a store_false option's config value and stores it: no-user = 1 is --user."""
    if where == "conf":
        where = conf("config/pip/pip.conf", f"[global]\nno-user = {value}\n") + " [global]"
    else:
        env[where] = value
    assert read_settings(env, "install", None, False) == {"user": (value, where)}


def test_user_and_no_user_the_later_one_wins(env, conf):
    path = conf("config/pip/pip.conf", "[global]\nuser = yes\n")
    env["PIP_NO_USER"] = "0"
    assert read_settings(env, "install", None, False) == {"user": ("0", "PIP_NO_USER")}
    assert read_settings(env, "install", None, True) == {}, "isolated: no user config, no env"
    assert read_settings({**env, "PIP_NO_USER": ""}, "install", None, False) == {"user": ("yes", f"{path} [global]")}


def test_a_setting_the_commands_parser_lacks_is_ignored_as_pip_does():
    """pip uninstall has no --user, --target, --dry-run: PIP_USER and the like do nothing there."""
    from pipshim.pip_argv import options_for

    env = {"HOME": "/nonexistent", "PIP_CONFIG_FILE": os.devnull}
    env.update(PIP_USER="1", PIP_TARGET="/t", PIP_DRY_RUN="1", PIP_BREAK_SYSTEM_PACKAGES="1")
    # the system's own pip: no pip's uninstall ever had these options
    uninstall = read_settings(env, "uninstall", None, False, options_for("uninstall", SUT.pip_version))
    assert uninstall == {"break-system-packages": ("1", "PIP_BREAK_SYSTEM_PACKAGES")}
    assert set(read_settings(env, "install", None, False, options_for("install", SUT.pip_version))) == {
        "user",
        "target",
        "dry-run",
        "break-system-packages",
    }


def test_xdg_config_dirs_read_as_platformdirs_does(env):
    """A blank XDG_CONFIG_DIRS is /etc/xdg; an empty item is "", so pip reads pip/pip.conf in the cwd."""
    from pipshim.pipconf import config_files

    assert config_files({**env, "XDG_CONFIG_DIRS": " "}, None, True)[:2] == ["/etc/xdg/pip/pip.conf", "/etc/pip.conf"]
    assert config_files({**env, "XDG_CONFIG_DIRS": "/a:"}, None, True)[:3] == [
        "/a/pip/pip.conf",
        "pip/pip.conf",
        "/etc/pip.conf",
    ]
    assert config_files({**env, "XDG_CONFIG_HOME": " "}, None, False)[-1] == f"{env['HOME']}/.config/pip/pip.conf"


@pytest.mark.parametrize(("pip_version", "expanded"), [("22.3", True), ("24.0", True), ("24.1", False), (None, False)])
def test_a_tilde_in_xdg_config_dirs_is_the_home_before_pip_24_1(env, pip_version, expanded):
    """pip < 24.1 vendored a platformdirs that ran expanduser over each item; later ones do not."""
    from pipshim.pipconf import config_files

    first = config_files({**env, "XDG_CONFIG_DIRS": "~/xdg:/b"}, None, True, pip_version)[0]
    assert first == (f"{env['HOME']}/xdg/pip/pip.conf" if expanded else "~/xdg/pip/pip.conf")


def test_python_setting_is_pip_python_then_global_python_never_isolated(env, conf):
    from pipshim.pipconf import python_setting

    assert python_setting(env, None) is None
    path = conf("config/pip/pip.conf", "[install]\npython = /inst\n[global]\npython = /glob\n")
    assert python_setting(env, None) == ("/glob", f"{path} [global]"), "the main parser reads [global] only"
    env["PIP_Python"] = "/env"
    assert python_setting(env, None) == ("/env", "PIP_Python")
    env["_PIP_RUNNING_IN_SUBPROCESS"] = "1"
    assert python_setting(env, None) is None, "pip's hop is done: it reads no --python"


@pytest.mark.parametrize(
    ("argv", "wanted"),
    [(["--version"], False), (["freeze"], False), (["list"], True), (["show", "x"], True), (["install", "x"], True)],
)
def test_pipxs_apps_are_read_only_for_installs_and_the_list_and_show_note(argv, wanted, tmp_path, monkeypatch):
    """Reading each pipx app's metadata (json) is paid only where a rule may use it."""
    from pipshim import facts

    calls = []
    monkeypatch.setattr(facts, "pipx_facts", lambda *a: calls.append(a) or facts.PipxFacts("/h", "/g"))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    f = facts.gather("pip", argv, env, str(tmp_path / "shims"))
    assert f.interp is not None and f.interp.externally_managed  # the system pip: the rules apply
    assert bool(calls) is wanted and (f.pipx is not None) is wanted


@pytest.mark.parametrize(
    ("value", "count"),
    [("1", 1), ("yes", 1), ("TRUE", 1), ("On", 1), ("2", 2), ("0", 0), ("no", 0), ("", 0), ("x", 0), ("-1", 0)],
)
def test_pip_quiet_is_counted_as_pip_counts_it_and_silences_the_line(value, count):
    f = make_facts(argv="list")
    f = f.replace(environ={**f.environ, "PIP_QUIET": value})
    assert (f.pip_quiet, f.quiet) == (count, count > 0)
    assert f.replace(args=parse(["-q", "list"])).pip_quiet == count + 1, "pip adds the command line's -q"


def test_pip_quiet_is_not_read_with_isolated():
    f = make_facts(argv="--isolated list")
    assert not f.replace(environ={**f.environ, "PIP_QUIET": "1"}).quiet


@pytest.mark.parametrize(
    ("conf", "env", "count"),
    [
        ("1", None, 1),
        ("yes", None, 1),
        ("2", None, 2),
        ("0", None, 0),
        ("off", None, 0),
        ("-1", None, 0),  # pip refuses it with its own error
        ("2", "0", 0),  # PIP_QUIET replaces the files' value, as pip layers them
        ("0", "1", 1),
        ("1", "", 1),  # pip skips an empty value: the files' stands
    ],
)
def test_a_pip_conf_quiet_is_counted_as_pip_quiet_and_replaced_by_it(conf, env, count):
    f = make_facts(argv="list").replace(pip_conf_quiet=conf)
    if env is not None:
        f = f.replace(environ={**f.environ, "PIP_QUIET": env})
    assert (f.pip_quiet, f.quiet) == (count, count > 0)
    assert f.replace(args=parse(["-q", "list"])).pip_quiet == count + 1, "pip adds the command line's -q"


@pytest.mark.parametrize("name", ["PIP_Quiet", "PIP_quiet", "PIP_qUIET"])
def test_pip_quiet_counts_in_any_spelling_pip_reads_the_last_one_winning(name):
    f = make_facts(argv="list")
    assert f.replace(environ={**f.environ, name: "1"}).quiet
    assert not f.replace(environ={**f.environ, "PIP_QUIET": "1", name: "0"}).quiet, "the later one wins"
    assert f.replace(environ={**f.environ, name: "0", "PIP_QUIET": "1"}).quiet
    assert not f.replace(environ={**f.environ, "pip_quiet": "1"}).quiet, "pip's PIP_ prefix is upper case"
    assert not make_facts(argv="--isolated list").replace(environ={name: "1"}).quiet


def test_other_spellings_are_every_case_of_the_name_but_pips_own():
    names = other_spellings("quiet")
    assert len(names) == 31 and "PIP_QUIET" not in names and {"PIP_quiet", "PIP_Quiet"} <= set(names)
    assert all(env_setting({n: "1"}, "quiet") == ("1", n) for n in names)


# --- what gather() reads of pip's settings, as pip does ----------------------------------


def _gather_env(tmp_path, **extra) -> dict[str, str]:
    """The system pip (externally managed: the rules apply) with a user pip.conf setting --target."""
    conf = tmp_path / "config" / "pip" / "pip.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text("[global]\ntarget = /from-conf\n")
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_CONFIG_DIRS=str(tmp_path / "xdg"), **extra)
    return env


@pytest.mark.parametrize(
    ("argv", "extra", "isolated"),
    [
        (["install", "--isolated", "x"], {}, True),
        (["--isolated", "install", "x"], {}, True),
        (["install", "--isol", "x"], {}, False),  # the option, but pip looks for the exact word
        (["install", "x"], {"PIP_ISOLATED": "1"}, False),
    ],
)
def test_only_the_exact_word_isolated_makes_pip_skip_user_config_and_env(tmp_path, argv, extra, isolated):
    from pipshim import facts

    f = facts.gather("pip", argv, _gather_env(tmp_path, PIP_PREFIX="/from-env", **extra), str(tmp_path / "shims"))
    assert f.interp is not None and f.interp.externally_managed
    assert ("target" in f.pip_settings, "prefix" in f.pip_settings) == (not isolated, not isolated)


def test_uninstall_ignores_pip_user_and_the_install_only_settings(tmp_path):
    from pipshim import facts

    env = _gather_env(tmp_path, PIP_USER="1", PIP_BREAK_SYSTEM_PACKAGES="1")
    f = facts.gather("pip", ["uninstall", "-y", "six"], env, str(tmp_path / "shims"))
    assert f.pip_settings == {"break-system-packages": ("1", "PIP_BREAK_SYSTEM_PACKAGES")}
    f = facts.gather("pip", ["install", "six"], env, str(tmp_path / "shims"))
    assert set(f.pip_settings) == {"break-system-packages", "user", "target"}


def test_the_interpreter_is_chosen_as_pips_main_parser_does(tmp_path, monkeypatch):
    """--python before the command, else PIP_PYTHON, else [global] python (the real pip's site
    config too), else the real pip's own; none of them once pip's own hop is done."""
    from pipshim import facts
    from pipshim.realpip import RealPip

    from .factories import make_interp

    prefix = tmp_path / "prefix"
    monkeypatch.setattr(facts.interp_mod, "inspect", lambda path, env: make_interp(path, prefix=str(prefix)))
    real = RealPip("/usr/bin/pip", "/usr/bin/python3", ())
    env = {"HOME": str(tmp_path), "PIP_CONFIG_FILE": os.devnull}

    def chosen(argv, **extra):
        python, where, info = facts._interpreter(argv, {**env, **extra}, real)
        assert info is not None and info.path == python
        return python, where

    assert chosen(["install", "x"]) == ("/usr/bin/python3", None)
    assert chosen(["install", "x"], PIP_PYTHON="/v/bin/python") == ("/v/bin/python", "PIP_PYTHON")
    assert chosen(["install", "x"], PIP_python="/v/bin/python") == ("/v/bin/python", "PIP_python")
    assert chosen(["--python", "/w/bin/python", "install", "x"], PIP_PYTHON="/v/bin/python")[1] == "--python"
    assert chosen(["install", "x"], PIP_PYTHON=str(tmp_path)) == (f"{tmp_path}/bin/python", "PIP_PYTHON")
    hop_done = {"_PIP_RUNNING_IN_SUBPROCESS": "1", "PIP_PYTHON": "/v/bin/python"}
    assert chosen(["--python", "/w/bin/python", "install", "x"], **hop_done) == ("/usr/bin/python3", None)
    prefix.mkdir()
    (prefix / "pip.conf").write_text("[global]\npython = /site/bin/python\n")
    assert chosen(["install", "x"], PIP_CONFIG_FILE="") == ("/site/bin/python", f"{prefix}/pip.conf [global]")
