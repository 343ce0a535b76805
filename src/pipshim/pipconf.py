"""pip's own settings that change where an install goes, read the way pip reads them.

pip layers, lowest first: config files (global: each ``$XDG_CONFIG_DIRS/pip/pip.conf``
then ``/etc/pip.conf``; user: ``~/.pip/pip.conf`` then ``$XDG_CONFIG_HOME/pip/pip.conf``,
skipped when isolated or when ``PIP_CONFIG_FILE`` names an existing file; site:
``<prefix>/pip.conf``; then ``PIP_CONFIG_FILE``): every file's ``[global]`` first, then
every file's ``[<command>]``; then ``PIP_<NAME>`` environment variables (not when isolated).
``PIP_CONFIG_FILE=/dev/null`` skips every file. The command line wins over all of it,
which the policy handles.
"""

from __future__ import annotations

import os

from pipshim import paths

# Option names (pip's long names without dashes) that can change the install target.
TARGET_SETTINGS = ("break-system-packages", "target", "prefix", "root", "user", "dry-run", "report")


def config_files(environ: dict[str, str], prefix: str | None, isolated: bool) -> list[str]:
    env_file = environ.get("PIP_CONFIG_FILE")
    if env_file == os.devnull:
        return []
    config_dirs = (environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep)
    files = [os.path.join(d, "pip", "pip.conf") for d in config_dirs if d] + ["/etc/pip.conf"]
    home = paths.home(environ)
    if not isolated and not (env_file and os.path.exists(env_file)):
        # as pip reads it (platformdirs takes any non-empty value), not as pipshim's own paths do
        config_home = environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
        files += [os.path.join(home, ".pip", "pip.conf"), os.path.join(config_home, "pip", "pip.conf")]
    if prefix:
        files.append(os.path.join(prefix, "pip.conf"))
    if env_file:
        files.append(env_file)
    return files


def _normalize(name: str) -> str:
    name = name.lower().replace("_", "-")
    return name[2:] if name.startswith("--") else name


def read_settings(
    environ: dict[str, str], command: str | None, prefix: str | None, isolated: bool
) -> dict[str, tuple[str, str]]:
    """``{name: (value, where it was set)}`` for the TARGET_SETTINGS that are set.

    As pip layers them: every file's ``[global]``, then every file's ``[<command>]``,
    then the environment; an empty value is no value (pip skips it).
    """
    sections: dict[str, list[tuple[str, str, str]]] = {"global": [], command or "": []}
    existing = [f for f in config_files(environ, prefix, isolated) if os.path.isfile(f)]
    if existing:
        import configparser  # only paid for when a pip config file exists

        for path in existing:
            parser = configparser.RawConfigParser()
            try:
                parser.read(path, encoding="utf-8")
            except (configparser.Error, UnicodeDecodeError):
                continue  # pip reports an unreadable config itself
            for section in sections:
                if section and parser.has_section(section):
                    sections[section] += [(_normalize(k), v, f"{path} [{section}]") for k, v in parser.items(section)]
    found: dict[str, tuple[str, str]] = {}
    for section in ("global", command or ""):
        for name, value, where in sections.get(section, []):
            if name in TARGET_SETTINGS and value:
                found[name] = (value, where)
    if not isolated:
        for name in TARGET_SETTINGS:
            var = "PIP_" + name.upper().replace("-", "_")
            if environ.get(var):
                found[name] = (environ[var], var)
    return found
