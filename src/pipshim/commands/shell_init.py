"""``pipshim shell-init SHELL``: the lines for a shell rc file, like ``pyenv init -``.

They put the shim directory in front of PATH (once: evaluating them again changes
nothing) and make the shell forget the command paths it has cached.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping

from pipshim import paths
from pipshim.errors import Exit

SHELLS = ("bash", "zsh", "sh", "fish")


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def lines(shell: str, bin_dir: str) -> str:
    if shell == "fish":
        q = _fish_quote(bin_dir)
        return f'# pipshim: its shims in front of PATH\nif test "$PATH[1]" != {q}\n    set -gx PATH {q} $PATH\nend\n'
    q = shlex.quote(bin_dir)
    text = (
        "# pipshim: its shims in front of PATH, then forget cached command paths\n"
        f'case ":${{PATH}}:" in\n    :{q}:*) ;;\n    *) PATH={q}"${{PATH:+:$PATH}}"; export PATH ;;\nesac\n'
        "hash -r 2>/dev/null || true\n"
    )
    if shell == "zsh":
        text += "rehash\n"
    return text


def run(args, environ: Mapping[str, str], shim_dir: str) -> int:
    sys.stdout.write(lines(args.shell, os.path.abspath(shim_dir or paths.default_bin_dir(environ))))
    return Exit.OK
