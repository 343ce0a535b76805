"""pipshim's own settings: ``PIPSHIM_*`` variables over ``~/.config/pipshim/config.toml``.

config.toml keys: ``apps`` and ``libraries`` (lists of distribution names), ``user_venv``
(an absolute path, or one starting with ``~/``), ``quiet`` (bool), ``system_site_packages``
(bool: new project venvs see the distribution's packages; ``PIPSHIM_SYSTEM_SITE_PACKAGES``). The TOML is read with
tomllib/tomli only if the file exists; nothing in the current directory is ever read as a
setting. A file that cannot be read, or a value of the wrong type, gives one warning and
the default: a bad config never stops pip.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pipshim import paths
from pipshim.errors import msg
from pipshim.pip_argv import truthy
from pipshim.record import Factory, Record

APPS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "apps.txt")


class Settings(Record):
    apps: Mapping = Factory(dict)  # canonical-ish name -> pipx options (tuple)
    libraries: frozenset = frozenset()
    user_venv: str | None = None
    quiet: bool = False
    system_site: bool | None = None  # project venvs see the distribution's packages (None: the default)
    warnings: tuple = ()  # one line each, printed by the caller


def _read_toml(path: str, warnings: list[str]) -> dict:
    if not path or not os.path.isfile(path):
        return {}
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, ValueError, RecursionError) as exc:  # RecursionError: nested beyond reason
        warnings.append(msg("config", path=path, cause=str(exc).splitlines()[0] if str(exc) else type(exc).__name__))
        return {}
    return data


def _names(config: dict, key: str, path: str, warnings: list[str]) -> list[str]:
    value = config.get(key, [])
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    warnings.append(msg("config", path=path, cause=f"`{key}` must be a list of names"))
    return []


def _words(value: str | None) -> list[str]:
    return (value or "").replace(",", " ").split()


def builtin_apps() -> dict[str, tuple[str, ...]]:
    """The data file: one application a line, optionally followed by its pipx options."""
    apps: dict[str, tuple[str, ...]] = {}
    try:
        with open(APPS_FILE, encoding="utf-8") as fh:
            for line in fh:
                words = line.split("#", 1)[0].split()
                if words:
                    apps[words[0]] = tuple(words[1:])
    except (OSError, ValueError):  # a damaged install: no built-in apps, pip still works
        pass
    return apps


class _Apps(Mapping):
    """builtin_apps(), then the ``extra`` names (no options): the data file is read when the
    list is first looked at. Only a call that may go to pipx (rule 7) or name what pipx holds
    (list, show) looks, and reading the file costs a pip call as much as the rest of load()."""

    def __init__(self, extra: list[str]) -> None:
        self._extra = extra
        self._apps: dict[str, tuple[str, ...]] | None = None

    def _all(self) -> dict[str, tuple[str, ...]]:
        if self._apps is None:
            apps = builtin_apps()
            for name in self._extra:
                apps.setdefault(name, ())
            self._apps = apps
        return self._apps

    def __getitem__(self, name: str) -> tuple[str, ...]:
        return self._all()[name]

    def __iter__(self):
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __repr__(self) -> str:
        return repr(self._all())


def load(environ: Mapping[str, str], with_apps: bool) -> Settings:
    """Read the settings; the app list (a data file) only when a decision may need it."""
    warnings: list[str] = []
    path = paths.config_file(environ)
    config = _read_toml(path, warnings)
    apps: Mapping[str, tuple[str, ...]] = {}
    if with_apps:
        apps = _Apps(_names(config, "apps", path, warnings) + _words(environ.get("PIPSHIM_APPS")))
    libraries = frozenset(_names(config, "libraries", path, warnings) + _words(environ.get("PIPSHIM_LIBRARIES")))
    user_venv = environ.get("PIPSHIM_USER_VENV") or None
    if user_venv is None and "user_venv" in config:
        if isinstance(config["user_venv"], str) and config["user_venv"] and "\0" not in config["user_venv"]:
            user_venv = config["user_venv"]
        else:
            warnings.append(msg("config", path=path, cause="`user_venv` must be a path"))
    quiet = truthy(environ.get("PIPSHIM_QUIET"))
    if quiet is None:
        value = config.get("quiet", False)
        if isinstance(value, bool):
            quiet = value
        else:
            quiet = bool(truthy(str(value)))
            if truthy(str(value)) is None:
                warnings.append(msg("config", path=path, cause="`quiet` must be true or false"))
    system_site = truthy(environ.get("PIPSHIM_SYSTEM_SITE_PACKAGES"))
    if system_site is None and "system_site_packages" in config:
        value = config["system_site_packages"]
        system_site = value if isinstance(value, bool) else truthy(str(value))
        if system_site is None:
            warnings.append(msg("config", path=path, cause="`system_site_packages` must be true or false"))
    return Settings(apps, libraries, user_venv, bool(quiet), system_site, tuple(warnings))
