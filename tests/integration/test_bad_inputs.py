"""Issue 9, "Tests that hold all this": a table of bad inputs, each run through the real shims.

Weird command lines, awkward directory names, broken or hostile environments, damaged
caches and configs, odd umasks, closed streams, requirement streams, and damaged ``.venv``
entries. For every one:

- no Python traceback on stdout or stderr, and the exit status is never 3 (a pipshim bug);
- no crash log is written (that too would be a bug);
- nothing under the test's temp dir is deleted or changed that the case does not allow,
  and nothing is created outside the places an install may write (the venv it uses,
  pipshim's cache and data dirs, pip's cache, the shim dir's command links);
- nothing half-made stays (``.pipshim-incomplete``, ``*.pipshim-removing-*``);
- the system Python is byte-identical after the session (``system_python_hashes``).

Some cases check more (``-r /dev/stdin`` must install what is piped in). `make test` runs
the cases marked quick; `make check` all. The module reports ``bad inputs: N tried, N
clean`` as a ``ChaosFigure`` warning.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import cold_home

from integration.chaos import (
    Tally,
    clean,
    figure,
    leftovers,
    pipshim_traceback,
    snapshot,
    system_python_hashes,  # noqa: F401  (a session fixture)
    tree_diff,
    under,
)
from integration.support import MARKER, SITE, SYSTEM_PYTHON, user_venv

pytestmark = pytest.mark.usefixtures("system_python_hashes")

TALLY = Tally("bad inputs")


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    if TALLY.tried:
        figure(f"bad inputs: {TALLY.tried} tried, {TALLY.held} clean")


@dataclass
class Case:
    name: str
    argv: list  # argv[0]: a shim name (in the shim dir) or an absolute path; bytes allowed
    cwd: str | Callable = "work"  # "work", "project", or ctx -> Path
    env: dict = field(default_factory=dict)  # value None: unset; a callable: ctx -> value
    setup: Callable | None = None  # ctx -> None, before the snapshot
    stdin: bytes | None = None
    shell: str | None = None  # a bash line around "$@" (redirections, process substitution)
    umask: int | None = None
    allow: tuple = ()  # ctx -> paths (callables) or strs relative to tmp where writes are fine
    check: Callable | None = None  # (result, ctx) -> list of problems
    quick: bool = False
    may_delete: tuple = ()  # paths (relative to tmp) that may go (a damaged .venv made again)


# ---- checks -----------------------------------------------------------------------------------


def installed(where: str = "project", module: str = "demo_lib"):
    def check(r, c) -> list[str]:
        venv = c.project / ".venv" if where == "project" else user_venv(c.env)
        if r.returncode != 0:
            return [f"expected the install to succeed, exit {r.returncode}"]
        if not (venv / SITE / module).is_dir():
            return [f"{module} is not in {venv}"]
        return []

    return check


def installed_or_refused(where: str = "project"):
    """An unusable cache may stop the venv being made: then one ``pipshim:`` line and exit 2."""

    def check(r, c) -> list[str]:
        if r.returncode == 2:
            lines = [ln for ln in r.stderr.splitlines() if ln.startswith("pipshim:")]
            if len(lines) == 1 and "cache" in lines[0]:
                return []
            return [f"exit 2 without one line naming the cache: {lines}"]
        return installed(where)(r, c)

    return check


def refused_or_failed(r, c) -> list[str]:
    return [] if r.returncode != 0 else ["expected a refusal or pip's failure, got exit 0"]


def link_kept(rel: str, target: str):
    """A user's symlink pipshim will not follow: refused (exit 2, the link named), the link as it was."""

    def check(r, c) -> list[str]:
        p, want = c.tmp / rel, target.format(tmp=c.tmp, home=c.home)
        if not p.is_symlink() or os.readlink(p) != want:
            return [f"the user's link {p} -> {want} was removed or changed"]
        if r.returncode != 2 or f"{p} is a symlink to {want}" not in r.stderr:
            return [f"expected exit 2 naming the link {p}, got exit {r.returncode}"]
        return []

    return check


def one_line(r, code: int, start: str) -> list[str]:
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("pipshim:")]
    if r.returncode != code or len(lines) != 1 or not lines[0].startswith(start):
        return [f"expected exit {code} and one line starting {start!r}, got exit {r.returncode}: {lines}"]
    return []


def succeeded(r, c) -> list[str]:
    return [] if r.returncode == 0 else [f"expected success, exit {r.returncode}"]


def no_venv_anywhere(r, c) -> list[str]:
    found = [str(p) for p in c.tmp.rglob("pyvenv.cfg") if not under(str(p), c.tmp / "keep")]
    return [f"a venv was made: {found}"] if found else []


def nothing_in_system(r, c) -> list[str]:
    return []  # held by the session fixture (every system file hashed)


def all_of(*checks):
    return lambda r, c: [p for ch in checks for p in ch(r, c)]


# ---- set-ups ------------------------------------------------------------------------------------


def project_named(name):
    """A project dir with an awkward name (str or bytes) next to the usual one."""

    def cwd(c) -> Path:
        raw = os.fsencode(c.tmp) + b"/" + (name if isinstance(name, bytes) else name.encode())
        if not os.path.exists(raw):
            os.mkdir(raw)
            with open(raw + b"/pyproject.toml", "w") as fh:
                fh.write('[project]\nname = "x"\nversion = "0"\n')
        return Path(os.fsdecode(raw))

    return cwd


def weird_project_check(name):
    def check(r, c) -> list[str]:
        venv = project_named(name)(c) / ".venv"
        problems = succeeded(r, c)
        if not (venv / SITE / "demo_lib").is_dir():
            problems.append(f"demo_lib not installed into {venv!s}")
        if (c.tmp / "pwned").exists() or (c.work / "pwned").exists():
            problems.append("a name was run as a command")
        return problems

    return check


def write(rel: str, data: bytes | str, mode: int | None = None):
    def setup(c) -> None:
        p = c.tmp / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data if isinstance(data, bytes) else data.encode())
        if mode is not None:
            p.chmod(mode)

    setup.touches_home = rel.startswith("home")
    return setup


def mkdir(rel: str, mode: int | None = None):
    def setup(c) -> None:
        p = c.tmp / rel
        p.mkdir(parents=True, exist_ok=True)
        if mode is not None:
            p.chmod(mode)

    setup.touches_home = rel.startswith("home")
    return setup


def symlink(rel: str, target: str):
    def setup(c) -> None:
        p = c.tmp / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.symlink_to(target.format(tmp=c.tmp, home=c.home))

    setup.touches_home = rel.startswith("home")
    return setup


def steps(*setups):
    def setup(c) -> None:
        for s in setups:
            s(c)

    setup.touches_home = any(getattr(s, "touches_home", False) for s in setups)
    return setup


def documents(c) -> None:
    d = c.home / "Documents"
    d.mkdir()
    (d / "thesis.txt").write_text("years of work\n")
    (d / "bin").mkdir()
    (d / "pyvenv.cfg").write_text("home = /usr/bin\n")  # looks a bit like a venv; still not one


def other_venv_here(c) -> None:
    """A real, complete venv of this user under tmp/keep (made by pipshim once)."""


CACHE = "home/.cache/pipshim"
TSV = f"{CACHE}/interpreters.tsv"
CONFIG = "home/.config/pipshim/config.toml"
GARBAGE = bytes(range(256)) * 4 + b"\x00\xff\xfe\n\t\t\t\n"


def H(rel: str):
    return lambda c: str(c.tmp / rel)


# ---- the table ----------------------------------------------------------------------------------

INSTALL = ["pip", "install", "demo-lib"]
P = "project"


def dotvenv_link(name: str, target: str) -> Case:
    """An install in a project whose .venv is the user's symlink to ``target``, which is no venv."""
    return Case(name, INSTALL, cwd=P, setup=symlink("proj/.venv", target), check=link_kept("proj/.venv", target))


CASES: list[Case] = [
    # -- command lines (in a directory that is not a project: reads never create) --
    Case("no-args", ["pip"]),
    Case("version", ["pip", "--version"], check=succeeded),
    Case("V", ["pip", "-V"], check=succeeded),
    Case("help", ["pip", "--help"], check=succeeded),
    Case("install-nothing", ["pip", "install"], check=refused_or_failed),
    Case("install-help", ["pip", "install", "--help"], check=all_of(succeeded, no_venv_anywhere)),
    Case("empty-arg", ["pip", "install", ""]),  # pip: an empty requirement is nothing to do
    Case("empty-command", ["pip", ""], check=refused_or_failed),
    Case("double-dash-only", ["pip", "--"]),  # pip shows its help
    Case("install-double-dash", ["pip", "install", "--"], check=all_of(refused_or_failed, no_venv_anywhere)),
    Case("install-dd-pkg", ["pip", "install", "--", "demo-lib"], cwd=P),
    Case("unknown-option", ["pip", "install", "--no-such-opt", "demo-lib"], check=refused_or_failed),
    Case("unknown-global", ["pip", "--no-such-global", "install", "demo-lib"], check=refused_or_failed),
    Case("r-without-value", ["pip", "install", "-r"], check=all_of(refused_or_failed, no_venv_anywhere)),
    Case("e-without-value", ["pip", "install", "-e"], check=all_of(refused_or_failed, no_venv_anywhere)),
    Case("python-without-value", ["pip", "install", "--python"], check=refused_or_failed),
    Case("python-nonexistent", ["pip", "install", "--python", "/nonexistent/py", "demo-lib"]),
    Case("python-empty", ["pip", "install", "--python", "", "demo-lib"]),
    Case("huge-arg", ["pip", "install", "a" * 100_000], check=refused_or_failed),
    Case("huge-name-in-project", ["pip", "install", "x" * 5000], cwd=P, check=all_of(refused_or_failed)),
    Case("many-args", ["pip", "install", *[f"pkg{i}" for i in range(3000)]], check=refused_or_failed),
    Case("non-utf8-arg", ["pip", "install", b"\xff\xfe"], check=refused_or_failed),
    Case("non-utf8-in-name", ["pip", "install", b"demo-lib\xff"], cwd=P, check=refused_or_failed),
    Case("non-utf8-command", ["pip", b"\xffinstall"], check=refused_or_failed),
    Case("non-utf8-option", ["pip", "install", b"--\xff", "demo-lib"], check=refused_or_failed),
    Case("space-in-req", ["pip", "install", "demo lib"], check=refused_or_failed),
    Case("quote-in-req", ["pip", "install", "demo'lib"], check=refused_or_failed),
    Case("newline-in-req", ["pip", "install", "demo\nlib"], check=refused_or_failed),
    Case("dash-req", ["pip", "install", "-"], check=refused_or_failed),
    Case("dry-run", ["pip", "install", "--dry-run", "demo-lib"], check=no_venv_anywhere),
    Case("quiet-many", ["pip", "-qqqq", "install", "--dry-run", "demo-lib"], check=no_venv_anywhere),
    Case("list", ["pip", "list"], check=no_venv_anywhere),
    Case("freeze", ["pip", "freeze"], check=no_venv_anywhere),
    Case("show-missing", ["pip", "show", "demo-lib"], check=no_venv_anywhere),
    Case("uninstall-missing", ["pip", "uninstall", "-y", "demo-lib"], check=no_venv_anywhere),
    Case("index-url-empty", ["pip", "install", "--index-url", "", "demo-lib"], cwd=P),
    Case("constraint-missing", ["pip", "install", "-c", "/nonexistent", "demo-lib"], check=refused_or_failed),
    Case("req-is-dir", ["pip", "install", "-r", "/"], check=refused_or_failed),
    Case("req-dev-null", ["pip", "install", "-r", "/dev/null"], cwd=P),
    Case("pip3-version", ["pip3", "--version"], check=succeeded),
    Case("pipshim-bare", ["pipshim"]),
    Case("pipshim-help", ["pipshim", "--help"], check=succeeded),
    Case("pipshim-unknown", ["pipshim", "frobnicate"], check=refused_or_failed),
    Case("pipshim-explain-bare", ["pipshim", "explain"]),
    Case("pipshim-explain-non-utf8", ["pipshim", "explain", "--", "pip", "install", b"\xff"]),
    Case("pipshim-explain-json", ["pipshim", "explain", "--json", "--", "pip", "install", "demo-lib"], cwd=P),
    Case("pipshim-venv-unknown-opt", ["pipshim", "venv", "--nope"], check=refused_or_failed),
    Case("pipshim-doctor", ["pipshim", "doctor"]),
    Case(
        "pipshim-install-shims-under-a-file",
        ["pipshim", "install-shims", "--bin-dir", "a-file/bin"],
        setup=write("work/a-file", "not a directory\n"),
        check=lambda r, c: one_line(r, 2, f"pipshim: cannot write the shims in {c.work}/a-file/bin: Not a directory"),
    ),
    Case("python-m-pip-version", ["python3", "-m", "pip", "--version"], check=succeeded),
    Case("python-m-pip-install-help", ["python3", "-m", "pip", "install", "--help"], check=succeeded),
    Case("python-m-missing", ["python3", "-m"], check=refused_or_failed),
    Case("python-m-pip-non-utf8", ["python3", "-m", "pip", "install", b"\xff"], check=refused_or_failed),
    # -- directory names --
    Case("dir-dash", INSTALL, cwd=project_named("-scratch"), check=weird_project_check("-scratch"), quick=True),
    Case("dir-help", INSTALL, cwd=project_named("--help"), check=weird_project_check("--help")),
    Case("dir-lone-dash", INSTALL, cwd=project_named("-"), check=weird_project_check("-")),
    Case("dir-space", INSTALL, cwd=project_named("my project"), check=weird_project_check("my project")),
    Case("dir-quote", INSTALL, cwd=project_named("it's"), check=weird_project_check("it's")),
    Case("dir-dquote", INSTALL, cwd=project_named('say "hi"'), check=weird_project_check('say "hi"')),
    Case("dir-newline", INSTALL, cwd=project_named("two\nlines"), check=weird_project_check("two\nlines")),
    Case("dir-non-utf8", INSTALL, cwd=project_named(b"caf\xe9"), check=weird_project_check(b"caf\xe9")),
    Case("dir-dollar", INSTALL, cwd=project_named("$(touch pwned)"), check=weird_project_check("$(touch pwned)")),
    Case("dir-backtick", INSTALL, cwd=project_named("`touch pwned`"), check=weird_project_check("`touch pwned`")),
    Case("dir-glob", INSTALL, cwd=project_named("*?[x]"), check=weird_project_check("*?[x]")),
    Case("dir-unicode", INSTALL, cwd=project_named("ünïcødé"), check=weird_project_check("ünïcødé")),
    Case("dir-long", INSTALL, cwd=project_named("L" * 200), check=weird_project_check("L" * 200)),
    Case("dir-tab", INSTALL, cwd=project_named("a\tb"), check=weird_project_check("a\tb")),
    Case("dir-equals", INSTALL, cwd=project_named("x=y"), check=weird_project_check("x=y")),
    # -- HOME and the XDG variables --
    Case(
        "home-unset-xdg-set",
        INSTALL,
        cwd=P,
        env={
            "HOME": None,
            "XDG_CACHE_HOME": H("xdg/cache"),
            "XDG_DATA_HOME": H("xdg/data"),
            "XDG_CONFIG_HOME": H("xdg/config"),
        },
        allow=("xdg",),
        check=installed(),
    ),
    Case("home-unset-version", ["pip", "--version"], env={"HOME": None}),
    Case("home-empty", ["pipshim", "explain", "--", "pip", "install", "demo-lib"], env={"HOME": ""}),
    Case("home-relative", INSTALL, cwd=P, env={"HOME": "relhome"}, check=installed()),
    Case("home-nonexistent", INSTALL, cwd=P, env={"HOME": "/nonexistent/home"}, check=installed_or_refused()),
    Case("home-a-file", INSTALL, cwd=P, env={"HOME": H("afile")}, setup=write("afile", "x")),
    Case("home-non-utf8", INSTALL, cwd=P, env={"HOME": lambda c: os.fsencode(c.tmp) + b"/h\xff"}, allow=(b"h\xff",)),
    Case("home-chmod-000", INSTALL, cwd=P, setup=mkdir("home", 0o000), check=installed_or_refused()),
    Case("xdg-cache-relative", INSTALL, cwd=P, env={"XDG_CACHE_HOME": "cache"}, check=installed()),
    Case("xdg-data-relative", INSTALL, env={"XDG_DATA_HOME": "data"}, check=installed("user")),
    Case("xdg-config-relative", INSTALL, cwd=P, env={"XDG_CONFIG_HOME": "config"}, check=installed()),
    Case(
        "xdg-cache-file",
        INSTALL,
        cwd=P,
        env={"XDG_CACHE_HOME": H("cf")},
        setup=write("cf", "x"),
        check=installed_or_refused(),
    ),
    Case(
        "xdg-cache-proc-link",
        INSTALL,
        cwd=P,
        env={"XDG_CACHE_HOME": H("root")},
        setup=symlink("root", "/proc"),
        check=installed_or_refused(),
    ),
    Case("xdg-cache-dev-null", INSTALL, cwd=P, env={"XDG_CACHE_HOME": "/dev/null"}, check=installed_or_refused()),
    Case(
        "xdg-cache-000",
        INSTALL,
        cwd=P,
        env={"XDG_CACHE_HOME": H("c0")},
        setup=mkdir("c0", 0o000),
        allow=("c0",),
        check=installed_or_refused(),
    ),
    Case("cache-dir-is-file", INSTALL, cwd=P, setup=write(CACHE, "x"), check=installed_or_refused()),
    Case("cache-dir-link-slash", INSTALL, cwd=P, setup=symlink(CACHE, "/"), check=installed_or_refused()),
    Case(
        "cache-dir-link-elsewhere",
        INSTALL,
        cwd=P,
        setup=steps(mkdir("victim"), symlink(CACHE, "{tmp}/victim")),
        check=installed_or_refused(),
    ),
    Case("cache-dir-777", INSTALL, cwd=P, setup=mkdir(CACHE, 0o777), check=installed_or_refused()),
    Case("cache-dir-000", INSTALL, cwd=P, setup=mkdir(CACHE, 0o000), check=installed_or_refused()),
    Case("file-size-limit", INSTALL, cwd=P, shell='ulimit -f 0; "$@"'),  # writes fail with EFBIG: "disk full"
    Case("file-size-limit-user", INSTALL, shell='ulimit -f 1; "$@"'),
    # -- the user environment's setting --
    Case("user-venv-relative", INSTALL, env={"PIPSHIM_USER_VENV": "venv"}, check=installed("user")),
    Case("user-venv-tilde", INSTALL, env={"PIPSHIM_USER_VENV": "~"}, check=refused_or_failed),
    Case("user-venv-tilde-sub", INSTALL, env={"PIPSHIM_USER_VENV": "~/myenv"}, allow=("home/myenv",)),
    Case("user-venv-tilde-other", INSTALL, env={"PIPSHIM_USER_VENV": "~root/x"}, check=installed("user")),
    Case(
        "user-venv-file", INSTALL, env={"PIPSHIM_USER_VENV": H("uf")}, setup=write("uf", "x"), check=refused_or_failed
    ),
    Case(
        "user-venv-documents",
        INSTALL,
        env={"PIPSHIM_USER_VENV": lambda c: str(c.home / "Documents")},
        setup=documents,
        check=refused_or_failed,
    ),
    Case(
        "user-venv-documents-recreate",
        ["pipshim", "venv", "--recreate"],
        env={"PIPSHIM_USER_VENV": lambda c: str(c.home / "Documents")},
        setup=documents,
        check=refused_or_failed,
        quick=True,
    ),
    Case(
        "user-venv-home-recreate",
        ["pipshim", "venv", "--recreate"],
        env={"PIPSHIM_USER_VENV": H("home")},
        check=refused_or_failed,
    ),
    Case("user-venv-slash", INSTALL, env={"PIPSHIM_USER_VENV": "/"}, check=refused_or_failed),
    Case(
        "user-venv-slash-recreate",
        ["pipshim", "venv", "--recreate"],
        env={"PIPSHIM_USER_VENV": "/"},
        check=refused_or_failed,
    ),
    Case("user-venv-usr", INSTALL, env={"PIPSHIM_USER_VENV": "/usr"}, check=refused_or_failed),
    Case("user-venv-empty", INSTALL, env={"PIPSHIM_USER_VENV": ""}, check=installed("user")),
    Case("user-venv-deep", INSTALL, env={"PIPSHIM_USER_VENV": H("a/b/c/venv")}, allow=("a",)),
    Case(
        "user-venv-non-utf8",
        INSTALL,
        env={"PIPSHIM_USER_VENV": lambda c: os.fsencode(c.tmp) + b"/v\xff"},
        allow=(b"v\xff",),
    ),
    Case("user-venv-newline", INSTALL, env={"PIPSHIM_USER_VENV": H("v\nx")}, allow=("v\nx",)),
    # -- damaged caches and settings --
    Case("tsv-garbage", INSTALL, cwd=P, setup=write(TSV, GARBAGE), check=installed()),
    Case("tsv-empty", INSTALL, cwd=P, setup=write(TSV, b""), check=installed()),
    Case("tsv-tabs", INSTALL, cwd=P, setup=write(TSV, "\t\t\t\n/usr/bin/python3\tx\ty\tz\t\t\n"), check=installed()),
    Case("tsv-wrong-fields", INSTALL, cwd=P, setup=write(TSV, f"{SYSTEM_PYTHON}\t1\t2\n" * 3), check=installed()),
    Case("tsv-is-dir", INSTALL, cwd=P, setup=mkdir(TSV), check=installed()),
    Case("tsv-link-null", INSTALL, cwd=P, setup=symlink(TSV, "/dev/null"), check=installed()),
    Case("tsv-000", INSTALL, cwd=P, setup=write(TSV, "x", 0o000), check=installed()),
    Case(
        "user-env-file-garbage",
        ["python3", "-c", "import sys; print(sys.prefix)"],
        setup=write("home/.local/share/pipshim/user-env", GARBAGE),
    ),
    Case("config-malformed", INSTALL, cwd=P, setup=write(CONFIG, "this is [not toml"), check=installed()),
    Case(
        "config-wrong-types",
        INSTALL,
        cwd=P,
        setup=write(CONFIG, 'quiet = "no"\nuser_venv = 5\napps = "x"\n'),
        check=installed(),
    ),
    Case(
        "config-quiet-no",
        INSTALL,
        cwd=P,
        setup=write(CONFIG, 'quiet = "no"\n'),
        check=lambda r, c: [] if "pipshim:" in r.stderr else ['quiet = "no" silenced pipshim'],
    ),
    Case("config-garbage", INSTALL, cwd=P, setup=write(CONFIG, GARBAGE), check=installed()),
    Case("config-is-dir", INSTALL, cwd=P, setup=mkdir(CONFIG), check=installed()),
    Case(
        "config-user-venv-home",
        ["pipshim", "venv", "--recreate"],
        setup=write(CONFIG, 'user_venv = "~"\n'),
        check=refused_or_failed,
    ),
    Case("config-unknown-keys", INSTALL, cwd=P, setup=write(CONFIG, "frob = 1\n[x]\ny = 2\n"), check=installed()),
    Case(
        "disabled-malformed-config",
        ["pip", "--version"],
        env={"PIPSHIM_DISABLE": "1"},
        setup=write(CONFIG, "[[[["),
        check=succeeded,
        quick=True,
    ),
    Case(
        "disabled-garbage-tsv",
        ["pip", "--version"],
        env={"PIPSHIM_DISABLE": "1"},
        setup=write(TSV, GARBAGE),
        check=succeeded,
    ),
    # -- umask --
    Case("umask-777", INSTALL, cwd=P, umask=0o777, quick=True),
    Case("umask-077", INSTALL, cwd=P, umask=0o077, check=installed()),
    Case("umask-002", INSTALL, cwd=P, umask=0o002, check=installed()),
    Case("umask-000", INSTALL, cwd=P, umask=0o000),
    Case("umask-777-user", INSTALL, umask=0o777),
    # -- streams --
    Case("stderr-closed", INSTALL, cwd=P, shell='"$@" 2>&-', check=installed(), quick=True),
    Case("stdin-closed", INSTALL, cwd=P, shell='"$@" <&-', check=installed()),
    Case("stdout-closed", INSTALL, cwd=P, shell='"$@" >&-'),
    Case("all-closed", INSTALL, cwd=P, shell='"$@" <&- >&- 2>&-'),
    Case("stdout-full", INSTALL, cwd=P, shell='"$@" >/dev/full'),
    Case("stderr-closed-user", INSTALL, shell='"$@" 2>&-', check=installed("user")),
    Case(
        "r-dev-stdin", ["pip", "install", "-r", "/dev/stdin"], cwd=P, stdin=b"demo-lib\n", check=installed(), quick=True
    ),
    Case("r-dev-stdin-user", ["pip", "install", "-r", "/dev/stdin"], stdin=b"demo-lib\n", check=installed("user")),
    Case("r-process-substitution", ["pip", "install"], cwd=P, shell='"$@" -r <(echo demo-lib)', check=installed()),
    Case(
        "r-fifo",
        ["pip", "install", "-r", "fifo"],
        cwd=P,
        setup=lambda c: os.mkfifo(c.project / "fifo"),
        shell='(echo demo-lib > fifo &) ; "$@"',
        check=installed(),
        allow=("proj/fifo",),
    ),
    Case("r-dev-fd", ["pip", "install"], cwd=P, shell='exec 3<<<demo-lib; "$@" -r /dev/fd/3', check=installed()),
    Case(
        "c-dev-stdin",
        ["pip", "install", "-c", "/dev/stdin", "demo-lib"],
        cwd=P,
        stdin=b"demo-lib==1.0\n",
        check=installed(),
    ),
    Case("r-dev-stdin-empty", ["pip", "install", "-r", "/dev/stdin"], cwd=P, stdin=b""),
    # -- damaged .venv entries --
    Case("venv-a-file", INSTALL, cwd=P, setup=write("proj/.venv", "not a venv"), check=refused_or_failed),
    dotvenv_link("venv-dangling-link", "{tmp}/nowhere"),
    dotvenv_link("venv-link-loop", "{tmp}/proj/.venv"),
    Case(
        "venv-garbage-cfg",
        INSTALL,
        cwd=P,
        setup=write("proj/.venv/pyvenv.cfg", GARBAGE),
        check=refused_or_failed,
        quick=True,
    ),
    Case(
        "venv-garbage-cfg-python", ["python3", "-c", "print(1)"], cwd=P, setup=write("proj/.venv/pyvenv.cfg", GARBAGE)
    ),
    Case("venv-empty-cfg", INSTALL, cwd=P, setup=write("proj/.venv/pyvenv.cfg", "")),
    Case("venv-foreign-files", INSTALL, cwd=P, setup=write("proj/.venv/notes.txt", "mine"), check=refused_or_failed),
    Case("venv-000", INSTALL, cwd=P, setup=mkdir("proj/.venv", 0o000)),
    Case(
        "venv-incomplete",
        INSTALL,
        cwd=P,
        setup=write(f"proj/.venv/{MARKER}", "pid 1\n"),
        check=installed(),
        may_delete=(f"proj/.venv/{MARKER}",),
    ),
    Case("venv-empty-dir", INSTALL, cwd=P, setup=mkdir("proj/.venv"), check=installed()),
    Case(
        "venv-removing-leftover",
        INSTALL,
        cwd=P,
        setup=write("proj/.venv.pipshim-removing-1/pyvenv.cfg", "x"),
        check=installed(),
        may_delete=("proj/.venv.pipshim-removing-1",),
    ),
    # -- VIRTUAL_ENV --
    Case("ve-empty", INSTALL, cwd=P, env={"VIRTUAL_ENV": ""}, check=installed()),
    Case("ve-relative", INSTALL, cwd=P, env={"VIRTUAL_ENV": "venv"}),
    Case("ve-nonexistent", INSTALL, cwd=P, env={"VIRTUAL_ENV": "/nonexistent/venv"}),
    Case("ve-file", INSTALL, cwd=P, env={"VIRTUAL_ENV": H("vf")}, setup=write("vf", "x")),
    Case("ve-slash", INSTALL, cwd=P, env={"VIRTUAL_ENV": "/"}),
    Case("ve-usr", INSTALL, cwd=P, env={"VIRTUAL_ENV": "/usr"}),
    Case("ve-home", INSTALL, cwd=P, env={"VIRTUAL_ENV": lambda c: str(c.home)}),
    Case("ve-non-utf8", INSTALL, cwd=P, env={"VIRTUAL_ENV": b"/tmp/\xff"}),
    Case("ve-newline", INSTALL, cwd=P, env={"VIRTUAL_ENV": "/tmp/a\nb"}),
    # -- pip's and pipshim's other variables, PATH --
    Case("pip-require-virtualenv", INSTALL, cwd=P, env={"PIP_REQUIRE_VIRTUALENV": "1"}, check=installed()),
    Case("pip-bsp-garbage", ["pip", "install", "--dry-run", "demo-lib"], env={"PIP_BREAK_SYSTEM_PACKAGES": "maybe"}),
    Case("pip-python-nonexistent", INSTALL, env={"PIP_PYTHON": "/nonexistent"}),
    Case("pip-config-garbage", INSTALL, cwd=P, env={"PIP_CONFIG_FILE": H("pc")}, setup=write("pc", GARBAGE)),
    Case("pip-verbose-garbage", INSTALL, cwd=P, env={"PIP_VERBOSE": "lots"}),
    Case("pip-user-garbage", INSTALL, cwd=P, env={"PIP_USER": "perhaps"}),
    Case("path-no-real-pip", ["pip", "--version"], env={"PATH": lambda c: str(c.bin)}, check=refused_or_failed),
    Case("path-relative-entries", ["pip", "--version"], env={"PATH": lambda c: f".:bin:{c.bin}:/usr/bin:/bin"}),
    Case("path-empty-entries", ["pip", "--version"], env={"PATH": lambda c: f"::{c.bin}::/usr/bin:/bin:"}),
    Case("pipshim-root-garbage", INSTALL, cwd=P, env={"PIPSHIM_ROOT": "maybe", "PIPSHIM_CONTAINER": "2"}),
    Case(
        "pipshim-apps-garbage",
        INSTALL,
        env={"PIPSHIM_APPS": "\n\t  ,,, demo-lib[ \x7f", "PIPX_HOME": H("px")},
        allow=("px",),
    ),
    Case(
        "pipx-home-relative",
        ["pip", "install", "demo-app"],
        env={"PIPX_HOME": "px", "PIPSHIM_APPS": "demo-app"},
        allow=("home/.local/share/pipx", "home/.local/share/man"),  # pipshim's and pipx's home agree
        check=succeeded,
    ),
    Case("lang-c", ["pip", "install", b"\xff"], env={"LANG": "C", "LC_ALL": "C"}, check=refused_or_failed),
    Case("lc-all-invalid", INSTALL, cwd=P, env={"LC_ALL": "xx_YY.BROKEN"}, check=installed()),
    Case("recursion-guard-garbage", ["pip", "--version"], env={"PIPSHIM_ACTIVE": "\xff", "PIPSHIM_DEPTH": "-1"}),
]

assert len({c.name for c in CASES}) == len(CASES)


@pytest.fixture
def ctx(request, tmp_path, shim_bin, shim_env, project, work, hermetic_env) -> SimpleNamespace:
    case = request.node.callspec.params["case"]
    if getattr(case.setup, "touches_home", False):  # the cache a case damages is its own, cold
        cold_home(hermetic_env)
    return SimpleNamespace(tmp=tmp_path, bin=shim_bin, env=shim_env, project=project, work=work, home=hermetic_env)


def resolve_env(case: Case, c) -> dict:
    env = dict(c.env)
    for k, v in case.env.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v(c) if callable(v) else v
    return env


def allowed_roots(case: Case, c, cwd: Path, env: dict) -> list:
    roots = [
        c.home / ".cache",
        c.home / ".local" / "share" / "pipshim",
        c.home / ".local" / "bin",
        cwd / ".venv",
        c.bin,
    ]
    for a in case.allow:
        roots.append(os.fsdecode(os.fsencode(c.tmp) + b"/" + (a if isinstance(a, bytes) else a.encode())))
    rel = env.get("HOME")
    if isinstance(rel, str) and rel and not os.path.isabs(rel):
        roots.append(cwd / rel)  # pip itself may use a relative HOME for its own cache
    for var in ("XDG_CACHE_HOME",):
        v = env.get(var)
        if isinstance(v, str) and v and not os.path.isabs(v):
            roots.append(cwd / v / "pip")  # pip's own cache honours a relative XDG_CACHE_HOME
    return [str(r) for r in roots]


def ancestor(path: str, roots: list[str]) -> bool:
    """A directory made on the way to an allowed place (~/.local on the way to ~/.local/share/pipshim)."""
    return any(r.startswith(path + os.sep) for r in roots)


def run_case(case: Case, c) -> list[str]:
    if case.setup:
        case.setup(c)
    cwd = case.cwd(c) if callable(case.cwd) else {"work": c.work, "project": c.project}[case.cwd]
    env = resolve_env(case, c)
    argv = [a if isinstance(a, bytes) else str(a) for a in case.argv]
    if isinstance(argv[0], str) and not os.path.isabs(argv[0]):
        argv[0] = str(c.bin / argv[0])
    if case.shell:
        argv = ["/bin/bash", "-c", case.shell, "bash", *argv]
    before = snapshot(c.tmp)
    umask = case.umask
    r = subprocess.run(
        argv,
        env=env,
        cwd=cwd,
        input=case.stdin if case.stdin is not None else b"",
        capture_output=True,
        timeout=600,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )
    r.stdout = r.stdout.decode("utf-8", "replace")
    r.stderr = r.stderr.decode("utf-8", "replace")
    # the dirs chmod 000 by a set-up must be readable again to be looked at
    for p in c.tmp.rglob("*"):
        try:
            if p.is_dir() and not p.is_symlink() and stat.S_IMODE(p.lstat().st_mode) == 0:
                p.chmod(0o700)
        except OSError:
            pass
    after = snapshot(c.tmp)
    problems = []
    if pipshim_traceback(r.stderr) or pipshim_traceback(r.stdout):
        problems.append("a traceback:\n" + r.stderr[-3000:])
    if r.returncode == 3:
        problems.append("exit 3 (a pipshim bug):\n" + r.stderr[-2000:])
    created, deleted, changed = tree_diff(before, after)
    roots = allowed_roots(case, c, Path(cwd), env)
    may = [str(c.tmp / m) for m in case.may_delete]
    bad_created = [p for p in created if not under(p, *roots) and not (after[p][0] == "dir" and ancestor(p, roots))]
    bad_deleted = [p for p in deleted if not under(p, *roots, *may)]
    bad_changed = [p for p in changed if not under(p, *roots)]
    for name, paths in (("created", bad_created), ("deleted", bad_deleted), ("changed", bad_changed)):
        if paths:
            problems.append(f"{name} where it should not: {paths[:8]}")
    logs = [p for p in created if p.endswith("last-error.log")]
    if logs:
        problems.append(f"a crash log was written: {logs}")
    left = [p for p in leftovers(c.tmp) if not under(p, *may)]
    left += [str(p) for p in c.tmp.rglob(MARKER) if not under(str(p), *may)]
    if left:
        problems.append(f"half-made leftovers: {left}")
    if case.check:
        problems += case.check(r, c)
    if problems:
        problems.append(f"exit {r.returncode}\n--- stdout\n{r.stdout[-1500:]}\n--- stderr\n{r.stderr[-3000:]}")
    return problems


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.name, marks=() if c.quick else (pytest.mark.exhaustive,)) for c in CASES]
)
def test_bad_input(case, ctx):
    problems = run_case(case, ctx)
    TALLY.add(case.name, problems)
    assert not problems, clean(f"{case.name}:\n" + "\n".join(problems))


def test_the_table_is_big_enough():
    assert len(CASES) >= 100, len(CASES)
