"""pipshim's own settings: ``PIPSHIM_*`` variables over ``~/.config/pipshim/config.toml``.

config.toml keys: ``apps`` and ``libraries`` (lists of distribution names), ``user_venv``
(a path), ``quiet`` (bool). The TOML is read with tomllib/tomli only if the file
exists; nothing in the current directory is ever read as a setting.
"""

from __future__ import annotations

import os
from collections import namedtuple

from pipshim.pip_argv import truthy

APPS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "apps.txt")


class Settings(namedtuple("Settings", "apps libraries user_venv quiet")):
    """apps/libraries: raw names (canonicalised by requested.canonical); user_venv: path or None."""

    __slots__ = ()


def config_path(environ: dict[str, str]) -> str:
    base = environ.get("XDG_CONFIG_HOME") or os.path.join(environ.get("HOME", ""), ".config")
    return os.path.join(base, "pipshim", "config.toml")


def _read_toml(path: str) -> dict:
    if not os.path.isfile(path):
        return {}
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except (OSError, ValueError) as exc:
        from pipshim.messages import PipshimError

        raise PipshimError(f"cannot read {path}: {exc}; fix or remove it", 2) from exc


def _words(value: str | None) -> list[str]:
    return (value or "").replace(",", " ").split()


def builtin_apps() -> list[str]:
    with open(APPS_FILE, encoding="utf-8") as fh:
        return [ln.strip() for ln in fh if ln.strip() and not ln.startswith("#")]


def load(environ: dict[str, str], with_apps: bool) -> Settings:
    """Read the settings; the app list (a data file) only when a decision may need it."""
    config = _read_toml(config_path(environ))
    apps: list[str] = []
    if with_apps:
        apps = builtin_apps() + list(config.get("apps", [])) + _words(environ.get("PIPSHIM_APPS"))
    libraries = list(config.get("libraries", [])) + _words(environ.get("PIPSHIM_LIBRARIES"))
    user_venv = environ.get("PIPSHIM_USER_VENV") or config.get("user_venv") or None
    quiet_env = truthy(environ.get("PIPSHIM_QUIET"))
    quiet = quiet_env if quiet_env is not None else bool(config.get("quiet", False))
    return Settings(frozenset(apps), frozenset(libraries), user_venv, quiet)
