#!/usr/bin/env python3
"""Maintainer tool: does every entry of src/pipshim/data/apps.txt ship commands?

Not run at test time (it needs PyPI). For each listed distribution it downloads the
newest wheel for this machine (``pip download --no-deps --only-binary=:all:`` into a
temp dir, with ``PIP_CONFIG_FILE=/dev/null`` so no local pip config steers it) and
reads the commands the wheel installs: ``[console_scripts]`` and ``[gui_scripts]`` in
``entry_points.txt``, and files under ``*.data/scripts/`` (how awscli ships ``aws``).

An entry with no commands is reported with its requirements, so a metapackage (ansible:
its commands come from ansible-core) can be given ``--include-deps`` in the data file,
and a library can be taken off the list. An entry with ``--include-deps`` is checked
one level down: one of its requirements must ship commands.

    .dev/bin/python tools/check_apps.py [--jobs 8] [NAME …]

Exit status: 0 when every entry ships commands, 1 otherwise.
"""

from __future__ import annotations

import argparse
import configparser
import os
import subprocess
import sys
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
APPS_FILE = REPO / "src" / "pipshim" / "data" / "apps.txt"


@dataclass
class Found:
    name: str
    wheel: str | None = None
    commands: list[str] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)
    error: str | None = None


def read_list(path: Path = APPS_FILE) -> dict[str, tuple[str, ...]]:
    apps: dict[str, tuple[str, ...]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        words = line.split("#", 1)[0].split()
        if words:
            apps[words[0]] = tuple(words[1:])
    return apps


def wheel_commands(path: Path) -> tuple[list[str], list[str]]:
    """The commands a wheel installs, and its Requires-Dist lines (markers dropped)."""
    commands: list[str] = []
    requires: list[str] = []
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            parts = info.filename.split("/")
            if len(parts) == 3 and parts[0].endswith(".data") and parts[1] == "scripts" and parts[2]:
                commands.append(parts[2])
            elif len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "entry_points.txt":
                cp = configparser.ConfigParser(delimiters=("=",), interpolation=None)
                cp.optionxform = str  # type: ignore[assignment,method-assign]
                cp.read_string(zf.read(info).decode("utf-8", "replace"))
                for section in ("console_scripts", "gui_scripts"):
                    if cp.has_section(section):
                        commands += list(cp.options(section))
            elif len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "METADATA":
                for line in zf.read(info).decode("utf-8", "replace").splitlines():
                    if line.startswith("Requires-Dist:"):
                        req = line.split(":", 1)[1].strip()
                        if "extra ==" not in req:
                            requires.append(req.split(";", 1)[0].strip())
                    elif not line.strip():
                        break
    return sorted(set(commands)), requires


def download(name: str, timeout: float = 300) -> Found:
    env = dict(os.environ, PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    for var in ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX", "PIP_CONSTRAINT"):
        env.pop(var, None)
    with tempfile.TemporaryDirectory(prefix="check-apps-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "-d", tmp, name]
        try:
            r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return Found(name, error="pip download timed out")
        wheels = sorted(Path(tmp).glob("*.whl"))
        if r.returncode != 0 or not wheels:
            return sdist_commands(name, tmp)
        commands, requires = wheel_commands(wheels[0])
        return Found(name, wheels[0].name, commands, requires)


SDIST_HINTS = ("console_scripts", "[project.scripts]", "[tool.poetry.scripts]", "scripts=", "scripts =")


def sdist_commands(name: str, tmp: str) -> Found:
    """No wheel: the newest sdist from PyPI's JSON API, searched for a declaration of commands.

    Not built (that would run its code): the build files are only read, so the answer is
    "declares commands" rather than their names.
    """
    import json
    import tarfile
    import urllib.parse
    import urllib.request

    try:
        with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=60) as resp:
            info = json.load(resp)
    except (OSError, ValueError) as exc:
        return Found(name, error=f"not on PyPI ({exc})")
    sdists = [u for u in info.get("urls", []) if u.get("packagetype") == "sdist"]
    if not sdists:
        return Found(name, error="no wheel and no sdist for the newest release")
    path = Path(tmp) / sdists[0]["filename"]
    url = urllib.parse.urljoin(f"https://pypi.org/pypi/{name}/json", sdists[0]["url"])
    try:
        urllib.request.urlretrieve(url, path)
        found: list[str] = []
        with tarfile.open(path) as tf:
            for member in tf.getmembers():
                base = member.name.split("/", 1)[-1]
                if base in ("setup.py", "setup.cfg", "pyproject.toml") and member.isfile():
                    text = tf.extractfile(member).read().decode("utf-8", "replace")
                    found += [f"{base}: {h.strip('=[] ')}" for h in SDIST_HINTS if h in text]
    except (OSError, ValueError, tarfile.TarError) as exc:
        return Found(name, error=f"sdist unreadable ({exc})")
    requires = [r.split(";", 1)[0].strip() for r in info["info"].get("requires_dist") or () if "extra ==" not in r]
    return Found(name, sdists[0]["filename"], [f"(sdist declares {', '.join(found)})"] if found else [], requires)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="check only these entries (default: the whole list)")
    ap.add_argument("--jobs", type=int, default=8)
    ns = ap.parse_args(argv)
    apps = read_list()
    names = ns.names or list(apps)
    with ThreadPoolExecutor(ns.jobs) as pool:
        found = dict(zip(names, pool.map(download, names)))
    # one level down for --include-deps entries with no commands of their own
    deps_of = {}
    for name in names:
        f = found[name]
        if "--include-deps" in apps.get(name, ()) and not f.commands and f.requires:
            from packaging.requirements import Requirement

            deps = [Requirement(r).name for r in f.requires]
            with ThreadPoolExecutor(ns.jobs) as pool:
                deps_of[name] = dict(zip(deps, pool.map(download, deps)))
    bad = 0
    for name in names:
        f = found[name]
        if f.error:
            bad += 1
            print(f"? {name}: {f.error}")
        elif f.commands:
            shown = f"{', '.join(f.commands[:6])}{' …' if len(f.commands) > 6 else ''}"
            # a metapackage's own command is often not the one users want (ansible: ansible-community)
            named = name in f.commands or f.commands[0].startswith("(") or "--include-deps" in apps.get(name, ())
            odd = "" if named else "  (no command named so)"
            print(f"✓ {name}: {shown}{odd}")
        elif name in deps_of and any(d.commands for d in deps_of[name].values()):
            via = [f"{d} ({', '.join(x.commands[:3])})" for d, x in deps_of[name].items() if x.commands]
            print(f"✓ {name} --include-deps: commands from {'; '.join(via)}")
        else:
            bad += 1
            needs = f"; requires {', '.join(f.requires[:8])}" if f.requires else ""
            print(f"✗ {name}: no commands in {f.wheel}{needs}")
    print(f"{len(names) - bad} of {len(names)} entries ship commands")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
