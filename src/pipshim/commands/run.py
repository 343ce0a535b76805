"""``pipshim run CMD [ARGS…]``: run CMD in the environment a ``pip install`` here would use.

Not a second policy: the facts of ``pip install`` here go through ``rules.decide()``,
and the environment of its ``UseVenv`` answer goes first on ``PATH`` with
``VIRTUAL_ENV`` set (``uv run``, ``poetry run``), for scripts, cron and systemd. Reads
never create: when that environment does not exist yet, one ``pipshim:`` line says so
and CMD runs with the environment as it is. A broken environment is the install's refusal
(exit 2 with its fix); a pass-through, or an install that would be refused for want of
any place (root on a host outside projects), runs CMD as is.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Mapping

from pipshim.errors import Exit, PipshimError, msg, say

NOT_FOUND = 127
NOT_EXECUTABLE = 126


def environment(environ: Mapping[str, str], shim_dir: str) -> str | None:
    """The venv a ``pip install`` here would use, if it exists; None: run with PATH as it is."""
    from pipshim.facts import gather
    from pipshim.routes import Refuse, RouteToPipx, UseVenv
    from pipshim.rules import decide

    facts = gather("pip", ["install"], environ, shim_dir)
    route = decide(facts)
    if isinstance(route, RouteToPipx):  # not for a bare `pip install`, but its fallback says where
        route = route.fallback
    if isinstance(route, Refuse):
        if route.exit_code == Exit.BROKEN:  # a broken or unusable environment here: its fix
            raise PipshimError(route.message, route.exit_code)
        return None  # nowhere an install would go (root on a host, no real pip): CMD runs as is
    if not isinstance(route, UseVenv):
        return None
    if route.create:
        if not facts.quiet:
            say(f"{route.env.path} does not exist yet (`pip install` here makes it); running with PATH as it is")
        return None
    return route.env.path


def child_environ(environ: Mapping[str, str], venv: str | None) -> dict[str, str]:
    """``venv/bin`` first on PATH (once), ``VIRTUAL_ENV=venv``, no ``PYTHONHOME``; unchanged without a venv."""
    env = dict(environ)
    if venv is None:
        return env
    bin_dir = os.path.join(venv, "bin")
    if os.pathsep in bin_dir:  # PATH would split it into directories that may be anyone's
        raise PipshimError(msg("colon-path", path=venv), Exit.BROKEN)
    rest = [p for p in env.get("PATH", os.defpath).split(os.pathsep) if p and os.path.normpath(p) != bin_dir]
    env["PATH"] = os.pathsep.join([bin_dir, *rest])
    env["VIRTUAL_ENV"] = venv
    env.pop("PYTHONHOME", None)
    return env


def find(cmd: str, path_var: str) -> str | None:
    """What CMD resolves to, as the shell would find it: a path as given, else the first on PATH."""
    if "/" in cmd:
        return cmd if os.path.isfile(cmd) and os.access(cmd, os.X_OK) else None
    for d in path_var.split(os.pathsep):
        candidate = os.path.join(d or ".", cmd)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def command_words(args: argparse.Namespace) -> list[str]:
    words = list(args.cmd)
    if words[:1] == ["--"]:
        words = words[1:]
    if not words:
        raise PipshimError(f"usage: pipshim {args.command} CMD [ARGS…]", Exit.BROKEN)
    return words


def run(args: argparse.Namespace, environ: Mapping[str, str], shim_dir: str) -> int:
    words = command_words(args)
    venv = environment(environ, shim_dir)
    env = child_environ(environ, venv)
    exe = find(words[0], env.get("PATH", os.defpath))
    if exe is None:
        where = f"{venv}/bin or PATH" if venv else "PATH"
        say(f"{words[0]}: command not found in {where}")
        return NOT_FOUND
    import sys

    for stream in (sys.stdout, sys.stderr):  # what was said goes before CMD's own output
        with contextlib.suppress(AttributeError, OSError, ValueError):  # None: a closed stream
            stream.flush()
    try:
        os.execve(exe, words, env)
    except OSError as exc:
        say(f"{words[0]}: {exc.strerror}")
        return NOT_FOUND if isinstance(exc, FileNotFoundError) else NOT_EXECUTABLE
    return NOT_FOUND  # not reached: execve replaced this process
