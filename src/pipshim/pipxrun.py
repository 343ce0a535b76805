"""Carry out a RouteToPipx: one ``pipx install``/``uninstall`` per package.

pipx runs from pipshim's own tool environment (a runtime dependency, never the
distro's old pipx), with ``PIPX_BIN_DIR`` = the shim's bin dir so the app's commands
land on PATH, and ``PIPX_DEFAULT_PYTHON`` = the interpreter the real pip runs on.
"""

from __future__ import annotations

import os
import subprocess
import sys

from pipshim.facts import Facts
from pipshim.messages import say
from pipshim.routes import RouteToPipx, UseVenv, pipx_args, pipx_line

NO_APPS = "No apps associated with package"


def pipx_env(f: Facts, route: RouteToPipx) -> dict[str, str]:
    from pipshim.execute import child_env

    env = child_env(f.environ)
    env.setdefault("PIPX_DEFAULT_PYTHON", f.interp.path)
    if f.shim_dir and not route.global_:
        env["PIPX_BIN_DIR"] = f.shim_dir
    for var in ("PIP_USER", "PIP_TARGET", "PIP_PREFIX", "PIP_REQUIRE_VIRTUALENV"):
        env.pop(var, None)  # they would make pipx's own pip calls fail
    return env


def ensure_shared_libs(f: Facts, route: RouteToPipx, env: dict[str, str]) -> None:
    """pipx's shared pip venv, made with virtualenv when missing.

    pipx seeds it with ensurepip, which a Debian without python3-venv lacks;
    virtualenv's bundled pip works everywhere, and pipx accepts the result.
    """
    home = f.pipx.global_home if route.global_ else f.pipx.home
    shared = (not route.global_ and env.get("PIPX_SHARED_LIBS")) or os.path.join(home, "shared")
    if os.path.isfile(os.path.join(shared, "bin", "pip")):
        return
    from virtualenv import cli_run

    cli_run([shared, "--python", f.interp.path, "--no-setuptools", "--quiet"], setup_logging=False, env=env)


def _run_pipx(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run pipx with its stderr shown as it comes and kept, to recognise "no apps"."""
    proc = subprocess.Popen([sys.executable, "-m", "pipx", *args], env=env, stderr=subprocess.PIPE, text=True)
    kept = []
    for line in proc.stderr:
        sys.stderr.write(line)
        sys.stderr.flush()
        kept.append(line)
    return proc.wait(), "".join(kept)


def run(route: RouteToPipx, f: Facts, quiet: bool) -> int:
    env = pipx_env(f, route)
    if not quiet:
        say(pipx_line(route))
    if route.action == "install":
        ensure_shared_libs(f, route, env)
    no_apps = []
    for spec in route.specs:
        rc, err = _run_pipx(pipx_args(route, spec), env)
        if rc != 0 and NO_APPS in err and route.fallback is not None:
            no_apps.append(spec)  # a library after all: installed below, with the others that are
        elif rc != 0:
            return rc
    if not no_apps:
        return 0
    fallback = route.fallback
    if isinstance(fallback, UseVenv):
        done = set(route.specs) - set(no_apps)
        fallback = fallback._replace(argv=tuple(x for x in fallback.argv if x not in done))
        where = "installing into the user environment instead"
    else:
        where = "and libraries are not installed for root outside a container"
    if not quiet:
        verb = "has" if len(no_apps) == 1 else "have"
        say(f"{', '.join(no_apps)} {verb} no commands, so not an application; {where}")
    from pipshim.execute import run as run_route

    return run_route(fallback, f)
