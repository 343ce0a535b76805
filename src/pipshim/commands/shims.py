"""``pipshim install-shims`` / ``uninstall-shims``: place or remove the shims (shims.py does the writing)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping

from pipshim import paths, shims
from pipshim.errors import Exit, PipshimError, say


def run(args: argparse.Namespace, environ: Mapping[str, str], shim_dir: str) -> int:
    bin_dir = os.path.abspath(args.bin_dir or shim_dir or paths.default_bin_dir(environ))
    if args.command == "install-shims":
        python_shims = not args.no_python
        names = shims.default_names(args.pip_version, python_shims=python_shims)
        default_version = names[2][len("pip") :]
        # like `rbenv rehash`: every externally managed python3.N on PATH gets pip3.N/python3.N,
        # and those of interpreters no longer there are removed
        found = shims.side_by_side(environ, (bin_dir,))
        extra = {v: p for v, p in found.items() if v != default_version}
        names += shims.side_by_side_names(extra, python_shims)
        stale = shims.stale_side_by_side(bin_dir, {default_version, *extra})
        new = [n for n in names if not os.path.lexists(os.path.join(bin_dir, n))]
        try:
            status = shims.install(bin_dir, args.python, names)
        except OSError as exc:
            raise PipshimError(
                f"cannot write the shims in {bin_dir}: {exc.strerror or exc}; choose another"
                " --bin-dir (BIN_DIR=... for make install)"
            ) from None
        for version, python in sorted(extra.items()):
            added = [n for n in shims.side_by_side_names([version], python_shims) if n in new]
            if added:
                say(f"added {', '.join(added)} for {python} (externally managed)")
        removed = [os.path.basename(p) for p in shims.uninstall(bin_dir, stale)]
        if removed:
            say(f"removed {', '.join(removed)}: no externally managed interpreter of that version on PATH")
        if not shims.on_path(bin_dir, environ.get("PATH", "")):
            say(f'{bin_dir} is not on your PATH: add it in front, e.g. export PATH="{bin_dir}:$PATH"')
        return status
    for path in shims.uninstall(bin_dir):
        print(f"removed {path}")
    return Exit.OK
