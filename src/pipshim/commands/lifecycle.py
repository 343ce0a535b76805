"""``make install``'s summary and ``make uninstall [PURGE=1]`` (hidden commands for the Makefile).

``pipshim install-summary``: what was placed, and the rc line (the same as the README's).

``pipshim uninstall-all``: removes what ``make install`` placed (the shims carrying
pipshim's ID, the tool environment), then lists what stays, each with the command that
removes it: the user environment and its links in the bin dir, pipx apps, caches, the
settings file, the rc line. ``--purge`` removes all of that too, pipx apps first (with
the tool environment's pipx, before the tool environment goes; without it, pipx's venv
of each app and its links are removed directly). Only what is provably pipshim's, or a
venv, is ever deleted; a rc line is removed only when it is exactly the line
``shell-init`` gives (any other line naming pipshim is listed).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field

from pipshim import paths, shims
from pipshim.commands.shell_init import RC_FILES, display_path, rc_line
from pipshim.errors import say
from pipshim.facts import as_root, in_container

# the lines `shell-init --rc-line` gives, and the older bare forms (any path to a `pipshim`)
_EXE = r"""(?:'[^']*'|"[^"]*"|[^\s'"])*pipshim'?"""
RC_LINE = re.compile(
    rf"""^\s*(?:if \[ -x {_EXE} \]; then eval "\$\({_EXE} shell-init (?:bash|zsh|sh)\)"; fi"""
    rf"""|eval "\$\({_EXE} shell-init (?:bash|zsh|sh)\)\""""
    rf"""|if test -x {_EXE}; {_EXE} shell-init fish \| source; end"""
    rf"""|{_EXE} shell-init fish \| source)\s*$"""
)


def rc_files(environ: Mapping[str, str]) -> list[str]:
    home = paths.home(environ)
    if not home:
        return []
    zdot = environ.get("ZDOTDIR") if os.path.isabs(environ.get("ZDOTDIR", "")) else home
    fish = os.path.join(paths.config_home(environ), "fish")
    files = [os.path.join(home, n) for n in (".bashrc", ".bash_profile", ".bash_login", ".profile")]
    files += [os.path.join(zdot, n) for n in (".zshrc", ".zprofile", ".zshenv")]
    files.append(os.path.join(fish, "config.fish"))
    with contextlib.suppress(OSError):
        conf_d = os.path.join(fish, "conf.d")
        files += [os.path.join(conf_d, n) for n in sorted(os.listdir(conf_d)) if n.endswith(".fish")]
    return [f for f in files if os.path.isfile(f)]


def rc_mentions(environ: Mapping[str, str]) -> list[tuple[str, int, str]]:
    """(file, line number, line) of every rc line that runs ``pipshim shell-init``."""
    found = []
    for path in rc_files(environ):
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as fh:
                for number, line in enumerate(fh, 1):
                    if "pipshim" in line and "shell-init" in line:
                        found.append((path, number, line.rstrip("\n")))
        except OSError:
            continue
    return found


def _user_shell(environ: Mapping[str, str]) -> str:
    name = os.path.basename(environ.get("SHELL", ""))
    return name if name in RC_FILES else "bash"


# --- install-summary -------------------------------------------------------------------------


def install_summary(bin_dir: str, tool_dir: str, environ: Mapping[str, str]) -> int:
    from pipshim import __version__
    from pipshim.realpip import is_our_shim

    placed = [n for n in sorted(os.listdir(bin_dir)) if is_our_shim(os.path.join(bin_dir, n))]
    print(f"pipshim {__version__} installed")
    print(f"  shims:    {bin_dir} ({' '.join(placed)})")
    print(f"  resolver: {tool_dir}")
    shell = _user_shell(environ)
    line = rc_line(shell, bin_dir, environ)
    first = shutil.which("pip", path=environ.get("PATH", "")) or ""
    has_line = [m for m in rc_mentions(environ) if RC_LINE.match(m[2])]
    if has_line:
        print(f"  {display_path(has_line[0][0], environ)} has the shell-init line: open a new shell")
    else:
        why = (
            "for the project hook (commands follow the project)"
            if first and is_our_shim(first)
            else f"to put {bin_dir} in front of PATH, with the project hook"
        )
        print(f"Add this line to {RC_FILES[shell]} {why}:")
        print(f"  {line}")
        # the shell this runs in keeps its PATH, and remembers where it found `pip` before
        if shims.on_path(bin_dir, environ.get("PATH", "")):
            print("  then open a new shell, or run `hash -r` in this one (it may still run the pip it found before)")
        else:
            print("  then open a new shell (this one keeps its PATH, and the pip it found before)")
        print('  (zsh, fish, sh: README "Shell integration"; `pipshim doctor` checks the set-up)')
    if not shims.on_path(bin_dir, environ.get("PATH", "")) and as_root(environ) and in_container(environ):
        # a Dockerfile's later RUN lines start sh with the image's PATH and read no rc file
        print(f"In a Dockerfile, RUN reads no rc file: set ENV PATH={bin_dir}:$PATH,")
        print("  or install with `make install PREFIX=/usr/local` (shims in /usr/local/bin)")
    return 0


# --- uninstall-all -----------------------------------------------------------------------------


@dataclass
class Leftovers:
    """What stays after the shims and the tool environment are gone, with how to remove it."""

    user_env: str = ""
    user_env_file: str = ""
    data_dir: str = ""
    links: list[str] = field(default_factory=list)
    pipx_home: str = ""
    pipx_apps: list[str] = field(default_factory=list)
    pipx_global: bool = False
    cache: str = ""
    config: str = ""
    rc: list[tuple[str, int, str]] = field(default_factory=list)


def _links_into(bin_dir: str, target_dir: str) -> list[str]:
    """Symlinks in bin_dir whose target lies in target_dir."""
    out = []
    try:
        names = sorted(os.listdir(bin_dir))
    except OSError:
        return out
    prefix = target_dir.rstrip("/") + "/"
    for n in names:
        p = os.path.join(bin_dir, n)
        if os.path.islink(p):
            target = os.readlink(p)
            target = target if os.path.isabs(target) else os.path.normpath(os.path.join(bin_dir, target))
            if target.startswith(prefix):
                out.append(p)
    return out


def leftovers(bin_dir: str, environ: Mapping[str, str]) -> Leftovers:
    from pipshim.facts import pipx_facts
    from pipshim.settings import load

    left = Leftovers()
    root = as_root(environ)
    config = load(environ, with_apps=False)
    user = paths.user_venv(environ, config.user_venv, root and in_container(environ))
    if user and os.path.isfile(os.path.join(user, "pyvenv.cfg")):
        left.user_env = user
        left.links = _links_into(bin_dir, os.path.join(user, "bin"))
    data = paths.data_home(environ)
    left.data_dir = os.path.join(data, "pipshim") if data else ""
    env_file = paths.user_env_file(environ)
    left.user_env_file = env_file if env_file and os.path.lexists(env_file) else ""
    pipx = pipx_facts(environ)
    glob = root and not in_container(environ)
    left.pipx_global = glob
    left.pipx_home = pipx.global_home if glob else pipx.home
    venvs_dir = os.path.join(left.pipx_home, "venvs")
    apps = pipx.global_managed if glob else pipx.managed
    left.pipx_apps = sorted(a for a in apps if not a.startswith(".") and os.path.isdir(os.path.join(venvs_dir, a)))
    cache = paths.cache_dir(environ)
    left.cache = cache if cache and os.path.lexists(cache) else ""
    conf = paths.config_file(environ)
    left.config = os.path.dirname(conf) if conf and os.path.lexists(os.path.dirname(conf)) else ""
    left.rc = rc_mentions(environ)
    return left


def _pipx_env(environ: Mapping[str, str], bin_dir: str, left: Leftovers) -> dict[str, str]:
    env = dict(environ)
    if left.pipx_global:
        env.update(PIPX_GLOBAL_HOME=left.pipx_home, PIPX_GLOBAL_BIN_DIR=bin_dir)
    else:
        env.update(PIPX_HOME=left.pipx_home, PIPX_BIN_DIR=bin_dir)
    return env


def _remove_pipx_apps(tool_python: str, bin_dir: str, environ: Mapping[str, str], left: Leftovers) -> None:
    """pipx uninstall each app with the tool environment's pipx; directly when that cannot run."""
    env = _pipx_env(environ, bin_dir, left)
    can_run = os.access(tool_python, os.X_OK)
    for app in left.pipx_apps:
        cmd = [tool_python, "-I", "-m", "pipx", "uninstall", *(["--global"] if left.pipx_global else []), app]
        done = can_run and subprocess.run(cmd, env=env, capture_output=True, text=True).returncode == 0
        venv = os.path.join(left.pipx_home, "venvs", app)
        if not done:  # no pipx left: pipx's venv of the app, and the links into it
            for link in _links_into(bin_dir, venv):
                os.unlink(link)
            shutil.rmtree(venv, ignore_errors=True)
        print(f"removed pipx app {app}")
    if _remove_pipx_home(left.pipx_home) and not left.pipx_global:
        for base in (paths.cache_home(environ), paths.state_home(environ)):
            if base:  # "" when there is no home: never a path relative to the cwd
                _remove_tree(os.path.join(base, "pipx"), "pipx's")


# what pipx keeps in its home besides the apps' venvs (.trash: pipx 1.2+)
_PIPX_HOME_ENTRIES = frozenset(("venvs", "shared", "logs", "py", ".cache", "trash", ".trash", "pipx.json"))


def _remove_pipx_home(home: str) -> bool:
    """pipx's home, once no app is left in it and it holds only pipx's own directories."""
    try:
        names = set(os.listdir(home))
        apps = os.listdir(os.path.join(home, "venvs")) if "venvs" in names else []
    except OSError:
        return False
    names = {n for n in names if not (n.startswith(".") and n.endswith(".lock"))}  # pipx's lock files
    if [a for a in apps if not a.startswith(".")] or not names <= _PIPX_HOME_ENTRIES:
        return False
    shutil.rmtree(home, ignore_errors=True)
    print(f"removed {home} (pipx's home, no app left in it)")
    return True


def _remove_tree(path: str, what: str) -> None:
    if path and os.path.lexists(path):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
        print(f"removed {what} {path}")


def _remove_rc_lines(left: Leftovers) -> list[tuple[str, int, str]]:
    """Remove the exact shell-init lines; returns the other mentions (left for the user)."""
    kept = []
    by_file: dict[str, list[int]] = {}
    for path, number, line in left.rc:
        if RC_LINE.match(line):
            by_file.setdefault(path, []).append(number)
        else:
            kept.append((path, number, line))
    for path, numbers in by_file.items():
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as fh:
                text = fh.read().splitlines(keepends=True)
            out = [ln for i, ln in enumerate(text, 1) if i not in numbers]
            tmp = f"{path}.pipshim-tmp"
            with open(tmp, "w", encoding="utf-8", errors="surrogateescape") as fh:
                fh.writelines(out)
            shutil.copymode(path, tmp)
            os.replace(tmp, path)
            print(f"removed the shell-init line from {path}")
        except OSError as exc:
            say(f"could not edit {path} ({exc.strerror}): remove its pipshim line by hand")
    return kept


def _tool_env_removable(tool_dir: str) -> bool:
    real = os.path.realpath(tool_dir)
    return real != "/" and os.path.isfile(os.path.join(tool_dir, "pyvenv.cfg"))


def uninstall_all(bin_dir: str, tool_dir: str, purge: bool, environ: Mapping[str, str]) -> int:
    from pipshim import venvs

    left = leftovers(bin_dir, environ)
    tool_python = os.path.join(tool_dir, "bin", "python")
    status = 0
    if purge:
        if left.pipx_apps:
            _remove_pipx_apps(tool_python, bin_dir, environ, left)
        for link in left.links:
            os.unlink(link)
        if left.links:
            print(f"removed {len(left.links)} link(s) in {bin_dir} into the user environment")
        if left.user_env:
            why = venvs.removable(left.user_env, (paths.home(environ),))
            if why is None:
                _remove_tree(left.user_env, "the user environment")
            else:
                say(f"left the user environment alone: {why}")
                status = 1
        _remove_tree(left.user_env_file, "the file")
        _remove_tree(left.cache, "the cache")
        _remove_tree(left.config, "the settings")
        left.rc = _remove_rc_lines(left)
    removed = shims.uninstall(bin_dir)
    if removed:
        print(f"removed {len(removed)} shims from {bin_dir}: {' '.join(os.path.basename(p) for p in removed)}")
    if os.path.lexists(tool_dir):
        if _tool_env_removable(tool_dir):
            shutil.rmtree(tool_dir, ignore_errors=True)
            print(f"removed the tool environment {tool_dir}")
        else:
            say(f"left {tool_dir} alone: it is not a venv")
            status = 1
    if purge:
        for d in (left.data_dir, os.path.dirname(tool_dir)):
            with contextlib.suppress(OSError):
                if d and os.path.basename(d) == "pipshim":
                    os.rmdir(d)  # only when empty
        for path, number, line in left.rc:
            print(f"left {path}:{number} alone (not the line shell-init gives): {line.strip()}")
        return status
    _list_leftovers(left, bin_dir, environ)
    return status


def _list_leftovers(left: Leftovers, bin_dir: str, environ: Mapping[str, str]) -> None:
    q = shlex.quote
    items = []
    if left.user_env:
        items.append((f"the user environment {left.user_env}", f"rm -rf {q(left.user_env)}"))
    if left.links:
        target = os.path.join(left.user_env, "bin", "*")
        items.append(
            (
                f"{len(left.links)} link{'s' if len(left.links) > 1 else ''} in {bin_dir} into the user environment",
                f"find {q(bin_dir)} -maxdepth 1 -lname {q(target)} -delete",
            )
        )
    if left.pipx_apps:
        other_pipx = shutil.which("pipx", path=environ.get("PATH", ""))
        g = " --global" if left.pipx_global else ""
        if other_pipx:
            how = "; ".join(f"pipx uninstall{g} {q(a)}" for a in left.pipx_apps)
        else:
            venvs_dir = os.path.join(left.pipx_home, "venvs")
            how = f"rm -rf {q(venvs_dir)} && find {q(bin_dir)} -maxdepth 1 -lname {q(venvs_dir + '/*')} -delete"
        items.append((f"pipx apps in {left.pipx_home}: {', '.join(left.pipx_apps)}", how))
    if left.user_env_file:
        items.append((f"the user environment's path file {left.user_env_file}", f"rm -f {q(left.user_env_file)}"))
    if left.cache:
        items.append((f"the cache {left.cache}", f"rm -rf {q(left.cache)}"))
    if left.config:
        items.append((f"the settings {left.config}", f"rm -rf {q(left.config)}"))
    by_file: dict[str, list[tuple[int, str]]] = {}
    for path, number, line in left.rc:
        by_file.setdefault(path, []).append((number, line))
    for path, found in by_file.items():
        numbers = ", ".join(str(n) for n, _ in found)
        harmless = all(ln.lstrip().startswith("if ") for _, ln in found)
        note = " (harmless: it does nothing once pipshim is gone)" if harmless else ""
        script = ";".join(f"{n}d" for n, _ in found)
        items.append((f"the shell-init line in {path} (line {numbers}){note}", f"sed -i '{script}' {q(path)}"))
    if not items:
        print("nothing of pipshim is left")
        return
    print("What stays (remove each with the command shown, or all of it with `make uninstall PURGE=1`):")
    for what, how in items:
        print(f"  {what}\n      {how}")


def run(args: argparse.Namespace, environ: Mapping[str, str], shim_dir: str) -> int:
    bin_dir = os.path.abspath(args.bin_dir)
    tool_dir = os.path.abspath(args.tool_dir)
    if args.command == "install-summary":
        return install_summary(bin_dir, tool_dir, environ)
    return uninstall_all(bin_dir, tool_dir, args.purge, environ)
