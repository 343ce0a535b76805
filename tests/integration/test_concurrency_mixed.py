"""Issue 9: 16 concurrent callers with mixed ``XDG_CACHE_HOME`` and umask, into one new
project and into the user environment.

The lock is on the environment's parent directory, so it does not depend on a caller's
variables: four distinct cache dirs and umasks 022/002/077 (all the same user, so a venv
made under 077 is still theirs) must all succeed, with exactly one environment holding
every package any of them asked for, and nothing half-made left.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from integration.chaos import (
    TRACEBACK,
    figure,
    leftovers,
    system_python_hashes,  # noqa: F401  (a session fixture)
)
from integration.support import MARKER, assert_complete_venv, imports_from, user_venv, venvs_under

pytestmark = [pytest.mark.usefixtures("system_python_hashes"), pytest.mark.exhaustive]

N = 16
UMASKS = (0o022, 0o002, 0o077, 0o022)
PACKAGES = (
    ("demo-lib", "demo_lib"),
    ("demo-needs-dep", "demo_needs_dep"),
    ("attrs", "attrs"),
    ("demo-dep", "demo_dep"),
)


def callers(tmp_path: Path, env: dict[str, str], cwd: Path) -> list[tuple[int, str, str, int]]:
    procs = []
    for i in range(N):
        e = dict(env, XDG_CACHE_HOME=str(tmp_path / f"cache{i % 4}"))
        umask = UMASKS[(i // 4) % 4]
        pkg = PACKAGES[i % len(PACKAGES)][0]
        procs.append(
            (
                subprocess.Popen(
                    ["pip", "install", pkg],
                    env=e,
                    cwd=cwd,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    preexec_fn=lambda m=umask: os.umask(m) and None,
                ),
                umask,
            )
        )
    results = []
    for p, umask in procs:
        out, err = p.communicate(timeout=900)
        results.append((p.returncode, out, err, umask))
    return results


def check(results, venv: Path, tmp_path: Path, label: str) -> None:
    report = "\n\n".join(f"umask {m:03o} rc={rc}\n--- stdout\n{out}--- stderr\n{err}" for rc, out, err, m in results)
    ok = sum(rc == 0 for rc, *_ in results)
    figure(f"16-way mixed concurrency ({label}): {ok}/{N} succeeded, {len(venvs_under(tmp_path))} environment(s)")
    assert ok == N, report
    assert not any(TRACEBACK in err for _, _, err, _ in results), report
    assert venvs_under(tmp_path) == [venv], report
    assert_complete_venv(venv)
    for _, module in PACKAGES:
        r = imports_from(venv / "bin" / "python", module, tmp_path)
        assert r.returncode == 0, f"{module}: {r.stderr}\n{report}"
    assert leftovers(tmp_path) == []
    assert list(tmp_path.rglob(MARKER)) == []


def test_sixteen_mixed_callers_into_one_new_project(tmp_path, shim_env, project):
    results = callers(tmp_path, shim_env, project)
    venv = project / ".venv"
    check(results, venv, tmp_path, "project")
    assert sorted(p.name for p in project.iterdir()) == [".venv", "pyproject.toml"]


def test_sixteen_mixed_callers_into_the_user_environment(tmp_path, shim_env, work):
    results = callers(tmp_path, shim_env, work)
    venv = user_venv(shim_env)
    check(results, venv, tmp_path, "user environment")
    assert list(work.iterdir()) == []
