"""Issue 3, items 3-5: whatever pip itself allows passes through to the real pip, unchanged."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import virtualenv
from helpers import destination, pipshim_lines, run
from sut import SUT

from integration.support import (
    SYSTEM_PIP,
    SYSTEM_PYTHON,
    make_reference_venv,
    one_pipshim_line,
    user_env,
    venvs_under,
)


def run_bytes(cmd, env, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], env=env, cwd=str(cwd), capture_output=True)


@pytest.fixture(scope="module", params=["virtualenv", "stdlib-venv"])
def activated(request, tmp_path_factory, wheelhouse, app_data):
    """A venv on /usr/bin/python3, activated the way `activate` does it, behind the shims on PATH."""
    base = tmp_path_factory.mktemp("activated")
    venv = base / "activated"
    if request.param == "virtualenv":
        make_reference_venv(venv, app_data)
    else:
        # --without-pip: a Debian without python3-venv has no ensurepip; pip comes from virtualenv's wheel
        r = run([SYSTEM_PYTHON, "-m", "venv", "--without-pip", venv], {"PATH": "/usr/bin:/bin"}, base)
        assert r.returncode == 0, r.stderr
        wheels = Path(virtualenv.__file__).parent / "seed" / "wheels" / "embed"
        pip_wheel = sorted(wheels.glob("pip-*.whl"))[-1]
        r = run(
            [SYSTEM_PIP, "--python", venv / "bin" / "python", "install", "--no-index", "-q", pip_wheel],
            {"PATH": "/usr/bin:/bin", "PIP_CONFIG_FILE": os.devnull},
            base,
        )
        assert r.returncode == 0, r.stderr
    env = user_env(base, wheelhouse, app_data)
    env["PATH"] = f"{base / 'bin'}:{venv}/bin:/usr/bin:/bin"
    env["VIRTUAL_ENV"] = str(venv)
    return venv, env


@pytest.mark.parametrize("args", [["--version"], ["list"], ["install", "--no-such-opt"]], ids=str)
def test_active_venv_is_byte_identical(activated, project, args):
    venv, env = activated
    via_shim = run_bytes(["pip", *args], env, project)
    own = run_bytes([venv / "bin" / "pip", *args], env, project)

    assert (via_shim.returncode, via_shim.stdout, via_shim.stderr) == (own.returncode, own.stdout, own.stderr)
    if args == ["--version"]:
        assert via_shim.returncode == 0 and str(venv).encode() in via_shim.stdout


def test_active_venv_install_goes_to_the_active_venv(activated, tmp_path, project):
    venv, env = activated
    r = run(["pip", "install", "demo-lib==1.0"], env, project)

    assert r.returncode == 0, r.stderr
    assert pipshim_lines(r.stderr) == []
    assert not (project / ".venv").exists()
    check = run([venv / "bin" / "python", "-c", "import demo_lib; print(demo_lib.__file__)"], env, tmp_path)
    assert check.returncode == 0 and check.stdout.startswith(str(venv)), check.stderr


def work_dir(tmp_path: Path, where: str) -> Path:
    """The directory a test runs pip in: a project with no venv yet, or no project."""
    cwd = tmp_path / "work"
    cwd.mkdir()
    if where == "project":
        (cwd / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    return cwd


@pytest.mark.parametrize("where", ["no-project", "project"])
def test_target_passes_through(tmp_path, shim_env, where):
    cwd = work_dir(tmp_path, where)
    target = tmp_path / "target"

    r = run(["pip", "install", "--target", target, "demo-lib==1.0"], shim_env, cwd)

    assert r.returncode == 0, r.stderr
    assert pipshim_lines(r.stderr) == []
    assert (target / "demo_lib" / "__init__.py").read_text().startswith('VERSION = "1.0"')
    assert (target / "demo_lib-1.0.dist-info").is_dir()
    assert venvs_under(tmp_path) == []


@pytest.mark.parametrize("where", ["no-project", "project"])
def test_dry_run_report_passes_through(tmp_path, shim_env, where):
    cwd = tmp_path / "work"
    cwd.mkdir()
    if where == "project":
        (cwd / "requirements.txt").write_text("demo-lib\n")

    r = run(["pip", "install", "--dry-run", "--report", "-", "demo-lib"], shim_env, cwd)

    assert r.returncode == 0, r.stderr
    assert pipshim_lines(r.stderr) == []
    # pip logs "Looking in links" etc. on stdout around the report
    report, _ = json.JSONDecoder().raw_decode(r.stdout[r.stdout.index("\n{") + 1 :])
    assert report["pip_version"] == SUT.pip_version  # the system pip ran (there is no venv)
    assert [item["metadata"]["name"] for item in report["install"]] == ["demo-lib"]
    assert report["install"][0]["metadata"]["version"] == "2.0"
    assert "Would install demo-lib-2.0" in r.stdout
    assert venvs_under(tmp_path) == []


@pytest.mark.parametrize("where", ["no-project", "project"])
def test_pip_dry_run_from_the_environment_is_a_dry_run_that_creates_nothing(tmp_path, shim_env, where):
    """pip reads PIP_DRY_RUN=1 as --dry-run: it resolves on the real pip with its own exemption."""
    cwd = work_dir(tmp_path, where)

    r = run(["pip", "install", "demo-lib"], {**shim_env, "PIP_DRY_RUN": "1"}, cwd)

    assert r.returncode == 0, r.stderr
    assert "Would install demo-lib-2.0" in r.stdout
    assert venvs_under(tmp_path) == []


def test_an_empty_target_in_a_later_pip_conf_cancels_an_earlier_one(tmp_path, shim_env):
    """pip merges every file's section.key before it skips empty values: `target =` in
    ~/.config/pip/pip.conf undoes ~/.pip/pip.conf's target, so this is no --target install."""
    home = Path(shim_env["HOME"])
    (home / ".pip").mkdir()
    (home / ".pip" / "pip.conf").write_text(f"[global]\ntarget = {tmp_path / 'target'}\n")
    (home / ".config" / "pip").mkdir(parents=True)
    (home / ".config" / "pip" / "pip.conf").write_text("[global]\ntarget =\n")
    xdg = tmp_path / "xdg"
    xdg.mkdir()
    # the user's files are read (PIP_CONFIG_FILE names no file), not the machine's global ones
    env = {**shim_env, "PIP_CONFIG_FILE": str(tmp_path / "none.conf"), "XDG_CONFIG_DIRS": str(xdg)}
    cwd = tmp_path / "work"
    cwd.mkdir()

    r = run(["pip", "install", "--dry-run", "demo-lib"], env, cwd)

    assert r.returncode == 0, r.stderr
    assert "externally-managed" not in r.stderr
    assert "Would install demo-lib-2.0" in r.stdout
    assert not (tmp_path / "target").exists()
    assert venvs_under(tmp_path) == []


def test_no_project_uninstall_with_no_environment_says_so_in_one_line(tmp_path, shim_env):
    """With no project and no user environment yet there is nothing to uninstall from: no
    externally-managed error (the system pip would give one), one pipshim: line, and pip's
    own status for a package that is not installed (0)."""
    cwd = tmp_path / "work"
    cwd.mkdir()
    via_shim = run(["pip", "uninstall", "-y", "demo-lib"], shim_env, cwd)
    system = run([SYSTEM_PIP, "uninstall", "-y", "demo-lib"], shim_env, cwd)

    assert system.returncode == 1 and "externally-managed-environment" in system.stderr
    assert (via_shim.returncode, via_shim.stdout) == (0, "")
    assert "externally-managed" not in via_shim.stderr
    line = one_pipshim_line(via_shim.stderr)
    assert via_shim.stderr == line + "\n"
    assert "nothing to uninstall" in line
    assert venvs_under(tmp_path) == []


def test_pipshim_disable_in_a_project_is_the_real_pip(tmp_path, shim_env, project):
    env = {**shim_env, "PIPSHIM_DISABLE": "1"}
    via_shim = run(["pip", "install", "demo-lib"], env, project)
    system = run([SYSTEM_PIP, "install", "demo-lib"], env, project)

    assert system.returncode == 1 and "externally-managed-environment" in system.stderr
    assert (via_shim.returncode, via_shim.stdout, via_shim.stderr) == (system.returncode, system.stdout, system.stderr)
    assert venvs_under(tmp_path) == []


FAKE_PIP = """#!/bin/bash
# stands in for pyenv's bash shim: not a Python script
printf '%s\\0' "$0" "$@" > "$FAKE_PIP_LOG"
echo "fake pip stdout"
echo "fake pip stderr" >&2
exit 42
"""


def test_non_python_real_pip_is_execed_with_the_same_argv(tmp_path, shim_env, project):
    fake_bin = tmp_path / "fake-bin"
    fake_bin.mkdir()
    fake = fake_bin / "pip"
    fake.write_text(FAKE_PIP)
    fake.chmod(0o755)
    log = tmp_path / "argv.log"
    shim_bin = shim_env["PATH"].split(":")[0]
    env = {**shim_env, "PATH": f"{shim_bin}:{fake_bin}:/usr/bin:/bin", "FAKE_PIP_LOG": str(log)}
    args = ["install", "demo-lib", "two words", "--no-such-opt", "", "-q", "*"]

    r = run(["pip", *args], env, project)

    assert (r.returncode, r.stdout, r.stderr) == (42, "fake pip stdout\n", "fake pip stderr\n")
    assert log.read_text().split("\0")[:-1] == [str(fake), *args]
    assert venvs_under(tmp_path) == []


def test_exemptions_in_a_project_with_a_venv_run_as_if_it_were_activated(tmp_path, shim_env, project):
    """--dry-run --report and --target with an existing .venv: the venv's pip runs them (it resolves
    against the venv, as `pip` would after activating it); nothing in the venv changes."""
    assert run(["pip", "install", "demo-lib==1.0"], shim_env, project).returncode == 0
    venv = project / ".venv"
    before = sorted(p.name for p in (venv / SUT.venv_site).iterdir())

    r = run(["pip", "install", "--dry-run", "--report", "-", "demo-lib"], shim_env, project)
    assert r.returncode == 0, r.stderr
    report, _ = json.JSONDecoder().raw_decode(r.stdout[r.stdout.index("{") :])
    assert report["install"] == []  # resolved against the venv, where demo-lib already is
    line = "".join(pipshim_lines(r.stderr))
    assert destination(line, project, shim_env["HOME"]) == (str(venv), False)
    assert "pip's own exemption" in line

    target = tmp_path / "target"
    r = run(["pip", "install", "--target", target, "demo-dep"], shim_env, project)
    assert r.returncode == 0, r.stderr
    assert (target / "demo_dep" / "__init__.py").exists()
    assert sorted(p.name for p in (venv / SUT.venv_site).iterdir()) == before
