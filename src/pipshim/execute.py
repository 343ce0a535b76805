"""Carry out a route. The only code that runs pip, creates venvs or takes locks.

Whenever nothing has to happen afterwards we ``exec`` pip, so its exit code and
signals are its own. We wait for pip only while holding an environment's lock, or
to clean up a venv this call created, or to add a hint after pip's own error.
"""

from __future__ import annotations

import os

from pipshim.facts import GUARD, Facts
from pipshim.messages import PipshimError, say
from pipshim.routes import PassThrough, Refuse, RouteToPipx, UseVenv, venv_line


def child_env(environ: dict[str, str], **extra: str) -> dict[str, str]:
    env = dict(environ, **extra)
    env[GUARD] = "1"  # a pip shim reached again from below passes straight through
    return env


def quiet(f: Facts) -> bool:
    return f.quiet or f.args.count("--quiet") > 0


def _exec(cmd: list[str], env: dict[str, str]) -> int:
    os.execve(cmd[0], cmd, env)
    return 0  # not reached


def wait_for(cmd: list[str], env: dict[str, str]) -> int:
    """Run pip and wait; its exit code (or 128+N if signal N killed it) becomes ours.

    ^C from the terminal reaches pip too, so we only note it and let pip decide;
    SIGTERM and SIGHUP sent to us alone are passed on to pip. The handlers are set
    before pip starts (exec gives pip the default ones back), so no ^C can slip
    between starting pip and waiting for it. posix_spawn, not subprocess: importing
    subprocess alone costs ~8 ms.
    """
    import signal

    child: list[int] = []

    def forward(signum, _frame):
        if child:
            os.kill(child[0], signum)

    old = {
        signal.SIGINT: signal.signal(signal.SIGINT, lambda *_: None),
        signal.SIGTERM: signal.signal(signal.SIGTERM, forward),
        signal.SIGHUP: signal.signal(signal.SIGHUP, forward),
    }
    try:
        child.append(os.posix_spawn(cmd[0], cmd, env))
        _, status = os.waitpid(child[0], 0)  # retried after our handlers run (PEP 475)
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def venv_env(route: UseVenv, f: Facts) -> dict[str, str]:
    # --user, PIP_USER or pip.conf's user=true sent this to the user environment, a venv:
    # its pip must not try a user-site install there
    return child_env(f.environ, PIP_USER="0") if route.user_env else child_env(f.environ)


def _venv_pip(venv: str, invoked_as: str) -> str | None:
    """The venv's own pip script by the name we were called as, else ``pip``."""
    for name in (invoked_as if invoked_as.startswith("pip") else "pip", "pip"):
        path = os.path.join(venv, "bin", name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def venv_command(venv: str, f: Facts, argv: tuple[str, ...]) -> list[str]:
    python = os.path.join(venv, "bin", "python")
    exe = _venv_pip(venv, f.invoked_as)
    if exe and f.real_pip.prefix:  # python -m pip: the venv's python -m pip, same prog name in pip's texts
        return [python, *f.real_pip.prefix, *argv]
    if exe:
        return [exe, *argv]
    # a venv made --without-pip: the real pip can still install into it
    return [f.real_pip.path, *f.real_pip.prefix, "--python", python, *argv]


def run(route, f: Facts) -> int:
    if isinstance(route, Refuse):
        say(route.message)
        return route.exit_code
    if isinstance(route, PassThrough):
        cmd = [route.exe, *route.argv]
        if not route.hint:
            return _exec(cmd, child_env(f.environ))
        rc = wait_for(cmd, child_env(f.environ))
        if rc != 0:
            say(route.hint)
        return rc
    if isinstance(route, UseVenv):
        return _run_in_venv(route, f)
    if isinstance(route, RouteToPipx):
        from pipshim import pipxrun

        return pipxrun.run(route, f, quiet(f))
    raise TypeError(f"unknown route {route!r}")


def _run_in_venv(route: UseVenv, f: Facts) -> int:
    silent = quiet(f)
    if not route.mutating:
        if not silent:
            say(venv_line(route, False, f.args.command))
        return _exec(venv_command(route.venv, f, route.argv), venv_env(route, f))
    from pipshim import links, venvs

    with venvs.EnvLock(route.venv, f.environ, silent):
        created = ensure(route.venv, route.base_python, route.prompt, f.environ, system_site=route.user_env)
        if not silent:
            say(venv_line(route, created, f.args.command))
        before = links.scripts(route.venv)
        try:
            rc = wait_for(venv_command(route.venv, f, route.argv), venv_env(route, f))
        except BaseException:
            if created:  # pip did not even start: the new venv goes again
                venvs.remove(route.venv)
            raise
        if created:
            if rc == 0:
                venvs.finish(route.venv)
            else:
                venvs.remove(route.venv)
                if not silent:
                    say(f"removed {route.venv} again: the install that created it failed")
        if route.user_env and f.shim_dir and os.path.isdir(route.venv):
            links.link_new(route.venv, before, f.shim_dir, silent)
            links.prune(route.venv, f.shim_dir)
        return rc


def ensure(venv: str, base_python: str, prompt: str, environ: dict[str, str], system_site: bool = False) -> bool:
    """Under the lock: create the venv unless another call already did. True if created."""
    from pipshim import venvs

    st = venvs.state(venv)
    if st == "ok":
        if not venvs.python_runs(venv):
            raise PipshimError(
                f"{venv} is broken: its interpreter no longer exists; "
                f"run `pipshim venv --recreate` in {os.path.dirname(venv)}",
                2,
            )
        return False
    if st == "not-venv":
        raise PipshimError(f"{venv} exists but is not a virtual environment; move it away", 2)
    try:
        venvs.create(venv, base_python, prompt, environ, system_site=system_site)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # virtualenv's own errors: one line, nothing left behind
        raise PipshimError(f"could not create {venv} from {base_python}: {exc}", 2) from exc
    return True
