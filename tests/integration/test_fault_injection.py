"""Issue 9, "Tests that hold all this": SIGKILL, SIGINT and SIGTERM at many points through
a first project install, a user-environment install, a pipx install and a recreate.

No hooks in the product: a point is a file that appears, a process that runs, or a delay.
SIGKILL and SIGINT go to the whole process group (the OOM killer / a closed terminal, ^C);
SIGTERM goes to the leader alone (``kill PID``), which must pass it on. Whatever the point,
after every process of the run is gone the same command is run again, and then:

- it succeeds;
- there is exactly one valid environment: its python runs, the package imports (after a
  recreate: the packages it held before), the pipx app's command runs;
- nothing is left over: ``*.pipshim-removing-*``, ``*.pipshim-old-*``, the in-progress
  marker, a half-made pipx venv, anything else in the project.

`make test` runs one point per scenario that used to fail (recreate, pipx); `make check` all
of them. The module reports its figures (points tried / recovered per scenario) as a
``ChaosFigure`` warning.
"""

from __future__ import annotations

import glob
import signal
from pathlib import Path

import pytest
from conftest import shared_dir
from filelock import FileLock
from helpers import run

from integration.chaos import (
    TRACEBACK,
    after,
    exists,
    figure,
    kill_at,
    leftovers,
    pipshim_traceback,
    running,
    system_python_hashes,  # noqa: F401  (a session fixture)
)
from integration.support import MARKER, SITE, assert_complete_venv, imports_from, user_env, user_venv

pytestmark = pytest.mark.usefixtures("system_python_hashes")

SIGNALS = {"KILL": (signal.SIGKILL, True), "INT": (signal.SIGINT, True), "TERM": (signal.SIGTERM, False)}

RESULTS: dict[str, list[int]] = {}  # scenario -> [tried, recovered]


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    if RESULTS:
        parts = [f"{s} {t}/{ok}" for s, (t, ok) in sorted(RESULTS.items())]
        tried = sum(t for t, _ in RESULTS.values())
        ok = sum(ok for _, ok in RESULTS.values())
        figure(f"fault injection: {tried} kill points tried, {ok} recovered (tried/recovered: {', '.join(parts)})")


def glob_exists(pattern: str):
    return lambda pid: bool(glob.glob(pattern))


def both(a, b):
    armed = [False]

    def reached(pid: int) -> bool:
        armed[0] = armed[0] or a(pid)
        return armed[0] and b(pid)

    return reached


def points_for(scenario: str, ctx: dict) -> dict:
    venv: Path = ctx["venv"]
    if scenario in ("project", "user"):
        return {
            "venv-dir": exists(venv),
            "marker": exists(venv / MARKER),
            "pyvenv-cfg": exists(venv / "pyvenv.cfg"),
            "pip-child": running(str(venv / "bin" / "pip").encode()),
            "package": exists(venv / SITE / "demo_lib"),
            "t1.5": after(1.5),
        }
    if scenario == "pipx":
        return {
            "pipx-started": running(b"-m\0pipx\0install"),
            "venv-dir": exists(venv),
            "pyvenv-cfg": exists(venv / "pyvenv.cfg"),
            "pip-child": running(str(venv / "bin" / "python").encode()),
            "package": exists(venv / SITE / "demo_app"),
            "metadata": exists(venv / "pipx_metadata.json"),
        }
    aside = glob.escape(str(venv)) + ".pipshim-old-*"
    return {  # recreate
        "aside": glob_exists(aside),
        "marker": exists(venv / MARKER),
        "pyvenv-cfg": both(glob_exists(aside), exists(venv / "pyvenv.cfg")),
        "pip-child": running(b"-m\0pip\0install"),
        "package": both(glob_exists(aside), exists(venv / SITE / "demo_lib")),
        "removing": glob_exists(glob.escape(str(venv)) + ".pipshim-old-*.pipshim-removing-*"),
        "t1.0": after(1.0),
    }


SCENARIOS = ("project", "user", "pipx", "recreate")
POINT_NAMES = {
    s: tuple(points_for(s, {"venv": Path("/nonexistent")}))  # names only
    for s in SCENARIOS
}
QUICK = {("recreate", "KILL", "pip-child"), ("pipx", "KILL", "venv-dir")}


def cases():
    for scenario in SCENARIOS:
        for sig in SIGNALS:
            for point in POINT_NAMES[scenario]:
                quick = (scenario, sig, point) in QUICK
                yield pytest.param(
                    scenario,
                    sig,
                    point,
                    id=f"{scenario}-{sig}-{point}",
                    marks=() if quick else (pytest.mark.exhaustive,),
                )


@pytest.fixture(scope="module")
def pipx_shared(tmp_path_factory, wheelhouse, app_data) -> Path:
    """pipx's shared pip venv, made once (by a pipx install through pipshim) before any kill."""
    shared = shared_dir(tmp_path_factory, "fault-pipx")
    libs = shared / "shared"
    with FileLock(str(shared / "fill.lock")):
        if not (libs / "bin" / "pip").exists():
            base = shared / "filler"
            env = user_env(base, wheelhouse, app_data)
            env.update(PIPSHIM_APPS="demo-app", PIPX_HOME=str(base / "pipx"), PIPX_SHARED_LIBS=str(libs))
            work = base / "work"
            work.mkdir(exist_ok=True)
            r = run([base / "bin" / "pip", "install", "demo-app"], env, work)
            assert r.returncode == 0, r.stderr
    return libs


@pytest.fixture
def ctx(request, tmp_path, shim_bin, shim_env, project, work, hermetic_env) -> dict:
    scenario = request.node.callspec.params["scenario"]
    env = dict(shim_env)
    c = {"env": env, "shim_bin": shim_bin, "tmp": tmp_path}
    if scenario == "project":
        c.update(cmd=["pip", "install", "demo-lib"], cwd=project, venv=project / ".venv", module="demo_lib")
    elif scenario == "user":
        c.update(cmd=["pip", "install", "demo-lib"], cwd=work, venv=user_venv(env), module="demo_lib")
    elif scenario == "pipx":
        env.update(
            PIPSHIM_APPS="demo-app",
            PIPX_HOME=str(tmp_path / "pipx"),
            PIPX_SHARED_LIBS=str(request.getfixturevalue("pipx_shared")),
        )
        c.update(cmd=["pip", "install", "demo-app"], cwd=work, venv=tmp_path / "pipx" / "venvs" / "demo-app")
        c["module"] = "demo_app"
    else:
        r = run(["pip", "install", "demo-lib", "demo-dep"], env, project)
        assert r.returncode == 0, r.stderr
        c.update(cmd=["pipshim", "venv", "--recreate"], cwd=project, venv=project / ".venv", module="demo_lib")
    return c


def check_recovered(scenario: str, c: dict, log: Path) -> list[str]:
    env, cwd, venv, tmp = c["env"], c["cwd"], c["venv"], c["tmp"]
    problems = []
    r = run(c["cmd"], env, cwd)
    killed = log.read_text(errors="replace")
    if r.returncode != 0:
        return [f"retry exit {r.returncode}:\n{r.stdout}\n{r.stderr}\n--- killed run ---\n{killed}"]
    if TRACEBACK in r.stderr:
        problems.append(f"a traceback:\n{r.stderr}")
    if pipshim_traceback(killed):  # pip's own ^C traceback (during its imports) is pip's
        problems.append(f"a pipshim traceback in the killed run:\n{killed}")
    try:
        assert_complete_venv(venv)
    except AssertionError as exc:
        problems.append(f"not one complete venv: {exc}")
    modules = ["demo_lib", "demo_dep"] if scenario == "recreate" else [c["module"]]
    for m in modules:
        imp = imports_from(venv / "bin" / "python", m, tmp)
        if imp.returncode != 0:
            problems.append(f"{m} does not import from {venv}: {imp.stderr.strip()[-200:]}")
    left = leftovers(tmp)
    left += [str(p) for p in tmp.rglob(MARKER)]
    if left:
        problems.append(f"leftovers: {left}")
    if scenario in ("project", "recreate"):
        names = sorted(p.name for p in cwd.iterdir())
        if names != [".venv", "pyproject.toml"]:
            problems.append(f"the project holds {names}")
    if scenario == "user":
        if list(cwd.iterdir()):
            problems.append(f"the cwd holds {sorted(p.name for p in cwd.iterdir())}")
        holder = venv.parent
        extra = sorted(p.name for p in holder.iterdir() if p.name not in ("venv", "user-env"))
        if extra:
            problems.append(f"{holder} holds {extra}")
    if scenario == "pipx":
        venvs = venv.parent
        names = sorted(p.name for p in venvs.iterdir() if not p.name.endswith(".lock"))
        if names != ["demo-app"]:
            problems.append(f"pipx venvs: {names}")
        trash = venvs.parent / ".trash"
        if trash.is_dir() and list(trash.iterdir()):
            problems.append(f"pipx trash: {sorted(p.name for p in trash.iterdir())}")
        ran = run(["demo-app"], env, cwd)
        if ran.returncode != 0 or "demo-app 1.0" not in ran.stdout:
            problems.append(f"demo-app does not run: {ran.returncode} {ran.stdout} {ran.stderr}")
        again = run(c["cmd"], env, cwd)
        if again.returncode != 0:
            problems.append(f"a second install fails: {again.stderr}")
    elif scenario != "user":  # the user environment sees the system site-packages: pip check is theirs
        check = run([venv / "bin" / "python", "-m", "pip", "check"], env, cwd)
        if check.returncode != 0:
            problems.append(f"pip check: {check.stdout}{check.stderr}")
    return problems


@pytest.mark.parametrize("scenario,sig,point", list(cases()))
def test_killed_and_recovered(scenario, sig, point, ctx):
    signum, group = SIGNALS[sig]
    reached = points_for(scenario, ctx)[point]
    log = ctx["tmp"] / "killed-run.log"
    cmd = [ctx["shim_bin"] / ctx["cmd"][0], *ctx["cmd"][1:]]

    sent, rc = kill_at(cmd, ctx["env"], ctx["cwd"], reached, signum, group, log)
    problems = check_recovered(scenario, ctx, log)

    tally = RESULTS.setdefault(scenario, [0, 0])
    tally[0] += 1
    tally[1] += not problems
    landed = "delivered" if sent else "run ended before the point"
    assert not problems, f"{scenario} SIG{sig} at {point} ({landed}, rc={rc}):\n" + "\n".join(problems)
