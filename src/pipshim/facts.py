"""Gather, in one place, everything decide() may look at.

This is the only step of the decision path that reads the file system and the
environment; decide() gets the result as a value. Each environment candidate is
tagged with where it came from (uv's PythonSource), so messages can say so.
"""

from __future__ import annotations

import os
from collections import namedtuple

from pipshim import interp as interp_mod
from pipshim import realpip
from pipshim.pip_argv import PipArgs, parse, truthy
from pipshim.pipconf import read_settings
from pipshim.settings import load as load_settings

# Where an environment candidate came from (routes.SOURCE_WORDS has the words for messages).
ACTIVE = "VIRTUAL_ENV"  # rule 3: an activated virtualenv
USER = "user-env"  # rules 4 and 9: the user environment
NEAREST = "nearest-venv"  # rule 5: found walking up from the current directory
PROJECT = "project-root"  # rule 6: ROOT/.venv of the nearest project root, made on first install

VENV_NAMES = (".venv", "venv")  # rule 5: .venv preferred, then venv
PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "Pipfile")  # + requirements*.txt
INCOMPLETE = ".pipshim-incomplete"  # written first when creating a venv, removed last
GUARD = "PIPSHIM_ACTIVE"  # set for every child; seeing it means we were re-entered


class Candidate(namedtuple("Candidate", "path source state detail")):
    """A directory that may hold the environment.

    state: ok | broken (its python no longer runs) | incomplete (a creation was
    killed) | empty | not-venv (no pyvenv.cfg) | foreign (owner or permissions) |
    missing; detail says why, for messages.
    """

    __slots__ = ()

    @property
    def python(self) -> str:
        return os.path.join(self.path, "bin", "python")


class Facts(
    namedtuple(
        "Facts",
        "invoked_as args cwd uid environ shim_dir real_pip interp pip_settings config "
        "active venvs project user_venv pipx is_root in_container req_files disabled reentered quiet",
    )
):
    """Everything the decision depends on. Built by gather(), or by hand in tests.

    pip_settings: pip's env/config values that move an install (pipconf); config:
    pipshim's own Settings; pipx: PipxFacts; is_root/in_container: detected, or set
    by PIPSHIM_ROOT / PIPSHIM_CONTAINER (tests say which they mean).
    """

    __slots__ = ()


class PipxFacts(namedtuple("PipxFacts", "home global_home managed global_managed")):
    """Where pipx keeps its venvs (as pipx itself works it out) and which apps it manages."""

    __slots__ = ()


def pipx_facts(environ: dict[str, str]) -> PipxFacts:
    home_dir = environ.get("HOME", "")
    home = environ.get("PIPX_HOME")
    if not home:
        legacy = os.path.join(home_dir, ".local", "pipx")
        data = environ.get("XDG_DATA_HOME") or os.path.join(home_dir, ".local", "share")
        home = legacy if os.path.exists(legacy) else os.path.join(data, "pipx")
    global_home = environ.get("PIPX_GLOBAL_HOME") or "/opt/pipx"

    def managed(root: str) -> frozenset:
        try:
            return frozenset(os.listdir(os.path.join(root, "venvs")))
        except OSError:
            return frozenset()

    return PipxFacts(home, global_home, managed(home), managed(global_home))


CONTAINER_WORDS = ("docker", "kubepods", "containerd", "libpod", "lxc")


def detect_container() -> bool:
    """/.dockerenv, /run/.containerenv, or a container runtime named in PID 1's cgroup."""
    if os.path.exists("/.dockerenv") or os.path.exists("/run/.containerenv"):
        return True
    try:
        with open("/proc/1/cgroup", encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return False
    return any(word in text for word in CONTAINER_WORDS)


def _override(environ: dict[str, str], name: str, detect) -> bool:
    forced = truthy(environ.get(name))
    return forced if forced is not None else detect()


def user_venv_path(environ: dict[str, str], configured: str | None, root_in_container: bool) -> str:
    if configured:
        return os.path.abspath(os.path.expanduser(configured))
    if root_in_container:
        return "/opt/venv"
    data = environ.get("XDG_DATA_HOME") or os.path.join(environ.get("HOME", ""), ".local", "share")
    return os.path.join(data, "pipshim", "venv")


def owner_problem(st: os.stat_result, uid: int) -> str | None:
    """Another non-root user's directory, or one others may write to, is never used."""
    if st.st_uid not in (uid, 0):
        return f"owned by uid {st.st_uid}"
    if st.st_mode & 0o022:
        return f"writable by group or others (mode {st.st_mode & 0o777:o})"
    return None


def venv_candidate(path: str, source: str, uid: int, environ: dict[str, str] | None = None) -> Candidate:
    """The state of a venv directory; with ``environ``, its interpreter is also asked (cached)."""
    try:
        st = os.stat(path)
    except OSError:
        return Candidate(path, source, "missing", "does not exist")
    if not os.path.isdir(path):
        return Candidate(path, source, "not-venv", "is not a directory")
    problem = owner_problem(st, uid)
    if problem:
        return Candidate(path, source, "foreign", problem)
    if os.path.exists(os.path.join(path, INCOMPLETE)):
        return Candidate(path, source, "incomplete", "its creation was interrupted")
    if not os.path.isfile(os.path.join(path, "pyvenv.cfg")):
        try:
            empty = not os.listdir(path)
        except OSError:
            empty = False
        return Candidate(path, source, "empty" if empty else "not-venv", "has no pyvenv.cfg")
    python = os.path.join(path, "bin", "python")
    if not os.path.exists(python):
        target = os.path.realpath(python)
        return Candidate(path, source, "broken", f"its interpreter {target} no longer exists")
    if environ is not None:
        info = interp_mod.inspect(python, environ)
        if info is None:
            return Candidate(path, source, "broken", f"its interpreter {os.path.realpath(python)} no longer runs")
        if not os.path.isdir(os.path.join(path, "lib", f"python{info.version}")):
            # /usr/bin/python3 moved on to another minor version: the venv's packages are not found
            return Candidate(path, source, "broken", f"it was made for another Python than {info.real_path}")
    return Candidate(path, source, "ok", "")


def _parents(cwd: str):
    d = cwd
    while True:
        yield d
        parent = os.path.dirname(d)
        if parent == d:
            return
        d = parent


def find_venvs(cwd: str, uid: int, environ: dict[str, str] | None = None) -> tuple[Candidate, ...]:
    """Every venv-like directory from cwd upward, nearest first (rule 5).

    A directory that is itself a venv counts (we are inside it), then its .venv, venv.
    """
    found = []
    for d in _parents(cwd):
        if os.path.isfile(os.path.join(d, "pyvenv.cfg")):
            found.append(venv_candidate(d, NEAREST, uid, environ))
        for name in VENV_NAMES:
            path = os.path.join(d, name)
            if os.path.isdir(path):
                found.append(venv_candidate(path, NEAREST, uid, environ))
    return tuple(found)


def is_project_dir(d: str) -> bool:
    try:
        names = os.listdir(d)
    except OSError:
        return False
    return any(n in PROJECT_MARKERS or (n.startswith("requirements") and n.endswith(".txt")) for n in names)


def find_project(cwd: str, home: str, uid: int) -> Candidate | None:
    """The nearest project root (rule 6), never $HOME itself or /."""
    stop = {os.path.realpath(home)} if home else set()
    for d in _parents(cwd):
        if d == "/" or os.path.realpath(d) in stop:
            return None
        if is_project_dir(d):
            venv = venv_candidate(os.path.join(d, ".venv"), PROJECT, uid)
            try:
                problem = owner_problem(os.stat(d), uid)
            except OSError:
                problem = "cannot be read"
            if problem:
                return Candidate(venv.path, PROJECT, "foreign", f"project {d} is {problem}")
            return venv
    return None


def _req_files(args: PipArgs, cwd: str) -> dict:
    requirement, constraint = args.values("--requirement"), args.values("--constraint")
    if not (requirement or constraint):
        return {}
    from pipshim.reqfiles import read_all

    return read_all(requirement, constraint, cwd)


def gather(invoked_as: str, argv: list[str], environ: dict[str, str], shim_dir: str, full: bool = True) -> Facts:
    """The facts for ``pip ARGV`` here. ``full=False`` (the shims) skips looking for
    environments when the decision cannot need them: pip passes through unchanged."""
    args: PipArgs = parse(argv)
    uid = os.getuid()
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = environ.get("PWD") or "/"
    path_var = environ.get("PATH", os.defpath)
    real = realpip.find(invoked_as, path_var, (shim_dir,))
    python = args.last("--python") or (real.python if real else None)
    if python and os.path.isdir(python):  # pip's --python accepts an environment directory
        python = os.path.join(python, "bin", "python")
    info = interp_mod.inspect(python, environ) if python else None
    isolated = args.flag("--isolated") or bool(truthy(environ.get("PIP_ISOLATED")))
    managed = bool(info and info.externally_managed and not info.in_venv and not info.conda)
    # pip's settings only move installs and uninstalls: other commands never pay for reading pip.conf
    mutating = args.command in ("install", "uninstall")
    pip_settings = read_settings(environ, args.command, info.prefix, isolated) if managed and mutating else {}
    config = load_settings(environ, with_apps=managed and mutating)
    active_path = environ.get("VIRTUAL_ENV") or ""
    home = environ.get("HOME", "")
    is_root = _override(environ, "PIPSHIM_ROOT", lambda: uid == 0)
    in_container = _override(environ, "PIPSHIM_CONTAINER", detect_container)
    user_path = user_venv_path(environ, config.user_venv, is_root and in_container)
    disabled = truthy(environ.get("PIPSHIM_DISABLE")) is True
    reentered = bool(environ.get(GUARD))
    if not full and (disabled or reentered or not managed):
        active, venvs, project, user_venv = None, (), None, Candidate(user_path, USER, "missing", "not looked for")
    else:
        active = venv_candidate(active_path, ACTIVE, uid, environ) if active_path else None
        venvs = find_venvs(cwd, uid, environ)
        project = find_project(cwd, home, uid)
        user_venv = venv_candidate(user_path, USER, uid, environ)
    return Facts(
        invoked_as=invoked_as,
        args=args,
        cwd=cwd,
        uid=uid,
        environ=environ,
        shim_dir=shim_dir,
        real_pip=real,
        interp=info,
        pip_settings=pip_settings,
        config=config,
        active=active,
        venvs=venvs,
        project=project,
        user_venv=user_venv,
        pipx=pipx_facts(environ) if managed else None,
        is_root=is_root,
        in_container=in_container,
        req_files=_req_files(args, cwd) if managed and args.command == "install" else {},
        disabled=disabled,
        reentered=reentered,
        quiet=config.quiet,
    )
