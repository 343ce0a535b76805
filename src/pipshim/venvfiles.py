"""What venvmake.py (the venv's layout) and pipseed.py (its pip) both need: the error,
the child environment, the umask, pipshim's cache, and where site-packages is."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping

_SKIP_ENV = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "PYTHONSAFEPATH")


class VenvCreateError(Exception):
    """A venv could not be made; ``str()`` is one line naming the cause."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()) or "venv creation failed")


def child_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` for the base interpreter: nothing that would change what it imports or runs first."""
    return {k: v for k, v in env.items() if k not in _SKIP_ENV and not k.startswith("PYTHONWARN")}


def umask() -> int:
    """The process umask, read without changing it where /proc allows."""
    try:
        with open("/proc/self/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # no /proc: read it the racy way
    os.umask(mask)
    return mask


def site_packages(venv: str, info: dict) -> str:
    threaded = "t" if "t" in info.get("abiflags", "") else ""
    return os.path.join(venv, "lib", f"python{info['xy']}{threaded}", "site-packages")


def cache_root(env: Mapping[str, str]) -> str:
    """pipshim's cache dir (paths.cache_dir), made private (mode 700, ours) before use."""
    from pipshim import paths

    root = paths.cache_dir(env)
    if not root:
        raise VenvCreateError("no home directory to keep pipshim's cache in; set HOME")
    try:
        return paths.private_dir(root)
    except OSError as exc:
        raise VenvCreateError(
            f"cannot use {root} for pipshim's cache: {exc}; set XDG_CACHE_HOME (or HOME) to a directory of your own"
        ) from None


def write_atomic(target: str, data: bytes) -> None:
    """Replace a cache file whole; a failure leaves the old one (or none)."""
    tmp = f"{target}.tmp{os.getpid()}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except OSError:  # the cache is an optimisation: an unwritable one only costs time
        with contextlib.suppress(OSError):
            os.unlink(tmp)
