"""Helpers for the adversarial tests (fault injection, bad inputs, mixed concurrency, security).

- ``kill_at``: run a command in its own session and deliver a signal when a point is reached
  (a file appears, a pip child runs, a delay has passed), then wait until nothing of it runs;
- ``leftovers``: what an interrupted or finished call must never leave behind;
- ``snapshot``/``tree_diff``: what a call created or deleted;
- ``Tally``: counts (tried / held) that every test adds to; each test says its own in its
  assertion message and as a ``ChaosFigure`` warning, which pytest (and xdist) print in the
  warnings summary, so the figures can be quoted from any run;
- ``system_python_hashes``: a session fixture that hashes every file of the system Python's
  stdlib and site dirs before and after, and requires them byte-identical.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import signal
import subprocess
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from sut import SUT

TRACEBACK = "Traceback (most recent call last)"
# pipshim's own modules (a checkout's src/ or an installed site-packages); not pip inside the
# user env, whose path (~/.local/share/pipshim/venv/...) also holds "/pipshim/".
PIPSHIM_FRAME = re.compile(r'File "[^"]*/(?:src|site-packages)/pipshim/[^"]*\.py"')
PIP_FRAME = re.compile(r'File "[^"]*/site-packages/pip/[^"]*\.py"')
# CPython's own report of a ^C that lands while it starts (importing site), before any code of
# the program it runs: a child pip's start then prints it, and no program could catch it
STARTUP_INTERRUPT = re.compile(r"Fatal Python error: init_import_site\b.*?^KeyboardInterrupt$", re.S | re.M)


def pipshim_traceback(text: str) -> bool:
    """A traceback of pipshim's (pip's own, e.g. on ^C or a full stdout, is pip's to print)."""
    text = STARTUP_INTERRUPT.sub("", text)
    return TRACEBACK in text and (bool(PIPSHIM_FRAME.search(text)) or not PIP_FRAME.search(text))


LEFTOVER_GLOBS = ("*.pipshim-removing-*", "*.pipshim-old-*")


def clean(text: str) -> str:
    """Text safe to report across xdist (lone surrogates from non-UTF-8 names as escapes)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class ChaosFigure(UserWarning):
    """A figure for the closing note (shown in pytest's warnings summary)."""


def figure(text: str) -> None:
    warnings.warn(ChaosFigure(text), stacklevel=2)


# ---- processes -------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    out = []
    for path in glob.glob(f"/proc/{pid}/task/*/children"):
        try:
            with open(path) as fh:
                out += [int(k) for k in fh.read().split()]
        except OSError:
            continue
    return out


def descendants_cmdlines(pid: int) -> list[bytes]:
    seen, todo, lines = set(), [pid], []
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/cmdline", "rb") as fh:
                lines.append(fh.read())
        except OSError:
            pass
        todo += children(p)
    return lines


def running(pattern: bytes) -> Callable[[int], bool]:
    """A point: some process of the run (the run itself included) has ``pattern`` in its argv."""
    return lambda pid: any(pattern in c for c in descendants_cmdlines(pid))


def exists(path: Path) -> Callable[[int], bool]:
    return lambda pid: os.path.lexists(path)


def after(seconds: float) -> Callable[[int], bool]:
    start = [0.0]

    def reached(pid: int) -> bool:
        if not start[0]:
            start[0] = time.monotonic()
        return time.monotonic() - start[0] >= seconds

    return reached


def session_alive(sid: int) -> bool:
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            return True
    return False


def kill_at(cmd, env, cwd, reached: Callable[[int], bool], sig: int, group: bool, log: Path) -> tuple[bool, int]:
    """Run ``cmd`` in a new session; send ``sig`` (to the group, or to the leader alone) once
    ``reached(pid)``; wait until every process of the session is gone. -> (signal sent, rc)."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(c) for c in cmd],
            env=env,
            cwd=str(cwd),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        sent = False
        deadline = time.monotonic() + 180
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                if reached(proc.pid):
                    try:
                        os.killpg(proc.pid, sig) if group else os.kill(proc.pid, sig)
                        sent = True
                    except ProcessLookupError:
                        pass
                    break
                time.sleep(0.002)
            rc = proc.wait(timeout=180)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    # a SIGTERM to the leader alone, or a ^C, lets the rest finish or roll back: wait for it
    deadline = time.monotonic() + 120
    while session_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not session_alive(proc.pid), f"{cmd} still has processes running 120 s after {sig!r}"
    return sent, rc


# ---- the file system ---------------------------------------------------------------------


def leftovers(*roots: Path) -> list[str]:
    """``*.pipshim-removing-*`` and ``*.pipshim-old-*`` under roots (symlinks not followed)."""
    import fnmatch

    found = []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            for name in dirnames + filenames:
                if any(fnmatch.fnmatch(name, p) for p in LEFTOVER_GLOBS):
                    found.append(os.path.join(dirpath, name))
    return sorted(set(found))


def snapshot(root: Path, skip: tuple[Path, ...] = ()) -> dict[str, tuple]:
    """Every path under root (not following symlinks), with its type, mode and size or target."""
    out: dict[str, tuple] = {}
    skip_s = tuple(str(s) for s in skip)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        if dirpath.startswith(skip_s) and dirpath not in skip_s:
            dirnames[:] = []
            continue
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            if p.startswith(skip_s):
                continue
            try:
                st = os.lstat(p)
            except OSError:
                continue
            if os.path.islink(p):
                out[p] = ("link", os.readlink(p))
            elif os.path.isdir(p):
                out[p] = ("dir", st.st_mode)
            else:
                out[p] = ("file", st.st_mode, st.st_size)
    return out


def tree_diff(before: dict, after: dict) -> tuple[list[str], list[str], list[str]]:
    """(created, deleted, changed) paths."""
    created = sorted(set(after) - set(before))
    deleted = sorted(set(before) - set(after))
    changed = sorted(p for p in set(before) & set(after) if before[p] != after[p] and before[p][0] != "dir")
    return created, deleted, changed


def under(path: str, *roots) -> bool:
    return any(path == str(r) or path.startswith(str(r) + os.sep) for r in roots if r)


# ---- the system Python ----------------------------------------------------------------------


def system_python_files() -> list[str]:
    roots = dict.fromkeys((SUT.stdlib, SUT.purelib, *SUT.site_dirs, SUT.dist_packages))
    files = []
    for root in roots:
        if not os.path.isdir(root):
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                files.append(os.path.join(dirpath, name))
    return files


def hash_system_python() -> dict[str, str]:
    out = {}
    for path in system_python_files():
        try:
            if os.path.islink(path):
                out[path] = "link:" + os.readlink(path)
                continue
            h = hashlib.blake2b(digest_size=16)
            with open(path, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
            out[path] = h.hexdigest()
        except OSError as exc:
            out[path] = f"error:{exc.errno}"
    return out


_HASHED: dict = {"before": None, "users": 0}  # one hash before, one after, however many modules use it


@pytest.fixture(scope="session")
def system_python_hashes():
    """Every file of the system Python's stdlib and site dirs, byte-identical after the session."""
    if _HASHED["before"] is None:
        _HASHED["before"] = hash_system_python()
    before = _HASHED["before"]
    assert before, "no system Python files found to hash"
    _HASHED["users"] += 1
    yield before
    _HASHED["users"] -= 1
    if _HASHED["users"]:
        return  # another module's instance of this fixture compares last
    after = hash_system_python()
    changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
    assert not changed, f"the system Python changed: {changed[:20]}"
    figure(f"system Python: {len(before)} files hashed before and after, all byte-identical")


# ---- counting ---------------------------------------------------------------------------------


class Tally:
    """tried / held, with the failures kept for the message."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.tried = 0
        self.failures: list[str] = []

    def add(self, name: str, problems: list[str]) -> None:
        self.tried += 1
        if problems:
            self.failures.append(clean(f"{name}: " + "; ".join(problems)))

    @property
    def held(self) -> int:
        return self.tried - len(self.failures)

    def line(self) -> str:
        return f"{self.what}: {self.tried} tried, {self.held} held, {len(self.failures)} failed"

    def check(self) -> None:
        figure(self.line())
        assert not self.failures, self.line() + "\n" + "\n".join(self.failures)
