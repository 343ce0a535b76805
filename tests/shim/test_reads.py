"""Reads routed in sh alone (shims/reads.sh): no Python of pipshim's starts, and the route and
the `pipshim:` line are the ones `pipshim explain` gives.

The shims here are rendered with a tool python that logs each start (then runs the real one),
so "no Python of pipshim's" is seen, not inferred: the log stays empty, and no pipshim module
is imported in pip's process. Stand-in pip scripts report what pip would see.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from conftest import warm_home
from helpers import pipshim_lines, run

from pipshim import boot, cli, facts, shims, shimtrust
from pipshim.discovery import Source, State
from shim.test_shim_agreement import BUILD_STATE, CASES, CONTEXTS, place

PROBE = """#!{python}
import json, os, sys
print(json.dumps({{"argv": sys.argv, "prefix": sys.prefix, "active": os.environ.get("PIPSHIM_ACTIVE"),
                  "pip_user": os.environ.get("PIP_USER")}}))
"""
SYSTEM_PYTHON = "/usr/bin/python3"


@pytest.fixture
def tool(tmp_path) -> tuple[Path, Path]:
    """(bin dir with shims whose tool python logs its starts, the log)."""
    log = tmp_path / "tool-starts"
    wrapper = tmp_path / "toolpy" / "python3"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\necho "$*" >>"{log}"\nexec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    site = str(Path(boot.__file__).resolve().parent.parent)
    for name in ("pip", "pip3", "pipshim"):
        (bin_dir / name).write_text(shims.render(str(wrapper), "pip", str(bin_dir), site=site))
        (bin_dir / name).chmod(0o755)
    return bin_dir, log


@pytest.fixture
def realbin(tmp_path) -> Path:
    """The real pip: a stand-in on the system python (externally managed)."""
    d = tmp_path / "realbin"
    d.mkdir()
    for name in ("pip", "pip3"):
        (d / name).write_text(PROBE.format(python=SYSTEM_PYTHON))
        (d / name).chmod(0o755)
    return d


@pytest.fixture
def env(tool, realbin, hermetic_env, warm_cache) -> dict[str, str]:
    warm_home(hermetic_env, warm_cache)
    return {
        "PATH": f"{tool[0]}:{realbin}:/usr/bin:/bin",
        "HOME": str(hermetic_env),
        "LANG": "C.UTF-8",
        "PIP_CONFIG_FILE": os.devnull,
        "PIPSHIM_ROOT": "0",
        "PIPSHIM_CONTAINER": "0",
    }


def with_probe(venv: Path) -> None:
    """The venv's pip scripts: one stand-in, named pip (pip3 falls back to it, as plan.venv_command does)."""
    for other in (venv / "bin").glob("pip*"):
        other.unlink()
    (venv / "bin" / "pip").write_text(PROBE.format(python=venv / "bin" / "python"))
    (venv / "bin" / "pip").chmod(0o755)


@pytest.fixture
def project(tmp_path, tool, env) -> Path:
    d = tmp_path / "proj"
    d.mkdir()
    (d / "pyproject.toml").write_text('[project]\nname = "proj"\nversion = "0"\n')
    r = run([tool[0] / "pipshim", "venv"], env, d)  # marks the venv and the real pip's python
    assert r.returncode == 0, r.stderr
    with_probe(d / ".venv")
    return d


def explain(cwd: Path, env: dict[str, str], *args: str) -> dict:
    r = run([sys.executable, "-I", "-c", cli.ENTRY, "explain", "--json", "--", "pip", *args], env, cwd)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def read(tool, env, cwd, *args, name="pip", **extra):
    """(result, what pip saw, whether any Python of pipshim's ran)."""
    bin_dir, log = tool
    log.unlink(missing_ok=True)
    r = run([bin_dir / name, *args], {**env, **extra, "PYTHONPROFILEIMPORTTIME": "1"}, cwd)
    seen = json.loads(r.stdout) if r.stdout.startswith("{") else None
    python_ran = log.exists() or any("pipshim" in ln for ln in r.stderr.splitlines() if ln.startswith("import time:"))
    return r, seen, python_ran


def test_a_read_in_a_project_execs_its_pip_with_the_line_explain_gives(tool, env, project):
    r, seen, python_ran = read(tool, env, project, "list", "--outdated")
    assert r.returncode == 0 and not python_ran, r.stderr
    assert seen["argv"] == [str(project / ".venv" / "bin" / "pip"), "list", "--outdated"]
    assert seen["active"] == "1" and seen["pip_user"] is None
    plan = explain(project, env, "list", "--outdated")
    assert plan["commands"] == [seen["argv"]]
    assert pipshim_lines(r.stderr) == [f"pipshim: {plan['line']}"] == ["pipshim: → ./.venv (project venv; pip list)"]


def test_the_line_names_the_venv_from_a_subdirectory_and_says_pip_for_version(tool, env, project):
    sub = project / "src" / "pkg"
    sub.mkdir(parents=True)
    r, seen, python_ran = read(tool, env, sub, "--version", name="pip3")
    assert not python_ran and seen["argv"] == [str(project / ".venv" / "bin" / "pip"), "--version"]
    assert pipshim_lines(r.stderr) == [f"pipshim: {explain(sub, env, '--version')['line']}"]
    assert pipshim_lines(r.stderr) == [f"pipshim: → {project / '.venv'} (project venv; pip)"]


def test_pipshim_quiet_silences_the_line(tool, env, project):
    r, seen, python_ran = read(tool, env, project, "freeze", PIPSHIM_QUIET="1")
    assert not python_ran and seen is not None and pipshim_lines(r.stderr) == []


@pytest.mark.parametrize(
    ("value", "in_sh"),
    [
        *[(v, True) for v in ("1", "yes", "On", "2", "0", "00", "no", "")],  # read in sh
        *[(v, False) for v in (" 1", "+1", "-1", "x")],  # only Python's int() tells
    ],
)
def test_pip_quiet_silences_the_line_as_pip_counts_it_in_sh_and_python_alike(tool, env, project, value, in_sh):
    """The words and plain digits are read in sh; what only Python's int() reads goes to pipshim.boot."""
    r, seen, python_ran = read(tool, env, project, "freeze", PIP_QUIET=value)
    assert seen is not None and python_ran is not in_sh, r.stderr
    line = [] if facts.pip_quiet(value) else ["pipshim: → ./.venv (project venv; pip freeze)"]
    assert pipshim_lines(r.stderr) == line


def test_an_active_venv_is_run_with_its_line(tool, env, project, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    active = {**env, "VIRTUAL_ENV": str(project / ".venv")}
    r, seen, python_ran = read(tool, active, elsewhere, "check")
    assert not python_ran and seen["prefix"] == str(project / ".venv"), r.stderr
    assert pipshim_lines(r.stderr) == [f"pipshim: {explain(elsewhere, active, 'check')['line']}"]


def test_with_no_environment_a_read_execs_the_real_pip(tool, env, realbin, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    r, seen, python_ran = read(tool, env, empty, "--version")
    assert not python_ran and r.returncode == 0, r.stderr
    assert seen["argv"] == [str(realbin / "pip"), "--version"] and seen["active"] == "1"
    assert pipshim_lines(r.stderr) == []
    assert explain(empty, env, "--version")["commands"] == [seen["argv"]]


@pytest.mark.parametrize("args", [("install", "attrs"), ("list",), ()], ids=["install", "list", "none"])
def test_pipshim_disable_runs_the_real_pip_from_sh_as_the_resolver_would(tool, env, realbin, project, args):
    r, seen, python_ran = read(tool, env, project, *args, PIPSHIM_DISABLE="1")
    assert r.returncode == 0 and not python_ran, r.stderr
    assert seen["argv"] == [str(realbin / "pip"), *args] and seen["active"] == "1"
    assert explain(project, {**env, "PIPSHIM_DISABLE": "1"}, *args)["commands"] == [seen["argv"]]
    assert pipshim_lines(r.stderr) == []


def test_pipshim_disable_works_when_pipshims_own_interpreter_is_gone(tool, env, realbin, project):
    bin_dir, _ = tool
    text = (bin_dir / "pip").read_text()
    gone = project.parent / "gone" / "python3"
    (bin_dir / "pip").write_text(
        text.replace(f"PIPSHIM_PYTHON='{project.parent / 'toolpy' / 'python3'}'", f"PIPSHIM_PYTHON='{gone}'")
    )
    assert str(gone) in (bin_dir / "pip").read_text()
    r, seen, _ = read(tool, env, project, "install", "attrs", PIPSHIM_DISABLE="1")
    assert (r.returncode, seen["argv"]) == (0, [str(realbin / "pip"), "install", "attrs"]), r.stderr
    r, _, _ = read(tool, env, project, "install", "attrs")
    assert r.returncode == 127 and pipshim_lines(r.stderr) == [
        f"pipshim: {gone} is missing or cannot be run by you; run 'make install' again, or delete {bin_dir / 'pip'}"
    ]


def test_the_user_environment_gets_pip_user_0_and_list_is_left_to_python(tool, env, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run([tool[0] / "pipshim", "venv"], env, empty)  # outside projects: the user environment
    assert r.returncode == 0, r.stderr
    user = Path(r.stdout.strip())
    with_probe(user)
    r, seen, python_ran = read(tool, env, empty, "freeze")
    assert not python_ran and seen["prefix"] == str(user) and seen["pip_user"] == "0", r.stderr
    assert pipshim_lines(r.stderr) == ["pipshim: → ~/.local/share/pipshim/venv (user environment; pip freeze)"]
    _, _, python_ran = read(tool, env, empty, "list")  # apps.read_note may name pipx's apps
    assert python_ran
    # from the home itself the line says ~/…, not ./.local/…, in sh and in Python alike
    home = Path(env["HOME"])
    r, _, python_ran = read(tool, env, home, "freeze")
    assert not python_ran and pipshim_lines(r.stderr) == [
        "pipshim: → ~/.local/share/pipshim/venv (user environment; pip freeze)"
    ]
    r, _, python_ran = read(tool, env, home, "list")
    assert python_ran and pipshim_lines(r.stderr)[0] == (
        "pipshim: → ~/.local/share/pipshim/venv (user environment; pip list)"
    ), r.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["list", "-q"],
        ["list", "--quiet"],
        ["freeze", "--user"],
        ["list", "--python", SYSTEM_PYTHON],
        ["list", "-h"],
        ["list", "--isolated"],
        ["-v", "list"],
        ["--version", "list"],
        ["install", "x"],
        ["uninstall", "x"],
        ["lock", "x"],
        ["frobnicate"],
    ],
)
def test_what_the_decision_reads_in_the_arguments_leaves_the_read_to_python(tool, env, project, args):
    _, _, python_ran = read(tool, env, project, *args, PIPSHIM_DISABLE="")
    assert python_ran


@pytest.mark.parametrize("name", ["PIP_PYTHON", "PIP_Python"])
def test_pip_python_leaves_the_read_to_python_which_keeps_the_venvs_pip_from_hopping(tool, env, project, name):
    """pip's main parser reads PIP_PYTHON (in any spelling of its rest) as --python: the
    interpreter the route is chosen for."""
    r, seen, python_ran = read(tool, env, project, "list", **{name: SYSTEM_PYTHON})
    assert python_ran and seen is not None and seen["prefix"] == str(project / ".venv"), r.stderr
    plan = explain(project, {**env, name: SYSTEM_PYTHON}, "list")
    assert plan["route"] == "venv" and plan["venv"] == str(project / ".venv")


def test_a_config_file_leaves_the_read_to_python(tool, env, project):
    config = Path(env["HOME"]) / ".config" / "pipshim" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("quiet = true\n")
    r, seen, python_ran = read(tool, env, project, "list")
    assert python_ran and seen is not None and pipshim_lines(r.stderr) == []


def python_mark(env) -> Path:
    return Path(shimtrust.root(env) + SYSTEM_PYTHON + shimtrust.PYTHON_MARK)


def test_the_real_pips_python_is_recorded_as_python_found_it(env, project):
    first, prefix = python_mark(env).read_text().splitlines()
    kind, _, stdlib = first.partition(" ")
    assert kind == "managed" and os.path.isfile(os.path.join(stdlib, "EXTERNALLY-MANAGED"))
    assert prefix == sys.base_prefix if sys.executable.startswith("/usr/") else os.path.isabs(prefix)


def global_pip_conf_says_quiet() -> bool:
    """/etc/pip.conf, which pip always reads: sh hands every line over if it mentions quiet."""
    try:
        return "quiet" in Path("/etc/pip.conf").read_text(errors="replace").lower()
    except OSError:
        return False


needs_no_global_quiet = pytest.mark.skipif(global_pip_conf_says_quiet(), reason="/etc/pip.conf mentions quiet")


@needs_no_global_quiet
def test_an_older_record_with_no_prefix_leaves_the_line_to_python_which_writes_it_again(tool, env, project):
    """The prefix's pip.conf may say quiet: unknown, Python says the line (PIP_CONFIG_FILE=/dev/null needs none)."""
    mark = python_mark(env)
    good = mark.read_text()
    mark.write_text(good.splitlines()[0] + "\n")
    assert not read(tool, env, project, "freeze")[2], "no config file is read: the prefix is not needed"
    plain = {**env, "PIP_CONFIG_FILE": "", "XDG_CONFIG_DIRS": str(project.parent / "no-xdg")}
    r, seen, python_ran = read(tool, plain, project, "freeze")
    assert python_ran and seen is not None and pipshim_lines(r.stderr) == [LINE], r.stderr
    assert mark.read_text() == good
    assert not read(tool, plain, project, "freeze")[2]


LINE = "pipshim: → ./.venv (project venv; pip freeze)"


@pytest.mark.parametrize(
    ("where", "text", "line"),
    [
        ("PIP_CONFIG_FILE", "[global]\nquiet = 1\n", []),
        ("PIP_CONFIG_FILE", "[freeze]\nQUIET = yes\n", []),
        ("PIP_CONFIG_FILE", "[global]\nquiet = 0\n", [LINE]),
        ("PIP_CONFIG_FILE", "[list]\nquiet = 2\n", [LINE]),  # another command's section
        ("user", "[global]\nquiet = 2\n", []),
        ("xdg", "[global]\nquiet = true\n", []),
    ],
)
def test_a_pip_conf_quiet_leaves_the_read_to_python_which_counts_it(tool, env, project, where, text, line):
    """sh does not parse pip.conf: a file that mentions quiet hands the read over."""
    conf = project.parent / "conf" / "pip.conf"
    extra = {"PIP_CONFIG_FILE": str(conf), "XDG_CONFIG_DIRS": str(project.parent / "no-xdg")}
    if where == "user":
        conf, extra["PIP_CONFIG_FILE"] = Path(env["HOME"]) / ".config" / "pip" / "pip.conf", ""
    elif where == "xdg":
        conf, extra = project.parent / "xdg" / "pip" / "pip.conf", {"XDG_CONFIG_DIRS": str(project.parent / "xdg")}
        extra["PIP_CONFIG_FILE"] = ""
    conf.parent.mkdir(parents=True)
    conf.write_text(text)
    r, seen, python_ran = read(tool, env, project, "freeze", **extra)
    assert python_ran and seen is not None and pipshim_lines(r.stderr) == line, r.stderr
    if where == "PIP_CONFIG_FILE":
        r, seen, python_ran = read(tool, env, project, "freeze", **extra, PIP_QUIET="0")
        assert not python_ran and pipshim_lines(r.stderr) == [LINE], "PIP_QUIET replaces every file's quiet"


@needs_no_global_quiet
def test_a_pip_conf_that_says_nothing_of_quiet_is_read_in_sh(tool, env, project):
    conf = project.parent / "conf" / "pip.conf"
    conf.parent.mkdir()
    conf.write_text("[global]\nindex-url = https://example.invalid/simple\n")
    xdg = str(project.parent / "no-xdg")
    r, seen, python_ran = read(tool, env, project, "freeze", PIP_CONFIG_FILE=str(conf), XDG_CONFIG_DIRS=xdg)
    assert not python_ran and seen is not None and pipshim_lines(r.stderr) == [LINE], r.stderr


@pytest.mark.parametrize("name", ["PIP_Quiet", "PIP_quiet"])
def test_pip_quiet_in_another_spelling_leaves_the_read_to_python(tool, env, project, name):
    r, seen, python_ran = read(tool, env, project, "freeze", **{name: "1"})
    assert python_ran and seen is not None and pipshim_lines(r.stderr) == [], r.stderr
    r, _, python_ran = read(tool, env, project, "freeze", **{"PIP_QUIET": "1", name: "0"})
    assert python_ran and pipshim_lines(r.stderr) == [LINE], "pip takes the later one"


@pytest.mark.parametrize(
    "damage",
    ["older than the interpreter", "the marker file is gone", "says plain", "says nonsense", "missing", "a link"],
)
def test_a_record_that_no_longer_holds_leaves_the_read_to_python_which_writes_it_again(tool, env, project, damage):
    mark = python_mark(env)
    good = mark.read_text()
    if damage == "older than the interpreter":
        os.utime(mark, (0, 0))
    elif damage == "the marker file is gone":
        mark.write_text(f"managed {project / 'no-stdlib'}\n")
    elif damage == "says plain":
        mark.write_text(good.replace("managed", "plain"))
    elif damage == "says nonsense":
        mark.write_text("banana\n")
    elif damage == "a link":  # to a file of the user's saying the same: -O alone would pass it
        (project / "notes").write_text(good)
        mark.unlink()
        mark.symlink_to(project / "notes")
    else:
        mark.unlink()
    r, seen, python_ran = read(tool, env, project, "list")
    assert python_ran and seen["argv"][0] == str(project / ".venv" / "bin" / "pip"), r.stderr
    assert mark.read_text() == good and not mark.is_symlink()
    _, _, python_ran = read(tool, env, project, "list")
    assert not python_ran


def test_a_venv_pip_first_on_path_passes_through_in_sh(tool, env, project, tmp_path):
    """The real pip is the active venv's own: rule 1, pip runs unchanged with no line."""
    venv_bin = project / ".venv" / "bin"
    active = {**env, "VIRTUAL_ENV": str(project / ".venv"), "PATH": f"{tool[0]}:{venv_bin}:/usr/bin:/bin"}
    read(tool, active, tmp_path, "--version")  # Python records what the venv's python is
    assert Path(shimtrust.root(env) + str(venv_bin / "python") + shimtrust.PYTHON_MARK).read_text() == "venv\n"
    r, seen, python_ran = read(tool, active, tmp_path, "--version")
    assert not python_ran and seen["argv"] == [str(venv_bin / "pip"), "--version"], r.stderr
    assert pipshim_lines(r.stderr) == []


# --- generated: every candidate state x source x context, as test_shim_agreement lays them out ---


# an ordinary user's cases in `make test`; the root and disabled contexts too in `make check`
READ_CASES = [
    c if c.values[3] == "user" else pytest.param(*c.values, id=c.id, marks=pytest.mark.exhaustive) for c in CASES
]


@pytest.mark.parametrize(("source", "state", "layout", "context"), READ_CASES)
def test_a_read_runs_what_explain_names(source, state, layout, context, tmp_path, tool, realbin):
    cand, cwd, extra = place(source, tmp_path, context)
    BUILD_STATE[state][layout](cand)
    if state is State.OK:
        with_probe(cand)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    (home / ".cache").mkdir(mode=0o700)
    env = {
        "PATH": f"{tool[0]}:{realbin}:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "PIP_CONFIG_FILE": os.devnull,
        **CONTEXTS[context],
        **extra,
    }
    plan = explain(cwd, env, "freeze")
    read(tool, env, cwd, "freeze")  # Python looks once: marks what it checked
    r, seen, python_ran = read(tool, env, cwd, "freeze")
    where = f"explain {json.dumps(plan)}\nshim rc={r.returncode} out={r.stdout!r} err={r.stderr!r}"
    if plan["route"] in ("venv", "passthrough"):
        assert r.returncode == 0 and seen is not None and [seen["argv"]] == plan["commands"], where
        assert pipshim_lines(r.stderr) == ([f"pipshim: {plan['line']}"] if plan["line"] else []), where
    else:
        assert r.returncode == plan["exit_code"] and len(pipshim_lines(r.stderr)) == 1, where
    # sh alone routes at least the plain cases: a usable venv, or nothing at all here
    plain = state is State.OK or (state is State.MISSING and source in (Source.NEAREST, Source.USER))
    if context != "disabled" and plain:
        assert not python_ran, where
