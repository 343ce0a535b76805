"""Paths by the XDG rules, private files, what may be deleted, settings that cannot stop pip."""

from __future__ import annotations

import os
import pwd
import stat

import pytest

from pipshim import paths, settings, venvs
from pipshim.commands.venv import installed
from pipshim.discovery import INCOMPLETE
from pipshim.reqfiles import read_all

ME = pwd.getpwuid(os.getuid())


@pytest.mark.parametrize("home", [None, "", "relative/home"])
def test_without_an_absolute_home_the_passwd_entry_is_used(home):
    environ = {} if home is None else {"HOME": home}
    assert paths.home(environ) == ME.pw_dir
    assert paths.cache_dir(environ) == os.path.join(ME.pw_dir, ".cache", "pipshim")


@pytest.mark.parametrize("var", ["XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"])
def test_relative_xdg_values_are_ignored(var, tmp_path):
    environ = {"HOME": str(tmp_path), var: "some/dir"}
    where, default = {
        "XDG_DATA_HOME": (paths.data_home, ".local/share"),
        "XDG_CACHE_HOME": (paths.cache_home, ".cache"),
        "XDG_CONFIG_HOME": (paths.config_home, ".config"),
    }[var]
    assert where(environ) == str(tmp_path / default)


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        ("envs/rel", "{data}/pipshim/venv"),  # relative: ignored, never under the cwd
        ("~/envs/u", "{home}/envs/u"),
        ("/abs/u", "/abs/u"),
        ("~other/x", "{data}/pipshim/venv"),
    ],
)
def test_the_user_venv_setting_is_absolute_or_under_home(configured, expected, tmp_path):
    environ = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    want = expected.format(home=tmp_path, data=tmp_path / "data")
    assert paths.user_venv(environ, configured, root_in_container=False) == want
    assert paths.user_venv(environ, None, root_in_container=True) == "/opt/venv"


def test_write_private_never_follows_a_planted_symlink(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    d = tmp_path / "cache"
    d.mkdir(mode=0o700)
    (d / "last-error.log").symlink_to(victim)
    paths.write_private(str(d / "last-error.log"), "log\n")
    assert victim.read_text() == "precious\n"
    assert (d / "last-error.log").read_text() == "log\n" and not (d / "last-error.log").is_symlink()
    assert stat.S_IMODE(os.stat(d / "last-error.log").st_mode) == 0o600


def test_a_shared_world_writable_directory_is_never_written_to(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    with pytest.raises(PermissionError):
        paths.write_private(str(shared / "f"), "x")
    assert not (shared / "f").exists()


def _venv(path):
    (path / "bin").mkdir(parents=True)
    (path / "lib").mkdir()
    (path / "pyvenv.cfg").write_text("home = /usr/bin\n")
    return path


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        (".git", "holds .git"),
        ("src", "holds src"),
        ("notes.txt", "holds notes.txt"),
    ],
)
def test_a_venv_holding_what_a_venv_does_not_have_is_never_removable(tmp_path, extra, why):
    v = _venv(tmp_path / "v")
    (v / extra).mkdir() if "." not in extra or extra == ".git" else (v / extra).write_text("")
    assert why in venvs.removable(str(v))


def test_home_root_and_non_venvs_are_never_removable(tmp_path):
    assert venvs.removable("/") is not None
    v = _venv(tmp_path / "v")
    assert venvs.removable(str(v)) is None
    assert venvs.removable(str(v), protected=(str(v),)) is not None
    docs = tmp_path / "Documents"
    docs.mkdir()
    (docs / "thesis.txt").write_text("")
    assert "not a venv" in venvs.removable(str(docs))


def test_an_incomplete_venv_is_removable(tmp_path):
    v = tmp_path / "v"
    v.mkdir()
    (v / INCOMPLETE).write_text("")
    assert venvs.removable(str(v)) is None


def test_remove_takes_a_file_or_link_standing_in_for_a_venv_and_leaves_no_trash(tmp_path):
    d = tmp_path / "d"
    (d / "target").mkdir(parents=True)
    (d / ".venv").symlink_to(d / "target")
    venvs.remove(str(d / ".venv"))
    assert sorted(os.listdir(d)) == ["target"]
    (d / ".venv").write_text("")
    venvs.remove(str(d / ".venv"))
    assert sorted(os.listdir(d)) == ["target"]


def test_installed_reads_pins_and_editables_from_dist_info(tmp_path):
    site = tmp_path / "v" / "lib" / "python3.12" / "site-packages"
    site.mkdir(parents=True)
    (site / "attrs-24.1.0.dist-info").mkdir()
    (site / "pip-24.0.dist-info").mkdir()
    ed = site / "mypkg-0.1.dist-info"
    ed.mkdir()
    (ed / "direct_url.json").write_text('{"url": "file:///src/mypkg", "dir_info": {"editable": true}}')
    assert installed(str(tmp_path / "v")) == ["attrs==24.1.0", "-e /src/mypkg"]


@pytest.mark.parametrize(
    ("text", "warning"),
    [
        ("user_venv = [", "ignoring"),
        ("apps = 'black'", "`apps` must be a list"),
        ("user_venv = 3", "`user_venv` must be a path"),
        ('quiet = "maybe"', "`quiet` must be true or false"),
    ],
)
def test_a_bad_config_gives_one_warning_and_the_defaults(tmp_path, text, warning):
    (tmp_path / "pipshim").mkdir()
    (tmp_path / "pipshim" / "config.toml").write_text(text + "\n")
    s = settings.load({"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}, with_apps=True)
    assert len(s.warnings) == 1 and warning in s.warnings[0]
    assert s.user_venv is None and s.quiet is False and "black" in s.apps


def test_the_app_list_is_the_data_files_then_the_configured_names(tmp_path):
    (tmp_path / "pipshim").mkdir()
    (tmp_path / "pipshim" / "config.toml").write_text('apps = ["mytool", "ansible"]\n')
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "PIPSHIM_APPS": "other, black"}
    apps = settings.load(env, with_apps=True).apps
    builtin = settings.builtin_apps()
    assert dict(apps) == {**builtin, "mytool": (), "other": ()} and apps == dict(apps)
    assert list(apps)[-2:] == ["mytool", "other"] and len(apps) == len(builtin) + 2
    assert apps["ansible"] == builtin["ansible"] == ("--include-deps",) and "nope" not in apps


@pytest.mark.parametrize(("word", "quiet"), [('"no"', False), ('"yes"', True), ("true", True), ("false", False)])
def test_quiet_reads_words_as_pip_does(tmp_path, word, quiet):
    (tmp_path / "pipshim").mkdir()
    (tmp_path / "pipshim" / "config.toml").write_text(f"quiet = {word}\n")
    s = settings.load({"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}, with_apps=False)
    assert s.quiet is quiet and s.warnings == ()


def test_a_fifo_requirement_file_is_never_read(tmp_path):
    fifo = tmp_path / "reqs"
    os.mkfifo(fifo)
    # opening a FIFO for reading would block forever: the decision must not even try
    assert read_all([str(fifo)], [], str(tmp_path)) == {str(fifo): None}
    assert read_all(["/dev/stdin"], [], str(tmp_path)) == {"/dev/stdin": None}
