"""Carry out a Plan, with provision.py and pipxrun.py: the action step of a shim call
(docs/design.md names the other code that acts, and why).

Whenever nothing has to happen afterwards pip is ``exec``'d, so its exit code and
signals are its own. We wait for pip only while holding an environment's lock: so that
a venv made for it is kept or rolled back by the provisioning transaction, that a failed
install is checked for a pip that no longer loads, and that the venv's new commands are
linked; pipx is always waited for (pipxrun). before() is what acting does first.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pipshim import paths
from pipshim.errors import Exit, say
from pipshim.facts import Facts
from pipshim.plan import Plan, create_spec, venv_line


def before(f: Facts) -> None:
    """What every call that acts does first, whichever path acts (cli.resolve, boot): the
    settings' warnings, then the state the shims read next time (never for explain)."""
    from pipshim import shimtrust

    for warning in f.config.warnings:
        say(warning)
    remember_user_env(f)
    shimtrust.remember(f)


def remember_user_env(f: Facts) -> None:
    """Tell the python shim where config.toml put the user environment (paths.sync_user_env_file).

    PIPSHIM_USER_VENV is read by the shim itself, so it needs no file.
    """
    if f.user_venv is not None and not f.environ.get("PIPSHIM_USER_VENV"):
        default = paths.user_venv(f.environ, None, f.is_root and f.in_container)
        paths.sync_user_env_file(f.environ, f.user_venv.path, default)


def exec_(cmd: tuple[str, ...], env: Mapping[str, str]) -> int:
    os.execve(cmd[0], list(cmd), dict(env))
    return 0  # not reached


def wait_for(cmd: tuple[str, ...], env: Mapping[str, str], stopped: list[int] | None = None) -> int:
    """Run a command and wait; its exit code (or 128+N if signal N killed it) becomes ours.

    ^C from the terminal reaches the child too, so we only note it (in ``stopped``: pip
    catches it and exits 1, which alone would read as a failure) and let the child
    decide; SIGTERM and SIGHUP sent to us alone are passed on. The handlers are set
    before the child starts, so no signal slips between starting it and waiting for it.
    posix_spawn, not subprocess: importing subprocess alone costs ~8 ms.
    """
    import signal

    child: list[int] = []
    noted = stopped if stopped is not None else []

    def forward(signum, _frame):
        if child:
            os.kill(child[0], signum)

    old = {
        signal.SIGINT: signal.signal(signal.SIGINT, lambda signum, _frame: noted.append(signum)),
        signal.SIGTERM: signal.signal(signal.SIGTERM, forward),
        signal.SIGHUP: signal.signal(signal.SIGHUP, forward),
    }
    try:
        try:
            child.append(os.posix_spawn(cmd[0], list(cmd), dict(env)))
        except OSError as exc:  # e.g. umask 777 made the new venv's pip mode 000
            from pipshim.errors import PipshimError

            raise PipshimError(
                f"cannot run {cmd[0]}: {exc.strerror}; check its permissions (and your umask)", Exit.BROKEN
            ) from None
        _, status = os.waitpid(child[0], 0)
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def run(p: Plan, f: Facts) -> int:
    if p.exit_code is not None:  # a refusal, or nothing to do: said even when quiet
        say(p.line)
        return p.exit_code
    if p.route.kind == "pipx" or p.fallback is not None or len(p.commands) != 1:
        from pipshim import pipxrun  # imports subprocess: only for pipx

        return pipxrun.run(p, f)  # the fallback for packages with no commands too, under pipx's lock
    cmd = p.commands[0]
    if p.lock is None:
        if p.line and not f.quiet:
            say(p.line)
        return exec_(cmd, p.env)
    from pipshim import links, provision

    stopped: list[int] = []  # a ^C that reached pip too while we waited

    def work(created: bool) -> int:
        if p.line and not f.quiet:
            say(venv_line(p.route, f, created))
        before = links.scripts(p.lock) if p.link_into else set()
        rc = wait_for(cmd, p.env, stopped)
        if rc not in (0, 130) and not stopped:
            broken = _broken_pip(p, f)
            if broken:
                say(broken)
                return Exit.BROKEN
        if p.link_into and (rc == 0 or not created):  # a new venv that failed goes again: no links into it
            links.update(p.lock, before, p.link_into, f.quiet, p.link_over)
        return rc

    # an existing venv that vanished between the look and the lock is made again the same way
    spec = p.create or create_spec(p.route, f)
    return provision.transaction(p.lock, spec, f.environ, f.quiet, work, lambda: bool(stopped))


def _broken_pip(p: Plan, f: Facts) -> str | None:
    """After a failed install: the environment's pip no longer loading (a full disk truncated
    its files) is a broken environment with its fix, not just pip's traceback."""
    from pipshim import venvs
    from pipshim.errors import msg

    problem = venvs.pip_problem(p.lock, p.env)
    return msg("broken", path=p.lock, detail=problem, where=os.path.dirname(p.lock)) if problem else None
