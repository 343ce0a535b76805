"""Directories the python shim may take as checked without forking ``ls`` (owner_ok in sh).

POSIX sh can test ownership (``[ -O ]``) but not mode bits, so the shim forks ``ls -ldnL``
for every candidate it looks at. pipshim's Python side, which stats every candidate anyway,
writes the venvs it found usable and that pass the strictest check (owned by this user,
writable by nobody else) to a private one-path-a-line file; the shim takes a listed
directory as checked only while ``[ -O DIR ]`` still holds, and forks ``ls`` for everything
else. Every pip call checks the listed directories again and drops those that no longer
pass, so a venv made group- or world-writable by its owner after the fact is caught by
the next pip call (until then only its owner or root could have written to it).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Mapping

from pipshim import paths

NAME = "trusted-dirs"


def file(environ: Mapping[str, str]) -> str:
    base = paths.cache_dir(environ)
    return os.path.join(base, NAME) if base else ""


def strict_ok(path: str, uid: int) -> bool:
    """Owned by ``uid`` and writable by nobody else (a subset of what discovery accepts)."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    return st.st_uid == uid and not st.st_mode & 0o022


def update(environ: Mapping[str, str], uid: int, usable: Iterable[str], looked_at: Iterable[str]) -> None:
    """List the ``usable`` directories that pass strict_ok; drop any of ``looked_at`` that do not."""
    path = file(environ)
    if not path:
        return
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as fh:
            before = [ln.rstrip("\n") for ln in fh if ln.strip()]
    except OSError:
        before = []
    keep = {p for p in usable if strict_ok(p, uid)}
    drop = set(looked_at) - keep
    after = [p for p in before if p not in drop and "\n" not in p]
    after += sorted(p for p in keep if p not in after and "\n" not in p)
    if after != before or _changed_since(path, keep):
        with contextlib.suppress(OSError, ValueError):
            paths.write_private(path, "".join(f"{p}\n" for p in after[-200:]))


def _changed_since(path: str, dirs: Iterable[str]) -> bool:
    """A listed venv's interpreter is newer than the list: rewrite it, so the pip shim's
    one-start path (which skips interpreters newer than the list) applies again."""
    try:
        stamp = os.stat(path).st_mtime
    except OSError:
        return True
    for d in dirs:
        try:
            if os.stat(os.path.join(d, "bin", "python")).st_mtime > stamp:
                return True
        except OSError:
            continue
    return False


def remember(facts) -> None:
    """After a decision: update the list from the candidates the facts classified."""
    from pipshim.discovery import State

    cands = [c for c in (facts.active, *facts.venvs, facts.user_venv) if c is not None]
    if facts.project is not None:
        cands.append(facts.project.venv)
    if not cands:
        return
    update(facts.environ, facts.uid, [c.path for c in cands if c.state is State.OK], [c.path for c in cands])
