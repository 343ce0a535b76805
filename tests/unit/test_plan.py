"""What `pipshim explain` prints is what execute runs: one Plan, two readers.

For every route kind, the commands explain lists (its `run:` lines) are compared with the
commands execute.run() actually starts, caught at the exec/spawn boundary (no subprocess).
"""

from __future__ import annotations

import contextlib
import shlex

import pytest

from pipshim import execute, pipxrun, provision, rules
from pipshim.plan import describe, plan
from pipshim.realpip import RealPip

from .factories import CWD, NEAREST, PROJECT, SYSTEM_PYTHON, USER, USER_VENV, cand, make_facts

PROJ_VENV = f"{CWD}/.venv"

KINDS = {
    "pass-through, exec'd": dict(argv="--version", interp=None),
    "a read in a project with no venv yet, with a note": dict(argv="list", project=cand(PROJ_VENV, PROJECT, "missing")),
    "nothing to uninstall runs nothing": dict(argv="uninstall -y six", project=cand(PROJ_VENV, PROJECT, "missing")),
    "a read in an existing venv, exec'd": dict(argv="list", venvs=(cand(PROJ_VENV, NEAREST, "ok"),)),
    "an install that creates the project venv": dict(argv="install attrs", project=cand(PROJ_VENV, PROJECT, "missing")),
    "an install into an existing venv": dict(argv="install -U attrs", venvs=(cand(PROJ_VENV, NEAREST, "ok"),)),
    "a venv made --without-pip, through the real pip's --python": dict(
        argv="install attrs", venvs=(cand(PROJ_VENV, NEAREST, "ok", pips=()),)
    ),
    "python3 -m pip into a venv": dict(
        argv="install attrs",
        invoked_as="python3",
        real_pip=RealPip(SYSTEM_PYTHON, SYSTEM_PYTHON, ("-I", "-m", "pip")),
        venvs=(cand(PROJ_VENV, NEAREST, "ok"),),
    ),
    "the user environment, --user dropped": dict(argv="install --user attrs", user_venv=cand(USER_VENV, USER, "ok")),
    "applications to pipx, one command per package": dict(argv="install black ruff"),
    "a refusal runs nothing": dict(argv="install attrs", venvs=(cand(PROJ_VENV, NEAREST, "broken"),)),
}


@pytest.fixture
def ran(monkeypatch):
    """Every command execute would start, in order, instead of starting it."""
    started: list[tuple[str, ...]] = []

    def record(cmd, env, stopped=None):
        started.append(tuple(cmd))
        return 0

    monkeypatch.setattr(execute, "exec_", record)
    monkeypatch.setattr(execute, "wait_for", record)
    monkeypatch.setattr(pipxrun, "_run_pipx", lambda cmd, env: (record(cmd, env), ""))
    monkeypatch.setattr(pipxrun, "ensure_shared_libs", lambda *a: None)
    monkeypatch.setattr(pipxrun, "locked", lambda f, route: contextlib.nullcontext(f))
    monkeypatch.setattr(provision, "transaction", lambda path, spec, environ, quiet, work, *_: work(spec is not None))
    return started


@pytest.mark.parametrize("overrides", list(KINDS.values()), ids=list(KINDS))
def test_explain_lists_exactly_the_commands_execute_runs(overrides, ran):
    facts = make_facts(**overrides)
    p = plan(rules.decide(facts), facts)
    explained = [
        tuple(shlex.split(line[len("run: ") :])) for line in describe(p).splitlines() if line.startswith("run: ")
    ]
    execute.run(p, facts)
    assert ran == explained
    assert (p.exit_code is not None) == (ran == [])


def test_every_route_kind_is_covered():
    kinds = {rules.decide(make_facts(**o)).kind for o in KINDS.values()}
    assert kinds == {"passthrough", "venv", "pipx", "refuse", "done"}


def test_a_without_pip_venv_is_installed_into_with_the_real_pip():
    facts = make_facts(argv="install attrs", venvs=(cand(PROJ_VENV, NEAREST, "ok", pips=()),))
    p = plan(rules.decide(facts), facts)
    assert p.commands == (("/usr/bin/pip", "--python", f"{PROJ_VENV}/bin/python", "install", "attrs"),)


def test_python_m_pip_runs_the_venvs_python_with_the_same_flags():
    facts = make_facts(**KINDS["python3 -m pip into a venv"])
    p = plan(rules.decide(facts), facts)
    assert p.commands == ((f"{PROJ_VENV}/bin/python", "-I", "-m", "pip", "install", "attrs"),)


def test_a_mutating_venv_plan_holds_the_lock_and_a_read_does_not():
    install = make_facts(argv="install attrs", venvs=(cand(PROJ_VENV, NEAREST, "ok"),))
    read = make_facts(argv="list", venvs=(cand(PROJ_VENV, NEAREST, "ok"),))
    assert plan(rules.decide(install), install).lock == PROJ_VENV
    assert plan(rules.decide(read), read).lock is None
    assert not plan(rules.decide(read), read).waits


@pytest.mark.parametrize("chosen", [None, "uv"])
def test_pipx_runs_with_the_pip_backend_unless_the_user_chose_one(chosen):
    facts = make_facts(argv="install black")
    if chosen:
        facts = facts.replace(environ={**facts.environ, "PIPX_DEFAULT_BACKEND": chosen})
    p = plan(rules.decide(facts), facts)
    assert p.route.kind == "pipx"
    assert p.env["PIPX_DEFAULT_BACKEND"] == (chosen or "pip")


CONTAINER_ROOT = dict(is_root=True, in_container=True)


@pytest.mark.parametrize(
    "where",
    ["a new project venv", "an existing venv here"],
)
def test_root_in_a_container_links_a_project_venvs_new_commands_over_the_user_envs(where):
    """An image is one environment: `RUN pip install gunicorn` in a WORKDIR puts gunicorn on PATH,
    as it did before PEP 668, and the project's own command replaces the user environment's link."""
    place = (
        dict(project=cand(PROJ_VENV, PROJECT, "missing"))
        if where == "a new project venv"
        else dict(venvs=(cand(PROJ_VENV, NEAREST, "ok"),))
    )
    facts = make_facts(argv="install gunicorn", **CONTAINER_ROOT, **place)
    p = plan(rules.decide(facts), facts)
    assert (p.lock, p.link_into, p.link_over) == (PROJ_VENV, facts.shim_dir, (USER_VENV,))
    assert f"link: {PROJ_VENV}'s new commands into {facts.shim_dir}" in describe(p).splitlines()


@pytest.mark.parametrize(
    "who",
    [dict(), dict(is_root=True, in_container=False), dict(is_root=False, in_container=True)],
    ids=["a user", "root on a host", "a user in a container"],
)
def test_outside_root_in_a_container_a_project_venvs_commands_are_not_linked(who):
    facts = make_facts(argv="install gunicorn", venvs=(cand(PROJ_VENV, NEAREST, "ok"),), **who)
    p = plan(rules.decide(facts), facts)
    assert (p.link_into, p.link_over) == (None, ())
    assert "link:" not in describe(p)


def test_the_user_environment_links_its_commands_and_replaces_nobody_elses():
    for extra in (dict(), CONTAINER_ROOT):
        facts = make_facts(argv="install --user gunicorn", user_venv=cand(USER_VENV, USER, "ok"), **extra)
        p = plan(rules.decide(facts), facts)
        assert (p.link_into, p.link_over) == (facts.shim_dir, ())


def test_a_read_in_a_containers_project_links_nothing():
    facts = make_facts(argv="list", venvs=(cand(PROJ_VENV, NEAREST, "ok"),), **CONTAINER_ROOT)
    assert plan(rules.decide(facts), facts).link_into is None
