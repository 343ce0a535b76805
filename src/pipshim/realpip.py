"""Find the real pip behind our shim, and the interpreter it runs on.

Like rbenv's `which` for the system version: walk PATH, skip our own shim directory
(however often it appears) and any file that carries our shim ID, and take the next
executable of the same name. The interpreter is read from the script's ``#!`` line
(``#!/usr/bin/python3``, ``#!/usr/bin/env python3``, or pip's ``#!/bin/sh`` +
``'''exec'`` form for long paths); a "pip" that is not a Python script (pyenv's
bash shim) has no interpreter and is simply handed the command.
"""

from __future__ import annotations

import os

from pipshim.record import Record

SHIM_ID = "pipshim-shim"  # written into every shim we generate; how we recognise our own files


class RealPip(Record):
    """The real pip: run ``path`` with ``prefix`` then pip's arguments.

    python: its interpreter, or None if it is not a Python script. For ``python -m pip``
    (through the python shim) path is the real python and prefix ``("-m", "pip")``.
    """

    path: str
    python: str | None
    prefix: tuple


def pip_names(invoked_as: str) -> list[str]:
    """pip3.11 -> pip3.11, pip3, pip; pip -> pip, pip3; python3 -> python3."""
    names = [invoked_as]
    if invoked_as.startswith("python"):
        return names
    for fallback in ("pip3", "pip"):
        if fallback not in names:
            names.append(fallback)
    return names


def is_our_shim(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return False
    return head.startswith(b"#!") and SHIM_ID.encode() in head


def _is_exe(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def which(name: str, path_var: str, skip_dirs: tuple[str, ...] = ()) -> str | None:
    """The first ``name`` on PATH that is neither in ``skip_dirs`` nor one of our shims."""
    skip = {os.path.realpath(d) for d in skip_dirs}
    for entry in path_var.split(os.pathsep):
        # an entry spelt as a skipped directory is one (resolving costs a system call per component)
        if not entry or entry in skip_dirs or os.path.realpath(entry) in skip:
            continue
        candidate = os.path.join(entry, name)
        if _is_exe(candidate) and not is_our_shim(candidate):
            return candidate
    return None


def _long_shebang_target(second_line: str) -> str | None:
    """pip/distlib's ``'''exec' "/very/long/path/python" "$0" "$@"`` form."""
    prefix = "'''exec' "
    if not second_line.startswith(prefix):
        return None
    rest = second_line[len(prefix) :].strip()
    if rest.startswith('"'):
        end = rest.find('"', 1)
        return rest[1:end] if end > 0 else None
    return rest.split()[0] if rest else None


def script_interpreter(script: str, path_var: str, skip_dirs: tuple[str, ...] = ()) -> str | None:
    """The Python interpreter a script runs on, or None if it is not a Python script."""
    try:
        with open(script, "rb") as fh:
            head = fh.read(2048).decode("utf-8", "replace")
    except OSError:
        return None
    if not head.startswith("#!"):
        return None
    lines = head.split("\n", 2)
    words = lines[0][2:].split()
    if not words:
        return None
    prog = words[0]
    if os.path.basename(prog) == "sh" and len(lines) > 1:
        target = _long_shebang_target(lines[1])
        return target if target and _looks_like_python(target) else None
    if os.path.basename(prog) == "env":
        args = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
        if not args:
            return None
        prog = args[0] if "/" in args[0] else which(args[0], path_var, skip_dirs)
        if prog is None:
            return None
    return prog if _looks_like_python(prog) else None


def _looks_like_python(path: str) -> bool:
    name = os.path.basename(path)
    return name.startswith(("python", "pypy"))


def find(
    invoked_as: str, path_var: str, skip_dirs: tuple[str, ...], python_flags: tuple[str, ...] = ()
) -> RealPip | None:
    if invoked_as.startswith("python"):
        # `python` where the distribution ships only `python3` (Debian, Ubuntu) means that python3
        names = (invoked_as, "python3") if invoked_as == "python" else (invoked_as,)
        for name in names:
            python = which(name, path_var, skip_dirs)
            if python:
                return RealPip(python, python, (*python_flags, "-m", "pip"))
        return None
    names = pip_names(invoked_as)
    path = which(names[0], path_var, skip_dirs)
    if path:
        return RealPip(path, script_interpreter(path, path_var, skip_dirs), ())
    python = which("python" + invoked_as[3:], path_var, skip_dirs) if minor_version(invoked_as, "pip") else None
    for name in names[1:]:
        path = which(name, path_var, skip_dirs)
        if not path:
            continue
        interpreter = script_interpreter(path, path_var, skip_dirs)
        if python is None or (interpreter and _same_file(interpreter, python)):
            return RealPip(path, interpreter, ())
    if python:
        # pip3.12 with only python3.12 beside it (deadsnakes ships no pip3.12): that python's pip,
        # never pip3/pip of another Python
        return RealPip(python, python, ("-m", "pip"))
    return None


def minor_version(name: str, prefix: str) -> str | None:
    """``python3.12`` -> ``3.12`` (for ``prefix`` "python"); None for python3, python3.12-config…"""
    if not name.startswith(prefix):
        return None
    major, dot, minor = name[len(prefix) :].partition(".")
    return f"{major}.{minor}" if dot and major.isdigit() and minor.isdigit() else None


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
