"""Directories (venvs, project roots) the shims may take as checked without forking ``ls``
(owner_ok in sh).

POSIX sh can test ownership (``[ -O ]``) but not mode bits, so the shim forks ``ls -ldnL``
for every candidate it looks at. pipshim's Python side, which stats every candidate anyway,
marks the venvs it found usable that are the user's own (owned by this user, writable by
nobody else, the user's private group aside): the mark of ``/home/ada/proj/.venv`` is the
empty file ``TRUSTED/home/ada/proj/.venv.pipshim-trusted`` in the user's private cache (a
suffix, not a file in a copy of the venv's directory: nothing there looks like a venv). The shim looks one mark
up with a single ``[ -O ]`` (no list to read: dash reads a file one byte per system call,
so a list cost more with every project), and takes a marked directory as checked only
while ``[ -O DIR ]`` still holds; everything else costs the fork. Every pip call checks
the candidates it looked at again and drops the marks of those that no longer pass, so a
venv made group- or world-writable by its owner after the fact is caught by the next pip
call that reaches pipshim's Python side (until then only its owner or root could have
written to it): any install, any read the pip shim cannot route in sh alone. A mark is a
file, never a link (a link to any file of the user's would pass ``[ -O ]``).

A mark is also a time stamp: the pip shim's one-start path skips an interpreter newer than
its venv's mark (replaced or upgraded since pipshim last looked), so marks are touched
when that happens.

The real pip's interpreter gets a mark of its own, with what pipshim found it to be in it
(``/usr/bin/python3.pipshim-python``: ``managed STDLIB`` and a line with its prefix,
``plain STDLIB`` or ``venv``), so that the pip shim routes a read (rule 2) in sh alone: it
trusts the mark while it is ours, not older than the interpreter, and the EXTERNALLY-MANAGED
file in STDLIB is still there (or still absent), the test interp.inspect makes afresh on
every call.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable, Mapping

from pipshim import paths

TYPE_CHECKING = False
if TYPE_CHECKING:  # for hints only: boot imports this module, and keeps its imports few
    from pipshim.facts import Facts
    from pipshim.interp import Interp

NAME = "trusted"  # the directory of marks, in pipshim's cache
MARK = ".pipshim-trusted"  # the suffix of a mark: a name no venv is expected to end in
PYTHON_MARK = ".pipshim-python"  # the suffix of an interpreter's mark: what it was found to be
MANAGED_FILE = "EXTERNALLY-MANAGED"  # PEP 668's marker in the stdlib directory


def root(environ: Mapping[str, str]) -> str:
    base = paths.cache_dir(environ)
    return os.path.join(base, NAME) if base else ""


def mark(top: str, path: str, suffix: str = MARK) -> str:
    """The mark of ``path`` (absolute) under ``top``; what the shim tests as ``$trust${1%/}MARK``."""
    return top + path.rstrip("/") + suffix


def ours_ok(path: str, uid: int) -> bool:
    """Owned by ``uid`` (what ``[ -O ]`` tests) and writable by nobody else, the user's own
    private group aside (umask 002): what discovery accepts of the user's own directories."""
    from pipshim.discovery import owner_problem

    try:
        st = os.stat(path)
    except OSError:
        return False
    return st.st_uid == uid and owner_problem(st, uid, path) is None


def verdict(interp: Interp) -> str:
    """What the pip shim reads in an interpreter's mark (rules.safe_interpreter, in words); a
    managed one's second line is its prefix, whose pip.conf the shim looks in for a ``quiet``
    (none when the prefix holds a newline: the shim then leaves the line to Python)."""
    if interp.in_venv:
        return "venv"
    if interp.managed:
        return f"managed {interp.stdlib}" + ("" if "\n" in interp.prefix else f"\n{interp.prefix}")
    return f"plain {interp.stdlib}"


def update(
    environ: Mapping[str, str],
    uid: int,
    usable: Iterable[str],
    looked_at: Iterable[str],
    pythons: Mapping[str, str | None] | None = None,
) -> None:
    """Mark the ``usable`` directories that pass ours_ok; unmark any of ``looked_at`` that do not.
    ``pythons``: interpreter -> its verdict (None: drop its mark). The cache is disposable:
    anything in the way is left alone and costs the shim a fork, or a Python start."""
    top = root(environ)
    if not top:
        return
    keep = {p for p in usable if _plain(p) and ours_ok(p, uid)}
    pythons = {p: v for p, v in (pythons or {}).items() if _plain(p)}
    parent = os.path.dirname(top)
    try:
        if (keep or any(pythons.values())) and not os.path.lexists(top):  # the first marks: their directory
            paths.private_dir(parent)  # refuses a planted or shared cache dir before anything is made in it
            paths.private_dir(top)
    except (OSError, ValueError):
        return
    if not (paths.is_private_dir(parent) and paths.is_private_dir(top)):
        return
    for p in set(looked_at) - keep:
        if _plain(p):
            _unmark(top, p)
    for p in sorted(keep):
        with contextlib.suppress(OSError, ValueError):
            _mark(top, p)
    for p, text in pythons.items():
        with contextlib.suppress(OSError, ValueError):
            _python_mark(top, p, text)


def _plain(path: str) -> bool:
    """Absolute with no ``.`` or ``..`` part: its mark stays under the marks' directory."""
    return path == "/" or (os.path.isabs(path) and os.path.normpath(path) == path.rstrip("/"))


def _mark(top: str, path: str) -> None:
    m = mark(top, path)
    try:
        st = os.lstat(m)
        if stat.S_ISLNK(st.st_mode):  # the shims never trust a link: put a file in its place
            os.unlink(m)
            raise FileNotFoundError(m)
        stamp = st.st_mtime
    except FileNotFoundError:
        os.makedirs(os.path.dirname(m), mode=0o700, exist_ok=True)
        os.close(os.open(m, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600))
        return
    try:  # an interpreter newer than the mark: touch it, so the one-start path applies again
        if os.stat(os.path.join(path, "bin", "python")).st_mtime > stamp:
            os.utime(m)
    except OSError:
        pass


def _python_mark(top: str, python: str, text: str | None) -> None:
    """Write (or drop, for None) the mark of interpreter ``python``; rewritten only when what it
    says changed or the interpreter is newer than it (the shim's test)."""
    m = mark(top, python, PYTHON_MARK)
    if text is None:
        _unmark(top, python, PYTHON_MARK)
        return
    try:  # O_NOFOLLOW: a link is never taken for the mark (the shims do not trust one)
        fd = os.open(m, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, encoding="utf-8", errors="surrogateescape") as fh:
            same = fh.read() == text + "\n"
            stamp = os.fstat(fh.fileno()).st_mtime
        if same and stamp >= os.stat(python).st_mtime:
            return
    except OSError:
        pass
    paths.write_private(m, text + "\n")  # its directories made private, the file replaced whole


def _unmark(top: str, path: str, suffix: str = MARK) -> None:
    m = mark(top, path, suffix)
    try:
        os.unlink(m)
    except OSError:
        return
    d = os.path.dirname(m)
    while d.startswith(top + "/"):  # drop the directories it leaves empty
        try:
            os.rmdir(d)
        except OSError:
            break
        d = os.path.dirname(d)


def remember(facts: Facts) -> None:
    """After a decision: update the marks from the candidates the facts classified, and the
    project's root (the python shim checks it on every start in a project with no venv yet)."""
    from pipshim.discovery import State, holder_problem

    cands = [c for c in (facts.active, *facts.venvs, facts.user_venv, facts.version_venv) if c is not None]
    # a venv's mark also vouches for the directory holding it (the shims then skip that check):
    # an active venv, never checked for it, is marked only where a venv found upward would be
    usable = [c.path for c in cands if c.state is State.OK and holder_problem(c.path, facts.uid) is None]
    looked_at = [c.path for c in cands]
    # the directory holding a venv found upward, checked by the shims when its venv has no mark
    holders = [os.path.dirname(c.path.rstrip("/")) or "/" for c in facts.venvs]
    usable += [h for c, h in zip(facts.venvs, holders) if c.state is State.OK]
    looked_at += holders
    if facts.project is not None:
        looked_at += [facts.project.venv.path, facts.project.root]
        usable += [facts.project.root]  # ours_ok checks it as the shim's owner_ok would
        if facts.project.venv.state is State.OK:
            usable.append(facts.project.venv.path)
    pythons = python_verdicts(facts)
    if looked_at or pythons:
        update(facts.environ, facts.uid, usable, looked_at, pythons)


def python_verdicts(facts: Facts) -> dict[str, str | None]:
    """The real pip's interpreter and its verdict, when the facts say what it is (asked as
    itself, not through --python); None when it does not run."""
    real = facts.real_pip
    if real is None or not real.python or real.prefix or facts.disabled or facts.reentered:
        return {}
    if facts.args.last("--python"):
        return {}
    if facts.interp is None:
        return {real.python: None}
    return {real.python: verdict(facts.interp)} if facts.interp.path == real.python else {}
