"""Issue 3, items 5-7 and DESIGN "Bad input": pip's own errors stay pip's (same text, same
exit code), and a failed install leaves no half-made (or whole) .venv behind."""

from __future__ import annotations

import pytest
from helpers import pipshim_lines, run, without_pipshim_lines

from integration.support import (
    SYSTEM_PIP,
    assert_complete_venv,
    assert_imports_from_venv,
    make_project,
    venvs_under,
)

BAD_INSTALLS = {
    "empty-version": (["install", "demo-lib=="], 1, "Invalid requirement: 'demo-lib=='"),
    "not-a-requirement": (["install", "not a req!!"], 1, "Invalid requirement: 'not a req!!'"),
    "missing-package": (["install", "no-such-package-xyz"], 1, "No matching distribution found for no-such-package"),
    "unknown-option": (["install", "--no-such-opt", "demo-lib"], 2, "no such option: --no-such-opt"),
    "missing-requirements-file": (["install", "-r", "no-such-file.txt"], 1, "no-such-file.txt"),
}


@pytest.mark.parametrize("case", list(BAD_INSTALLS))
def test_bad_install_in_new_project(tmp_path, shim_env, reference_venv, case):
    args, code, text = BAD_INSTALLS[case]
    project = make_project(tmp_path, "fresh")
    neutral = tmp_path / "neutral"
    neutral.mkdir()

    via_shim = run(["pip", *args], shim_env, project)
    # the same pip as a new .venv gets (same virtualenv, same seed cache), run directly
    own = run([reference_venv / "bin" / "pip", *args], shim_env, neutral)

    assert own.returncode == code and text in own.stdout + own.stderr  # the reference shows pip's error
    assert via_shim.returncode == own.returncode
    assert via_shim.stdout == own.stdout
    assert without_pipshim_lines(via_shim.stderr) == own.stderr
    if case == "unknown-option":  # pip rejects the command line itself: passed through, nothing created
        assert pipshim_lines(via_shim.stderr) == []
    else:
        assert pipshim_lines(via_shim.stderr), "the routed call still says what it did"
    assert venvs_under(tmp_path) == [], "a failed install left a venv behind"
    assert sorted(p.name for p in project.iterdir()) == ["pyproject.toml"]


def test_unknown_command_in_new_project(tmp_path, shim_env, project):
    """No venv exists and `frobnicate` installs nothing: pip itself (the system pip) answers."""
    via_shim = run(["pip", "frobnicate"], shim_env, project)
    system = run([SYSTEM_PIP, "frobnicate"], shim_env, project)

    assert system.returncode == 1 and 'unknown command "frobnicate"' in system.stderr
    assert (via_shim.returncode, via_shim.stdout, via_shim.stderr) == (system.returncode, system.stdout, system.stderr)
    assert venvs_under(tmp_path) == []


def test_unknown_command_with_existing_venv(tmp_path, shim_env, project):
    r = run(["pip", "install", "demo-lib"], shim_env, project)
    assert r.returncode == 0, r.stderr
    venv = project / ".venv"

    via_shim = run(["pip", "frobnicate"], shim_env, project)
    own = run([venv / "bin" / "pip", "frobnicate"], shim_env, project)

    assert own.returncode == 1 and 'unknown command "frobnicate"' in own.stderr
    assert (via_shim.returncode, via_shim.stdout) == (own.returncode, own.stdout)
    assert without_pipshim_lines(via_shim.stderr) == own.stderr


def test_failed_install_keeps_an_existing_venv(tmp_path, shim_env, project):
    """Only a venv created by the failing call itself is removed."""
    r = run(["pip", "install", "demo-lib"], shim_env, project)
    assert r.returncode == 0, r.stderr
    venv = project / ".venv"
    args, code, text = BAD_INSTALLS["missing-package"]

    bad = run(["pip", *args], shim_env, project)

    assert bad.returncode == code
    assert text in bad.stdout + bad.stderr
    assert_complete_venv(venv)
    assert_imports_from_venv(venv, "demo_lib", tmp_path)
