"""Root: inside a container the user environment is /opt/venv (here a temp dir through
PIPSHIM_USER_VENV); outside one, libraries are refused and applications go to
``pipx install --global`` (PIPX_GLOBAL_* point into the temp dir, never /opt or /usr/local).

PIPSHIM_ROOT and PIPSHIM_CONTAINER are set by every test, so each means the same
whoever runs it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import destination, distro_module, pipshim_lines, run
from wheels import make_wheel

from integration.support import explain, pip


@pytest.fixture
def opt_venv(tmp_path) -> Path:
    return tmp_path / "optvenv"


@pytest.fixture
def container_env(shim_env, opt_venv) -> dict[str, str]:
    return dict(shim_env, PIPSHIM_ROOT="1", PIPSHIM_CONTAINER="1", PIPSHIM_USER_VENV=str(opt_venv))


@pytest.fixture(scope="module")
def extra_wheels(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("root-wheels")
    make_wheel(d, "demo-noscript", "1.0")  # listed as an app, but has no console script
    return d


@pytest.fixture(scope="module")
def app_v2_wheels(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("app-v2-wheels")
    make_wheel(d, "demo-app", "2.0", scripts={"demo-app": "demo_app:main"})
    return d


@pytest.fixture
def host_env(shim_env, opt_venv, tmp_path, extra_wheels) -> dict[str, str]:
    """Root on a host (`sudo pip install`)."""
    return dict(
        shim_env,
        PIP_FIND_LINKS=f"{shim_env['PIP_FIND_LINKS']} {extra_wheels}",
        PIPSHIM_ROOT="1",
        PIPSHIM_CONTAINER="0",
        PIPSHIM_USER_VENV=str(opt_venv),
        PIPSHIM_APPS="demo-app demo-noscript",
        PIPX_HOME=str(tmp_path / "pipx"),
        PIPX_GLOBAL_HOME=str(tmp_path / "pipx-global"),
        PIPX_GLOBAL_BIN_DIR=str(tmp_path / "gbin"),
        PIPX_GLOBAL_MAN_DIR=str(tmp_path / "gman"),
        PIPX_GLOBAL_COMPLETION_DIR=str(tmp_path / "gcompletion"),
    )


def python3_imports(env, cwd, module) -> str:
    """Where `python3` on PATH (the python shim) imports ``module`` from."""
    r = run(["/bin/sh", "-c", f'python3 -c "import {module}; print({module}.__file__)"'], env, cwd)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_container_bare_install_goes_to_the_root_user_env(shim_bin, container_env, work, opt_venv):
    r = pip(shim_bin, container_env, work, "install", "demo-lib")
    assert r.returncode == 0, r.stderr
    lines = pipshim_lines(r.stderr)
    assert len(lines) == 1, lines
    assert destination(lines[0], work, container_env["HOME"]) == (str(opt_venv), True)
    assert "include-system-site-packages = true" in (opt_venv / "pyvenv.cfg").read_text()
    assert not (work / ".venv").exists()
    assert not (Path(container_env["HOME"]) / ".local").exists()
    assert Path(python3_imports(container_env, work, "demo_lib")).is_relative_to(opt_venv)
    out = run([opt_venv / "bin" / "python", "-c", f"import {distro_module()}"], container_env, work)
    assert out.returncode == 0, out.stderr


def test_a_dockerfile_sequence_ends_with_python3_importing_everything(shim_bin, container_env, work, opt_venv):
    """RUN pip install -r requirements.txt in a WORKDIR, RUN cd / && pip install X, then python3
    in the WORKDIR: the image is one environment, as its system site-packages were."""
    app = work / "app"
    app.mkdir()
    (app / "requirements.txt").write_text("demo-lib\n")
    r = pip(shim_bin, container_env, app, "install", "-r", "requirements.txt")
    assert r.returncode == 0, r.stderr
    assert destination(pipshim_lines(r.stderr)[0], app, container_env["HOME"]) == (str(app / ".venv"), True)
    r = pip(shim_bin, container_env, work, "install", "demo-dep")
    assert r.returncode == 0, r.stderr
    assert destination(pipshim_lines(r.stderr)[0], work, container_env["HOME"]) == (str(opt_venv), True)
    assert Path(python3_imports(container_env, app, "demo_lib")).is_relative_to(app / ".venv")
    assert Path(python3_imports(container_env, app, "demo_dep")).is_relative_to(opt_venv)
    assert python3_imports(container_env, app, distro_module()).startswith("/usr/lib/python3")
    # the project's own version wins over the image's
    r = pip(shim_bin, container_env, work, "install", "demo-lib==2.0")
    assert r.returncode == 0, r.stderr
    assert Path(python3_imports(container_env, app, "demo_lib")).is_relative_to(app / ".venv")


def test_container_project_commands_are_on_path_from_anywhere(shim_bin, container_env, work, opt_venv, app_v2_wheels):
    """FastAPI's and Flask's Dockerfiles: `RUN pip install -r requirements.txt` in the WORKDIR, then
    `CMD ["gunicorn", …]`. The project's command is linked into the bin dir (over the link an
    image-wide install made), never shadowed by a later image-wide one, and removed again with its
    uninstall."""
    env = dict(container_env, PIP_FIND_LINKS=f"{container_env['PIP_FIND_LINKS']} {app_v2_wheels}")
    r = pip(shim_bin, env, work, "install", "demo-app==1.0")  # image-wide first: /opt/venv's link
    assert r.returncode == 0, r.stderr
    assert os.readlink(shim_bin / "demo-app") == str(opt_venv / "bin" / "demo-app")
    app = work / "app"
    app.mkdir()
    (app / "requirements.txt").write_text("demo-app==2.0\n")  # the project's own version
    r = pip(shim_bin, env, app, "install", "-r", "requirements.txt")
    assert r.returncode == 0, r.stderr
    assert not any("alone" in ln for ln in pipshim_lines(r.stderr)), r.stderr
    assert os.readlink(shim_bin / "demo-app") == str(app / ".venv" / "bin" / "demo-app")
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    ran = run(["/bin/sh", "-c", "command -v demo-app && demo-app"], env, elsewhere)
    assert ran.stdout.splitlines() == [str(shim_bin / "demo-app"), "demo-app 2.0"], ran.stderr

    # an image-wide uninstall and install again leave the project's command in place
    assert pip(shim_bin, env, work, "uninstall", "-y", "demo-app").returncode == 0
    assert os.readlink(shim_bin / "demo-app") == str(app / ".venv" / "bin" / "demo-app")
    r = pip(shim_bin, env, work, "install", "demo-app==1.0")
    assert r.returncode == 0, r.stderr
    assert f"left {shim_bin / 'demo-app'} alone (it runs {app / '.venv'}'s own command)" in r.stderr
    assert os.readlink(shim_bin / "demo-app") == str(app / ".venv" / "bin" / "demo-app")

    # the project's uninstall removes its link, and the command it had replaced comes back
    r = pip(shim_bin, env, app, "uninstall", "-y", "demo-app")
    assert r.returncode == 0, r.stderr
    assert os.readlink(shim_bin / "demo-app") == str(opt_venv / "bin" / "demo-app")
    r = pip(shim_bin, env, work, "uninstall", "-y", "demo-app")
    assert r.returncode == 0, r.stderr
    assert not os.path.lexists(shim_bin / "demo-app")


def test_outside_a_container_a_projects_commands_stay_in_its_venv(shim_bin, shim_env, project):
    env = dict(shim_env, PIPSHIM_ROOT="0", PIPSHIM_CONTAINER="0")
    r = pip(shim_bin, env, project, "install", "demo-app")
    assert r.returncode == 0, r.stderr
    assert (project / ".venv" / "bin" / "demo-app").exists()
    assert not os.path.lexists(shim_bin / "demo-app")


def test_container_requirements_file_goes_to_the_workdir_venv(shim_bin, container_env, work, opt_venv):
    (work / "requirements.txt").write_text("demo-lib\n")
    r = pip(shim_bin, container_env, work, "install", "-r", "requirements.txt")
    assert r.returncode == 0, r.stderr
    lines = pipshim_lines(r.stderr)
    assert len(lines) == 1, lines
    assert destination(lines[0], work, container_env["HOME"]) == (str(work / ".venv"), True)
    assert not opt_venv.exists()
    assert Path(python3_imports(container_env, work, "demo_lib")).is_relative_to(work / ".venv")


def test_container_explain_names_opt_venv_and_creates_nothing(shim_bin, container_env, work):
    env = dict(container_env)
    del env["PIPSHIM_USER_VENV"]
    existed = os.path.lexists("/opt/venv")
    route = explain(shim_bin, env, work, "install", "demo-lib")
    assert route["route"] == "venv"
    assert route["venv"] == "/opt/venv"
    assert route["user_env"] is True
    text = run([shim_bin / "pipshim", "explain", "--", "pip", "install", "demo-lib"], env, work)
    assert text.stdout.startswith("→ /opt/venv (new user env; ")
    assert os.path.lexists("/opt/venv") == existed


def test_container_app_goes_to_pipx_without_global(shim_bin, container_env, work):
    route = explain(shim_bin, dict(container_env, PIPSHIM_APPS="demo-app"), work, "install", "demo-app")
    assert route["route"] == "pipx"
    assert route["global_"] is False
    assert route["fallback"]["venv"] == container_env["PIPSHIM_USER_VENV"]


def test_host_root_refuses_libraries_and_creates_nothing(shim_bin, host_env, work, opt_venv):
    home = Path(host_env["HOME"])
    before = {str(p.relative_to(home)) for p in home.rglob("*") if not p.is_dir()}
    r = pip(shim_bin, host_env, work, "install", "demo-lib")
    assert r.returncode == 1
    assert r.stdout == ""
    lines = pipshim_lines(r.stderr)
    assert len(lines) == 1, r.stderr
    assert r.stderr == lines[0] + "\n", "pip must not run"
    msg = lines[0]
    assert "refusing" in msg
    for alternative in ("apt install python3-", "project venv", "pipx", "--break-system-packages"):
        assert alternative in msg, alternative
    assert not opt_venv.exists()
    assert os.listdir(work) == []
    made = {str(p.relative_to(home)) for p in home.rglob("*") if not p.is_dir()} - before
    assert all(m == ".cache/pipshim/interpreters.tsv" or m.startswith(".cache/pipshim/trusted/") for m in made), (
        "only pipshim's caches"
    )
    route = explain(shim_bin, host_env, work, "install", "demo-lib")
    assert (route["route"], route["message"], route["exit_code"]) == ("refuse", msg.removeprefix("pipshim: "), 1)


def test_host_root_with_a_user_flag_goes_to_roots_own_user_environment(shim_bin, host_env, work, opt_venv):
    """`sudo pip install --user X` on a host: rule 4 (root's own user environment) before rule 8."""
    r = pip(shim_bin, host_env, work, "install", "--user", "demo-lib")
    assert r.returncode == 0, r.stderr
    assert destination(pipshim_lines(r.stderr)[0], work, host_env["HOME"]) == (str(opt_venv), True)
    assert (opt_venv / "bin" / "python").exists()


def test_host_root_in_a_project_uses_the_project_venv(shim_bin, host_env, project, opt_venv):
    r = pip(shim_bin, host_env, project, "install", "demo-lib")
    assert r.returncode == 0, r.stderr
    assert destination(pipshim_lines(r.stderr)[0], project, host_env["HOME"]) == (str(project / ".venv"), True)
    assert not opt_venv.exists()


def test_host_root_reads_pass_through(shim_bin, host_env, work, opt_venv):
    route = explain(shim_bin, host_env, work, "list")
    assert route["route"] == "passthrough"
    assert route["exe"] == "/usr/bin/pip"


def test_host_root_dry_run_resolves_without_the_externally_managed_error(shim_bin, host_env, work, opt_venv):
    """A routed call never ends in pip's externally-managed error: root on a host too."""
    r = pip(shim_bin, host_env, work, "install", "--dry-run", "demo-lib")
    assert r.returncode == 0, r.stderr
    assert "Would install demo-lib-" in r.stdout
    assert "externally-managed-environment" not in r.stderr
    assert not opt_venv.exists() and os.listdir(work) == []


def test_host_root_uninstall_is_refused_as_an_uninstall(shim_bin, host_env, work):
    r = pip(shim_bin, host_env, work, "uninstall", "-y", "demo-lib")
    assert r.returncode == 1
    (line,) = pipshim_lines(r.stderr)
    assert line.startswith("pipshim: refusing to uninstall from ") and "apt remove" in line, line


def test_host_root_app_goes_to_pipx_global(shim_bin, host_env, work, tmp_path):
    system_places = ("/opt/pipx", "/usr/local/bin/demo-app", "/usr/local/share/man/man1/demo-app.1")
    existed = [os.path.lexists(p) for p in system_places]
    route = explain(shim_bin, host_env, work, "install", "demo-app")
    assert route["route"] == "pipx"
    assert route["global_"] is True
    assert route["fallback"]["route"] == "refuse"
    text = run([shim_bin / "pipshim", "explain", "--", "pip", "install", "demo-app"], host_env, work).stdout
    assert "-m pipx install --global demo-app\n" in text

    r = pip(shim_bin, host_env, work, "install", "demo-app")
    assert r.returncode == 0, r.stderr
    lines = pipshim_lines(r.stderr)
    assert len(lines) == 1, lines
    assert lines[0].startswith("pipshim: → pipx --global: installing demo-app")
    gbin = tmp_path / "gbin"
    assert (tmp_path / "pipx-global" / "venvs" / "demo-app").is_dir()
    assert (gbin / "demo-app").exists()
    ran = run([gbin / "demo-app"], host_env, work)
    assert ran.stdout == "demo-app 1.0\n"
    assert not os.path.lexists(shim_bin / "demo-app"), "global apps go to the global bin dir"
    assert not (tmp_path / "pipx" / "venvs" / "demo-app").exists()

    r = pip(shim_bin, host_env, work, "uninstall", "-y", "demo-app")
    assert r.returncode == 0, r.stderr
    assert pipshim_lines(r.stderr)[0].startswith("pipshim: → pipx --global: uninstalling demo-app")
    assert not os.path.lexists(gbin / "demo-app")
    assert not (tmp_path / "pipx-global" / "venvs" / "demo-app").exists()
    assert [os.path.lexists(p) for p in system_places] == existed


def test_host_root_app_without_commands_is_refused_and_leaves_nothing(shim_bin, host_env, work, tmp_path, opt_venv):
    r = pip(shim_bin, host_env, work, "install", "demo-noscript")
    assert r.returncode == 1, r.stderr
    lines = pipshim_lines(r.stderr)
    assert lines[0].startswith("pipshim: → pipx --global: installing demo-noscript")
    assert "refusing" in lines[-1]
    venvs = tmp_path / "pipx-global" / "venvs"
    assert not venvs.is_dir() or [p.name for p in venvs.iterdir() if p.is_dir()] == []
    assert not opt_venv.exists()
