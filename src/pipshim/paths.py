"""Every directory pipshim uses, worked out in one place by the XDG base-directory rules.

- ``HOME`` unset or relative: the passwd entry's home, as Python's ``expanduser`` does.
- A relative ``XDG_*`` value is ignored (the spec says so), and so is a relative
  ``PIPSHIM_USER_VENV``: a "user environment" must never land under the current directory.
- Nothing is ever written in a shared world-writable directory: every directory pipshim
  writes to is created mode 700, must be owned by the caller, and files in it are created
  without following symlinks (private_dir, write_private).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping

USER_VENV_ROOT_IN_CONTAINER = "/opt/venv"  # a Dockerfile's `RUN pip install X` lands here


def home(environ: Mapping[str, str]) -> str:
    value = environ.get("HOME", "")
    if os.path.isabs(value):
        return os.path.normpath(value)
    import pwd

    try:
        return pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:  # no passwd entry (a container's arbitrary uid): nowhere of our own
        return ""


def _xdg(environ: Mapping[str, str], var: str, default: str) -> str:
    value = environ.get(var, "")
    if os.path.isabs(value):
        return os.path.normpath(value)
    base = home(environ)
    return os.path.join(base, default) if base else ""


def data_home(environ: Mapping[str, str]) -> str:
    return _xdg(environ, "XDG_DATA_HOME", os.path.join(".local", "share"))


def cache_home(environ: Mapping[str, str]) -> str:
    return _xdg(environ, "XDG_CACHE_HOME", ".cache")


def config_home(environ: Mapping[str, str]) -> str:
    return _xdg(environ, "XDG_CONFIG_HOME", ".config")


def cache_dir(environ: Mapping[str, str]) -> str:
    """pipshim's disposable cache ("" when the user has no home)."""
    base = cache_home(environ)
    return os.path.join(base, "pipshim") if base else ""


def config_file(environ: Mapping[str, str]) -> str:
    base = config_home(environ)
    return os.path.join(base, "pipshim", "config.toml") if base else ""


def user_env_file(environ: Mapping[str, str]) -> str:
    """One line: the user environment's path, written by the resolver for the python shim."""
    base = data_home(environ)
    return os.path.join(base, "pipshim", "user-env") if base else ""


def user_venv(environ: Mapping[str, str], configured: str | None, root_in_container: bool) -> str:
    """rules 4 and 9: PIPSHIM_USER_VENV / user_venv (absolute only), /opt/venv, or the XDG data dir."""
    if configured:
        path = configured  # a relative value is ignored: never "the user environment" under the cwd
        if configured == "~" or configured.startswith("~/"):
            path = os.path.join(home(environ), configured[2:]) if home(environ) else ""
        if os.path.isabs(path):
            return os.path.normpath(path)
    if root_in_container:
        return USER_VENV_ROOT_IN_CONTAINER
    base = data_home(environ)
    return os.path.join(base, "pipshim", "venv") if base else ""


def default_bin_dir(environ: Mapping[str, str]) -> str:
    return os.path.join(home(environ), ".local", "bin")


def is_private_dir(path: str) -> bool:
    """A directory (never a symlink to one) of this user's that nobody else may write."""
    import stat

    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o022


def private_dir(path: str) -> str:
    """Create ``path`` (and parents) mode 700; refuse one we do not own or that others may write."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    if not is_private_dir(path):
        raise PermissionError(f"{path} is not a private directory of this user")
    return path


def write_private(path: str, text: str) -> None:
    """Replace ``path`` atomically with ``text``; never follows a planted symlink."""
    directory = private_dir(os.path.dirname(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def sync_user_env_file(environ: Mapping[str, str], path: str, default: str) -> None:
    """Keep the python shim's one-line file naming the user environment in step with the settings.

    Written only when the path is not the one the shim would work out itself, or the file
    says something else; a file that cannot be written only leaves the shim on the default.
    """
    line = user_env_file(environ)
    if not line or not path:
        return
    try:
        with open(line, encoding="utf-8", errors="surrogateescape") as fh:
            current: str | None = fh.read()
    except OSError:
        current = None
    if current == path + "\n" or (current is None and path == default):
        return
    import contextlib

    with contextlib.suppress(OSError, ValueError):
        write_private(line, path + "\n")
