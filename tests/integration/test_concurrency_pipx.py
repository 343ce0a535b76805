"""Concurrent `pip install APP` outside a project: one lock for pipx's venvs serialises every
pipx command pipshim runs, and the steps are worked out again under it.

Of 4 callers let go at the same instant, exactly one runs `pipx install`; the others wait
(and say so once), then find the app installed and say pip's "Requirement already
satisfied", with none of pipx's "already seems to be installed … Pass '--force'" text.
Real pipx from pipshim's environment, local wheels, a PIPX_HOME of the test's own.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import pipshim_lines, run

N = 4
PIPX_ERRORS = ("already seems to be installed", "--force")

# each caller opens the gate, says it is ready, then blocks on a shared flock of it until the
# test lets go of its exclusive one: all N start pip in the same instant
GATE = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.write(int(sys.argv[2]), b".")
fcntl.flock(fd, fcntl.LOCK_SH)
os.close(fd)
os.execvp(sys.argv[3], sys.argv[3:])
"""


@pytest.fixture
def env(shim_env, tmp_path, pipx_wheels, pipx_shared) -> dict[str, str]:
    e = dict(shim_env)
    e.update(
        PIPSHIM_APPS="demo-app",
        PIPX_HOME=str(tmp_path / "pipx"),
        PIPX_SHARED_LIBS=str(pipx_shared),
        PIP_FIND_LINKS=f"{shim_env['PIP_FIND_LINKS']} {pipx_wheels}",
    )
    return e


def at_once(tmp_path: Path, env: dict[str, str], cwd: Path, commands: list[list[str]]) -> list[tuple]:
    """Run ``commands`` let go together; each one's (argv, status, stdout, stderr)."""
    gate = tmp_path / "gate"
    gate.touch()
    held = os.open(gate, os.O_RDONLY)
    fcntl.flock(held, fcntl.LOCK_EX)
    ready_r, ready_w = os.pipe()
    procs = []
    try:
        for argv in commands:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-I", "-c", GATE, str(gate), str(ready_w), *argv],
                    env=env,
                    cwd=cwd,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    pass_fds=(ready_w,),
                )
            )
        got = 0
        while got < len(commands):
            got += len(os.read(ready_r, 64))
        time.sleep(0.2)  # each is in its flock by now
    finally:
        os.close(held)  # lets them all go
        os.close(ready_w)
        os.close(ready_r)
    results = []
    for argv, p in zip(commands, procs):
        out, err = p.communicate(timeout=600)
        results.append((argv, p.returncode, out, err))
    return results


def report(results) -> str:
    return "\n\n".join(f"{' '.join(a)}: rc={rc}\n--- stdout\n{out}--- stderr\n{err}" for a, rc, out, err in results)


def pipx_venvs(env) -> list[str]:
    d = Path(env["PIPX_HOME"]) / "venvs"
    return sorted(p.name for p in d.iterdir() if p.is_dir()) if d.is_dir() else []


def no_pipx_errors(results) -> None:
    lines = [ln for _, _, out, err in results for ln in (out + err).splitlines()]
    assert not [ln for ln in lines if any(e in ln for e in PIPX_ERRORS)], report(results)


def test_concurrent_installs_of_one_app_install_it_once(tmp_path, shim_bin, env, work):
    results = at_once(tmp_path, env, work, [["pip", "install", "demo-app"]] * N)
    text = report(results)
    assert [rc for _, rc, _, _ in results] == [0] * N, text
    no_pipx_errors(results)
    assert pipx_venvs(env) == ["demo-app"], text
    assert sum("installed package demo-app 1.0" in out for _, _, out, _ in results) == 1, text
    venv = Path(env["PIPX_HOME"]) / "venvs" / "demo-app"
    satisfied = f"Requirement already satisfied: demo-app in {venv} (1.0)"
    assert sum(out.splitlines() == [satisfied] for _, _, out, _ in results) == N - 1, text
    # the holder keeps the lock for a whole pipx install, while all N start at once
    lines = [ln for _, _, _, err in results for ln in pipshim_lines(err)]
    waiting = [ln for ln in lines if "waiting for another pip run" in ln]
    assert waiting and all(f"{venv.parent} " in ln for ln in waiting), text
    for _, _, _, err in results:  # a waiter says it once, then what it did
        assert sum("waiting for another pip run" in ln for ln in pipshim_lines(err)) <= 1, text
    assert sum("→ pipx: already installed: demo-app" in ln for ln in lines) == N - 1, text
    ran = run(["/bin/sh", "-c", "demo-app"], env, work)
    assert (ran.returncode, ran.stdout) == (0, "demo-app 1.0\n"), ran.stderr


def test_concurrent_uninstalls_and_installs_leave_the_app_whole_or_gone(tmp_path, shim_bin, env, work):
    first = run([shim_bin / "pip", "install", "demo-app"], env, work)
    assert first.returncode == 0, first.stderr
    commands = [["pip", "uninstall", "-y", "demo-app"], ["pip", "install", "--force-reinstall", "demo-app"]] * (N // 2)
    results = at_once(tmp_path, env, work, commands)
    text = report(results)
    assert [rc for _, rc, _, _ in results] == [0] * N, text
    no_pipx_errors(results)
    link = shim_bin / "demo-app"
    if pipx_venvs(env):
        assert pipx_venvs(env) == ["demo-app"], text
        ran = run(["/bin/sh", "-c", "demo-app"], env, work)
        assert (ran.returncode, ran.stdout) == (0, "demo-app 1.0\n"), f"{ran.stderr}\n{text}"
    else:
        assert not os.path.lexists(link), text
    # each uninstall either removed it or found it gone, as pip says it
    for argv, _, out, err in results:
        if argv[1] == "uninstall":
            assert "Successfully uninstalled demo-app-1.0" in out or "Skipping demo-app" in err, text
