"""The marks that spare the shims their `ls` fork (shimtrust.py): one file per venv, never
outside pipshim's cache, dropped when the venv stops being the user's own."""

from __future__ import annotations

import os
from pathlib import Path

from pipshim import shimtrust
from pipshim.discovery import _private_group


def _env(tmp_path: Path) -> dict[str, str]:
    return {"HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "cache")}


def _venv(tmp_path: Path, name: str, mode: int = 0o755) -> str:
    d = tmp_path / name
    (d / "bin").mkdir(parents=True)
    (d / "bin" / "python").write_text("")
    d.chmod(mode)
    return str(d)


def _marked(tmp_path: Path, path: str) -> bool:
    return os.path.isfile(shimtrust.mark(str(tmp_path / "cache" / "pipshim" / "trusted"), path))


def test_marks_the_users_own_venvs_and_drops_them_when_they_stop_being_so(tmp_path):
    env, uid = _env(tmp_path), os.getuid()
    own, shared = _venv(tmp_path, "own"), _venv(tmp_path, "shared", 0o757)
    shimtrust.update(env, uid, [own, shared], [own, shared])
    assert _marked(tmp_path, own)
    assert not _marked(tmp_path, shared), "writable by others: never marked"
    mark = shimtrust.mark(str(tmp_path / "cache" / "pipshim" / "trusted"), own)
    assert mark == str(tmp_path / "cache" / "pipshim" / "trusted") + own + shimtrust.MARK
    assert os.stat(mark).st_mode & 0o777 == 0o600

    os.chmod(own, 0o777)
    shimtrust.update(env, uid, [], [own])
    assert not _marked(tmp_path, own)
    assert os.listdir(tmp_path / "cache" / "pipshim" / "trusted") == [], "empty directories go too"


def test_the_users_private_group_counts_as_the_users_own(tmp_path):
    """umask 002 (Ubuntu, Fedora): group-writable by a group named after the user, with no
    other member, is the user's own, as discovery says."""
    env, uid = _env(tmp_path), os.getuid()
    venv = _venv(tmp_path, "v", 0o775)
    shimtrust.update(env, uid, [venv], [venv])
    assert _marked(tmp_path, venv) == _private_group(os.stat(venv).st_gid, uid)


def test_a_path_that_could_climb_out_of_the_cache_is_never_marked(tmp_path):
    env, uid = _env(tmp_path), os.getuid()
    _venv(tmp_path, "v")
    climbing = str(tmp_path / "a" / ".." / "v")
    os.makedirs(tmp_path / "a")
    shimtrust.update(env, uid, [climbing, "relative/v"], [climbing])
    assert not (tmp_path / "cache" / "pipshim" / "trusted").exists()


def test_a_newer_interpreter_touches_the_mark(tmp_path):
    """The pip shim boots in-process only on an interpreter not newer than its venv's mark."""
    env, uid = _env(tmp_path), os.getuid()
    venv = _venv(tmp_path, "v")
    shimtrust.update(env, uid, [venv], [])
    mark = shimtrust.mark(str(tmp_path / "cache" / "pipshim" / "trusted"), venv)
    os.utime(mark, (1000, 1000))
    shimtrust.update(env, uid, [venv], [])
    assert os.stat(mark).st_mtime >= os.stat(os.path.join(venv, "bin", "python")).st_mtime


def test_an_unusable_cache_is_no_error(tmp_path):
    env, uid = _env(tmp_path), os.getuid()
    venv = _venv(tmp_path, "v")
    (tmp_path / "cache" / "pipshim").mkdir(parents=True)
    (tmp_path / "cache" / "pipshim").chmod(0o700)  # as pipshim makes it, whatever the umask
    shimtrust.update(env, uid, [venv], [])
    assert _marked(tmp_path, venv)

    (tmp_path / "cache" / "pipshim" / "trusted").chmod(0o777)  # not private: refused, quietly
    other = _venv(tmp_path, "w")
    shimtrust.update(env, uid, [other], [])
    assert not _marked(tmp_path, other)
    shimtrust.update({}, uid, [other], [])  # no home at all: nothing to do


def test_nothing_is_made_in_a_cache_dir_others_may_write_or_a_symlink(tmp_path):
    """A planted or shared cache dir (XDG_CACHE_HOME in /tmp, a symlink to elsewhere) is refused
    before the marks' directory is made in it."""
    env, uid = _env(tmp_path), os.getuid()
    venv = _venv(tmp_path, "v")
    shared = tmp_path / "cache" / "pipshim"
    shared.mkdir(parents=True)
    shared.chmod(0o777)
    shimtrust.update(env, uid, [venv], [venv])
    assert os.listdir(shared) == []
    shared.rmdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shared.symlink_to(elsewhere)
    shimtrust.update(env, uid, [venv], [venv])
    assert os.listdir(elsewhere) == []
