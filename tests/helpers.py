"""Small helpers shared by the integration and shim tests."""

from __future__ import annotations

import subprocess


def run(cmd, env, cwd, **kw) -> subprocess.CompletedProcess:
    """Run a command (list) with text output captured."""
    return subprocess.run([str(c) for c in cmd], env=env, cwd=str(cwd), capture_output=True, text=True, **kw)


def pipshim_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith("pipshim:")]


def without_pipshim_lines(stderr: str) -> str:
    return "".join(ln for ln in stderr.splitlines(keepends=True) if not ln.startswith("pipshim:"))
