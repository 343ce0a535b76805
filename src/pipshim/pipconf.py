"""pip's own settings that change where an install goes (and its ``quiet``, which silences
pipshim's line as it silences pip), read the way pip reads them.

pip layers, lowest first: config files (global: each ``$XDG_CONFIG_DIRS/pip/pip.conf``
then ``/etc/pip.conf``; user: ``~/.pip/pip.conf`` then ``$XDG_CONFIG_HOME/pip/pip.conf``,
skipped when isolated or when ``PIP_CONFIG_FILE`` names an existing file; site:
``<prefix>/pip.conf``; then ``PIP_CONFIG_FILE``): every file's ``[global]`` first, then
every file's ``[<command>]``; then ``PIP_<NAME>`` environment variables (not when isolated).
``PIP_CONFIG_FILE=/dev/null`` skips every file. The command line wins over all of it,
which the policy handles.

As pip's ``Configuration`` and ``ConfigOptionParser._update_defaults`` do: every file's
``section.key`` is merged first, later files replacing earlier ones, and only then is an
empty value skipped (so ``target =`` in a later file cancels an earlier ``target``);
any ``PIP_`` variable counts, the rest of its name lowercased (``PIP_Target``); a name
the command's parser has no option for is ignored (``uninstall`` has no ``--user``).
"""

from __future__ import annotations

import os
from collections.abc import Container, Iterable, Mapping

from pipshim import paths
from pipshim.pip_argv import version_key

# Option names (pip's long names without dashes) that can change the install target.
TARGET_SETTINGS = ("break-system-packages", "target", "prefix", "root", "user", "dry-run", "report")
# pip turns every store_true/store_false value from config with strtobool and stores it as is,
# so `no-user = yes` (PIP_NO_USER=1) sets use_user_site=True: it is read as `user`
_SAME_DEST = {"no-user": "user"}
_READ = (*TARGET_SETTINGS, *_SAME_DEST)
_ENV_IGNORED = ("version", "help")  # pip's ENV_NAMES_IGNORED
HOP_DONE = "_PIP_RUNNING_IN_SUBPROCESS"  # pip's own mark that its --python hop is done


def config_files(
    environ: Mapping[str, str], prefix: str | None, isolated: bool, pip_version: str | None = None
) -> list[str]:
    """The files pip ``pip_version`` reads (None: the newest pip), lowest first."""
    env_file = environ.get("PIP_CONFIG_FILE")
    if env_file == os.devnull:
        return []
    home = paths.home(environ)
    # platformdirs: a blank value is the default; an empty item is "" + pip (./pip/pip.conf), as in pip
    xdg_dirs = environ.get("XDG_CONFIG_DIRS", "")
    config_dirs = (xdg_dirs if xdg_dirs.strip() else "/etc/xdg").split(os.pathsep)
    if pip_version is not None and version_key(pip_version) < (24, 1):  # platformdirs < 4 expanded ~ in each
        config_dirs = [_expand_user(d, home) for d in config_dirs]
    files = [os.path.join(d, "pip", "pip.conf") for d in config_dirs] + ["/etc/pip.conf"]
    if not isolated and not (env_file and os.path.exists(env_file)):
        # as pip reads it (platformdirs takes any value that is not blank), not as pipshim's own paths do
        config_home = environ.get("XDG_CONFIG_HOME", "")
        if not config_home.strip():
            config_home = os.path.join(home, ".config")
        files += [os.path.join(home, ".pip", "pip.conf"), os.path.join(config_home, "pip", "pip.conf")]
    if prefix:
        files.append(os.path.join(prefix, "pip.conf"))
    if env_file:
        files.append(env_file)
    return files


def _expand_user(path: str, home: str) -> str:
    """os.path.expanduser with the home of ``environ`` (``~user`` is looked up as it does)."""
    if path == "~" or path.startswith("~/"):
        return home + path[1:] if home else path
    return os.path.expanduser(path) if path.startswith("~") else path


def _normalize(name: str) -> str:
    name = name.lower().replace("_", "-")
    return name[2:] if name.startswith("--") else name


def env_items(environ: Mapping[str, str]) -> Iterable[tuple[str, str, str]]:
    """``(name, value, variable)`` for each ``PIP_`` variable, in the environment's order (pip's)."""
    for var, value in environ.items():
        if var.startswith("PIP_"):
            name = _normalize(var[4:])
            if name not in _ENV_IGNORED:
                yield name, value, var


def _merged(
    environ: Mapping[str, str],
    prefix: str | None,
    isolated: bool,
    names: tuple[str, ...],
    pip_version: str | None,
    with_env: bool = True,
) -> dict[str, tuple[str, str]]:
    """pip's merged configuration, ``"section.name" -> (value, where)``, for ``names`` only
    (a file that mentions none of them is not parsed); the environment as section ``:env:``
    (``with_env``)."""
    merged: dict[str, tuple[str, str]] = {}
    for path in config_files(environ, prefix, isolated, pip_version):
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError):
            continue  # no such file, or pip reports an unreadable one itself
        if not any(n in text.lower().replace("_", "-") for n in names):
            continue
        import configparser  # only paid for when a pip config file names a setting we read

        parser = configparser.RawConfigParser()
        try:
            parser.read_string(text, path)
        except configparser.Error:
            continue
        for section in parser.sections():
            for key, value in parser.items(section):
                name = _normalize(key)
                if name in names:
                    merged[f"{section}.{name}"] = (value, f"{path} [{section}]")
    if with_env and not isolated:
        for name, value, var in env_items(environ):
            if name in names:
                merged[f":env:.{name}"] = (value, var)
    return merged


def _effective(merged: dict[str, tuple[str, str]], sections: tuple[str, ...]) -> Iterable[tuple[str, str, str]]:
    """``(name, value, where)`` in the order pip applies them: by section, empty values skipped."""
    for section in sections:
        for key, (value, where) in merged.items():
            if value and key.split(".", 1)[0] == section:
                yield key.split(".", 1)[1], value, where


def read_settings(
    environ: Mapping[str, str],
    command: str | None,
    prefix: str | None,
    isolated: bool,
    options: Container[str] | None = None,
    pip_version: str | None = None,
) -> dict[str, tuple[str, str]]:
    """``{name: (value, where it was set)}`` for the TARGET_SETTINGS that are set, as pip
    ``pip_version`` reads them (None: the newest).

    ``options``: the long options the command's parser has (pip ignores any other name);
    None: all of them.
    """
    merged = _merged(environ, prefix, isolated, _READ, pip_version)
    found: dict[str, tuple[str, str]] = {}
    sections = ("global", command, ":env:") if command and command != "global" else ("global", ":env:")
    for name, value, where in _effective(merged, sections):
        if options is None or f"--{name}" in options:
            found[_SAME_DEST.get(name, name)] = (value, where)
    return found


def python_setting(
    environ: Mapping[str, str], prefix: str | None, pip_version: str | None = None
) -> tuple[str, str] | None:
    """``--python`` as pip's main parser reads it from ``PIP_PYTHON`` or ``[global] python``
    (never isolated: that parser is built before ``--isolated`` is looked at), with where it was set."""
    if HOP_DONE in environ:
        return None
    found = None
    for _name, value, where in _effective(
        _merged(environ, prefix, False, ("python",), pip_version), ("global", ":env:")
    ):
        found = (value, where)
    return found


def file_setting(
    environ: Mapping[str, str],
    name: str,
    command: str | None,
    prefix: str | None,
    isolated: bool,
    pip_version: str | None = None,
) -> tuple[str, str] | None:
    """``name`` as pip's config files alone set it for ``command`` (``[global]``, then
    ``[<command>]``; an empty value skipped), with where; the ``PIP_`` layer is env_setting's."""
    sections = ("global", command) if command and command != "global" else ("global",)
    found = None
    for _name, value, where in _effective(_merged(environ, prefix, isolated, (name,), pip_version, False), sections):
        found = (value, where)
    return found


def env_setting(environ: Mapping[str, str], name: str) -> tuple[str, str] | None:
    """``name`` in pip's ``PIP_`` layer, with its variable: any spelling pip reads as it (env_items),
    the last in the environment's order winning; an empty value is returned too (pip then skips
    the layer, and the files' value stands)."""
    found = None
    for key, value, var in env_items(environ):
        if key == name:
            found = (value, var)
    return found


def other_spellings(name: str) -> list[str]:
    """Every variable pip reads as ``name`` but ``PIP_<NAME>`` (the rest of the name in any case),
    for the pip shim, which sees only the variables it names."""
    import itertools

    rest = name.upper().replace("-", "_")
    pairs = [(c.upper(), c.lower()) if c.isalpha() else (c,) for c in rest]
    return ["PIP_" + "".join(p) for p in itertools.product(*pairs) if "".join(p) != rest]
