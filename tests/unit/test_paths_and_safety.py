"""Paths by the XDG rules, private files, what may be deleted, settings that cannot stop pip."""

from __future__ import annotations

import json
import os
import pwd
import stat

import pytest

from pipshim import links, paths, provision, settings, venvs
from pipshim.commands.venv import installed
from pipshim.discovery import INCOMPLETE, Source
from pipshim.errors import Exit, PipshimError
from pipshim.plan import Create
from pipshim.reqfiles import read_all

ME = pwd.getpwuid(os.getuid())
SPEC = Create("/unused", "/usr/bin/python3", "proj", system_site=False)


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


@pytest.mark.parametrize("target", [".cache/pipshim", ".local/share/pipshim/venv"])
def test_nothing_is_made_in_a_shared_directory_on_the_way(tmp_path, target):
    """HOME=/tmp: not even the first directory is made there (another user could take its name first)."""
    shared = tmp_path / "tmp"
    shared.mkdir()
    shared.chmod(0o1777)
    with pytest.raises(paths.SharedDirError, match=f"{shared} is writable by every user"):
        paths.private_dir(str(shared / target))
    with pytest.raises(paths.SharedDirError):
        paths.make_dirs(str(shared))  # the caller would create in it
    assert os.listdir(shared) == []


def test_make_dirs_makes_what_is_missing_in_a_directory_of_ours(tmp_path):
    tmp_path.chmod(0o755)
    made = paths.make_dirs(str(tmp_path / "a" / "b" / "c"), 0o700)
    assert made == str(tmp_path / "a" / "b" / "c")
    assert stat.S_IMODE(os.stat(made).st_mode) == 0o700
    assert not stat.S_IMODE(os.stat(tmp_path / "a").st_mode) & 0o022
    assert paths.make_dirs(made) == made  # there already: nothing to do


def test_nothing_is_made_in_another_users_directory(tmp_path, other_user):
    """(needs root: chowns to the second user) Another user's directory is theirs to fill."""
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    os.chown(theirs, *other_user)
    with pytest.raises(paths.SharedDirError, match="belongs to another user"):
        paths.make_dirs(str(theirs / "pipshim"))
    assert os.listdir(theirs) == []


def test_a_user_environment_in_a_shared_directory_is_refused_with_the_fix(tmp_path):
    from pipshim.errors import Exit, PipshimError

    shared = tmp_path / "tmp"
    shared.mkdir()
    shared.chmod(0o1777)
    with pytest.raises(PipshimError) as err, venvs.EnvLock(str(shared / "x"), quiet=True):
        pass
    assert err.value.exit_code == Exit.BROKEN
    assert str(err.value) == (
        f"cannot create {shared / 'x'}: {shared} is writable by every user: pipshim creates nothing there; "
        "choose a directory of your own (PIPSHIM_USER_VENV, or HOME)"
    )
    assert os.listdir(shared) == []


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


def test_a_symlink_or_a_file_is_never_removable(tmp_path):
    v = _venv(tmp_path / "v")
    (tmp_path / "to-a-venv").symlink_to(v)
    (tmp_path / "dangling").symlink_to(tmp_path / "gone")
    (tmp_path / "file").write_text("")
    assert f"is a symlink to {v}" in venvs.removable(str(tmp_path / "to-a-venv"))
    assert "is a symlink" in venvs.removable(str(tmp_path / "dangling"))
    assert "is not a directory" in venvs.removable(str(tmp_path / "file"))


def test_ensure_makes_no_venv_through_a_symlink_and_leaves_it(tmp_path):
    (tmp_path / ".venv").symlink_to("/nonexistent/elsewhere")
    with pytest.raises(PipshimError) as err:
        provision.ensure(str(tmp_path / ".venv"), SPEC, {})
    assert err.value.exit_code == Exit.BROKEN
    assert "is a symlink to /nonexistent/elsewhere, which does not exist" in err.value.message
    assert "remove the link, or make /nonexistent/elsewhere a venv" in err.value.message
    assert os.readlink(tmp_path / ".venv") == "/nonexistent/elsewhere"


def test_ensure_removes_nothing_it_did_not_make_when_a_link_appears_after_the_look(tmp_path, monkeypatch):
    """classify said missing; by the time of the mkdir a link stands there: it stays, untouched."""
    proj = tmp_path / "proj"
    proj.mkdir()
    link = proj / ".venv"
    missing = provision.classify(str(link), Source.PROJECT, os.getuid())
    link.symlink_to("/nonexistent/elsewhere")
    monkeypatch.setattr(provision, "classify", lambda *a: missing)
    with pytest.raises(PipshimError) as err:
        provision.ensure(str(link), SPEC, {})
    assert err.value.message.startswith(f"could not create {link}")
    assert os.readlink(link) == "/nonexistent/elsewhere"
    assert os.listdir(proj) == [".venv"]


@pytest.mark.parametrize("where", ["as mkdir returns", "inside the creation"])
def test_a_ctrl_c_anywhere_in_ensure_leaves_no_venv_and_is_raised(tmp_path, monkeypatch, where):
    """^C's KeyboardInterrupt is raised as soon as a C call returns: right after the mkdir too."""
    proj = tmp_path / "proj"
    proj.mkdir()
    real_mkdir = os.mkdir

    def mkdir_then_interrupt(path, *args, **kwargs):
        real_mkdir(path, *args, **kwargs)
        raise KeyboardInterrupt

    def interrupted_create(*args, **kwargs):
        (proj / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
        raise KeyboardInterrupt

    if where == "as mkdir returns":
        monkeypatch.setattr(provision.os, "mkdir", mkdir_then_interrupt)
    else:
        monkeypatch.setattr(provision.venvs, "create", interrupted_create)
    with pytest.raises(KeyboardInterrupt):
        provision.ensure(str(proj / ".venv"), SPEC, {})
    assert os.listdir(proj) == []


def test_a_users_link_in_the_bin_dir_is_never_replaced_only_ours(tmp_path):
    venv, bin_dir = tmp_path / "user-env", tmp_path / "bin"
    (venv / "bin").mkdir(parents=True)
    bin_dir.mkdir()
    for name in ("theirs", "ours", "new"):
        (venv / "bin" / name).write_text("#!/bin/sh\n")
        (venv / "bin" / name).chmod(0o755)
    (bin_dir / "theirs").symlink_to("/opt/mytools/theirs")  # dangling, not into the user environment
    (bin_dir / "ours").symlink_to(venv / "bin" / "gone")  # ours: into the user environment, target gone
    assert links.link_new(str(venv), set(), str(bin_dir), quiet=True) == ["new", "ours"]
    assert os.readlink(bin_dir / "theirs") == "/opt/mytools/theirs"
    assert os.readlink(bin_dir / "ours") == str(venv / "bin" / "ours")
    (venv / "bin" / "ours").unlink()
    links.prune(str(venv), str(bin_dir))
    assert sorted(os.listdir(bin_dir)) == ["new", "theirs"]


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
    ("direct_url", "requirement"),
    [
        ({"url": "file:///src/my%20pkg", "dir_info": {"editable": True}}, "-e /src/my pkg"),
        ({"url": "file:///src/my%20pkg", "dir_info": {}}, "mypkg @ file:///src/my%20pkg"),
        (
            {"url": "https://github.com/o/mypkg.git", "vcs_info": {"vcs": "git", "commit_id": "abc123"}},
            "mypkg @ git+https://github.com/o/mypkg.git@abc123",
        ),
        (
            {"url": "https://h/r.git", "vcs_info": {"vcs": "git", "commit_id": "c0"}, "subdirectory": "sub/dir"},
            "mypkg @ git+https://h/r.git@c0#subdirectory=sub/dir",
        ),
        ({"url": "https://h/mypkg-0.1.tar.gz", "archive_info": {}}, "mypkg @ https://h/mypkg-0.1.tar.gz"),
        ({"url": ""}, "mypkg==0.1"),
    ],
)
def test_installed_reinstalls_direct_urls_as_pip_recorded_them(tmp_path, direct_url, requirement):
    """PEP 610's direct_url.json back into a requirement pip installs the same thing from."""
    dist = tmp_path / "v" / "lib" / "python3.12" / "site-packages" / "mypkg-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "direct_url.json").write_text(json.dumps(direct_url))
    assert installed(str(tmp_path / "v")) == [requirement]


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
