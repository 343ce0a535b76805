"""``pipshim install-shims`` / ``uninstall-shims``: place or remove the shims (shims.py does the writing)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pipshim import paths, shims
from pipshim.errors import Exit, say


def run(args, environ: Mapping[str, str], shim_dir: str) -> int:
    bin_dir = os.path.abspath(args.bin_dir or shim_dir or paths.default_bin_dir(environ))
    if args.command == "install-shims":
        names = shims.default_names(args.pip_version, python_shims=not args.no_python)
        status = shims.install(bin_dir, args.python, names)
        if not shims.on_path(bin_dir, environ.get("PATH", "")):
            say(f'{bin_dir} is not on your PATH: add it in front, e.g. export PATH="{bin_dir}:$PATH"')
        return status
    for path in shims.uninstall(bin_dir):
        print(f"removed {path}")
    return Exit.OK
