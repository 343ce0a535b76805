"""Create venvs safely: one lock per environment, in-progress marker first, clean-up on failure.

The lock (filelock, under ``${XDG_CACHE_HOME:-~/.cache}/pipshim/locks/``) serialises
creation and every mutating pip call on the same environment, so parallel
``pip install`` calls into a new project make exactly one venv. virtualenv and
filelock are imported here only, and only when a venv is touched.
"""

from __future__ import annotations

import contextlib
import os

from pipshim.facts import INCOMPLETE
from pipshim.messages import say


def lock_path(venv: str, environ: dict[str, str]) -> str:
    """One lock file per environment, named after its path (readable in a waiter's message)."""
    base = environ.get("XDG_CACHE_HOME") or os.path.join(environ.get("HOME") or "/tmp", ".cache")
    name = os.path.abspath(venv).replace("%", "%25").replace("/", "%2F")
    if len(name) > 200:  # beyond a file name's length: hashlib (which loads OpenSSL) only then
        import hashlib

        name = hashlib.sha256(name.encode()).hexdigest()
    return os.path.join(base, "pipshim", "locks", f"{name}.lock")


class EnvLock:
    """Hold the environment's lock; a waiter says once what it waits for.

    filelock's lock is an flock() on the lock file. When nobody holds it we take that
    same flock directly, so the common, uncontended install does not pay for importing
    filelock (~50 ms); when it is held, filelock does the waiting. Either way every
    process contends on the same lock.
    """

    def __init__(self, venv: str, environ: dict[str, str], quiet: bool) -> None:
        self.venv = venv
        self.path = lock_path(venv, environ)
        self.quiet = quiet
        self._fd: int | None = None
        self._lock = None

    def _try_flock(self) -> int | None:
        import fcntl

        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return None
            # a releasing filelock may have removed the file: hold a lock on what the path names now
            try:
                held, now = os.fstat(fd), os.stat(self.path)
                if (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino):
                    return fd
            except FileNotFoundError:
                pass
            os.close(fd)

    def __enter__(self) -> EnvLock:
        os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
        self._fd = self._try_flock()
        if self._fd is None:
            from filelock import FileLock

            if not self.quiet:
                say(f"waiting for another pip run on {self.venv} to finish (lock {self.path})")
            self._lock = FileLock(self.path)
            self._lock.acquire()
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the flock
        else:
            self._lock.release()


def state(venv: str) -> str:
    """Re-read under the lock: ok | incomplete | empty | missing | not-venv."""
    if not os.path.isdir(venv):
        return "missing" if not os.path.lexists(venv) else "not-venv"
    if os.path.exists(os.path.join(venv, INCOMPLETE)):
        return "incomplete"
    if os.path.isfile(os.path.join(venv, "pyvenv.cfg")):
        return "ok"
    return "not-venv" if os.listdir(venv) else "empty"


TRASH = ".pipshim-removing-"


def remove(venv: str) -> None:
    """Remove a venv so that a kill half-way leaves no half-venv under its name.

    rmtree deletes pyvenv.cfg and our marker early, so a killed rmtree would leave a
    directory that is neither a venv nor recognisably ours; renaming it away first is
    atomic, and leftovers are swept by the next create().
    """
    if not os.path.lexists(venv):
        return
    import shutil

    trash = f"{venv}{TRASH}{os.getpid()}"
    try:
        os.rename(venv, trash)
    except OSError:
        trash = venv
    shutil.rmtree(trash, ignore_errors=True)


def sweep(venv: str) -> None:
    """Finish removals that a killed call left behind (``.venv.pipshim-removing-PID``)."""
    parent, name = os.path.split(venv)
    try:
        names = os.listdir(parent or ".")
    except OSError:
        return
    import shutil

    for leftover in names:
        if leftover.startswith(name + TRASH):
            shutil.rmtree(os.path.join(parent, leftover), ignore_errors=True)


def create(venv: str, base_python: str, prompt: str, environ: dict[str, str], system_site: bool = False) -> None:
    """Create ``venv`` from ``base_python``; leaves the in-progress marker for the caller.

    The marker is written before anything else and removed by finish(), so a venv
    whose creation (or first install) was killed is recognised and made again.
    """
    sweep(venv)
    if state(venv) == "incomplete":
        remove(venv)
    from virtualenv import cli_run

    # no setuptools: like `python3.12 -m venv` and uv; pip's build isolation fetches what a build needs
    args = [venv, "--python", base_python, "--prompt", prompt, "--no-setuptools", "--quiet"]
    if system_site:
        args.append("--system-site-packages")
    # the user's VIRTUALENV_* settings stay theirs; a project's PYTHONPATH must not leak in
    env = {k: v for k, v in environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    try:
        os.makedirs(venv, exist_ok=True)
        with open(os.path.join(venv, INCOMPLETE), "w") as fh:
            fh.write(f"pid {os.getpid()}\n")
        cli_run(args, setup_logging=False, env=env)
    except BaseException:  # ^C included: nothing half-made stays behind
        remove(venv)
        raise
    # virtualenv writes a .gitignore; keep it, it keeps the venv out of the user's repository


def finish(venv: str) -> None:
    """Mark a created venv complete (the last step)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(os.path.join(venv, INCOMPLETE))


def python_runs(venv: str) -> bool:
    return os.path.exists(os.path.join(venv, "bin", "python"))
