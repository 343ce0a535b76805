"""The ``pipshim`` command: one module per subcommand, dispatched from here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping

from pipshim import __version__


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pipshim", description="pip install that works on an externally managed Python")
    p.add_argument("--version", action="version", version=f"pipshim {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    e = sub.add_parser("explain", help="show where `pip ARGS…` would go and why, without acting")
    e.add_argument("--json", action="store_true", help="machine-readable output")
    e.add_argument("pip", nargs=argparse.REMAINDER, help="-- pip ARGS…")
    v = sub.add_parser("venv", help="show or create the venv this directory's installs use")
    v.add_argument("--recreate", action="store_true", help="build it again, keeping its packages")
    i = sub.add_parser("install-shims", help="write the shims into a bin directory")
    i.add_argument("--bin-dir", default=None, help="default: ~/.local/bin")
    i.add_argument("--python", default=sys.executable, help="the interpreter pipshim runs on")
    i.add_argument("--pip-version", default=None, help="X.Y for the pipX.Y shim (default: this Python's)")
    i.add_argument("--no-python", action="store_true", help="do not place the python shims")
    u = sub.add_parser("uninstall-shims", help="remove the shims pipshim wrote")
    u.add_argument("--bin-dir", default=None, help="default: ~/.local/bin")
    s = sub.add_parser("shell-init", help="print the lines for a shell rc file")
    s.add_argument("shell", choices=("bash", "zsh", "fish", "sh"))
    s.add_argument("--no-hook", action="store_true", help="PATH only: no venv activation on cd")
    s.add_argument("--rc-line", action="store_true", help="print the line for the rc file instead")
    sub.add_parser("doctor", help="check the set-up; exit 1 on a problem")
    r = sub.add_parser("run", help="run CMD with the environment `pip install` here would use first on PATH")
    r.add_argument("cmd", nargs=argparse.REMAINDER, metavar="CMD [ARGS…]")
    w = sub.add_parser("which", help="the path CMD resolves to in that environment")
    w.add_argument("cmd", nargs=1, metavar="CMD")
    x = sub.add_parser("pipx", help="run the pipx that `pip install` of an application uses", add_help=False)
    x.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS…")
    # hidden, for the Makefile: `make install`'s summary and `make uninstall [PURGE=1]`
    si = sub.add_parser("install-summary")
    si.add_argument("--bin-dir", required=True)
    si.add_argument("--tool-dir", required=True)
    ua = sub.add_parser("uninstall-all")
    ua.add_argument("--bin-dir", required=True)
    ua.add_argument("--tool-dir", required=True)
    ua.add_argument("--purge", action="store_true")
    return p


def run_command(argv: list[str], environ: Mapping[str, str], shim_dir: str) -> int:
    # pipx's own options (--global, --version) are pipx's, not argparse's
    pipx = argv[:1] == ["pipx"]
    args = argparse.Namespace(command="pipx", args=argv[1:]) if pipx else _parser().parse_args(argv)
    if args.command == "explain":
        from pipshim.commands.explain import run
    elif args.command == "venv":
        from pipshim.commands.venv import run
    elif args.command == "doctor":
        from pipshim.commands.doctor import run
    elif args.command == "shell-init":
        from pipshim.commands.shell_init import run
    elif args.command == "run":
        from pipshim.commands.run import run
    elif args.command == "which":
        from pipshim.commands.which import run
    elif args.command == "pipx":
        from pipshim.commands.pipx import run
    elif args.command in ("install-summary", "uninstall-all"):
        from pipshim.commands.lifecycle import run
    else:
        from pipshim.commands.shims import run
    return run(args, environ, shim_dir)
