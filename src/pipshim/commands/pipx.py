"""``pipshim pipx ARGS…``: the pipx that ``pip install`` of an application runs.

pipx lives in pipshim's tool environment, not on ``PATH``; this runs it with the settings
the pipx route gives it (``PIPX_BIN_DIR`` = the shim's bin dir, the real pip's Python as
pipx's default, the pip backend), so ``pipshim pipx list`` shows the apps ``pip install``
put there, their commands where pipshim linked them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping

from pipshim.facts import GUARD, gather
from pipshim.plan import pipx_env


def run(args: argparse.Namespace, environ: Mapping[str, str], shim_dir: str) -> int:
    f = gather("pip", ["install"], environ, shim_dir)
    env = pipx_env(f, global_=False) if f.interp is not None else dict(environ, PIPX_BIN_DIR=shim_dir)
    env.pop(GUARD, None)  # what pipx runs (`pipx run`, an app's own pip) is the user's own call again
    cmd = [sys.executable, "-I", "-m", "pipx", *args.args]  # -I: no module from the cwd
    os.execve(cmd[0], cmd, env)
    return 0  # not reached
