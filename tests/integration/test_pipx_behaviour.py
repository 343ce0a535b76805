"""The pipx route behaves like pip: pins replace, half-made apps are repaired, -U reads as an
upgrade, uninstall asks, a package without commands falls back quietly, show/list name pipx's apps.

Real Debian pip, the real pipx from pipshim's own environment, local wheels only; each test
has its own PIPX_HOME, and pipx's shared pip venv is one per module (PIPX_SHARED_LIBS).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import pipshim_lines, run

from integration.support import pip, user_venv

APPS = "demo-app demo-cli demo-noscript"


@pytest.fixture
def env(shim_env, tmp_path, pipx_wheels, pipx_shared) -> dict[str, str]:
    e = dict(shim_env)
    e.update(
        PIPSHIM_APPS=APPS,
        PIPX_HOME=str(tmp_path / "pipx"),
        PIPX_SHARED_LIBS=str(pipx_shared),
        PIP_FIND_LINKS=f"{shim_env['PIP_FIND_LINKS']} {pipx_wheels}",
    )
    return e


def venv(env, name: str) -> Path:
    return Path(env["PIPX_HOME"]) / "venvs" / name


def command(env, cwd, name: str) -> str:
    r = run(["/bin/sh", "-c", name], env, cwd)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def answer(shim_bin, env, cwd, text: str, *args):
    """pip with ``text`` on its stdin (the answer to pip's question)."""
    return run([shim_bin / "pip", *args], env, cwd, input=text)


def ok(r):
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def test_pins_replace_satisfied_runs_nothing_and_upgrade_reads_like_pip(shim_bin, env, work):
    ok(pip(shim_bin, env, work, "install", "demo-cli==2.0"))
    assert command(env, work, "demo-cli") == "demo-cli 2.0"

    r = ok(pip(shim_bin, env, work, "install", "demo-cli==1.0"))
    assert "demo-cli==1.0 (replacing 2.0)" in pipshim_lines(r.stderr)[0]
    assert command(env, work, "demo-cli") == "demo-cli 1.0", "pip would replace 2.0 by the pinned 1.0"

    r = ok(pip(shim_bin, env, work, "install", "demo-cli>=1"))
    assert pipshim_lines(r.stderr)[0] == "pipshim: → pipx: already installed: demo-cli>=1"
    assert r.stdout.strip() == f"Requirement already satisfied: demo-cli>=1 in {venv(env, 'demo-cli')} (1.0)"

    r = ok(pip(shim_bin, env, work, "install", "-U", "demo-cli"))
    assert pipshim_lines(r.stderr)[0].startswith("pipshim: → pipx: upgrading demo-cli")
    assert "creating virtual environment" not in r.stderr
    assert r.stdout.strip().splitlines()[-1] == "Successfully installed demo-cli-2.0"
    assert command(env, work, "demo-cli") == "demo-cli 2.0"

    r = ok(pip(shim_bin, env, work, "install", "--upgrade", "demo-cli"))
    assert "creating virtual environment" not in r.stderr
    assert r.stdout.strip().splitlines()[-1] == (
        f"Requirement already satisfied: demo-cli in {venv(env, 'demo-cli')} (2.0)"
    )


def test_an_extra_over_an_installed_app_adds_its_dependencies_and_is_kept(shim_bin, env, work):
    env = dict(env, PIPSHIM_APPS=f"{APPS} demo-tool")
    python = venv(env, "demo-tool") / "bin" / "python"
    ok(pip(shim_bin, env, work, "install", "demo-tool"))
    assert run([python, "-c", "import demo_dep"], env, work).returncode != 0

    r = ok(pip(shim_bin, env, work, "install", "demo-tool[fast]"))
    assert pipshim_lines(r.stderr)[0] == "pipshim: → pipx: installing demo-tool[fast] (adding extras to 1.0)"
    assert run([python, "-c", "import demo_dep"], env, work).returncode == 0, "pip would install the extra's deps"
    meta = json.loads((venv(env, "demo-tool") / "pipx_metadata.json").read_text())
    assert meta["main_package"]["package_or_url"] == "demo-tool[fast]", "a later pipx reinstall keeps the extra"
    assert command(env, work, "demo-tool") == "demo-tool 1.0"

    r = ok(pip(shim_bin, env, work, "install", "demo-tool[fast]"))
    assert pipshim_lines(r.stderr)[0] == "pipshim: → pipx: already installed: demo-tool[fast]"


@pytest.mark.parametrize("damage", ["metadata", "command", "link"])
def test_a_half_made_app_is_repaired_by_the_next_install(shim_bin, env, work, damage):
    ok(pip(shim_bin, env, work, "install", "demo-app"))
    if damage == "metadata":  # killed before pipx wrote its metadata
        (venv(env, "demo-app") / "pipx_metadata.json").unlink()
    elif damage == "command":
        (venv(env, "demo-app") / "bin" / "demo-app").unlink()
    else:  # killed before pipx exposed the command
        (shim_bin / "demo-app").unlink()
    r = ok(pip(shim_bin, env, work, "install", "demo-app"))
    assert "demo-app (repairing:" in pipshim_lines(r.stderr)[0]
    assert (venv(env, "demo-app") / "pipx_metadata.json").is_file()
    assert command(env, work, "demo-app") == "demo-app 1.0"
    r = ok(pip(shim_bin, env, work, "install", "demo-app"))
    assert pipshim_lines(r.stderr)[0].startswith("pipshim: → pipx: already installed: demo-app"), "whole again"


def test_uninstall_asks_like_pip(shim_bin, env, work):
    ok(pip(shim_bin, env, work, "install", "demo-app"))

    r = ok(answer(shim_bin, env, work, "n\n", "uninstall", "demo-app"))
    assert r.stdout.splitlines() == [
        "Found existing installation: demo-app 1.0",
        "Uninstalling demo-app-1.0:",
        "  Would remove:",
        f"    {venv(env, 'demo-app')}",
        f"    {shim_bin / 'demo-app'}",
        "Proceed (Y/n)? ",
    ]
    assert venv(env, "demo-app").is_dir() and os.path.lexists(shim_bin / "demo-app")

    r = ok(answer(shim_bin, env, work, "y\n", "uninstall", "demo-app"))
    assert r.stdout.endswith("Proceed (Y/n)?   Successfully uninstalled demo-app-1.0\n")
    assert not venv(env, "demo-app").exists()
    assert not os.path.lexists(shim_bin / "demo-app")

    ok(pip(shim_bin, env, work, "install", "demo-app"))
    r = ok(answer(shim_bin, env, work, "", "uninstall", "-y", "demo-app"))
    assert "Proceed" not in r.stdout
    assert r.stdout.splitlines()[-1] == "  Successfully uninstalled demo-app-1.0"
    assert not venv(env, "demo-app").exists()


def test_uninstall_of_an_app_and_a_library_together_removes_both(shim_bin, env, work):
    ok(pip(shim_bin, env, work, "install", "demo-app"))
    ok(pip(shim_bin, env, work, "install", "demo-lib"))
    lib_python = user_venv(env) / "bin" / "python"
    assert run([lib_python, "-c", "import demo_lib"], env, work).returncode == 0

    r = ok(pip(shim_bin, env, work, "uninstall", "-y", "demo-app", "demo-lib"))

    assert not venv(env, "demo-app").exists() and not os.path.lexists(shim_bin / "demo-app")
    assert run([lib_python, "-c", "import demo_lib"], env, work).returncode != 0
    assert "  Successfully uninstalled demo-app-1.0" in r.stdout.splitlines()
    assert "  Successfully uninstalled demo-lib-2.0" in r.stdout.splitlines()
    assert pipshim_lines(r.stderr) == [
        "pipshim: → pipx: uninstalling demo-app",
        "pipshim: → ~/.local/share/pipshim/venv (user environment; pip uninstall)",
    ]
    assert "Skipping" not in r.stderr, r.stderr


def test_uninstall_of_an_app_and_a_library_with_no_user_environment_removes_the_app(shim_bin, env, work):
    ok(pip(shim_bin, env, work, "install", "demo-app"))
    r = ok(pip(shim_bin, env, work, "uninstall", "-y", "demo-app", "demo-lib"))
    assert not venv(env, "demo-app").exists() and not os.path.lexists(shim_bin / "demo-app")
    assert pipshim_lines(r.stderr) == [
        "pipshim: → pipx: uninstalling demo-app",
        f"pipshim: nothing to uninstall: {user_venv(env)} does not exist yet",
    ]
    assert not user_venv(env).exists()


def test_uninstall_with_no_answer_removes_nothing(shim_bin, env, work):
    ok(pip(shim_bin, env, work, "install", "demo-app"))
    r = answer(shim_bin, env, work, "", "uninstall", "demo-app")
    assert r.returncode == 2
    assert "pass -y" in pipshim_lines(r.stderr)[-1]
    assert "Traceback" not in r.stderr
    assert venv(env, "demo-app").is_dir()


def test_a_listed_package_without_commands_falls_back_without_pipx_errors(shim_bin, env, work):
    r = ok(pip(shim_bin, env, work, "install", "demo-noscript"))
    assert "No apps associated" not in r.stderr
    assert "pipx inject" not in r.stderr
    lines = pipshim_lines(r.stderr)
    assert any("demo-noscript has no commands" in ln and "user environment" in ln for ln in lines), lines
    assert not venv(env, "demo-noscript").exists()
    assert run([user_venv(env) / "bin" / "python", "-c", "import demo_noscript"], env, work).returncode == 0


def test_show_and_list_name_pipx_apps_without_changing_pips_output(shim_bin, env, work):
    ok(pip(shim_bin, env, work, "install", "demo-app"))
    bare = dict(env, PIPSHIM_DISABLE="1")

    r = pip(shim_bin, env, work, "show", "demo-app")
    assert pipshim_lines(r.stderr) == ["pipshim: demo-app 1.0 is installed with pipx (pipshim pipx list)"]
    plain = pip(shim_bin, bare, work, "show", "demo-app")
    assert (r.returncode, r.stdout) == (plain.returncode, plain.stdout)

    r = ok(pip(shim_bin, env, work, "list"))
    assert pipshim_lines(r.stderr) == ["pipshim: demo-app 1.0 is installed with pipx (pipshim pipx list)"]
    assert r.stdout == ok(pip(shim_bin, bare, work, "list")).stdout

    r = ok(pip(shim_bin, env, work, "-q", "list"))
    assert pipshim_lines(r.stderr) == []


def test_the_note_names_a_pipx_that_runs(shim_bin, env, work):
    """pipx lives in pipshim's tool environment, not on PATH: `pipshim pipx list` is the one the
    pip route ran, with the same bin dir."""
    ok(pip(shim_bin, env, work, "install", "demo-app"))
    assert run(["/bin/sh", "-c", "command -v pipx"], env, work).returncode != 0
    r = run(["/bin/sh", "-c", "pipshim pipx list --short"], env, work)
    assert (r.returncode, r.stdout) == (0, "demo-app 1.0\n"), r.stderr
    r = run(["/bin/sh", "-c", "pipshim pipx list"], env, work)
    assert str(shim_bin) in r.stdout and "symlink missing" not in r.stdout, r.stdout
