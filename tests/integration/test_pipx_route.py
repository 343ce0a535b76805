"""Rule 7: outside a project, applications go to the real pipx; everything else does not.

Real Debian pip on /usr/bin/python3, the real pipx from pipshim's own environment,
wheels built locally (PIP_NO_INDEX + PIP_FIND_LINKS, which pipx hands on to its pip).
Each test has its own PIPX_HOME; pipx's shared pip venv (the slow part) is one per
module, through PIPX_SHARED_LIBS, which pipx and pipshim both honour.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest
from helpers import destination, pipshim_lines, run

from integration.support import explain, pip, user_venv
from pipshim.realpip import is_our_shim

APPS = "demo-app demo-cli demo-noscript"


@pytest.fixture
def env(shim_env, tmp_path, pipx_wheels, pipx_shared) -> dict[str, str]:
    e = dict(shim_env)
    e.update(
        PIPSHIM_ROOT="0",
        PIPSHIM_CONTAINER="0",
        PIPSHIM_APPS=APPS,
        PIPX_HOME=str(tmp_path / "pipx"),
        PIPX_SHARED_LIBS=str(pipx_shared),
        PIP_FIND_LINKS=f"{shim_env['PIP_FIND_LINKS']} {pipx_wheels}",
    )
    return e


def pipx_venvs(env) -> list[str]:
    """The venvs pipx holds (not its own .NAME.lock files)."""
    d = Path(env["PIPX_HOME"]) / "venvs"
    return sorted(p.name for p in d.iterdir() if p.is_dir()) if d.is_dir() else []


def sh(env, cwd, script):
    return run(["/bin/sh", "-c", script], env, cwd)


def imports(python, module, env, cwd) -> bool:
    return run([python, "-c", f"import {module}"], env, cwd).returncode == 0


def test_app_installs_with_pipx_runs_from_path_and_uninstalls(shim_bin, env, work, tmp_path):
    # uv on PATH, as many users have it: pipx would use it, and uv reads none of pip's
    # configuration (here: PIP_NO_INDEX, PIP_FIND_LINKS); pipshim keeps pipx on pip
    uv_dir = tmp_path / "uv-bin"
    uv_dir.mkdir()
    uv_log = tmp_path / "uv.log"
    (uv_dir / "uv").write_text(
        f'#!/bin/sh\necho "$*" >> "{uv_log}"\n[ "$1" = --version ] && echo "uv 0.13.9" && exit 0\nexit 3\n'
    )
    (uv_dir / "uv").chmod(0o755)
    env = dict(env, PATH=f"{env['PATH']}:{uv_dir}")
    r = pip(shim_bin, env, work, "install", "demo-app")
    assert r.returncode == 0, r.stderr
    assert [c for c in (uv_log.read_text().splitlines() if uv_log.exists() else []) if c != "--version"] == []
    lines = pipshim_lines(r.stderr)
    assert len(lines) == 1, lines
    assert lines[0] == "pipshim: → pipx: installing demo-app"
    assert pipx_venvs(env) == ["demo-app"]
    link = shim_bin / "demo-app"
    assert link.is_symlink()
    assert Path(os.path.realpath(link)).is_relative_to(Path(env["PIPX_HOME"]).resolve())
    ran = sh(env, work, "command -v demo-app && demo-app")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines() == [str(link), "demo-app 1.0"]
    assert not user_venv(env).exists(), "an application must not go to the user environment"
    assert not imports("/usr/bin/python3", "demo_app", env, work)

    r = pip(shim_bin, env, work, "uninstall", "-y", "demo-app")
    assert r.returncode == 0, r.stderr
    lines = pipshim_lines(r.stderr)
    assert len(lines) == 1, lines
    assert lines[0].startswith("pipshim: → pipx: uninstalling demo-app")
    assert pipx_venvs(env) == []
    assert not os.path.lexists(link)
    assert sh(env, work, "command -v demo-app").returncode != 0
    assert is_our_shim(shim_bin / "pip"), "pipx must not touch the shims"


def test_upgrade_becomes_force_and_version_specifiers_are_kept(shim_bin, env, work):
    route = explain(shim_bin, env, work, "install", "-U", "demo-app")
    assert route["route"] == "pipx"
    assert route["options"][:1] == ["--force"]
    route = explain(shim_bin, env, work, "install", "demo-cli==1.0")
    assert route["specs"] == ["demo-cli==1.0"]
    assert "--force" not in route["options"]

    r = pip(shim_bin, env, work, "install", "demo-cli==1.0")
    assert r.returncode == 0, r.stderr
    assert sh(env, work, "demo-cli").stdout == "demo-cli 1.0\n"
    # without --force pipx would only say "already installed" and keep 1.0
    r = pip(shim_bin, env, work, "install", "-U", "demo-cli")
    assert r.returncode == 0, r.stderr
    assert "pipx" in pipshim_lines(r.stderr)[0]
    assert sh(env, work, "demo-cli").stdout == "demo-cli 2.0\n"
    assert pipx_venvs(env) == ["demo-cli"]
    assert not user_venv(env).exists()


def test_index_options_and_python_are_carried_to_pipx(shim_bin, env, work):
    route = explain(
        shim_bin,
        env,
        work,
        "install",
        "--pre",
        "--index-url",
        "https://idx.example/simple",
        "--extra-index-url",
        "https://extra.example/simple",
        "demo-app",
    )
    assert route["route"] == "pipx"
    assert route["action"] == "install"
    assert route["global_"] is False
    assert route["specs"] == ["demo-app"]
    opts = route["options"]
    i = opts.index("--index-url")
    assert opts[i + 1] == "https://idx.example/simple"
    pip_args = [o for o in opts if o.startswith("--pip-args=")]
    assert len(pip_args) == 1, opts
    words = shlex.split(pip_args[0].split("=", 1)[1])
    assert "--pre" in words
    j = words.index("--extra-index-url")
    assert words[j + 1] == "https://extra.example/simple"
    assert "--index-url" not in words, "pipx takes --index-url itself"

    route = explain(shim_bin, env, work, "install", "--python", "/usr/bin/python3", "demo-app")
    assert route["route"] == "pipx"
    k = route["options"].index("--python")
    assert route["options"][k + 1] == "/usr/bin/python3"


def test_app_without_commands_falls_back_to_the_user_env(shim_bin, env, work):
    r = pip(shim_bin, env, work, "install", "demo-noscript")
    assert r.returncode == 0, r.stderr
    lines = pipshim_lines(r.stderr)
    assert lines[0].startswith("pipshim: → pipx: installing demo-noscript")
    assert any("demo-noscript has no commands" in ln and "user environment" in ln for ln in lines), lines
    assert "No apps associated" not in r.stderr  # pipx's error is not shown: the fallback handles it
    assert pipx_venvs(env) == [], "nothing may be left behind in pipx"
    py = user_venv(env) / "bin" / "python"
    assert py.exists()
    assert imports(py, "demo_noscript", env, work)
    assert not imports("/usr/bin/python3", "demo_noscript", env, work)


def test_app_and_library_together_go_to_the_user_env(shim_bin, env, work):
    r = pip(shim_bin, env, work, "install", "demo-app", "demo-lib")
    assert r.returncode == 0, r.stderr
    lines = pipshim_lines(r.stderr)
    assert len(lines) == 1, lines
    assert "pipx" not in lines[0]
    assert destination(lines[0], work, env["HOME"]) == (str(user_venv(env)), True)
    assert pipx_venvs(env) == []
    py = user_venv(env) / "bin" / "python"
    assert imports(py, "demo_app, demo_lib", env, work)
    # the app's command, now from the user environment, is linked onto PATH
    link = shim_bin / "demo-app"
    assert link.is_symlink()
    assert os.readlink(link) == str(user_venv(env) / "bin" / "demo-app")
    assert sh(env, work, "demo-app").stdout == "demo-app 1.0\n"


def test_app_inside_a_project_goes_to_the_project_venv(shim_bin, env, project):
    r = pip(shim_bin, env, project, "install", "demo-app")
    assert r.returncode == 0, r.stderr
    lines = pipshim_lines(r.stderr)
    assert len(lines) == 1, lines
    assert destination(lines[0], project, env["HOME"]) == (str(project / ".venv"), True)
    assert "pipx" not in lines[0]
    assert imports(project / ".venv" / "bin" / "python", "demo_app", env, project)
    assert pipx_venvs(env) == []
    assert not Path(env["PIPX_HOME"]).exists()
    assert not user_venv(env).exists()
    assert not os.path.lexists(shim_bin / "demo-app"), "a project's scripts stay in the project"


def write_config(env, text: str) -> None:
    cfg = Path(env["HOME"]) / ".config" / "pipshim" / "config.toml"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text(text)


def test_libraries_setting_in_config_overrides_the_app_list(shim_bin, env, work):
    assert explain(shim_bin, env, work, "install", "demo-app")["route"] == "pipx"
    write_config(env, 'libraries = ["Demo_App"]\n')
    route = explain(shim_bin, env, work, "install", "demo-app")
    assert route["route"] == "venv"
    assert route["user_env"] is True
    assert route["venv"] == str(user_venv(env))

    r = pip(shim_bin, env, work, "install", "demo-app")
    assert r.returncode == 0, r.stderr
    assert "pipx" not in r.stderr
    assert destination(pipshim_lines(r.stderr)[0], work, env["HOME"]) == (str(user_venv(env)), True)
    assert imports(user_venv(env) / "bin" / "python", "demo_app", env, work)
    assert pipx_venvs(env) == []


def test_pipshim_libraries_variable_overrides_the_app_list(shim_bin, env, work):
    env["PIPSHIM_LIBRARIES"] = "demo-app"
    route = explain(shim_bin, env, work, "install", "demo-app")
    assert route["route"] == "venv"
    assert route["user_env"] is True
    # a built-in application too
    route = explain(shim_bin, dict(env, PIPSHIM_LIBRARIES="cowsay"), work, "install", "cowsay")
    assert route["route"] == "venv"


def test_apps_setting_in_config_adds_an_application(shim_bin, env, work):
    env.pop("PIPSHIM_APPS")
    assert explain(shim_bin, env, work, "install", "demo-app")["route"] == "venv"
    write_config(env, 'apps = ["demo-app"]\n')
    route = explain(shim_bin, env, work, "install", "demo-app")
    assert route["route"] == "pipx"
    assert route["specs"] == ["demo-app"]


def test_builtin_list_knows_well_known_applications(shim_bin, env, work):
    env.pop("PIPSHIM_APPS")
    names = ("black", "ruff", "httpie", "yt-dlp", "cowsay", "poetry", "tox", "nox", "pre-commit", "cookiecutter")
    for name in (*names, "ansible", "awscli"):
        route = explain(shim_bin, env, work, "install", name)
        assert route["route"] == "pipx", (name, route)
        assert route["specs"] == [name]
    assert explain(shim_bin, env, work, "install", "requests")["route"] == "venv"
    # several applications: one pipx install each
    route = explain(shim_bin, env, work, "install", "black", "ruff")
    assert route["route"] == "pipx"
    assert route["specs"] == ["black", "ruff"]


def test_uninstall_of_an_app_pipx_does_not_manage_does_not_go_to_pipx(shim_bin, env, work):
    route = explain(shim_bin, env, work, "uninstall", "-y", "demo-app")
    assert route["route"] != "pipx"


def test_quiet_silences_the_pipshim_line(shim_bin, env, work):
    r = pip(shim_bin, env, work, "install", "-q", "demo-app")
    assert r.returncode == 0, r.stderr
    assert pipshim_lines(r.stderr) == []
    assert pipx_venvs(env) == ["demo-app"]
    assert "--quiet" in explain(shim_bin, env, work, "install", "-q", "demo-app")["options"]


def test_only_the_app_without_commands_falls_back(shim_bin, env, work):
    r = pip(shim_bin, env, work, "install", "demo-app", "demo-noscript")
    assert r.returncode == 0, r.stderr
    assert pipx_venvs(env) == ["demo-app"]
    py = user_venv(env) / "bin" / "python"
    assert imports(py, "demo_noscript", env, work)
    assert not imports(py, "demo_app", env, work), "demo-app is in pipx already"
    assert not any("left" in ln and "alone" in ln for ln in pipshim_lines(r.stderr)), r.stderr
