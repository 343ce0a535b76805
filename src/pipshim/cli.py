"""Entry point: a shim call (argv + facts -> decision -> action) or a ``pipshim`` command.

Every shim runs ``python -I -c ENTRY --shim "$0" ARGS…`` (ENTRY calls main(); ``-c``
starts ~5 ms sooner than ``-m``, which loads runpy); the name in ``$0`` says which:
``pip``/``pip3``/``pip3.N`` go to the resolver, ``pipshim`` to the commands, and the
python shims send ``python -m pip …`` here.
This is the one place that catches errors: pipshim's own become one ``pipshim:``
line and an exit status; anything unexpected fails closed (exit 3), since passing
through to pip is the unsafe choice.
"""

from __future__ import annotations

import os
import sys

from pipshim.messages import PipshimError, say

# what the shims run with ``python -I -c``; tests check the templates against it
ENTRY = "import sys; from pipshim.cli import main; sys.exit(main())"


def main(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> int:
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
        if name.startswith("python"):
            # the python shim sends only `python -m pip …` here
            if argv[:2] != ["-m", "pip"]:
                raise PipshimError(f"{name} shim: expected -m pip, got {argv[:2]}", 2)
            argv = argv[2:]
        return resolve(name, argv, environ, shim_dir)
    except PipshimError as exc:
        say(exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # fail closed, and leave the details where they can be found
        log = _write_crash_log(environ)
        say(f"unexpected error ({type(exc).__name__}: {exc}); details in {log}; PIPSHIM_DISABLE=1 bypasses pipshim")
        return 3


def resolve(invoked_as: str, argv: list[str], environ: dict[str, str], shim_dir: str) -> int:
    from pipshim import execute
    from pipshim.facts import gather
    from pipshim.policy import decide
    from pipshim.routes import describe

    facts = gather(invoked_as, argv, environ, shim_dir, full=False)
    route = decide(facts)
    if environ.get("PIPSHIM_EXPLAIN") == "1":
        print(describe(route, facts.args.command))
        return 0
    return execute.run(route, facts)


def _write_crash_log(environ: dict[str, str]) -> str:
    import traceback

    base = environ.get("XDG_CACHE_HOME") or os.path.join(environ.get("HOME") or "/tmp", ".cache")
    path = os.path.join(base, "pipshim", "last-error.log")
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(f"argv: {sys.argv!r}\n")
            traceback.print_exc(file=fh)
    except OSError:
        traceback.print_exc()
        return "(stderr)"
    return path
