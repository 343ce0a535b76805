"""Where an environment can be, and what state it is in: one classification, one walk.

Each candidate carries its Source (where it was found: uv's PythonSource, rbenv's
"set by") and its State with the words that explain it, so every message can say
where a choice came from. classify() is used while gathering facts and again under
the environment's lock (provision.py); the python shim applies the same checks in sh,
with the constants below rendered into it (shimrender.py).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator

from pipshim.errors import msg
from pipshim.record import Named, Record

VENV_NAMES = (".venv", "venv")  # rule 5: looked at in every directory, in this order
OTHER_VENV_NAMES = ("env", ".env")  # rule 5 too, but only when they hold a pyvenv.cfg (.env is often dotenv)
PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "Pipfile")  # and requirements*.txt
PROJECT_MARKER_GLOB = ("requirements", ".txt")  # requirements*.txt
NEW_VENV_NAME = ".venv"  # rule 6 creates ROOT/.venv
INCOMPLETE = ".pipshim-incomplete"  # written first when creating a venv, removed last
TRASH = ".pipshim-removing-"  # a venv being removed is renamed to NAME + TRASH + pid first


class Source(metaclass=Named):
    """Where a candidate came from; ``words`` is how messages name it."""

    ACTIVE = "VIRTUAL_ENV"  # rule 3: an activated virtualenv
    NEAREST = "nearest-venv"  # rule 5: found walking up from the current directory
    PROJECT = "project-root"  # rule 6: ROOT/.venv of the nearest project root, made on first install
    USER = "user-env"  # rules 4 and 9: the user environment

    @property
    def words(self) -> str:
        return _SOURCE_WORDS[self]


_SOURCE_WORDS = {
    Source.ACTIVE: "active virtualenv",
    Source.NEAREST: "project venv",
    Source.PROJECT: "project venv",
    Source.USER: "user environment",
}


class State(metaclass=Named):
    """A candidate's state; ``creatable`` ones are made first (which ones each rule runs: rules.py)."""

    OK = "ok"
    BROKEN = "broken"  # a venv whose interpreter no longer runs: never reused nor deleted silently
    INCOMPLETE = "incomplete"  # ours, its creation was killed: made again
    EMPTY = "empty"  # an empty directory: made into a venv
    NOT_VENV = "not a venv"  # holds something else: never touched
    FOREIGN = "foreign"  # another user's, or writable by others: never used
    MISSING = "missing"

    @property
    def creatable(self) -> bool:
        return self in (State.MISSING, State.EMPTY, State.INCOMPLETE)


class Candidate(Record):
    path: str
    source: Source
    state: State
    detail: str = ""  # why, for messages ("" when ok)
    # the pip scripts in bin/; none: a --without-pip venv, installed into with the real pip's --python
    pips: tuple = ()
    link: str = ""  # a symlink not followed (it leads to no venv): its target, as the link says it
    version: str = ""  # its Python's minor version ("3.13"), when classify() asked it (probe)

    @property
    def python(self) -> str:
        return os.path.join(self.path, "bin", "python")


class Project(Record):
    root: str
    marker: str  # the file that made ROOT a project, for explain
    venv: Candidate  # ROOT/.venv


_PRIVATE: dict[tuple[int, int], bool] = {}  # asked for every venv of a umask 002 user: read once


def _private_group(gid: int, uid: int) -> bool:
    """The user's own private group (umask 002 on Ubuntu, Fedora): named after the user, no
    other member, and no other user's primary group (gr_mem lists only supplementary members)."""
    if (gid, uid) not in _PRIVATE:
        import grp
        import pwd

        try:
            user, group = pwd.getpwuid(uid), grp.getgrgid(gid)
            _PRIVATE[gid, uid] = (
                group.gr_name == user.pw_name
                and set(group.gr_mem) <= {user.pw_name}
                and not any(p.pw_gid == gid and p.pw_uid != uid for p in pwd.getpwall())
            )
        except KeyError:
            _PRIVATE[gid, uid] = False
    return _PRIVATE[gid, uid]


def _has_acl(path: str) -> bool:
    """A POSIX access ACL: then the group bits are its mask, and named entries may write."""
    getxattr = getattr(os, "getxattr", None)  # Linux only
    if getxattr is None:
        return False
    try:
        getxattr(path, "system.posix_acl_access")
    except OSError:
        return False  # ENODATA: none (or no ACL support, which is none either)
    return True


def owner_problem(st: os.stat_result, uid: int, path: str = "") -> str | None:
    """Another non-root user's directory, or one others may write to, is never used.
    ``path``: the directory ``st`` is of, to look for an ACL where the mode alone would pass."""
    if st.st_uid not in (uid, 0):
        return msg("owner", uid=st.st_uid)
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o002:
        return msg("writable", who="others", mode=stat.filemode(st.st_mode))
    if mode & 0o020 and not (st.st_uid == uid and _private_group(st.st_gid, uid)):
        return msg("writable", who=f"group {st.st_gid}", mode=stat.filemode(st.st_mode))
    if mode & 0o020 and path and _has_acl(path):
        return msg("writable", who="an ACL entry", mode=stat.filemode(st.st_mode) + "+")
    return None


Probe = Callable[[str], "tuple[str, str] | None"]  # interp.runs bound to an environ: (version, resolved), or None


def _dir(path: str) -> str:
    """``path`` with a name to be appended: ``_dir(p) + "x/y"`` is ``os.path.join(p, "x", "y")``
    spelt out, which the walk and classify() would otherwise call dozens of times a pip call."""
    return path if path.endswith("/") else path + "/"


def _cfg_ok(base: str) -> bool:
    try:
        with open(base + "pyvenv.cfg", "rb") as fh:
            fh.read(65536).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return True


def _versions(base: str) -> list[str]:
    try:
        return [n[len("python") :] for n in os.listdir(base + "lib") if n.startswith("python3")]
    except OSError:
        return []


def _link_problem(path: str) -> tuple[str, str] | None:
    """A symlink is followed only to a venv: (its target, why) when it leads elsewhere. pipshim
    makes nothing through a link and never removes one (the user's), so a link to nothing, to a
    non-venv, or to a venv still being made is never used (what the shims' state() says too)."""
    if not os.path.islink(path):
        return None
    if os.path.isfile(os.path.join(path, "pyvenv.cfg")) and not os.path.lexists(os.path.join(path, INCOMPLETE)):
        return None
    try:
        target = os.readlink(path)
    except OSError:
        return None  # gone meanwhile: missing
    return target, msg("link-dangling" if not os.path.exists(path) else "link-not-venv", target=target)


def unusable_message(c: Candidate, key: str = "not-venv") -> str:
    """Why candidate ``c`` (not a venv, or another user's) is refused: ``key``'s message, or for
    a symlink not followed, the link's with its fix."""
    if c.link:
        return msg("link", path=c.path, detail=c.detail, target=c.link)
    return msg(key, path=c.path, detail=c.detail)


def classify(path: str, source: Source, uid: int, probe: Probe | None = None) -> Candidate:
    """The state of a venv directory. With ``probe``, its interpreter is also asked (cached)."""
    link = _link_problem(path)
    if link is not None:
        return Candidate(path, source, State.NOT_VENV, link[1], link=link[0])
    try:
        st = os.stat(path)
    except OSError:
        return Candidate(path, source, State.MISSING, msg("missing"))
    if not stat.S_ISDIR(st.st_mode):
        return Candidate(path, source, State.NOT_VENV, msg("not-dir"))
    problem = owner_problem(st, uid, path)
    if problem:
        return Candidate(path, source, State.FOREIGN, problem)
    base = _dir(path)
    if os.path.lexists(base + INCOMPLETE):
        from pipshim.venvs import not_venv_entries  # venvs builds on this module

        try:  # the marker alone proves nothing (a repository can carry one): made again means removed
            held = not_venv_entries(os.listdir(path))
        except OSError as exc:
            return Candidate(path, source, State.NOT_VENV, f"it cannot be read: {exc.strerror}")
        if held:
            return Candidate(path, source, State.NOT_VENV, f"it {held}")
        return Candidate(path, source, State.INCOMPLETE, msg("incomplete"))
    if not os.path.isfile(base + "pyvenv.cfg"):
        try:
            empty = not os.listdir(path)
        except OSError:
            empty = False
        return Candidate(path, source, State.EMPTY if empty else State.NOT_VENV, msg("no-cfg"))
    if not _cfg_ok(base):
        return Candidate(path, source, State.BROKEN, msg("bad-cfg"))
    python = base + "bin/python"
    for version in _versions(base):  # the base Python moved to another minor version
        exe = f"{base}bin/python{version}"
        # a venv made by Python <= 3.8 has no bin/python3.X at all: only a dangling one counts
        if os.path.lexists(exe) and not os.access(exe, os.X_OK):
            return Candidate(path, source, State.BROKEN, msg("python-gone", python=f"python{version}"))
    if not os.access(python, os.X_OK):
        return Candidate(path, source, State.BROKEN, msg("python-gone", python=os.path.realpath(python)))
    version = ""
    if probe is not None:
        runs = probe(python)
        if runs is None:
            return Candidate(path, source, State.BROKEN, msg("python-fails", python=os.path.realpath(python)))
        version, real = runs
        if not os.path.isdir(f"{base}lib/python{version}"):
            return Candidate(path, source, State.BROKEN, msg("other-python", python=real))
    try:
        pips = tuple(sorted(n for n in os.listdir(base + "bin") if n.startswith("pip")))
    except OSError:
        pips = ()
    return Candidate(path, source, State.OK, "", pips, version=version)


def parents(cwd: str) -> Iterator[str]:
    d = cwd
    while True:
        yield d
        parent = os.path.dirname(d)
        if parent == d:
            return
        d = parent


def holder_problem(path: str, uid: int) -> str | None:
    """Why the directory holding venv ``path`` lets someone else swap it (or a link to it) for
    theirs between pipshim's check and its use, or None. In a sticky directory (/tmp) only an
    entry's owner may replace it: our own directory there is safe, anyone's link is not."""
    holder = os.path.dirname(path.rstrip("/")) or "/"
    try:
        st = os.stat(holder)
    except OSError:
        return None  # nothing to swap in: classify() says what the venv is
    problem = owner_problem(st, uid, holder)
    if problem is None:
        return None
    if st.st_mode & stat.S_ISVTX:
        try:
            entry = os.lstat(path)
        except OSError:
            return None
        if stat.S_ISDIR(entry.st_mode) and entry.st_uid == uid:
            return None
    return msg("holder-foreign", holder=holder, problem=problem)


def find_venvs(cwd: str, uid: int, probe: Probe | None = None) -> tuple[Candidate, ...]:
    """Every venv-like directory from cwd upward, nearest first (rule 5).

    A directory that is itself a venv counts (we are inside it), then its .venv, venv,
    and env/.env when they hold a pyvenv.cfg. One in a directory another user may write
    to is foreign, whoever owns it (holder_problem).
    """
    found = []
    for d in parents(cwd):
        base = _dir(d)
        if os.path.isfile(base + "pyvenv.cfg"):
            found.append(_nearest(d, uid, probe))
        for name in VENV_NAMES + OTHER_VENV_NAMES:
            path = base + name
            if name in OTHER_VENV_NAMES and not os.path.isfile(path + "/pyvenv.cfg"):
                continue
            if os.path.isdir(path) and all(c.path != path for c in found):
                found.append(_nearest(path, uid, probe))
    return tuple(found)


def _nearest(path: str, uid: int, probe: Probe | None) -> Candidate:
    problem = holder_problem(path, uid)
    if problem is not None:
        return Candidate(path, Source.NEAREST, State.FOREIGN, problem)
    return classify(path, Source.NEAREST, uid, probe)


def project_marker(d: str) -> str | None:
    try:
        names = sorted(os.listdir(d))
    except OSError:
        return None
    for n in names:
        if n in PROJECT_MARKERS or (n.startswith(PROJECT_MARKER_GLOB[0]) and n.endswith(PROJECT_MARKER_GLOB[1])):
            return n
    return None


def find_project(cwd: str, home: str, uid: int) -> Project | None:
    """The nearest project root (rule 6), never $HOME itself or /."""
    stop = {os.path.realpath(home)} if home else set()
    for d in parents(cwd):
        if d == "/" or os.path.realpath(d) in stop:
            return None
        marker = project_marker(d)
        if marker is None:
            continue
        venv = classify(os.path.join(d, NEW_VENV_NAME), Source.PROJECT, uid)
        try:
            problem = owner_problem(os.stat(d), uid, d)
        except OSError:
            problem = "unreadable"
        if problem:
            detail = msg("project-foreign", root=d, problem=problem)
            venv = Candidate(venv.path, Source.PROJECT, State.FOREIGN, detail)
        return Project(d, marker, venv)
    return None
