"""Issue 3, items 5 and 7: a SIGKILL during venv creation is recovered by the next call.

No hooks in the product: the test watches the file system (and /proc) at ~1 ms and
kills the whole process group (shim -> pipshim -> virtualenv / pip) when a point is
reached. Whatever the point, and even if the run got past it before the kill landed,
the venv must be either recognisably unfinished or complete, and the next
`pip install demo-lib` must succeed with a complete venv.
"""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from helpers import destination, run

from integration.support import (
    MARKER,
    SITE,
    assert_complete_venv,
    assert_imports_from_venv,
    imports_from,
    one_pipshim_line,
    venvs_under,
)


def pip_child_running(pid: int) -> bool:
    """Is a child of ``pid`` running the venv's pip?"""
    for children in glob.glob(f"/proc/{pid}/task/*/children"):
        try:
            with open(children) as fh:
                kids = fh.read().split()
        except OSError:
            continue
        for kid in kids:
            try:
                with open(f"/proc/{kid}/cmdline", "rb") as fh:
                    if b"/.venv/bin/pip" in fh.read():
                        return True
            except OSError:
                continue
    return False


POINTS = {
    "venv-dir": lambda venv, pid: venv.exists(),
    "pyvenv-cfg": lambda venv, pid: (venv / "pyvenv.cfg").exists(),
    "bin-pip": lambda venv, pid: (venv / "bin" / "pip").exists(),
    "pip-child": lambda venv, pid: pip_child_running(pid),
    "package-dir": lambda venv, pid: (venv / SITE / "demo_lib").exists(),
}
# points that lie well before the end of the run (creation, then pip's ~0.5 s): the kill lands
EARLY = ("venv-dir", "pyvenv-cfg", "bin-pip", "pip-child")
# `make test` kills at these (during creation, while pip runs); every point runs in `make check`
QUICK_POINTS = ("pyvenv-cfg", "pip-child")


def start_and_kill(cmd, env, cwd: Path, venv: Path, reached, log: Path) -> tuple[bool, int]:
    """Run cmd in its own session; SIGKILL the group once ``reached(venv, pid)``. -> (the kill landed, rc)"""
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        killed = False
        deadline = time.monotonic() + 120
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                if reached(venv, proc.pid):
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                        killed = True
                    except ProcessLookupError:
                        pass
                    break
                time.sleep(0.001)
            rc = proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    # nothing of the group may survive the kill (a pip still writing into the venv)
    if killed:
        deadline = time.monotonic() + 10
        while group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not group_alive(proc.pid)
    return killed and rc == -signal.SIGKILL, rc


def group_alive(sid: int) -> bool:
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == sid and fields[0] != "Z":  # session id; not a zombie
            return True
    return False


@pytest.mark.parametrize(
    "point", [pytest.param(p, marks=() if p in QUICK_POINTS else (pytest.mark.exhaustive,)) for p in POINTS]
)
def test_sigkill_during_creation_is_recovered(tmp_path, shim_env, project, point):
    # shim_env's app_data: virtualenv's seed cache is filled before anything is killed
    venv = project / ".venv"
    log = tmp_path / "killed-run.log"

    landed, rc = start_and_kill(["pip", "install", "demo-lib"], shim_env, project, venv, POINTS[point], log)

    if point in EARLY:
        assert landed, f"the kill at {point} did not land (rc={rc}):\n{log.read_text()}"
    finished = venv.is_dir() and not (venv / MARKER).exists() and (venv / "pyvenv.cfg").is_file()
    if landed and point in ("pyvenv-cfg", "bin-pip", "pip-child"):
        # killed between the in-progress marker and the complete marker
        assert (venv / MARKER).exists(), sorted(p.name for p in venv.iterdir())
    if finished:
        # no in-progress marker: the venv must really be complete, with demo-lib in it
        assert imports_from(venv / "bin" / "python", "demo_lib", tmp_path).returncode == 0

    r = run(["pip", "install", "demo-lib"], shim_env, project)

    assert r.returncode == 0, f"{r.stdout}\n{r.stderr}\n--- killed run ---\n{log.read_text()}"
    line = one_pipshim_line(r.stderr)
    assert destination(line, project, shim_env["HOME"])[0] == str(venv), line
    if not finished:
        assert "(new" in line, line
        assert "Successfully installed demo-lib-2.0" in r.stdout
    assert_complete_venv(venv)
    assert_imports_from_venv(venv, "demo_lib", tmp_path)
    assert venvs_under(tmp_path) == [venv]
    assert sorted(p.name for p in project.iterdir()) == [".venv", "pyproject.toml"]
    check = run([venv / "bin" / "pip", "check"], shim_env, project)
    assert check.returncode == 0, check.stdout + check.stderr


def vanished(path: Path, after=None):
    """A point: ``path`` existed (once ``after`` was reached) and is gone while the venv dir is still there.

    ``after`` skips the moment during creation when virtualenv rewrites pyvenv.cfg.
    """
    armed = [after is None]
    seen = [False]

    def reached(venv: Path, pid: int) -> bool:
        if not armed[0]:
            armed[0] = after(venv, pid)
            return False
        if path.exists():
            seen[0] = True
            return False
        return seen[0] and venv.exists()

    return reached


@pytest.mark.parametrize("stage", ["failed-install-cleanup", "incomplete-venv-removal"])
def test_sigkill_during_removal_is_recovered(tmp_path, shim_env, project, stage):
    """A venv being removed (its install failed, or an interrupted creation being redone) is
    killed half-way: that must still read as unfinished, and the next call must recover."""
    venv = project / ".venv"
    log = tmp_path / "killed-run.log"
    if stage == "failed-install-cleanup":
        cmd = ["pip", "install", "no-such-package-xyz"]
        after = POINTS["pip-child"]  # the clean-up starts when the failed pip has run
    else:
        landed, rc = start_and_kill(["pip", "install", "demo-lib"], shim_env, project, venv, POINTS["pip-child"], log)
        if not (landed and (venv / MARKER).exists()):
            pytest.fail(f"could not leave an interrupted creation behind (rc={rc})")
        cmd = ["pip", "install", "demo-lib"]
        after = None  # the incomplete venv is removed first thing under the lock
    # whatever the killed removal leaves (or if it is over before the kill lands), the next call
    # must recover
    start_and_kill(cmd, shim_env, project, venv, vanished(venv / "pyvenv.cfg", after), log)

    r = run(["pip", "install", "demo-lib"], shim_env, project)

    assert r.returncode == 0, f"{r.stdout}\n{r.stderr}\n--- killed run ---\n{log.read_text()}"
    assert "(new" in one_pipshim_line(r.stderr)
    assert_complete_venv(venv)
    assert_imports_from_venv(venv, "demo_lib", tmp_path)
    check = run([venv / "bin" / "pip", "check"], shim_env, project)
    assert check.returncode == 0, check.stdout + check.stderr
