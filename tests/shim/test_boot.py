"""pipshim.boot: one interpreter start per pip call, through the real shims.

The shim runs the picked environment's own python on pipshim.boot, which decides as the
resolver does and runs pip in-process, or falls back to exec'ing what the plan says (or
the resolver). Here a stand-in pip script (the venv's bin/pip, with the venv's python in
its #! line) reports what pip would see: sys.path, sys.modules, argv, the lock.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from conftest import warm_home
from helpers import pipshim_lines, run
from sut import SUT

from pipshim import boot

PROBE = """#!{python}
import fcntl, gc, json, os, sys
fd = os.open({lockdir!r}, os.O_RDONLY)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    locked = False
except BlockingIOError:
    locked = True
print(json.dumps({{
    "argv": sys.argv, "path": sys.path, "executable": sys.executable,
    "pipshim_modules": sorted(m for m in sys.modules if m.split(".")[0] in ("pipshim", "rules", "enum_planted")),
    "meta_path": [type(f).__name__ for f in sys.meta_path],
    "active": os.environ.get("PIPSHIM_ACTIVE"), "locked": locked, "pid": os.getpid(),
    "main_file": getattr(sys.modules["__main__"], "__file__", None), "gc": gc.isenabled(),
    "environ": list(os.environ.items()),
}}))
sys.exit(int(os.environ.get("PROBE_RC", "0")))
"""


@pytest.fixture
def env(shim_bin, hermetic_env, warm_cache) -> dict[str, str]:
    """A user whose config.toml (quiet may be set there) leaves every read to pipshim.boot: a read
    routed in sh alone (shims/reads.sh) starts no Python of pipshim's, and is tested in test_reads.py."""
    warm_home(hermetic_env, warm_cache)
    config = hermetic_env / ".config" / "pipshim" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("quiet = false\n")
    return {
        "PATH": f"{shim_bin}:/usr/bin:/bin",
        "HOME": str(hermetic_env),
        "LANG": "C.UTF-8",
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIPSHIM_ROOT": "0",
        "PIPSHIM_CONTAINER": "0",
    }


@pytest.fixture
def project(tmp_path, shim_bin, env) -> Path:
    """A project whose .venv (made by `pipshim venv`) has a probe for its pip script."""
    d = tmp_path / "proj"
    d.mkdir()
    (d / "pyproject.toml").write_text('[project]\nname = "proj"\nversion = "0"\n')
    r = run([shim_bin / "pipshim", "venv"], env, d)
    assert r.returncode == 0, r.stderr
    pip = d / ".venv" / "bin" / "pip"
    pip.write_text(PROBE.format(python=d / ".venv" / "bin" / "python", lockdir=str(d)))
    for other in (d / ".venv" / "bin").glob("pip3*"):  # pip3, pip3.N: only the probe answers
        other.unlink()
    return d


def probe(shim_bin, env, cwd, *args, **extra):
    r = run([shim_bin / "pip", *args], {**env, **extra}, cwd)
    out = json.loads(r.stdout) if r.stdout.startswith("{") else None
    return r, out


def test_a_read_runs_the_venvs_pip_in_process_with_nothing_of_pipshim_visible(shim_bin, env, project):
    """`pipshim venv` made the venv and marked it: the very first pip call is one start."""
    r, seen = probe(shim_bin, env, project, "list", PYTHONPROFILEIMPORTTIME="1")
    assert r.returncode == 0, r.stderr
    assert starts(r.stderr) == 1 and "| pipshim.boot" in r.stderr, r.stderr  # boot and pip: one process
    venv_bin = str(project / ".venv" / "bin")
    assert seen["argv"] == [f"{venv_bin}/pip", "list"]
    assert seen["executable"] == f"{venv_bin}/python"
    assert seen["path"][0] == venv_bin  # as pip's own script: its bin dir, never the cwd
    assert str(project) not in seen["path"] and "" not in seen["path"]
    site = str(Path(boot.__file__).resolve().parent.parent)  # where the shims load pipshim from
    assert not any(p == site or p.endswith("/src") or p.endswith("/pipshim") for p in seen["path"])
    assert seen["pipshim_modules"] == []
    assert "_Guard" not in seen["meta_path"]
    assert seen["active"] == "1"
    # os.environ is the shim's (the sh adds its PWD and OLDPWD) plus the guard, added last
    shims = {k: v for k, v in seen["environ"] if k not in ("PWD", "OLDPWD")}
    assert shims == {**env, "PYTHONPROFILEIMPORTTIME": "1", "PIPSHIM_ACTIVE": "1"}
    assert seen["environ"][-1] == ["PIPSHIM_ACTIVE", "1"]
    assert seen["main_file"] == f"{venv_bin}/pip"
    assert seen["gc"] is True, "pipshim pauses the garbage collector for itself, never for pip"
    assert seen["locked"] is False
    assert len(pipshim_lines(r.stderr)) == 1


def test_a_mutating_call_holds_the_environments_lock_while_pip_runs(shim_bin, env, project):
    r, seen = probe(shim_bin, env, project, "install", "demo-lib")
    assert r.returncode == 0, r.stderr
    assert seen["locked"] is True
    assert seen["argv"][1:] == ["install", "demo-lib"]


def test_pips_exit_status_is_the_shims(shim_bin, env, project):
    r, seen = probe(shim_bin, env, project, "list", PROBE_RC="3")
    assert r.returncode == 3 and seen is not None


@pytest.mark.parametrize("planted", ["pipshim.py", "enum.py", "rules.py", "facts.py", "re.py", "json.py"])
def test_modules_planted_in_the_cwd_are_never_imported(shim_bin, env, project, planted):
    (project / planted).write_text("raise SystemExit('PLANTED')\n")
    (project / "pipshim").mkdir(exist_ok=True)
    (project / "pipshim" / "__init__.py").write_text("raise SystemExit('PLANTED')\n")
    r, seen = probe(shim_bin, env, project, "list")
    assert r.returncode == 0 and "PLANTED" not in r.stderr + r.stdout, r.stderr
    assert seen is not None


def test_pythonpath_counts_as_it_does_for_pips_own_script(shim_bin, env, project, tmp_path):
    extra = tmp_path / "extra"
    extra.mkdir()
    r, seen = probe(shim_bin, env, project, "list", PYTHONPATH=str(extra))
    assert r.returncode == 0, r.stderr
    assert seen["path"][:2] == [str(project / ".venv" / "bin"), str(extra)]


def test_a_decision_that_differs_from_the_sh_pick_execs_the_plans_command(shim_bin, env, project, tmp_path):
    """Consent passes through to the real pip: exec'd (its own process image), not run here."""
    real = tmp_path / "realbin"
    real.mkdir()
    (real / "pip").write_text("#!/usr/bin/python3\nimport json, sys; print(json.dumps({'real': sys.argv}))\n")
    (real / "pip").chmod(0o755)
    env = {**env, "PATH": f"{shim_bin}:{real}:/usr/bin:/bin"}
    r = run([shim_bin / "pip", "install", "--break-system-packages", "demo-lib"], env, project)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"real": [str(real / "pip"), "install", "--break-system-packages", "demo-lib"]}


def starts(stderr: str) -> int:
    """Interpreter starts in a run under PYTHONPROFILEIMPORTTIME: each one imports site once
    (the resolver runs with -I, which ignores PYTHON* variables: its start is not counted)."""
    return sum(1 for line in stderr.splitlines() if line.startswith("import time:") and line.endswith("| site"))


@pytest.mark.parametrize("where", ["outside projects", "root on a host"])
def test_with_no_environment_the_real_pips_python_decides_and_runs_it_in_one_start(shim_bin, env, tmp_path, where):
    real = tmp_path / "realbin"
    real.mkdir()
    (real / "pip").write_text(PROBE.format(python="/usr/bin/python3", lockdir=str(tmp_path)))
    (real / "pip").chmod(0o755)
    env = {**env, "PATH": f"{shim_bin}:{real}:/usr/bin:/bin", "PIPSHIM_ROOT": str(int(where == "root on a host"))}
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run([shim_bin / "pip", "--version"], env, empty).returncode == 0  # the resolver records what it checked
    r = run([shim_bin / "pip", "list"], {**env, "PYTHONPROFILEIMPORTTIME": "1"}, empty)
    assert r.returncode == 0, r.stderr
    assert starts(r.stderr) == 1 and "| pipshim.boot" in r.stderr, r.stderr  # boot and pip: one process
    seen = json.loads(r.stdout)
    assert seen["argv"] == [str(real / "pip"), "list"]
    assert seen["executable"] == "/usr/bin/python3"
    assert seen["path"][0] == str(real) and "" not in seen["path"]
    assert seen["pipshim_modules"] == [] and "_Guard" not in seen["meta_path"]


def test_a_project_whose_venv_is_still_to_be_made_goes_to_the_resolver(shim_bin, env, tmp_path):
    """The sh leaves a creation to the resolver rather than start a python that would hand it over."""
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "pyproject.toml").write_text('[project]\nname = "proj"\nversion = "0"\n')
    run([shim_bin / "pip", "--version"], env, proj)
    r = run([shim_bin / "pip", "--version"], {**env, "PYTHONPROFILEIMPORTTIME": "1"}, proj)
    assert r.returncode == 0, r.stderr
    assert starts(r.stderr) == 1 and "pipshim.boot" not in r.stderr  # the resolver (uncounted), then pip
    assert not (proj / ".venv").exists()


def test_a_python_that_cannot_load_the_bootstrap_hands_the_call_to_the_resolver(env, project, tmp_path):
    """Python 3.6 cannot compile pipshim's modules (``from __future__ import annotations``):
    the snippet execs the resolver, which runs pip, instead of showing a traceback."""
    from pipshim import shims

    site = tmp_path / "site"
    shutil.copytree(Path(boot.__file__).parent, site / "pipshim", ignore=shutil.ignore_patterns("__pycache__"))
    (site / "pipshim" / "boot.py").write_text("from __future__ import braces\n")  # a SyntaxError, as on 3.6
    started = tmp_path / "snippet-started"
    with open(site / "pipshim" / "__init__.py", "a") as fh:  # the snippet loads the package first
        fh.write(f"\nopen({str(started)!r}, 'w').close()\n")
    bin_dir = tmp_path / "old-bin"
    bin_dir.mkdir()
    (bin_dir / "pip").write_text(shims.render(sys.executable, "pip", str(bin_dir), site=str(site)))
    (bin_dir / "pip").chmod(0o755)
    env = {**env, "PATH": f"{bin_dir}:/usr/bin:/bin"}
    run([bin_dir / "pip", "--version"], env, project)  # the resolver records the venv it checked
    started.unlink(missing_ok=True)
    r = run([bin_dir / "pip", "list"], env, project)
    assert started.exists()  # the snippet ran on the venv's python, and failed to load the bootstrap
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert json.loads(r.stdout)["argv"] == [str(project / ".venv" / "bin" / "pip"), "list"]


def test_explain_falls_back_to_the_resolver(shim_bin, env, project):
    r = run([shim_bin / "pip", "list"], {**env, "PIPSHIM_EXPLAIN": "1"}, project)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("→ ./.venv (project venv; pip list)") and str(project / ".venv") in r.stdout


def test_a_broken_active_venv_is_the_resolvers_refusal(shim_bin, env, project, tmp_path):
    broken = tmp_path / "broken"
    (broken / "bin").mkdir(parents=True)
    (broken / "lib" / f"python{SUT.version}").mkdir(parents=True)
    (broken / "pyvenv.cfg").write_text("home = /nonexistent\n")
    (broken / "bin" / "python").symlink_to(tmp_path / "gone")
    r = run([shim_bin / "pip", "list"], {**env, "VIRTUAL_ENV": str(broken)}, project)
    assert r.returncode == 2
    assert len(pipshim_lines(r.stderr)) == 1 and "is broken" in r.stderr


def test_the_python_shim_runs_m_pip_in_process_with_the_cwd_first_as_python_m_does(shim_bin, env, project):
    r = run([shim_bin / "python3", "-m", "pip", "--version"], env, project)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("pip ") and str(project / ".venv") in r.stdout


def test_the_guard_turns_forbidden_and_missing_newer_modules_into_the_fallback():
    first, last = boot._Guard(False), boot._Guard(True)
    for name in ("packaging", "packaging.requirements", "virtualenv", "filelock"):
        with pytest.raises(boot.NeedResolver):
            first.find_spec(name)
    assert first.find_spec("json") is None and last.find_spec("org") is None
    with pytest.raises(boot.NeedResolver):
        last.find_spec("tomllib")


def test_the_snippet_is_what_the_shims_run(shim_bin):
    from pipshim.shimrender import sh_quote

    for name in ("pip", "python3"):
        assert f"BOOT={sh_quote(boot.SNIPPET)}" in (shim_bin / name).read_text()
    assert f"PIPSHIM_SITE={sh_quote(str(Path(boot.__file__).parent.parent))}" in (shim_bin / "pip").read_text()


def test_the_snippet_parses_on_old_pythons_so_its_fallback_can_run():
    """Python 3.4's grammar (no f-strings, no walrus): an old venv's python reaches the except."""
    import ast

    ast.parse(boot.SNIPPET, feature_version=(3, 4))


def _damage_pip(project: Path) -> None:
    """What a full disk did in the issue: pip's main module's .pyc cut short (EOFError: marshal
    data too short). Replaced, never truncated in place: the venv's pip files are hard links
    into the seed cache, which every later venv shares."""
    import py_compile

    site = next((project / ".venv" / "lib").glob("python3*/site-packages"))
    source = site / "pip" / "_internal" / "cli" / "main.py"
    pyc = Path(py_compile.compile(str(source), cfile=str(project / "main.pyc"), doraise=True))
    target = Path(importlib.util.cache_from_source(str(source)))
    target.unlink(missing_ok=True)
    target.write_bytes(pyc.read_bytes()[:20])
    main = "import sys\nfrom pip._internal.cli.main import main\nsys.exit(main())\n"
    (project / ".venv" / "bin" / "pip").write_text(f"#!{project / '.venv' / 'bin' / 'python'}\n{main}")


@pytest.mark.parametrize("path", ["in-process", "resolver"])
def test_a_pip_that_cannot_load_is_a_broken_venv_with_the_fix(shim_bin, env, project, path):
    if path == "in-process":  # a first call teaches the shim that its directories are trusted
        assert probe(shim_bin, env, project, "list")[0].returncode == 0
    _damage_pip(project)
    r = run([shim_bin / "pip", "install", "--no-index", "demo-lib"], env, project)
    assert r.returncode == 2, r.stderr
    line = pipshim_lines(r.stderr)[-1]
    assert f"{project / '.venv'} is broken: its pip does not load (EOFError: marshal data too short" in line
    assert f"`pipshim venv --recreate` in {project}" in line
    if path == "in-process":
        assert "Traceback" not in r.stderr
    r = run([shim_bin / "pipshim", "doctor"], env, project)
    assert r.returncode == 1
    assert any(f"{project / '.venv'} (broken: its pip does not load (EOFError" in ln for ln in r.stdout.splitlines()), (
        r.stdout
    )
    r = run([shim_bin / "pipshim", "venv", "--recreate"], env, project)
    assert r.returncode == 0, r.stderr
    r = run([project / ".venv" / "bin" / "python", "-m", "pip", "--version"], env, project)
    assert r.returncode == 0 and str(project / ".venv") in r.stdout, r.stderr


def test_an_error_raised_by_pip_itself_stays_pips_own(shim_bin, env, project):
    assert probe(shim_bin, env, project, "list")[0].returncode == 0
    pip = project / ".venv" / "bin" / "pip"
    pip.write_text(f"#!{project / '.venv' / 'bin' / 'python'}\nraise ValueError('bad marshal? no, pip')\n")
    r = run([shim_bin / "pip", "list"], env, project)
    assert r.returncode == 1
    assert "Traceback" in r.stderr and "ValueError: bad marshal? no, pip" in r.stderr
    assert "is broken" not in r.stderr
