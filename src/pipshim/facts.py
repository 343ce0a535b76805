"""Gather, in one place, everything decide() may look at.

This is the only step of the decision path that reads the file system and the
environment; decide() gets the result as a value. Environment candidates come from
discovery.py, each tagged with its Source.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from pipshim import interp as interp_mod
from pipshim import paths, realpip
from pipshim.discovery import Candidate, Project, Source, State, classify, find_project, find_venvs
from pipshim.interp import Interp
from pipshim.pip_argv import MUTATING, NOTED_READS, PipArgs, options_for, parse, python_option, truthy
from pipshim.pipconf import HOP_DONE, env_setting, file_setting, python_setting, read_settings
from pipshim.realpip import RealPip
from pipshim.record import Factory, Record, replace
from pipshim.settings import Settings
from pipshim.settings import load as load_settings

GUARD = "PIPSHIM_ACTIVE"  # set for every child; seeing it means we were re-entered


class PipxApp(Record):
    """One venv pipx holds: its version (None: no readable pipx_metadata.json) and whether it is whole.

    Whole: the metadata reads, the venv's python exists, and every command pipx exposed is
    there, in the venv and in the bin dir. A venv that is not whole (a pipx install killed
    half-way) is repaired by the next install (``--force``).
    """

    venv: str
    version: str | None = None
    whole: bool = True
    missing: str = ""  # what is missing, in words, when not whole
    commands: tuple = ()  # the commands exposed in the bin dir (full paths)
    spec: str = ""  # what pipx installed it from (package_or_url: "black[d]"), for its extras


class PipxFacts(Record):
    """Where pipx keeps its venvs (as pipx itself works it out) and which apps it manages.

    managed: the venv names; apps: name -> PipxApp for each of them (canonical names).
    """

    home: str
    global_home: str
    managed: frozenset = frozenset()
    global_managed: frozenset = frozenset()
    apps: Mapping = Factory(dict)
    global_apps: Mapping = Factory(dict)


class Facts(Record):
    """Everything the decision depends on. Built by gather(), or by hand in tests."""

    invoked_as: str  # pip, pip3, pip3.12, python3 (for `python3 -m pip`)
    args: PipArgs
    cwd: str
    uid: int
    environ: Mapping[str, str]
    shim_dir: str
    real_pip: RealPip | None
    interp: Interp | None  # the interpreter the real pip runs on
    pip_settings: Mapping[str, tuple] = Factory(dict)  # pipconf: name -> (value, where)
    pip_conf_quiet: str | None = None  # `quiet` as pip's config files set it for the command (pipconf.file_setting)
    python_from: str | None = None  # what chose interp instead of the real pip's own: --python, PIP_PYTHON, a file
    config: Settings = Factory(Settings)
    active: Candidate | None = None  # VIRTUAL_ENV
    venvs: tuple = ()  # rule 5's candidates, nearest first
    project: Project | None = None
    user_venv: Candidate | None = None
    # the per-version user environment of interp's Python (paths.version_user_venv), when the
    # user environment is at its default path and runs another minor version (rules.user_env
    # takes it for a call that names its version)
    version_venv: Candidate | None = None
    pipx: PipxFacts | None = None
    is_root: bool = False
    in_container: bool = False
    req_files: Mapping[str, tuple | None] = Factory(dict)
    disabled: bool = False
    reentered: bool = False
    raspberry_pi: bool = False  # Raspberry Pi OS: apt-only hardware libraries, so venvs see system packages
    home: str = ""  # the user's home (paths.home), for showing paths as ~/…

    def replace(self, **changes: object) -> Facts:
        return replace(self, **changes)

    @property
    def pip_quiet(self) -> int:
        """pip's own -q count, layered as pip layers it: its config files' ``quiet``, replaced by
        PIP_QUIET (any spelling of QUIET, the last one; none with ``--isolated``: pip then reads
        no PIP_ variable, and looks for that word alone) unless empty; plus the command line's."""
        env = None if "--isolated" in self.args.argv else env_setting(self.environ, "quiet")
        value = env[0] if env and env[0] else self.pip_conf_quiet
        return pip_quiet(value) + self.args.count("--quiet")

    @property
    def quiet(self) -> bool:
        """No `pipshim:` line: pipshim's setting, or pip told to be quiet."""
        return self.config.quiet or self.pip_quiet > 0

    @property
    def root_on_host(self) -> bool:
        """Root outside a container: has no user environment, never installs libraries system-wide."""
        return self.is_root and not self.in_container


def pipx_app(venv: str, bin_dir: str) -> PipxApp:
    """Read one pipx venv: pipx_metadata.json, its python, its commands in the venv and in ``bin_dir``."""
    import json

    try:
        with open(os.path.join(venv, "pipx_metadata.json"), encoding="utf-8") as fh:
            meta = json.load(fh)
        main = meta["main_package"]
        version = str(main["package_version"])
        spec = str(main.get("package_or_url") or "")
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return PipxApp(venv, None, False, "its pipx_metadata.json is missing or unreadable")

    def path(p) -> str:
        return str(p.get("__Path__", "")) if isinstance(p, dict) else str(p)

    try:
        in_venv = [path(p) for p in main.get("app_paths") or ()]
        if main.get("include_dependencies"):
            for paths_ in (main.get("app_paths_of_dependencies") or {}).values():
                in_venv += [path(p) for p in paths_]
        suffix = str(main.get("suffix") or "")
        exposed = meta.get("exposure_enabled", True) is not False
    except (AttributeError, TypeError):
        return PipxApp(venv, version, False, "its pipx_metadata.json is unreadable")
    if not os.path.exists(os.path.join(venv, "bin", "python")):
        return PipxApp(venv, version, False, "its python is missing", (), spec)
    commands = tuple(os.path.join(bin_dir, os.path.basename(p) + suffix) for p in in_venv) if exposed else ()
    for p in in_venv:
        if not os.path.isfile(p):
            return PipxApp(venv, version, False, f"its command {os.path.basename(p)} is missing", commands, spec)
    for c in commands:
        if not os.path.exists(c):  # a dangling link counts as missing
            return PipxApp(venv, version, False, f"{c} is missing", commands, spec)
    return PipxApp(venv, version, True, "", commands, spec)


def pipx_facts(environ: Mapping[str, str], bin_dir: str = "") -> PipxFacts:
    """pipx's homes, and each app in them; ``bin_dir``: where pipshim has pipx expose commands."""
    home = environ.get("PIPX_HOME") if os.path.isabs(environ.get("PIPX_HOME", "")) else None
    if not home:
        legacy = os.path.join(paths.home(environ), ".local", "pipx")
        home = legacy if os.path.exists(legacy) else os.path.join(paths.data_home(environ), "pipx")
    global_home = environ.get("PIPX_GLOBAL_HOME") or "/opt/pipx"
    bin_dir = bin_dir or environ.get("PIPX_BIN_DIR") or paths.default_bin_dir(environ)
    global_bin = environ.get("PIPX_GLOBAL_BIN_DIR") or "/usr/local/bin"

    def apps(root: str, where: str) -> dict:
        venvs = os.path.join(root, "venvs")
        try:
            names = [n for n in os.listdir(venvs) if not n.startswith(".") and os.path.isdir(os.path.join(venvs, n))]
        except OSError:
            return {}
        return {n: pipx_app(os.path.join(venvs, n), where) for n in names}

    mine, glob = apps(home, bin_dir), apps(global_home, global_bin)
    return PipxFacts(home, global_home, frozenset(mine), frozenset(glob), mine, glob)


# PID 1 of a machine, a VM, WSL, or an LXC/nspawn system container: a host, where `sudo pip` is refused
INIT_SYSTEMS = ("systemd", "init", "openrc-init", "runit", "runit-init", "s6-svscan", "launchd", "upstart")
# what a container runtime writes into PID 1's cgroup (cgroup v1, or v2 with a telling path)
CONTAINER_CGROUPS = ("docker", "kubepods", "containerd", "libpod", "crio", "buildkit", "actions_job")
CONTAINER_FILES = ("/.dockerenv", "/run/.containerenv")


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read(65536)
    except OSError:
        return ""


def detect_container(read: Callable[[str], str] = _read, exists: Callable[[str], bool] = os.path.exists) -> bool:
    """/.dockerenv or /run/.containerenv; else WSL is a host; else PID 1 decides: an init system
    is a host, anything else (BuildKit's RUN, `docker run CMD`, tini, a Kubernetes pod) a container."""
    if any(exists(p) for p in CONTAINER_FILES):
        return True
    if "microsoft" in read("/proc/sys/kernel/osrelease").lower():
        return False
    comm = read("/proc/1/comm").strip()
    if not comm:  # no /proc (macOS: launchd) or hidden: a host, the safe answer
        return False
    if any(word in read("/proc/1/cgroup") for word in CONTAINER_CGROUPS):
        return True
    return comm not in INIT_SYSTEMS


def detect_raspberry_pi(read: Callable[[str], str] = _read, exists: Callable[[str], bool] = os.path.exists) -> bool:
    """Raspberry Pi OS marks itself with /etc/rpi-issue; the board names itself in the device tree."""
    return exists("/etc/rpi-issue") or read("/proc/device-tree/model").startswith("Raspberry Pi")


def owns_root() -> bool:
    """Root as the shims tell it without a fork (``[ -O / ]``): the effective user owns ``/``.
    sudo and a container's root do; the mapped root of a user namespace over the host's own
    files (``unshare -r``, bubblewrap) does not, and installs as the user it really is."""
    try:
        return os.stat("/").st_uid == os.geteuid()
    except OSError:
        return os.geteuid() == 0


def pip_quiet(value: str | None) -> int:
    """PIP_QUIET, or a config file's ``quiet``, as pip's ConfigOptionParser counts it: a
    true/false word is 1/0, else an integer; pip rejects anything else (a negative number
    too) with its own error, so 0. The pip shim's sh reads the words and plain digits of
    PIP_QUIET alike and leaves the rest (and any config file naming quiet) to this."""
    if not value:
        return 0  # pip skips an empty value
    word = truthy(value)
    if word is not None:
        return int(word)
    try:
        return max(int(value), 0)
    except ValueError:
        return 0


def _override(environ: Mapping[str, str], name: str, detect: Callable[[], bool]) -> bool:
    forced = truthy(environ.get(name))
    return forced if forced is not None else detect()


def as_root(environ: Mapping[str, str]) -> bool:
    """Root, or what PIPSHIM_ROOT=0|1 says instead (tests, and anyone who knows better)."""
    return _override(environ, "PIPSHIM_ROOT", owns_root)


def in_container(environ: Mapping[str, str]) -> bool:
    """In a container (detect_container), or what PIPSHIM_CONTAINER=0|1 says instead."""
    return _override(environ, "PIPSHIM_CONTAINER", detect_container)


def _req_files(args: PipArgs, cwd: str) -> dict:
    requirement, constraint = args.values("--requirement"), args.values("--constraint")
    if not (requirement or constraint):
        return {}
    from pipshim.reqfiles import read_all

    return read_all(requirement, constraint, cwd)


def _interpreter(argv: list[str], environ: Mapping[str, str], real: RealPip | None) -> tuple:
    """The interpreter pip works on, as pip's main parser picks it: ``--python`` before the
    command, else ``PIP_PYTHON``, else ``[global] python``, else the real pip's own (none of
    them once pip's own hop is done). Returns (path, what chose it or None, Interp or None)."""
    hop_done = HOP_DONE in environ
    python = None if hop_done else python_option(argv)
    python_from = "--python" if python else None
    info = None
    if python is None and real is not None and real.python:
        info = interp_mod.inspect(real.python, environ)
        chosen = None if hop_done or info is None else python_setting(environ, info.prefix, info.pip_version)
        if chosen is None:
            return real.python, None, info
        (python, python_from), info = chosen, None
    if python and os.path.isdir(python):  # pip's --python accepts an environment directory
        python = os.path.join(python, "bin", "python")
    elif python and not os.path.exists(python):  # or a name on PATH (--python python3.12), as pip finds it
        python = realpip.which(python, environ.get("PATH", os.defpath)) or python
    return python, python_from, interp_mod.inspect(python, environ) if python else None


def _version_venv(user: Candidate | None, default: bool, info: Interp, uid: int, probe) -> Candidate | None:
    """Facts.version_venv: beside ``user`` (at its ``default`` path), if that runs another Python than ``info``."""
    if not default or user is None or user.state is not State.OK or user.version in ("", info.version):
        return None
    return classify(paths.version_user_venv(user.path, info.version), Source.USER, uid, probe)


def gather(
    invoked_as: str,
    argv: list[str],
    environ: Mapping[str, str],
    shim_dir: str,
    full: bool = True,
    python_flags: tuple[str, ...] = (),
) -> Facts:
    """The facts for ``pip ARGV`` here. ``full=False`` (the shims) skips looking for
    environments when the decision cannot need them: pip passes through unchanged."""
    disabled = truthy(environ.get("PIPSHIM_DISABLE")) is True
    reentered = bool(environ.get(GUARD))
    uid = os.getuid()
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = environ.get("PWD") if os.path.isabs(environ.get("PWD", "")) else "/"
    real = realpip.find(invoked_as, environ.get("PATH", os.defpath), (shim_dir,), python_flags)
    if not full and (disabled or reentered):  # checked before anything but the real pip (PATH) is read
        return Facts(
            invoked_as, parse(argv), cwd, uid, environ, shim_dir, real, None, disabled=disabled, reentered=reentered
        )
    _, python_from, info = _interpreter(argv, environ, real)
    args = parse(argv, info.pip_version if info else None)  # None: read as the newest pip
    # pip loads its config isolated only for this exact word (cli/main.py: "--isolated" in cmd_args),
    # not for an abbreviation nor PIP_ISOLATED, though both set the option
    isolated = "--isolated" in argv
    managed = bool(info and info.managed)
    # pip's settings only move installs and uninstalls: other commands never pay for reading pip.conf
    mutating = args.command in MUTATING
    pip_settings = {}
    if managed and mutating:
        options = options_for(args.command, info.pip_version)
        pip_settings = read_settings(environ, args.command, info.prefix, isolated, options, info.pip_version)
    # only a routed call (managed) says a `pipshim:` line for a pip.conf `quiet` to silence
    quiet_set = (
        file_setting(environ, "quiet", args.command, info.prefix, isolated, info.pip_version) if managed else None
    )
    config = load_settings(environ, with_apps=managed and mutating)
    is_root = as_root(environ)
    contained = in_container(environ) if is_root else False
    user_path = paths.user_venv(environ, config.user_venv, is_root and contained)
    # the fields every answer has; built into Facts once (a record is made field by field)
    known = dict(
        invoked_as=invoked_as,
        args=args,
        cwd=cwd,
        uid=uid,
        environ=environ,
        shim_dir=shim_dir,
        real_pip=real,
        interp=info,
        pip_settings=pip_settings,
        pip_conf_quiet=quiet_set[0] if quiet_set else None,
        python_from=python_from,
        config=config,
        is_root=is_root,
        in_container=contained,
        disabled=disabled,
        reentered=reentered,
    )
    if not full and not managed:
        return Facts(**known)
    probe = lambda python: interp_mod.runs(python, environ)  # noqa: E731
    active_path = environ.get("VIRTUAL_ENV") or ""
    user = classify(user_path, Source.USER, uid, probe) if user_path else None
    default = user_path == paths.user_venv(environ, None, is_root and in_container)
    version_venv = _version_venv(user, default, info, uid, probe) if info is not None else None
    return Facts(
        **known,
        home=paths.home(environ),
        active=classify(active_path, Source.ACTIVE, uid, probe) if os.path.isabs(active_path) else None,
        venvs=find_venvs(cwd, uid, probe),
        project=find_project(cwd, paths.home(environ), uid),
        user_venv=user,
        version_venv=version_venv,
        # pipx's apps matter to installs (rule 7) and to the note of list/show: other reads
        # never pay for reading each app's metadata
        pipx=pipx_facts(environ, shim_dir) if managed and (mutating or args.command in NOTED_READS) else None,
        req_files=_req_files(args, cwd) if managed and args.command == "install" else {},
        raspberry_pi=detect_raspberry_pi() if config.system_site is None else False,
    )
