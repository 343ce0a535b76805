"""The per-version user environment: a call that names its Python's minor version (pip3.12,
python3.12 -m pip, --python) while the user environment runs another one uses venv-3.12 beside
it; unversioned calls keep the one user environment (constructed facts, no subprocess)."""

from __future__ import annotations

import os

import pytest

from pipshim import facts as facts_mod
from pipshim import links, paths, rules
from pipshim.discovery import Candidate, State
from pipshim.plan import plan
from pipshim.routes import Done, PassThrough, Refuse, UseVenv

from .factories import SHIM_DIR, USER, USER_VENV, cand, make_facts, make_interp

PY312 = "/opt/homebrew/bin/python3.12"
VENV_312 = f"{USER_VENV}-3.12"
WHY = "Python 3.12; the user environment ~/.local/share/pipshim/venv is 3.13"


def two_versions(argv: str = "install attrs", state: str = "missing", invoked_as: str = "pip3.12", **overrides):
    """pip3.12's facts when the user environment runs 3.13: facts.gather found venv-3.12 in ``state``."""
    default = Candidate(USER_VENV, USER, State.OK, "", ("pip", "pip3", "pip3.13"), version="3.13")
    version = cand(VENV_312, USER, state, pips=("pip", "pip3", "pip3.12"))
    fields = {"interp": make_interp(PY312, version="3.12", prefix="/opt/homebrew"), "user_venv": default}
    return make_facts(argv, invoked_as=invoked_as, **{**fields, "version_venv": version, **overrides})


@pytest.mark.parametrize("name", ["pip3.12", "python3.12"])
def test_a_call_naming_another_minor_version_creates_its_own_user_environment(name):
    f = two_versions(invoked_as=name)
    route = rules.decide(f)
    assert isinstance(route, UseVenv) and route.env.path == VENV_312
    assert route.user_env and route.create and route.mutating
    assert WHY in route.reason and WHY in route.note
    p = plan(route, f)
    assert p.create.system_site and p.lock == VENV_312
    assert p.link_into == SHIM_DIR and p.link_over == ()  # never replaces another environment's links
    assert "~/.local/share/pipshim/venv-3.12 (new user env" in p.line and WHY in p.line


@pytest.mark.parametrize("name", ["pip", "pip3", "python3", "python", "pipshim"])
def test_unversioned_calls_keep_the_one_user_environment(name):
    route = rules.decide(two_versions(invoked_as=name))
    assert isinstance(route, UseVenv) and route.env.path == USER_VENV and not route.create
    assert "Python 3.12" not in route.reason


@pytest.mark.parametrize(
    ("python_from", "versioned"),
    [("--python", True), ("PIP_PYTHON", True), ("/etc/pip.conf", False), (None, False)],
)
def test_pips_python_option_names_an_interpreter_but_pip_conf_does_not(python_from, versioned):
    route = rules.decide(two_versions(invoked_as="pip", python_from=python_from))
    assert route.env.path == (VENV_312 if versioned else USER_VENV)


def test_without_a_per_version_candidate_the_user_environment_serves_every_version():
    """facts.gather leaves version_venv unset for PIPSHIM_USER_VENV / user_venv, or equal versions."""
    route = rules.decide(two_versions(version_venv=None))
    assert isinstance(route, UseVenv) and route.env.path == USER_VENV


def test_user_flag_goes_to_the_per_version_environment():
    route = rules.decide(two_versions("install --user attrs"))
    assert route.env.path == VENV_312 and route.note == f"for --user; {WHY}"
    assert "--user" not in plan(route, two_versions("install --user attrs")).commands[0]


def test_reads_and_uninstall_follow_it_and_create_nothing():
    route = rules.decide(two_versions("list"))
    assert isinstance(route, PassThrough) and f"{VENV_312} does not exist yet" in route.reason
    route = rules.decide(two_versions("uninstall -y attrs"))
    assert isinstance(route, Done) and VENV_312 in route.message
    for argv in ("list", "uninstall -y attrs"):
        route = rules.decide(two_versions(argv, state="ok"))
        assert isinstance(route, UseVenv) and route.env.path == VENV_312 and not route.create, argv


def test_a_broken_per_version_environment_is_refused_with_its_fix():
    route = rules.decide(two_versions(state="broken"))
    assert isinstance(route, Refuse) and VENV_312 in route.message
    # `pipshim venv` alone would take the user environment: the fix names the version
    assert route.message.endswith("run `PIP_PYTHON=python3.12 pipshim venv --recreate`")


def test_a_user_dry_run_report_runs_where_user_would():
    route = rules.decide(two_versions("install --user --dry-run --report - attrs", state="ok"))
    assert isinstance(route, UseVenv) and route.env.path == VENV_312 and not route.mutating


@pytest.mark.parametrize(
    ("name", "versioned"),
    [
        *(("pip3.12", True), ("python3.12", True), ("pip3.9", True), ("pip3", False), ("pip", False)),
        *(("python3", False), ("pip3.x", False), ("pipshim", False), ("python3.12.1", False)),
    ],
)
def test_names_version(name, versioned):
    assert rules.names_version(make_facts(invoked_as=name)) is versioned


def test_facts_look_for_a_per_version_environment_only_beside_the_default_one_of_another_version():
    ok13 = Candidate(USER_VENV, USER, State.OK, "", version="3.13")
    interp = make_interp(PY312, version="3.12")
    assert facts_mod._version_venv(ok13, False, interp, 1000, None) is None  # PIPSHIM_USER_VENV, user_venv
    assert facts_mod._version_venv(None, True, interp, 1000, None) is None
    assert facts_mod._version_venv(cand(USER_VENV, USER, "missing"), True, interp, 1000, None) is None
    same = Candidate(USER_VENV, USER, State.OK, "", version="3.12")
    assert facts_mod._version_venv(same, True, interp, 1000, None) is None


def test_version_paths_sit_beside_the_default(tmp_path):
    assert paths.version_user_venv(USER_VENV, "3.12") == VENV_312
    assert paths.version_user_venv(paths.USER_VENV_ROOT_IN_CONTAINER, "3.12") == "/opt/venv-3.12"
    for name in ("venv", "venv-3.12", "venv-3.9", "venv-3.10", "venv-x", "venv-3.12.1", "venv-3", "other-3.1"):
        (tmp_path / name).mkdir()
    found = paths.version_user_venvs(str(tmp_path / "venv"))
    assert found == [(v, str(tmp_path / f"venv-{v}")) for v in ("3.9", "3.10", "3.12")]
    assert paths.version_user_venvs(str(tmp_path / "none" / "venv")) == []


def test_a_per_version_command_leaves_the_default_environments_link_alone(tmp_path, capsys):
    """The choice: a name on PATH stays with the environment that linked it first; the other's
    install says where its own command is (the default environment's link is never replaced)."""
    bin_dir, default, v312 = tmp_path / "bin", tmp_path / "venv", tmp_path / "venv-3.12"
    for venv in (default, v312):
        (venv / "bin").mkdir(parents=True)
        (venv / "bin" / "demo-tool").write_text("#!/bin/sh\n")
        (venv / "bin" / "demo-tool").chmod(0o755)
    bin_dir.mkdir()
    (bin_dir / "demo-tool").symlink_to(default / "bin" / "demo-tool")
    assert links.link_new(str(v312), set(), str(bin_dir), quiet=False) == []
    assert os.readlink(bin_dir / "demo-tool") == str(default / "bin" / "demo-tool")
    assert f"run {v312 / 'bin' / 'demo-tool'} directly" in capsys.readouterr().err
