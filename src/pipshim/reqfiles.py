"""Read pip requirement files (-r) and constraint files (-c) to know what is requested.

Only read, never executed: lines are joined and stripped the way pip does (``\\``
continuations, `` #`` comments), nested ``-r``/``-c`` are followed relative to the
file that names them, and URLs are not fetched. The impure part of requested.py.
"""

from __future__ import annotations

import os
import stat

MAX_FILES = 50
MAX_BYTES = 1 << 20
NESTED = {"-r": "r", "--requirement": "r", "-c": "c", "--constraint": "c"}


def logical_lines(text: str) -> list[str]:
    lines, pending = [], ""
    for raw in text.splitlines():
        line = pending + raw
        if line.endswith("\\"):
            pending = line[:-1]
            continue
        pending = ""
        if line.lstrip().startswith("#"):
            continue
        line = line.split(" #", 1)[0].split("\t#", 1)[0].strip()
        if line:
            lines.append(line)
    if pending.strip():
        lines.append(pending.strip())
    return lines


def nested(line: str) -> tuple[str, str] | None:
    """('r'|'c', path) for a line that includes another file, else None."""
    for flag, kind in NESTED.items():
        if line.startswith(flag + "="):
            return kind, line[len(flag) + 1 :].strip()
        if line.startswith(flag + " ") or (flag in ("-r", "-c") and line.startswith(flag) and len(line) > 2):
            return kind, line[len(flag) :].strip()
    return None


def read_all(requirement: list[str], constraint: list[str], cwd: str) -> dict[str, tuple[str, ...] | None]:
    """``{path: logical lines}`` of every file reachable from -r/-c (None: unreadable or a URL)."""
    found: dict[str, tuple[str, ...] | None] = {}
    todo = [os.path.join(cwd, p) for p in [*requirement, *constraint]]
    while todo and len(found) < MAX_FILES:
        path = todo.pop(0)
        if path in found:
            continue
        if "://" in path:
            found[path] = None
            continue
        try:
            # only regular files: stdin, a FIFO or /dev/fd/N read here would be gone for pip
            if not stat.S_ISREG(os.stat(path).st_mode):
                found[path] = None
                continue
            with open(path, encoding="utf-8", errors="replace") as fh:
                text = fh.read(MAX_BYTES)
        except (OSError, ValueError):
            found[path] = None
            continue
        found[path] = tuple(logical_lines(text))
        for line in found[path]:
            inc = nested(line)
            if inc:
                todo.append(os.path.join(os.path.dirname(path), inc[1]))
    return found
