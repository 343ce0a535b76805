"""Venv primitives: the environment lock, creation, and removal of what is provably a venv.

The lock is an flock() on the environment's parent directory: it exists for a project
venv (the project root) and is created mode 700 for the user environment. It needs no
lock file, so it does not depend on the caller's XDG_CACHE_HOME or HOME, nothing can be
planted in its place, and no umask can leave it unusable. Venvs are written by
venvmake, which imports neither virtualenv nor packaging on a warm creation.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Mapping

from pipshim import paths
from pipshim.discovery import INCOMPLETE, TRASH
from pipshim.errors import Exit, PipshimError, msg, say

# what a venv holds (venv, virtualenv, uv, and what pip installs into one); anything else
# in a directory means it is not (only) a venv, and pipshim never deletes it
VENV_ENTRIES = frozenset(
    (
        "bin",
        "lib",
        "lib64",
        "include",
        "share",
        "etc",
        "man",
        "pyvenv.cfg",
        ".gitignore",
        "CACHEDIR.TAG",
        ".lock",
        "pip-selfcheck.json",
        INCOMPLETE,
    )
)
ASIDE = ".pipshim-old-"  # a recreate moves the old venv to NAME + ASIDE + pid until the new one is whole


class EnvLock:
    """Hold the lock of the environment at ``venv``; a waiter says once what it waits for.

    The flock is on ``directory``, the venv's parent unless given, made with ``mode`` when
    missing (700: pipshim's own; pipx's directories are made as pipx makes them).
    """

    def __init__(self, venv: str, quiet: bool, directory: str = "", mode: int = 0o700) -> None:
        self.venv = venv
        self.quiet = quiet
        self.directory = directory or os.path.dirname(venv)
        self.mode = mode
        self._fd: int | None = None

    def __enter__(self) -> EnvLock:
        import fcntl

        parent = self.directory
        try:
            paths.make_dirs(parent, self.mode)  # nothing made in a shared directory (PIPSHIM_USER_VENV=/tmp/x)
            self._fd = os.open(parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError as exc:
            raise PipshimError(msg("no-place", path=self.venv, cause=exc.strerror or str(exc)), Exit.BROKEN) from None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not self.quiet:
                say(msg("waiting", path=self.venv))
            fcntl.flock(self._fd, fcntl.LOCK_EX)  # retried after a signal handler runs (PEP 475)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the flock
            self._fd = None


def removable(path: str, protected: tuple[str, ...] = ()) -> str | None:
    """None if ``path`` is provably a venv pipshim may replace, else why not."""
    real = os.path.realpath(path)
    if real == "/" or real in {os.path.realpath(p) for p in protected if p}:
        return f"{path} is protected"
    if os.path.islink(path):  # the user's: never removed, nor what it points at
        with contextlib.suppress(OSError):
            return f"{path} is a symlink to {os.readlink(path)}"
        return f"{path} is a symlink"
    if not os.path.isdir(path):
        return f"{path} is not a directory"
    try:
        names = set(os.listdir(path))
    except OSError as exc:
        return f"{path} cannot be read ({exc.strerror})"
    if names and not (names & {"pyvenv.cfg", INCOMPLETE}):
        return f"{path} is not a venv"
    held = not_venv_entries(names)
    return f"{path} {held}" if held else None


def not_venv_entries(names: Iterable[str]) -> str | None:
    """ "holds A, B, C, which a venv does not have" when a directory's ``names`` include any
    that no venv has (VENV_ENTRIES): such a directory is never taken for a venv, nor removed."""
    extra = sorted(set(names) - VENV_ENTRIES)
    return f"holds {', '.join(extra[:3])}, which a venv does not have" if extra else None


def remove(venv: str) -> None:
    """Remove a venv (or a file or link standing in its place) so that a kill half-way leaves
    no half-venv under its name: renamed away first (atomic), then deleted; leftovers are swept."""
    if not os.path.lexists(venv):
        return
    import shutil

    trash = f"{venv}{TRASH}{os.getpid()}"
    try:
        os.rename(venv, trash)
    except OSError:
        trash = venv
    if os.path.islink(trash) or not os.path.isdir(trash):
        with contextlib.suppress(OSError):
            os.unlink(trash)
        return
    try:
        shutil.rmtree(trash)
    except OSError:  # made under umask 777: its dirs are mode 000, and only root may still list them
        _owned_again(trash)
        shutil.rmtree(trash, ignore_errors=True)


def _owned_again(top: str) -> None:
    """Give our own directories under ``top`` back their owner's rwx, so they can be deleted."""
    with contextlib.suppress(OSError):
        os.chmod(top, 0o700)
    for root, dirs, _files in os.walk(top):  # top-down: a directory is fixed before it is listed
        for d in dirs:
            path = os.path.join(root, d)
            if not os.path.islink(path):
                with contextlib.suppress(OSError):
                    os.chmod(path, 0o700)


def sweep(venv: str) -> None:
    """Under the lock: finish what a killed call left behind.

    ``.venv.pipshim-removing-PID`` (a removal) is removed. ``.venv.pipshim-old-PID`` (the
    old venv a recreate moved aside) is put back unless the new venv was finished, in which
    case it is removed as the recreate would have done.
    """
    from pipshim.discovery import Source, State, classify

    parent, name = os.path.split(venv)
    try:
        names = sorted(os.listdir(parent or "."))
    except OSError:
        return
    for leftover in names:
        if leftover.startswith(name + TRASH) or (leftover.startswith(name + ASIDE) and TRASH in leftover):
            remove(os.path.join(parent, leftover))
    for leftover in names:
        old = os.path.join(parent, leftover)
        if not leftover.startswith(name + ASIDE) or TRASH in leftover or not os.path.lexists(old):
            continue
        if classify(venv, Source.PROJECT, os.getuid()).state is State.OK:
            if removable(old) is None:
                remove(old)
        elif not os.path.islink(venv):  # a link there is the user's: it stays, the old one stays aside
            remove(venv)
            if not os.path.lexists(venv):
                os.rename(old, venv)


def create(
    venv: str,
    base_python: str,
    prompt: str,
    environ: Mapping[str, str],
    system_site: bool = False,
    layers: tuple[str, ...] = (),
) -> None:
    """Create ``venv`` from ``base_python``, with the in-progress marker written first.

    The marker is removed by finish() once the install that asked for the venv succeeded,
    so a venv whose creation (or first install) was killed is recognised and made again.
    """
    from pipshim import venvmake

    os.makedirs(venv, exist_ok=True)
    with open(os.path.join(venv, INCOMPLETE), "w") as fh:
        fh.write(f"pid {os.getpid()}\n")
    venvmake.create(venv, base_python, prompt=prompt, system_site=system_site, environ=environ)
    if layers:
        write_layers(venv, layers)


LAYERS_PTH = "_pipshim_layers.pth"


def write_layers(venv: str, layers: tuple[str, ...]) -> None:
    """A .pth file (paths only, never an import line) that puts each layer's site-packages after
    the venv's own: its packages win, the layer's are found. A layer made later counts from then
    on (site skips a path that does not exist yet)."""
    for lib in sorted(os.listdir(os.path.join(venv, "lib"))):
        site = os.path.join(venv, "lib", lib, "site-packages")
        if os.path.isdir(site):
            lines = "".join(f"{os.path.join(layer, 'lib', lib, 'site-packages')}\n" for layer in layers)
            with open(os.path.join(site, LAYERS_PTH), "w", encoding="utf-8") as fh:
                fh.write(lines)


def finish(venv: str) -> None:
    """Mark a created venv complete (the last step)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(os.path.join(venv, INCOMPLETE))


# what a pip install needs to load (a truncated .pyc after a full disk breaks any of them)
PIP_MODULES = "import pip._internal.cli.main, pip._internal.commands.install"


def pip_problem(venv: str, environ: Mapping[str, str]) -> str | None:
    """Why the venv's pip does not load, or None. Asked after pip failed, and by doctor."""
    import subprocess

    python = os.path.join(venv, "bin", "python")
    try:
        p = subprocess.run([python, "-I", "-c", PIP_MODULES], capture_output=True, env=dict(environ))
    except OSError as exc:
        return msg("python-fails", python=f"{python} ({exc.strerror})")
    if p.returncode == 0:
        return None
    last = (os.fsdecode(p.stderr).strip().splitlines() or [f"exit {p.returncode}"])[-1]
    return msg("pip-fails", cause=last)
