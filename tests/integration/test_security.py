"""Issue 9: one test per security class. Another user cannot steer pipshim.

A second, non-root user (``other_user``, root only: skipped with a reason otherwise) plants
venvs and projects; planted venvs are "canaries": their ``bin/python*`` and ``bin/pip*``
are scripts that only record that they ran. A probe is one command run against one planted
arrangement; it is breached when a canary ran, a victim file changed, pipshim wrote into a
directory of the other user or into a shared one, or pipshim crashed (traceback, exit 3).

The module reports ``security: N probes, M breaches`` as a ``ChaosFigure`` warning. `make test`
runs the class whose bug was fixed here (a foreign PIPSHIM_USER_VENV); `make check` all of them.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import cold_home
from helpers import run
from sut import SUT

from integration.chaos import (
    TRACEBACK,
    Tally,
    figure,
    snapshot,
    system_python_hashes,  # noqa: F401  (a session fixture)
    tree_diff,
    under,
)
from integration.support import base_env
from pipshim import shims

pytestmark = pytest.mark.usefixtures("system_python_hashes")

TALLY = Tally("security probes")


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    if TALLY.tried:
        figure(f"security: {TALLY.tried} probes, {len(TALLY.failures)} breaches")


CANARY_SCRIPT = '#!/bin/sh\necho "$0 $*" >> {canary}\nexit 0\n'


def chown_tree(path: Path, uid: int, gid: int) -> None:
    for p in [path, *path.rglob("*")]:
        os.lchown(p, uid, gid)


def plant_venv(path: Path, canary: Path, owner: tuple[int, int] | None = None) -> Path:
    """A directory that looks like a complete venv whose programs only write to ``canary``."""
    (path / "bin").mkdir(parents=True)
    (path / "lib" / f"python{SUT.version}" / "site-packages").mkdir(parents=True)
    (path / "pyvenv.cfg").write_text(
        f"home = /usr/bin\ninclude-system-site-packages = false\nversion = {SUT.version_full}\n"
    )
    for name in ("python", "python3", f"python{SUT.version}", "pip", "pip3", f"pip{SUT.version}"):
        script = path / "bin" / name
        script.write_text(CANARY_SCRIPT.format(canary=canary))
        script.chmod(0o755)
    if owner:
        chown_tree(path, *owner)
    return path


class Probe:
    """Run commands in one arrangement and record the breaches."""

    def __init__(self, name: str, tmp: Path, watch: tuple[Path, ...] = (), victims: tuple[Path, ...] = ()):
        self.name = name
        self.tmp = tmp
        self.canary = tmp / "canary"
        self.watch = watch  # directories pipshim must not write into (another user's, shared ones)
        self.victims = {v: v.read_bytes() for v in victims}
        self.before = {w: snapshot(w) for w in watch}

    def run(
        self, label: str, cmd, env, cwd, expect_refusal: bool = False, not_shown: tuple = (), **kw
    ) -> subprocess.CompletedProcess:
        """``expect_refusal``: a non-zero exit is required; ``not_shown``: paths stdout must not name."""
        r = run(cmd, env, cwd, **kw)
        problems = []
        for path in not_shown:
            if r.returncode == 0 and str(path) in r.stdout.splitlines():
                problems.append(f"{path} was shown as the environment")
        if self.canary.exists():
            problems.append(f"a planted program ran: {self.canary.read_text()!r}")
            self.canary.unlink()
        if TRACEBACK in r.stderr or r.returncode == 3:
            problems.append(f"crashed (exit {r.returncode})")
        for victim, data in self.victims.items():
            if not victim.exists() or victim.read_bytes() != data:
                problems.append(f"the victim {victim} changed")
        for w, before in self.before.items():
            created, deleted, changed = tree_diff(before, snapshot(w))
            if created or deleted or changed:
                problems.append(f"wrote into {w}: +{created[:5]} -{deleted[:5]} ~{changed[:5]}")
        if expect_refusal and r.returncode == 0:
            problems.append("expected a refusal, got exit 0")
        if problems:
            problems.append(f"exit {r.returncode}\n--- stdout\n{r.stdout[-1500:]}\n--- stderr\n{r.stderr[-2000:]}")
        TALLY.add(f"{self.name}/{label}", problems)
        assert not problems, f"{self.name}/{label}:\n" + "\n".join(problems)
        return r


# ---- planted venvs and projects ---------------------------------------------------------------------


@pytest.mark.exhaustive
def test_planted_venv_and_project_of_another_user(tmp_path, shim_env, other_user):
    uid, gid = other_user
    # a project of the other user, with its venv (a canary)
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "pyproject.toml").write_text('[project]\nname = "t"\nversion = "0"\n')
    plant_venv(theirs / ".venv", tmp_path / "canary")
    chown_tree(theirs, uid, gid)
    # my project, in which the other user planted the venv
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "pyproject.toml").write_text('[project]\nname = "m"\nversion = "0"\n')
    plant_venv(mine / ".venv", tmp_path / "canary", (uid, gid))
    # a project of the other user with no venv yet: pipshim must not make one in it
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "setup.py").write_text("")
    chown_tree(bare, uid, gid)
    p = Probe("planted", tmp_path, watch=(theirs, mine / ".venv", bare))

    planted = (theirs / ".venv", mine / ".venv")
    for where in (theirs, mine, bare, theirs / ".venv" / "lib"):
        # ignored (the user environment instead) or refused: either way nothing of theirs runs
        p.run(f"install-in-{where.name}", ["pip", "install", "demo-lib"], shim_env, where)
        p.run(f"python-in-{where.name}", ["python3", "-c", "import sys; print(sys.prefix)"], shim_env, where)
        p.run(f"list-in-{where.name}", ["pip", "list"], shim_env, where)
        p.run(f"venv-in-{where.name}", ["pipshim", "venv"], shim_env, where, not_shown=planted)
    p.run("recreate-planted", ["pipshim", "venv", "--recreate"], shim_env, mine, not_shown=planted)
    p.run("recreate-theirs", ["pipshim", "venv", "--recreate"], shim_env, theirs, not_shown=planted)


@pytest.mark.exhaustive
def test_symlinked_venv_to_another_users_dir(tmp_path, shim_env, project, other_user):
    uid, gid = other_user
    target = plant_venv(tmp_path / "elsewhere" / "venv", tmp_path / "canary", (uid, gid))
    (project / ".venv").symlink_to(target)
    p = Probe("symlink", tmp_path, watch=(tmp_path / "elsewhere",))

    p.run("install", ["pip", "install", "demo-lib"], shim_env, project)
    p.run("python", ["python3", "-c", "print(1)"], shim_env, project)
    p.run("venv", ["pipshim", "venv"], shim_env, project, not_shown=(target, project / ".venv"))
    p.run("recreate", ["pipshim", "venv", "--recreate"], shim_env, project, not_shown=(target, project / ".venv"))
    assert (project / ".venv").is_symlink()


@pytest.mark.exhaustive
def test_group_writable_by_a_shared_group(tmp_path, shim_env, project, other_user):
    """gid 100 (``users``) is not this user's private group: a venv it may write is never used."""
    venv = plant_venv(project / ".venv", tmp_path / "canary")
    for d in (venv, venv / "bin"):
        os.chown(d, os.getuid(), 100)
        d.chmod(0o775)
    shared_proj = tmp_path / "shared-proj"
    shared_proj.mkdir()
    (shared_proj / "pyproject.toml").write_text('[project]\nname = "s"\nversion = "0"\n')
    os.chown(shared_proj, os.getuid(), 100)
    shared_proj.chmod(0o2775)
    p = Probe("group-writable", tmp_path, watch=(venv,))

    p.run("install", ["pip", "install", "demo-lib"], shim_env, project)
    p.run("python", ["python3", "-c", "print(1)"], shim_env, project)
    p.run("venv", ["pipshim", "venv"], shim_env, project, not_shown=(venv,))
    p.run("recreate", ["pipshim", "venv", "--recreate"], shim_env, project, not_shown=(venv,))
    r = p.run("install-in-group-writable-project", ["pip", "install", "demo-lib"], shim_env, shared_proj)
    made = shared_proj / ".venv"
    if made.exists():  # a venv made there must not be writable by the group
        assert not stat.S_IMODE(made.stat().st_mode) & 0o022, (oct(made.stat().st_mode), r.stderr)


@pytest.mark.exhaustive
def test_world_writable_shared_parent(tmp_path, shim_env, other_user):
    """A /tmp-like sticky world-writable dir where the other user planted a project and a venv."""
    uid, gid = other_user
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    (shared / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0"\n')
    os.chown(shared / "pyproject.toml", uid, gid)
    plant_venv(shared / ".venv", tmp_path / "canary", (uid, gid))
    mine = shared / "mine"  # mine, below the planted project and venv
    mine.mkdir()
    open_proj = shared / "open"  # a world-writable project of mine
    open_proj.mkdir()
    (open_proj / "pyproject.toml").write_text('[project]\nname = "o"\nversion = "0"\n')
    open_proj.chmod(0o777)
    cache = shared / "cache"  # XDG_CACHE_HOME in the shared dir, its pipshim dir planted
    (cache / "pipshim").mkdir(parents=True)
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    (cache / "pipshim" / "interpreters.tsv").symlink_to(victim)
    (cache / "pipshim" / "last-error.log").symlink_to(victim)
    chown_tree(cache, uid, gid)
    p = Probe("world-writable", tmp_path, watch=(shared / ".venv", cache, open_proj), victims=(victim,))

    p.run("install-below", ["pip", "install", "demo-lib"], shim_env, mine)
    assert not (shared / ".venv" / "lib" / f"python{SUT.version}" / "site-packages" / "demo_lib").exists()
    p.run("python-below", ["python3", "-c", "print(1)"], shim_env, mine)
    p.run("install-in-open-project", ["pip", "install", "demo-lib"], shim_env, open_proj)
    p.run("venv-in-open-project", ["pipshim", "venv"], shim_env, open_proj, not_shown=(open_proj,))
    env = dict(shim_env, XDG_CACHE_HOME=str(cache))
    p.run("cache-in-shared-dir", ["pip", "install", "demo-lib"], env, mine)


@pytest.mark.exhaustive
def test_hostile_virtual_env(tmp_path, shim_env, project, other_user):
    uid, gid = other_user
    theirs = plant_venv(tmp_path / "theirs", tmp_path / "canary", (uid, gid))
    open_venv = plant_venv(tmp_path / "open", tmp_path / "canary")
    open_venv.chmod(0o777)
    p = Probe("VIRTUAL_ENV", tmp_path, watch=(theirs, open_venv))
    for label, value in (("theirs", theirs), ("world-writable", open_venv), ("usr", "/usr"), ("root", "/")):
        env = dict(shim_env, VIRTUAL_ENV=str(value))  # the shims stay first on PATH: pipshim decides
        p.run(f"install-{label}", ["pip", "install", "demo-lib"], env, project)  # ignored or refused
        p.run(f"venv-{label}", ["pipshim", "venv"], env, project, not_shown=(value,))
        p.run(f"python-m-pip-{label}", ["python3", "-m", "pip", "install", "demo-lib"], env, project)
        p.run(f"list-{label}", ["pip", "list"], env, project)


def test_modules_in_the_cwd_are_not_imported_by_pipx_or_pip(tmp_path, shim_env, work, project):
    """pipx runs as `python -I -m pipx` (-m alone puts the cwd first on sys.path), and
    `venv --recreate` runs `python -I -m pip`: a pipx.py or pip.py there is never imported."""
    canary = tmp_path / "canary"
    for d in (work, project):
        for name in ("pipx.py", "pip.py"):
            (d / name).write_text(f"open({str(canary)!r}, 'a').write({name!r})\n")
    r = run(["pip", "install", "demo-app"], shim_env, work)
    assert r.returncode == 0, r.stderr
    assert run(["pipshim", "doctor"], shim_env, work).returncode in (0, 1)
    assert run(["pip", "install", "demo-lib"], shim_env, project).returncode == 0
    r = run(["pipshim", "venv", "--recreate"], shim_env, project)
    assert r.returncode == 0, r.stderr
    assert not canary.exists(), canary.read_text()


def test_user_venv_naming_another_users_venv(tmp_path, shim_env, work, other_user):
    uid, gid = other_user
    theirs = plant_venv(tmp_path / "theirs", tmp_path / "canary", (uid, gid))
    env = dict(shim_env, PIPSHIM_USER_VENV=str(theirs))
    p = Probe("PIPSHIM_USER_VENV", tmp_path, watch=(theirs,))

    r = p.run("venv", ["pipshim", "venv"], env, work, expect_refusal=True)
    assert str(theirs) not in r.stdout
    p.run("recreate", ["pipshim", "venv", "--recreate"], env, work, expect_refusal=True)
    p.run("install", ["pip", "install", "demo-lib"], env, work, expect_refusal=True)
    p.run("install-user", ["pip", "install", "--user", "demo-lib"], env, work, expect_refusal=True)
    p.run("list", ["pip", "list"], env, work)
    p.run("python", ["python3", "-c", "print(1)"], env, work)


# ---- planted symlinks at the files pipshim writes -------------------------------------------------------


@pytest.mark.exhaustive
def test_planted_symlinks_at_pipshim_files(tmp_path, shim_env, project, work, hermetic_env):
    home = hermetic_env
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    victim_dir = tmp_path / "victim-dir"
    victim_dir.mkdir()
    (victim_dir / "keep").write_text("keep\n")
    cold_home(home)  # the planted cache is this test's own
    cache = home / ".cache" / "pipshim"
    cache.mkdir(parents=True)
    for name in ("last-error.log", "interpreters.tsv"):
        (cache / name).symlink_to(victim)
    data = home / ".local" / "share" / "pipshim"
    data.mkdir(parents=True)
    (data / "user-env").symlink_to(victim)
    p = Probe("planted-symlink", tmp_path, watch=(victim_dir,), victims=(victim,))

    p.run("install-project", ["pip", "install", "demo-lib"], shim_env, project)
    env = dict(shim_env, PIPSHIM_USER_VENV=str(tmp_path / "uv"))  # the user-env file is written for this
    p.run("install-user", ["pip", "install", "demo-lib"], env, work)
    p.run("venv", ["pipshim", "venv"], env, work)
    # the whole cache dir a symlink to a victim's dir
    shutil.rmtree(cache)
    cache.symlink_to(victim_dir)
    p.run("cache-dir-link", ["pip", "install", "demo-dep"], shim_env, project)
    shutil.rmtree(data)
    data.symlink_to(victim_dir)
    p.run("data-dir-link", ["pip", "install", "demo-lib"], env, work)


# ---- HOME unset, two users ------------------------------------------------------------------------------


@pytest.fixture
def open_dir(other_user):
    """A directory both users can reach (pytest's own temp dirs are root's, mode 700)."""
    d = Path(tempfile.mkdtemp(prefix="pipshim-sec-"))
    d.chmod(0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


SHARED_PLACES = ("/tmp/.cache", "/tmp/.local", "/tmp/.config", "/.cache", "/.local", "/var/tmp/.cache")


def shared_state() -> dict:
    return {p: snapshot(Path(p)) if os.path.isdir(p) else os.path.lexists(p) for p in SHARED_PLACES}


@pytest.mark.exhaustive
def test_home_unset_with_two_users(open_dir, wheelhouse, other_user, tmp_path):
    """With HOME unset (cron, systemd, env -i) the caches and the crash log go to the passwd
    entry's home or nowhere, never to a shared dir; as the other user and as root."""
    uid, gid = other_user
    bin_dir = open_dir / "bin"
    assert shims.install(str(bin_dir), sys.executable, shims.default_names(SUT.version)) == 0
    wheels = open_dir / "wheels"
    shutil.copytree(wheelhouse, wheels)
    proj = open_dir / "proj"
    proj.mkdir()
    (proj / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "0"\n')
    appdata = open_dir / "appdata"
    appdata.mkdir()
    chown_tree(proj, uid, gid)
    chown_tree(appdata, uid, gid)
    # a planted crash log and caches in the shared places, were pipshim to fall back to them
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    env = base_env(bin_dir, open_dir, wheels, appdata)
    del env["HOME"]
    before = shared_state()
    p = Probe("HOME-unset", tmp_path, victims=(victim,))

    def as_other():
        os.setgid(gid)
        os.setgroups([])
        os.setuid(uid)

    r = p.run("other-user-install", ["pip", "install", "demo-lib"], env, proj, preexec_fn=as_other)
    assert shared_state() == before, "files were written to a shared dir"
    made = [x for x in snapshot(open_dir) if not under(x, proj / ".venv", appdata)]
    assert all(under(x, bin_dir, wheels, proj, appdata) for x in made), made
    if r.returncode == 0:
        assert (proj / ".venv").is_dir()
    # root, HOME unset: only in its own passwd home, never a shared dir
    root_proj = open_dir / "rootproj"
    root_proj.mkdir()
    (root_proj / "pyproject.toml").write_text('[project]\nname = "r"\nversion = "0"\n')
    renv = dict(env, VIRTUALENV_OVERRIDE_APP_DATA=str(tmp_path / "root-appdata"))
    p.run("root-explain", ["pipshim", "explain", "--", "pip", "install", "demo-lib"], renv, root_proj)
    p.run("root-version", ["pip", "--version"], renv, root_proj)
    assert shared_state() == before, "files were written to a shared dir"
