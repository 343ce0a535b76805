"""``pipshim which CMD``: the path CMD resolves to in the environment ``pipshim run`` uses.

That environment's ``bin`` first, then ``PATH``; exit 1 when CMD is found in neither.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping

from pipshim.commands.run import child_environ, command_words, environment, find
from pipshim.errors import say


def run(args: argparse.Namespace, environ: Mapping[str, str], shim_dir: str) -> int:
    words = command_words(args)
    venv = environment(environ, shim_dir)
    exe = find(words[0], child_environ(environ, venv).get("PATH", os.defpath))
    if exe is None:
        say(f"{words[0]}: not found in {f'{venv}/bin or PATH' if venv else 'PATH'}")
        return 1
    print(exe)
    return 0
