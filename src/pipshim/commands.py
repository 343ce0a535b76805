"""The ``pipshim`` command: explain, venv, install-shims, uninstall-shims."""

from __future__ import annotations

import argparse
import json
import os
import sys

from pipshim import __version__
from pipshim.messages import PipshimError, say


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pipshim", description="pip install that works on an externally managed Python")
    p.add_argument("--version", action="version", version=f"pipshim {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    e = sub.add_parser("explain", help="show where `pip ARGS…` would go and why, without acting")
    e.add_argument("--json", action="store_true", help="machine-readable output")
    e.add_argument("pip", nargs=argparse.REMAINDER, help="-- pip ARGS…")
    v = sub.add_parser("venv", help="show or create the venv this directory would use")
    v.add_argument("--recreate", action="store_true", help="remove it and create it again")
    i = sub.add_parser("install-shims", help="write the pip shims into a bin directory")
    i.add_argument("--bin-dir", default=None, help="default: ~/.local/bin")
    i.add_argument("--python", default=sys.executable, help="the interpreter pipshim runs on")
    i.add_argument("--pip-version", default=None, help="X.Y for the pipX.Y shim (default: this Python's)")
    i.add_argument("--no-python", action="store_true", help="do not place the python shims")
    u = sub.add_parser("uninstall-shims", help="remove the shims pipshim wrote")
    u.add_argument("--bin-dir", default=None, help="default: ~/.local/bin")
    s = sub.add_parser("shell-init", help="print the lines for a shell rc file")
    s.add_argument("shell", choices=("bash", "zsh", "fish", "sh"))
    sub.add_parser("doctor", help="check the set-up; exit 1 on a problem")
    return p


def default_bin_dir(environ: dict[str, str]) -> str:
    return os.path.join(environ.get("HOME") or os.path.expanduser("~"), ".local", "bin")


def run_command(argv: list[str], environ: dict[str, str], shim_dir: str) -> int:
    args = _parser().parse_args(argv)
    if args.command == "explain":
        return explain(args.pip, args.json, environ, shim_dir)
    if args.command == "venv":
        return venv(args.recreate, environ, shim_dir)
    if args.command == "doctor":
        from pipshim.doctor import run as run_doctor

        return run_doctor(environ, shim_dir or default_bin_dir(environ))
    if args.command == "shell-init":
        from pipshim.shellinit import lines

        sys.stdout.write(lines(args.shell, os.path.abspath(shim_dir or default_bin_dir(environ))))
        return 0
    from pipshim import shims

    bin_dir = os.path.abspath(args.bin_dir or shim_dir or default_bin_dir(environ))
    if args.command == "install-shims":
        names = shims.default_names(args.pip_version, python_shims=not args.no_python)
        status = shims.install(bin_dir, args.python, names)
        if not shims.on_path(bin_dir, environ.get("PATH", "")):
            say(f'{bin_dir} is not on your PATH: add it in front, e.g. export PATH="{bin_dir}:$PATH"')
        return status
    for path in shims.uninstall(bin_dir):
        print(f"removed {path}")
    return 0


def _split_pip(words: list[str]) -> tuple[str, list[str]]:
    if words[:1] == ["--"]:
        words = words[1:]
    if not words:
        raise PipshimError("usage: pipshim explain [--json] -- pip ARGS…", 2)
    return os.path.basename(words[0]), words[1:]


def explain(words: list[str], as_json: bool, environ: dict[str, str], shim_dir: str) -> int:
    from pipshim.facts import gather
    from pipshim.policy import decide
    from pipshim.routes import as_dict, describe

    name, pip_args = _split_pip(words)
    facts = gather(name, pip_args, environ, shim_dir)
    route = decide(facts)
    if as_json:
        print(json.dumps(as_dict(route), indent=2))
    else:
        print(describe(route, facts.args.command))
    return 0


def venv(recreate: bool, environ: dict[str, str], shim_dir: str) -> int:
    """Show (and create if missing, or recreate) the venv `pip install` would use here."""
    from pipshim import execute, venvs
    from pipshim.facts import gather
    from pipshim.policy import venv_target
    from pipshim.routes import Refuse

    facts = gather("pip", ["install"], environ, shim_dir)
    if facts.interp is None:
        raise PipshimError("no real pip with a working Python found on PATH to create a venv from", 127)
    target, _ = venv_target(facts)
    if isinstance(target, Refuse):  # a .venv that is not a venv: only --recreate replaces it
        if not recreate:
            raise PipshimError(target.message, target.exit_code)
        target = facts.project
    user = target is None  # no project here: the user environment (rule 9)
    if user:
        if facts.is_root and not facts.in_container:
            raise PipshimError("no project here, and root outside a container has no user environment", 1)
        target = facts.user_venv
    if target.state == "broken" and not recreate:
        raise PipshimError(f"{target.path} is broken: {target.detail}; run `pipshim venv --recreate`", 2)
    path, base = target.path, facts.interp.path
    prompt = "pipshim" if user else os.path.basename(os.path.dirname(path))
    with venvs.EnvLock(path, environ, facts.quiet):
        if recreate and venvs.state(path) != "missing":
            venvs.remove(path)
        created = execute.ensure(path, base, prompt, environ, system_site=user)
        if created:
            venvs.finish(path)
            if not facts.quiet:
                say(f"{'recreated' if recreate else 'created'} {path} from {base}")
    print(path)
    return 0
