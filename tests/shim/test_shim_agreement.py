"""The python shim and `pipshim explain` agree on every candidate state × source × rule context.

Generated, not hand-picked: the cases are the product of discovery.State, discovery.Source
and the rule contexts below, so a new state or source without a builder here fails by
itself. Each case lays out one candidate, then compares what the shim runs (dash, bash,
and busybox ash when installed) with the route `pipshim explain -- pip list` gives in the
same directory and environment: a venv route must be the shim's sys.prefix, a pass-through
the real python's, a refusal the same exit status with one `pipshim:` line.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import add_acl, pipshim_lines

from pipshim import cli
from pipshim.discovery import INCOMPLETE, Source, State

PYTHON = "/usr/bin/python3"
SHELLS = [s for s in ("/bin/dash", "/bin/bash", shutil.which("busybox") and "busybox-ash") if s]
PRINT_PREFIX = "import sys; print(sys.prefix)"
VERSION = subprocess.run(
    [PYTHON, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True, text=True, check=True
).stdout.strip()


def fake_venv(path: Path, python: str = PYTHON) -> Path:
    """pyvenv.cfg + bin/python* links: Python itself takes it for a venv (fast, no pip)."""
    (path / "bin").mkdir(parents=True)
    (path / "lib" / f"python{VERSION}" / "site-packages").mkdir(parents=True)
    (path / "pyvenv.cfg").write_text(f"home = {os.path.dirname(PYTHON)}\ninclude-system-site-packages = false\n")
    for name in ("python", "python3", f"python{VERSION}"):
        (path / "bin" / name).symlink_to(python)
    path.chmod(0o755)
    return path


def _ok(p: Path) -> None:
    fake_venv(p)


def _broken(p: Path) -> None:
    fake_venv(p, python=str(p.parent / "gone" / "python3"))


def _incomplete(p: Path) -> None:
    fake_venv(p)
    (p / INCOMPLETE).write_text("pid 1\n")


def _empty(p: Path) -> None:
    p.mkdir(parents=True)
    p.chmod(0o755)


def _not_venv(p: Path) -> None:
    _empty(p)
    (p / "notes.txt").write_text("mine\n")


def _foreign(p: Path) -> None:
    fake_venv(p)
    p.chmod(0o757)  # writable by others: never used, whoever runs the tests


def _missing(p: Path) -> None:
    pass


def _ok_made_by_python38(p: Path) -> None:
    """Python <= 3.8's venv writes bin/python and bin/python3 only: no bin/python3.X."""
    fake_venv(p)
    (p / "bin" / f"python{VERSION}").unlink()


def _broken_versioned_link(p: Path) -> None:
    """bin/python runs, but the bin/python3.X of the venv's lib/python3.X points nowhere."""
    fake_venv(p)
    (p / "bin" / f"python{VERSION}").unlink()
    (p / "bin" / f"python{VERSION}").symlink_to(p.parent / "gone" / f"python{VERSION}")


def _linked(build):
    """The candidate a symlink to what ``build`` makes elsewhere (people link .venv into a cache dir)."""

    def link(p: Path) -> None:
        target = p.parent.parent / "link-targets" / p.name
        target.parent.mkdir(parents=True, exist_ok=True)
        build(target)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.symlink_to(target)

    return link


def _writable_through_an_acl(p: Path) -> None:
    """Group bits rwx as umask 002 leaves them, but they are an ACL's mask: a named user may write."""
    fake_venv(p)
    p.chmod(0o775)
    add_acl(p, 54321)


def _in_a_shared_dir(p: Path) -> None:
    """A venv of ours in a directory anyone may write to: anyone could swap it for theirs."""
    fake_venv(p)
    p.parent.chmod(0o777)


def _own_dir_in_a_sticky_dir(p: Path) -> None:
    """/tmp-like: only an entry's owner may replace it, so our own venv directory there is ours."""
    fake_venv(p)
    p.parent.chmod(0o1777)


def _a_link_in_a_sticky_dir(p: Path) -> None:
    """A link there is not: sh cannot tell who owns a link, and its owner may point it elsewhere."""
    _linked(_ok)(p)
    p.parent.chmod(0o1777)


# every state's builders: the first is the plain layout, the others variants of the same state
BUILD_STATE = {
    State.OK: {
        "": _ok,
        "made-by-python-3.8": _ok_made_by_python38,
        "a-symlink-to-one": _linked(_ok),
        "own-dir-in-a-sticky-dir": _own_dir_in_a_sticky_dir,
    },
    State.BROKEN: {"": _broken, "versioned-link-gone": _broken_versioned_link},
    State.INCOMPLETE: {"": _incomplete},
    State.EMPTY: {"": _empty},
    State.NOT_VENV: {
        "": _not_venv,
        "a-dangling-symlink": _linked(_missing),
        "a-symlink-to-an-empty-dir": _linked(_empty),
        "a-symlink-to-an-incomplete-venv": _linked(_incomplete),
    },
    State.FOREIGN: {
        "": _foreign,
        "in-a-shared-dir": _in_a_shared_dir,
        "writable-through-an-acl": _writable_through_an_acl,
        "a-link-in-a-sticky-dir": _a_link_in_a_sticky_dir,
    },
    State.MISSING: {"": _missing},
}

CONTEXTS = {
    "user": {"PIPSHIM_ROOT": "0"},
    "root-on-host": {"PIPSHIM_ROOT": "1", "PIPSHIM_CONTAINER": "0"},
    "root-in-container": {"PIPSHIM_ROOT": "1", "PIPSHIM_CONTAINER": "1"},
    "disabled": {"PIPSHIM_ROOT": "0", "PIPSHIM_DISABLE": "1"},
}


def place(source: Source, tmp: Path, context: str) -> tuple[Path, Path, dict[str, str]]:
    """(candidate path, cwd, extra env) for a candidate coming from ``source``."""
    plain = tmp / "plain"
    plain.mkdir()
    if source is Source.ACTIVE:
        cand = tmp / "envs" / "active"
        return cand, plain, {"VIRTUAL_ENV": str(cand)}
    if source is Source.NEAREST:
        work = tmp / "work"
        work.mkdir()
        return work / ".venv", work, {}
    if source is Source.PROJECT:
        proj = tmp / "proj"
        (proj / "src").mkdir(parents=True)
        (proj / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "0"\n')
        return proj / ".venv", proj / "src", {}
    if source is Source.USER:
        cand = tmp / "data" / "pipshim" / "venv"
        # the default path for a user; root in a container would use /opt/venv: name it instead
        return cand, plain, ({"PIPSHIM_USER_VENV": str(cand)} if context.startswith("root") else {})
    raise AssertionError(f"no placement for {source}")


CASES = [
    pytest.param(
        source,
        state,
        layout,
        context,
        id="-".join(filter(None, (source.name.lower(), state.name.lower(), layout, context))),
    )
    for source in Source
    for state in State
    for layout in BUILD_STATE[state]
    for context in CONTEXTS
]


def explain(cwd: Path, env: dict[str, str]) -> dict:
    """`pipshim explain --json -- pip list`, in-process (milliseconds), from ``cwd``."""
    back = os.getcwd()
    out = io.StringIO()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out):
            assert cli.main(["explain", "--json", "--", "pip", "list"], environ=env) == 0
    finally:
        os.chdir(back)
    return json.loads(out.getvalue())


def run_shim(shell: str, shim: Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    cmd = ["busybox", "ash"] if shell == "busybox-ash" else [shell]
    return subprocess.run(
        [*cmd, str(shim), "-c", PRINT_PREFIX], cwd=cwd, env=env, capture_output=True, text=True, timeout=30
    )


@pytest.fixture(scope="module")
def real_prefix() -> str:
    return subprocess.run([PYTHON, "-c", PRINT_PREFIX], capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(scope="module")
def cache_home(tmp_path_factory) -> Path:
    """One pipshim cache for the module: explain probes each interpreter once, not once per case
    (the python shim reads no cache, so the cases stay independent)."""
    return tmp_path_factory.mktemp("cache")


@pytest.mark.parametrize(("source", "state", "layout", "context"), CASES)
def test_the_python_shim_runs_what_explain_names(
    source, state, layout, context, tmp_path, shim_bin, real_prefix, cache_home
):
    cand, cwd, extra = place(source, tmp_path, context)
    BUILD_STATE[state][layout](cand)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        "PATH": f"{shim_bin}:/usr/bin:/bin",
        "HOME": str(home),
        "PWD": str(cwd),
        "LANG": "C.UTF-8",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(cache_home),
        "PIP_CONFIG_FILE": os.devnull,
        **CONTEXTS[context],
        **extra,
    }
    route = explain(cwd, env)
    for shell in SHELLS:
        shim = run_shim(shell, shim_bin / "python3", cwd, env)
        where = (
            f"{shell}: explain {json.dumps(route)}\nshim rc={shim.returncode} out={shim.stdout!r} err={shim.stderr!r}"
        )
        if route["route"] == "venv":
            assert (shim.returncode, shim.stdout.strip()) == (0, route["venv"]), where
        elif route["route"] == "passthrough":
            assert (shim.returncode, shim.stdout.strip()) == (0, real_prefix), where
        else:
            assert route["route"] == "refuse", where
            assert (shim.returncode, shim.stdout) == (route["exit_code"], ""), where
            assert len(pipshim_lines(shim.stderr)) == 1, where


def test_every_state_has_a_builder_and_every_source_a_placement(tmp_path):
    assert set(BUILD_STATE) == set(State)
    for n, source in enumerate(Source):
        (tmp_path / str(n)).mkdir()
        place(source, tmp_path / str(n), "user")
