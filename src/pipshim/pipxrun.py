"""Carry out a pipx Plan: one ``pipx install``/``uninstall`` per package.

pipx runs from pipshim's own tool environment (a runtime dependency, never the
distro's old pipx), with ``PIPX_BIN_DIR`` = the shim's bin dir so the app's commands
land on PATH, and ``PIPX_DEFAULT_PYTHON`` = the interpreter the real pip runs on.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace

from pipshim import provision
from pipshim.errors import say
from pipshim.facts import Facts
from pipshim.plan import Create, Plan
from pipshim.routes import RouteToPipx, UseVenv

NO_APPS = "No apps associated with package"


def ensure_shared_libs(f: Facts, route: RouteToPipx, env: dict[str, str]) -> None:
    """pipx's shared pip venv, made the way pipshim makes every venv when it is missing.

    pipx seeds it with ensurepip, which a Debian without python3-venv lacks.
    """
    home = f.pipx.global_home if route.global_ else f.pipx.home
    shared = (not route.global_ and env.get("PIPX_SHARED_LIBS")) or os.path.join(home, "shared")
    if os.path.isfile(os.path.join(shared, "bin", "pip")):
        return
    spec = Create(shared, f.interp.path, "shared", system_site=False)
    provision.transaction(shared, spec, env, True, lambda created: 0)


def _run_pipx(cmd: tuple[str, ...], env: dict[str, str]) -> tuple[int, str]:
    """Run pipx with its stderr shown as it comes and kept, to recognise "no apps"."""
    proc = subprocess.Popen(list(cmd), env=env, stderr=subprocess.PIPE, text=True)
    kept = []
    for line in proc.stderr:
        sys.stderr.write(line)
        sys.stderr.flush()
        kept.append(line)
    return proc.wait(), "".join(kept)


def run(p: Plan, f: Facts) -> tuple[int, Plan | None]:
    """Returns pipx's status, and the fallback plan still to run for packages that have no commands."""
    route: RouteToPipx = p.route
    if p.line and not f.quiet:
        say(p.line)
    if route.action == "install":
        ensure_shared_libs(f, route, dict(p.env))
    no_apps = []
    for spec, cmd in zip(route.specs, p.commands):
        rc, err = _run_pipx(cmd, dict(p.env))
        if rc != 0 and NO_APPS in err and p.fallback is not None:
            no_apps.append(spec)  # a library after all: installed below, with the others that are
        elif rc != 0:
            return rc, None
    if not no_apps:
        return 0, None
    fallback = p.fallback
    if isinstance(fallback.route, UseVenv):
        done = set(route.specs) - set(no_apps)
        cmd = tuple(x for x in fallback.commands[0] if x not in done)
        fallback = replace(fallback, commands=(cmd,))
        where = "installing into the user environment instead"
    else:
        where = "and libraries are not installed for root outside a container"
    if not f.quiet:
        verb = "has" if len(no_apps) == 1 else "have"
        say(f"{', '.join(no_apps)} {verb} no commands, so not an application; {where}")
    return 0, fallback
