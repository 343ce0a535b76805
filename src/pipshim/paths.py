"""Every directory pipshim uses, worked out in one place by the XDG base-directory rules.

- ``HOME`` unset or relative: the passwd entry's home, as Python's ``expanduser`` does.
- A relative ``XDG_*`` value is ignored (the spec says so), and so is a relative
  ``PIPSHIM_USER_VENV``: a "user environment" must never land under the current directory.
- Nothing is ever written in a shared world-writable directory: no directory is made in
  one (make_dirs), every directory pipshim writes its own files to is created mode 700,
  must be owned by the caller, and files in it are created without following symlinks
  (private_dir, write_private).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping

USER_VENV_ROOT_IN_CONTAINER = "/opt/venv"  # a Dockerfile's `RUN pip install X` lands here
# the XDG defaults under the home, and pipshim's names under them (the shims' sh is rendered
# from these: shimrender.py)
DATA_HOME_DEFAULT = ".local/share"
CACHE_HOME_DEFAULT = ".cache"
CONFIG_HOME_DEFAULT = ".config"
APP = "pipshim"  # pipshim's directory under each of them
USER_VENV_IN_DATA = f"{APP}/venv"  # the user environment
USER_ENV_FILE_IN_DATA = f"{APP}/user-env"  # user_env_file
CONFIG_IN_CONFIG = f"{APP}/config.toml"  # config_file
VERSION_SEP = "-"  # the per-version user environment beside the default one: venv-3.12, /opt/venv-3.12


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
    return _xdg(environ, "XDG_DATA_HOME", DATA_HOME_DEFAULT)


def cache_home(environ: Mapping[str, str]) -> str:
    return _xdg(environ, "XDG_CACHE_HOME", CACHE_HOME_DEFAULT)


def config_home(environ: Mapping[str, str]) -> str:
    return _xdg(environ, "XDG_CONFIG_HOME", CONFIG_HOME_DEFAULT)


def state_home(environ: Mapping[str, str]) -> str:
    return _xdg(environ, "XDG_STATE_HOME", os.path.join(".local", "state"))


def cache_dir(environ: Mapping[str, str]) -> str:
    """pipshim's disposable cache ("" when the user has no home)."""
    base = cache_home(environ)
    return os.path.join(base, APP) if base else ""


def config_file(environ: Mapping[str, str]) -> str:
    base = config_home(environ)
    return os.path.join(base, CONFIG_IN_CONFIG) if base else ""


def user_env_file(environ: Mapping[str, str]) -> str:
    """One line: the user environment's path, written by the resolver for the python shim."""
    base = data_home(environ)
    return os.path.join(base, USER_ENV_FILE_IN_DATA) if base else ""


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
    return os.path.join(base, USER_VENV_IN_DATA) if base else ""


def version_user_venv(default: str, version: str) -> str:
    """The user environment of Python ``version`` ("3.12") when the default one runs another:
    beside it, ``…/pipshim/venv-3.12`` (``/opt/venv-3.12``)."""
    return f"{default}{VERSION_SEP}{version}"


def version_user_venvs(default: str) -> list[tuple[str, str]]:
    """(version, path) of each per-version user environment beside ``default``, by version."""
    parent, prefix = os.path.dirname(default), os.path.basename(default) + VERSION_SEP
    try:
        names = os.listdir(parent)
    except OSError:
        return []
    found = []
    for name in names:
        version = name[len(prefix) :]
        if name.startswith(prefix) and version.count(".") == 1 and version.replace(".", "").isdigit():
            found.append((tuple(int(x) for x in version.split(".")), version, os.path.join(parent, name)))
    return [(v, path) for _, v, path in sorted(found)]


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


class SharedDirError(PermissionError):
    """A directory pipshim would create something in is shared: another user could have planted
    what pipshim is about to make (``HOME=/tmp``, ``PIPSHIM_USER_VENV=/tmp/x``)."""


def _shared(path: str) -> str | None:
    """Why nothing may be created in directory ``path`` (None: it is ours, or root's, and
    nobody else may write it; sticky or not, /tmp is shared: names there can be taken first)."""
    try:
        st = os.stat(path)
    except OSError:
        return None  # makedirs says what is wrong with it
    if st.st_mode & 0o002:
        return f"{path} is writable by every user"
    if st.st_uid not in (0, os.getuid()):
        return f"{path} belongs to another user"
    return None


def make_dirs(path: str, mode: int = 0o777) -> str:
    """``os.makedirs(path, mode, exist_ok=True)`` that makes nothing in a shared directory: the
    nearest existing directory (``path`` itself when it exists: the caller creates in it) must
    be ours or root's and writable by no other user, else SharedDirError. What it makes on the
    way is ours (mode 755 before the umask), so nothing below can be shared either."""
    path = os.path.abspath(path)
    missing, top = [], path
    while not os.path.isdir(top) and os.path.dirname(top) != top:
        missing.append(top)
        top = os.path.dirname(top)
    why = _shared(top)
    if why:
        raise SharedDirError(f"{why}: pipshim creates nothing there")
    for d in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by a concurrent call
            os.mkdir(d, mode if d == path else 0o755)
    return path


def private_dir(path: str) -> str:
    """Create ``path`` (and parents) mode 700; refuse one we do not own or that others may write,
    and make nothing in a shared directory on the way (make_dirs)."""
    make_dirs(path, 0o700)
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
