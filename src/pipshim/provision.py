"""One provisioning transaction: lock, ensure, run, then finish or roll back.

Installs into a venv, ``pipshim venv`` and pipx's shared venv all go through
transaction(), so the order that keeps environments whole is written once:

1. take the environment's lock (venvs.EnvLock);
2. classify the directory again under it (another call may have made it meanwhile);
3. create it if it is missing, empty, or left incomplete by a killed call (marker first);
4. run the work;
5. on success mark it complete; if the work failed or was interrupted, remove a venv
   made in this very call, so a typo leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable, Mapping

from pipshim import venvs
from pipshim.discovery import Source, State, classify, unusable_message
from pipshim.errors import Exit, PipshimError, msg, say
from pipshim.plan import Create

# pip's statuses that mean it was stopped, not that it failed: exit 130 (^C), or killed by
# SIGINT, SIGTERM or SIGHUP (execute.wait_for gives 128+N); the venv goes either way
INTERRUPTED = frozenset((Exit.INTERRUPTED, 128 + 2, 128 + 15, 128 + 1))


def ensure(path: str, spec: Create | None, environ: Mapping[str, str], sweep: bool = True) -> bool:
    """Under the lock: make the venv at ``path`` usable; True if this call created it."""
    if sweep:  # first: a killed recreate's old venv may be put back in place
        venvs.sweep(path)
    c = classify(path, Source.PROJECT, os.getuid())
    if c.state is State.OK:
        return False
    if c.state is State.BROKEN:
        raise PipshimError(msg("broken", path=path, detail=c.detail, where=os.path.dirname(path)), Exit.BROKEN)
    if not c.state.creatable or spec is None:
        raise PipshimError(unusable_message(c), Exit.BROKEN)
    if c.state is State.INCOMPLETE:
        venvs.remove(path)
    made = False
    try:
        if c.state is not State.EMPTY:
            os.mkdir(path)  # fails if anything stands there by now (a link, a file): not ours to undo
            made = True
        venvs.create(path, spec.base_python, spec.prompt, environ, spec.system_site, spec.layers)
    except BaseException as exc:  # ^C included: nothing half-made stays behind
        if c.state is State.EMPTY:
            _empty(path)
        elif made:
            venvs.remove(path)
        elif not isinstance(exc, OSError):  # ^C raised as mkdir returned: only an empty dir can be ours
            with contextlib.suppress(OSError):
                os.rmdir(path)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise _create_failed(path, spec, exc) from None
    return True


def _create_failed(path: str, spec: Create, exc: BaseException) -> PipshimError:
    cause = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    code = getattr(exc, "errno", None)
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        cause += f"; make {os.path.dirname(path)} writable for you"
    elif code in (errno.ENOSPC, errno.EDQUOT):
        cause += "; free some space and run pip again"
    return PipshimError(msg("create-failed", path=path, python=spec.base_python, cause=cause), Exit.BROKEN)


def _empty(path: str) -> None:
    """Put an empty directory that was there before back the way it was."""
    venvs.remove(path)
    with contextlib.suppress(OSError):
        os.mkdir(path)


def transaction(
    path: str,
    spec: Create | None,
    environ: Mapping[str, str],
    quiet: bool,
    work: Callable[[bool], int],
    interrupted: Callable[[], bool] = lambda: False,
) -> int:
    """Lock, ensure, run ``work(created)``, then finish or roll back; returns work's status.
    ``interrupted``: whether a ^C reached the work (pip exits 1 for it, as for a failure)."""
    with venvs.EnvLock(path, quiet):
        created = False
        try:  # ensure undoes its own ^C; one raised as it returns leaves a marked venv, made again later
            created = ensure(path, spec, environ)
            rc = work(created)
        except BaseException:
            if created:  # the work did not even finish: the new venv goes again
                venvs.remove(path)
            raise
        if created:
            if rc == 0:
                venvs.finish(path)
            else:
                venvs.remove(path)
                if not quiet:
                    stopped = rc in INTERRUPTED or interrupted()
                    say(msg("removed-interrupted" if stopped else "removed-again", path=path))
        return rc
