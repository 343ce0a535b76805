"""Entry point: a shim call (argv + facts -> decision -> plan -> action) or a ``pipshim`` command.

A shim that needs the resolver runs ``TOOLPY -I -c ENTRY --shim "$0" ARGS…`` (the
``pipshim`` shim always; the pip shims when neither their sh, shims/reads.sh, nor the
environment's own python, pipshim.boot, can act alone); the name in ``$0`` says which:
``pip``/``pip3``/``pip3.N`` go to the resolver, ``pipshim`` to the commands, and the
python shims send ``python [FLAGS] -m pip …`` here.
This is the one place that catches errors: pipshim's own become one ``pipshim:``
line and an exit status; anything unexpected fails closed (exit 3) with a crash log,
since passing through to pip is the unsafe choice.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping

from pipshim.errors import Exit, PipshimError, msg, say

# for annotations only: cli is on every call's path and imports these when it needs them
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pipshim.facts import Facts
    from pipshim.plan import Plan
    from pipshim.rules import Rule

# what the shims run with ``python -I -c``; tests check the templates against it
ENTRY = "import sys; from pipshim.cli import main; sys.exit(main())"


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    _paths_print_as_bytes()
    rc = _main(argv, environ)
    return _flushed(rc)


def _paths_print_as_bytes() -> None:
    """A path is bytes: print one that is not UTF-8 back as the same bytes, whatever the
    locale (a strict UTF-8 stdout, as under en_US.UTF-8, would fail on it)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.reconfigure(errors="surrogateescape")


def _flushed(rc: int) -> int:
    """Flush stdout here, where a failure is still ours to word: a reader that went away
    (``| head``) ends the output quietly; a full disk or a closed stdout is one line."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        _stdout_to_devnull()  # what Python would print at exit about it is noise
    except (OSError, ValueError) as exc:
        _stdout_to_devnull()
        say(f"cannot write the output: {getattr(exc, 'strerror', None) or exc}")
        return rc or Exit.BROKEN
    return rc


def _stdout_to_devnull() -> None:
    with contextlib.suppress(OSError, ValueError, AttributeError):
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)


def _main(argv: list[str] | None, environ: Mapping[str, str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    environ = dict(os.environ if environ is None else environ)
    shim_path = ""
    if argv[:1] == ["--shim"] and len(argv) > 1:
        shim_path = os.path.abspath(argv[1])
        argv = argv[2:]
    name = os.path.basename(shim_path) if shim_path else "pipshim"
    shim_dir = os.path.dirname(shim_path) if shim_path else environ.get("PIPSHIM_BIN_DIR", "")
    try:
        if name == "pipshim":
            from pipshim.commands import run_command

            return run_command(argv, environ, shim_dir)
        flags: tuple[str, ...] = ()
        if name.startswith("python"):  # the python shim sends only `python [FLAGS] -m pip …` here
            split = python_m_pip(argv)
            if split is None:
                raise PipshimError(f"{name} shim: expected -m pip, got {' '.join(argv[:3])}", Exit.BROKEN)
            flags, argv = split
        return resolve(name, argv, environ, shim_dir, flags)
    except PipshimError as exc:
        say(exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        return Exit.INTERRUPTED
    except Exception as exc:  # fail closed, and leave the details where they can be found
        log = _write_crash_log(environ)
        say(msg("bug", cause=f"{type(exc).__name__}: {exc}", log=log))
        return Exit.BUG


# python options that take a value (the next word, or the rest of the cluster)
_PY_VALUE_OPTS = "XWm"


def python_m_pip(argv: list[str]) -> tuple[tuple[str, ...], list[str]] | None:
    """``-I -s -m pip ARGS`` / ``-Impip ARGS`` -> (("-I", "-s"), ARGS); None if not ``-m pip``."""
    flags: list[str] = []
    i = 0
    while i < len(argv):
        word = argv[i]
        if not word.startswith("-") or word in ("-", "--") or word.startswith("--"):
            return None
        for pos in range(1, len(word)):
            ch = word[pos]
            if ch == "c":
                return None
            if ch in _PY_VALUE_OPTS:
                value = word[pos + 1 :]
                if not value:
                    i += 1
                    value = argv[i] if i < len(argv) else ""
                if ch == "m":
                    cluster = word[1:pos]
                    flags += [f"-{cluster}"] if cluster else []
                    return (tuple(flags), argv[i + 1 :]) if value == "pip" else None
                flags += [f"-{ch}", value] if word[pos + 1 :] == "" else [f"-{ch}{value}"]
                break
        else:
            flags.append(word)
        i += 1
    return None


def resolve(
    invoked_as: str, argv: list[str], environ: dict[str, str], shim_dir: str, python_flags: tuple[str, ...] = ()
) -> int:
    from pipshim import execute, shimtrust
    from pipshim.plan import describe

    _rule, p, facts = decide_plan(invoked_as, argv, environ, shim_dir, python_flags)
    if environ.get("PIPSHIM_EXPLAIN") == "1":  # says what would happen, and does nothing of it
        for warning in facts.config.warnings:
            say(warning)
        print(describe(p))
        return Exit.OK
    execute.before(facts)
    rc = execute.run(p, facts)
    if p.lock and p.create and rc == 0:  # made by this call: the python shim needs no fork for it
        shimtrust.update(environ, facts.uid, [p.lock], [])
    return rc


def decide_plan(
    invoked_as: str, argv: list[str], environ: dict[str, str], shim_dir: str, python_flags: tuple[str, ...] = ()
) -> tuple[Rule, Plan, Facts]:
    """(rule, plan, facts) for a shim call: the one decision the resolver, pipshim.boot and
    ``pipshim explain`` all act on (or show), so what explain says is what a call does."""
    from pipshim.facts import gather
    from pipshim.plan import plan
    from pipshim.rules import decide_with_rule

    facts = gather(invoked_as, argv, environ, shim_dir, full=False, python_flags=python_flags)
    rule, route = decide_with_rule(facts)
    return rule, plan(route, facts), facts


def _write_crash_log(environ: Mapping[str, str]) -> str:
    import traceback

    from pipshim import paths

    text = f"argv: {sys.argv!r}\n" + traceback.format_exc()
    base = paths.cache_dir(environ)
    if base:
        path = os.path.join(base, "last-error.log")
        try:
            paths.write_private(path, text)
            return path
        except (OSError, ValueError):
            pass
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(text)
    return "(stderr)"
