"""The pipx route, pure: each spec's step and options, pins, half-made apps, upgrade,
libraries, uninstall, and the show/list note; plus pipxrun's stream filter and wording."""

from __future__ import annotations

import contextlib
import sys

import pytest

from pipshim import pipxrun
from pipshim.apps import read_note, recheck
from pipshim.facts import PipxApp, PipxFacts
from pipshim.plan import describe, plan
from pipshim.record import replace
from pipshim.routes import PassThrough, RouteToPipx, UseVenv
from pipshim.rules import decide
from pipshim.settings import builtin_apps

from .factories import CWD, HOME, PROJECT, USER, USER_VENV, cand, make_facts

PIPX_HOME = f"{HOME}/.local/share/pipx"
BIN = f"{HOME}/.local/bin"


def app(version="24.2.0", whole=True, missing="", name="black", spec="") -> PipxApp:
    return PipxApp(f"{PIPX_HOME}/venvs/{name}", version, whole, missing, (f"{BIN}/{name}",), spec or name)


def pipx(**apps: PipxApp) -> PipxFacts:
    return PipxFacts(PIPX_HOME, "/opt/pipx", frozenset(apps), frozenset(), apps, {})


def facts(argv: str, installed: dict | None = None, **overrides):
    f = make_facts(argv=argv, pipx=pipx(**(installed or {})), **overrides)
    return f


def with_apps(f, **apps):
    return f.replace(config=replace(f.config, apps={**f.config.apps, **apps}))


def steps(route):
    assert isinstance(route, RouteToPipx), route
    return [(s.command, s.spec, s.options) for s in route.each]


# --- install: each spec its own step ---------------------------------------------------


def test_per_app_options_come_from_the_data_file_and_each_spec_gets_its_own():
    f = with_apps(facts("install ansible black"), ansible=("--include-deps",))
    route = decide(f)
    assert steps(route) == [("install", "ansible", ("--include-deps",)), ("install", "black", ())]
    p = plan(route, f)
    assert {c[:4] for c in p.commands} == {(sys.executable, "-I", "-m", "pipx")}  # -I: nothing from the cwd
    assert [c[4:] for c in p.commands] == [("install", "--include-deps", "ansible"), ("install", "black")]


def test_route_options_and_app_options_together():
    f = with_apps(facts("install -i https://idx/simple ansible"), ansible=("--include-deps",))
    assert steps(decide(f)) == [("install", "ansible", ("--index-url", "https://idx/simple", "--include-deps"))]


def test_the_builtin_list_gives_ansible_include_deps_and_holds_no_libraries():
    apps = builtin_apps()
    assert apps["ansible"] == ("--include-deps",)
    assert apps["black"] == ()
    for lib in ("jupyter", "jupyterlab", "notebook", "ipython", "ptpython", "bpython", "streamlit"):
        assert lib not in apps, lib


@pytest.mark.parametrize("lib", ["jupyter", "jupyterlab", "ipython", "ptpython", "streamlit"])
def test_libraries_that_run_the_users_code_do_not_go_to_pipx(lib):
    f = make_facts(argv=f"install {lib}")
    f = f.replace(config=replace(f.config, apps=builtin_apps()))
    route = decide(f)
    assert isinstance(route, UseVenv) and route.env.path == USER_VENV


def test_an_app_not_installed_is_a_plain_install():
    assert steps(decide(facts("install black==24.2.0"))) == [("install", "black==24.2.0", ())]


def test_a_pin_the_installed_version_does_not_satisfy_replaces_it():
    route = decide(facts("install black==24.1.0", {"black": app("24.2.0")}))
    assert steps(route) == [("install", "black==24.1.0", ("--force",))]
    assert route.each[0].why == "replacing 24.2.0"
    assert "black==24.1.0 (replacing 24.2.0)" in plan(route, facts("install black==24.1.0")).line


def test_a_specifier_the_installed_version_satisfies_runs_nothing():
    f = facts("install black>=24", {"black": app("24.2.0")})
    route = decide(f)
    assert steps(route) == [("satisfied", "black>=24", ())]
    p = plan(route, f)
    assert p.commands == ()
    assert "already satisfied (nothing runs): black 24.2.0" in describe(p)


@pytest.mark.parametrize(
    ("argv", "installed_from", "expected"),
    [
        pytest.param("install black[d]", "black", "black[d]", id="a new extra"),
        pytest.param("install black[jupyter]>=24", "black[d]", "black[d,jupyter]>=24", id="keeps the old extras"),
        pytest.param("install Black[D]", "black[d]", None, id="extras it has, named in other case"),
        pytest.param("install black", "black[d]", None, id="no extras asked"),
        pytest.param("install black[d]", "/src/black", None, id="installed from a path"),
    ],
)
def test_extras_the_app_lacks_reinstall_it_with_the_extras_of_both(argv, installed_from, expected):
    f = facts(argv, {"black": app("24.2.0", spec=installed_from)})
    route = decide(f)
    if expected is None:
        assert [s.command for s in route.each] == ["satisfied"]
        return
    assert steps(route) == [("install", expected, ("--force",))]
    assert route.each[0].why == "adding extras to 24.2.0"
    assert f"{expected} (adding extras to 24.2.0)" in plan(route, f).line


@pytest.mark.parametrize("missing", ["its pipx_metadata.json is missing or unreadable", "its command black is missing"])
def test_a_half_made_app_is_repaired_with_force(missing):
    route = decide(facts("install black", {"black": app(None, whole=False, missing=missing)}))
    assert steps(route) == [("install", "black", ("--force",))]
    assert route.each[0].why == f"repairing: {missing}"


def test_a_venv_pipx_holds_but_nothing_is_known_about_is_treated_as_half_made():
    f = make_facts(argv="install black", pipx=PipxFacts(PIPX_HOME, "/opt/pipx", frozenset({"black"})))
    assert steps(decide(f)) == [("install", "black", ("--force",))]


def test_upgrade_of_an_installed_app_is_pipx_upgrade_with_index_options_and_no_python():
    f = facts("install -U -i https://idx/simple --python /usr/bin/python3 black ruff", {"black": app()})
    route = decide(f)
    assert steps(route) == [
        ("upgrade", "black", ("--index-url", "https://idx/simple")),
        ("install", "ruff", ("--index-url", "https://idx/simple", "--python", "/usr/bin/python3")),
    ]
    line = plan(route, f).line
    assert line.startswith("→ pipx: ") and "upgrading black" in line and "installing ruff" in line


def test_upgrade_with_a_specifier_reinstalls_to_what_it_allows():
    route = decide(facts("install -U black<25", {"black": app("24.2.0")}))
    assert steps(route) == [("install", "black<25", ("--force",))]


def test_force_reinstall_is_install_force():
    route = decide(facts("install --force-reinstall black", {"black": app()}))
    assert steps(route) == [("install", "black", ("--force",))]


def test_global_pipx_for_root_on_a_host_uses_the_global_apps():
    f = make_facts(
        argv="install -U black",
        is_root=True,
        pipx=PipxFacts(PIPX_HOME, "/opt/pipx", frozenset(), frozenset({"black"}), {}, {"black": app()}),
    )
    route = decide(f)
    assert steps(route) == [("upgrade", "black", ())]
    assert plan(route, f).commands[0][4:] == ("upgrade", "--global", "black")


# --- uninstall --------------------------------------------------------------------------


def test_uninstall_asks_unless_yes():
    route = decide(facts("uninstall black", {"black": app()}))
    assert route.confirm is True
    assert steps(route) == [("uninstall", "black", ())]
    assert route.each[0].installed == "24.2.0"
    assert decide(facts("uninstall -y black", {"black": app()})).confirm is False


def test_uninstall_of_something_pipx_does_not_hold_stays_with_pip():
    route = decide(facts("uninstall -y ruff", {"black": app()}, user_venv=cand(USER_VENV, USER, "ok")))
    assert isinstance(route, UseVenv)


@pytest.mark.parametrize(
    ("argv", "rest"),
    [
        pytest.param("uninstall -y black requests", ("uninstall", "-y", "requests"), id="app first"),
        pytest.param("uninstall requests -y black rich", ("uninstall", "requests", "-y", "rich"), id="app between"),
        pytest.param("uninstall --python /x/py -y black requests", ("uninstall", "-y", "requests"), id="--python"),
    ],
)
def test_uninstall_of_apps_and_libraries_sends_the_apps_to_pipx_and_the_rest_to_pip(argv, rest):
    f = facts(argv, {"black": app()}, user_venv=cand(USER_VENV, USER, "ok"))
    route = decide(f)
    assert steps(route) == [("uninstall", "black", ())]
    p = plan(route, f)
    assert p.commands[0][-2:] == ("uninstall", "black")
    assert isinstance(p.fallback.route, UseVenv) and p.fallback.route.env.path == USER_VENV
    assert p.fallback.commands == ((f"{USER_VENV}/bin/pip", *rest),)
    assert "\nthen: → " in describe(p) and f"run: {USER_VENV}/bin/pip {' '.join(rest)}" in describe(p)


def test_uninstall_of_apps_and_libraries_with_no_user_environment_still_uninstalls_the_apps():
    f = facts("uninstall -y black requests", {"black": app()})
    route = decide(f)
    assert steps(route) == [("uninstall", "black", ())]
    p = plan(route, f)
    assert p.fallback.commands == () and "nothing to uninstall" in p.fallback.line


def test_uninstall_of_an_app_named_in_a_requirements_file_with_libraries_stays_with_pip():
    f = facts("uninstall -y -r reqs.txt requests", {"black": app()}, user_venv=cand(USER_VENV, USER, "ok"))
    f = f.replace(req_files={f"{CWD}/reqs.txt": "black\n"})
    assert isinstance(decide(f), UseVenv)


def test_uninstall_of_apps_and_libraries_runs_pipx_then_pip(monkeypatch, capsys):
    from pipshim import execute

    f = facts("uninstall -y black requests", {"black": app()}, user_venv=cand(USER_VENV, USER, "ok"))
    p = plan(decide(f), f)
    ran, then = [], []
    monkeypatch.setattr(pipxrun, "_spawn", lambda cmd, env, capture_stdout=False: (ran.append(cmd), (0, "", ""))[1])
    monkeypatch.setattr(pipxrun, "locked", lambda f, route: contextlib.nullcontext(f))
    monkeypatch.setattr(execute, "run", lambda plan_, f_: (then.append(plan_.commands), 0)[1])
    assert pipxrun.run(p, f) == 0
    assert [c[-2:] for c in ran] == [("uninstall", "black")]
    assert then == [((f"{USER_VENV}/bin/pip", "uninstall", "-y", "requests"),)]
    assert "Successfully uninstalled black-24.2.0" in capsys.readouterr().out


def run_uninstall(monkeypatch, capsys, argv, answers, environ=None):
    f = facts(argv, {"black": app()})
    if environ:
        f = f.replace(environ={**f.environ, **environ})
    p = plan(decide(f), f)
    ran = []
    monkeypatch.setattr(pipxrun, "_spawn", lambda cmd, env, capture_stdout=False: (ran.append(cmd), (0, "", ""))[1])
    feed = iter(answers)

    def fake_input(prompt):
        print(prompt, end="")
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", fake_input)
    monkeypatch.setattr(pipxrun, "locked", lambda f, route: contextlib.nullcontext(f))
    rc = pipxrun.run(p, f)
    out, err = capsys.readouterr()
    return rc, ran, out, err


def test_uninstall_n_removes_nothing_and_says_nothing_more(monkeypatch, capsys):
    rc, ran, out, _ = run_uninstall(monkeypatch, capsys, "uninstall black", ["n"])
    assert (rc, ran) == (0, [])
    assert out.splitlines() == [
        "Found existing installation: black 24.2.0",
        "Uninstalling black-24.2.0:",
        "  Would remove:",
        f"    {PIPX_HOME}/venvs/black",
        f"    {BIN}/black",
        "Proceed (Y/n)? ",
    ]


def test_uninstall_y_or_enter_runs_pipx_uninstall(monkeypatch, capsys):
    for answer in ("y", "", " Y "):
        rc, ran, out, _ = run_uninstall(monkeypatch, capsys, "uninstall black", [answer])
        assert rc == 0 and len(ran) == 1 and ran[0][-2:] == ("uninstall", "black")
        assert out.endswith(
            "Proceed (Y/n)?   Successfully uninstalled black-24.2.0\n"
        )  # the answer's newline is the tty's


def test_uninstall_asks_again_on_another_answer(monkeypatch, capsys):
    rc, ran, out, _ = run_uninstall(monkeypatch, capsys, "uninstall black", ["maybe", "y"])
    assert rc == 0 and len(ran) == 1
    assert "Your response ('maybe') was not one of the expected responses: y, n, " in out


def test_uninstall_with_yes_does_not_ask(monkeypatch, capsys):
    rc, ran, out, _ = run_uninstall(monkeypatch, capsys, "uninstall -y black", [])
    assert rc == 0 and len(ran) == 1
    assert "Proceed" not in out
    assert out.splitlines() == [
        "Found existing installation: black 24.2.0",
        "Uninstalling black-24.2.0:",
        "  Successfully uninstalled black-24.2.0",
    ]


@pytest.mark.parametrize(
    ("argv", "environ"), [("uninstall -y -q black", {}), ("uninstall -y black", {"PIP_QUIET": "1"})]
)
def test_uninstall_of_an_app_is_quiet_as_pip_is_with_q_or_pip_quiet(monkeypatch, capsys, argv, environ):
    rc, ran, out, err = run_uninstall(monkeypatch, capsys, argv, [], environ)
    assert (rc, len(ran), out) == (0, 1, "")
    assert "pipshim:" not in err


def test_uninstall_with_stdin_closed_or_no_input_removes_nothing(monkeypatch, capsys):
    rc, ran, _, err = run_uninstall(monkeypatch, capsys, "uninstall black", [])
    assert rc == 2 and ran == []
    assert "pass -y" in err
    rc, ran, _, err = run_uninstall(monkeypatch, capsys, "uninstall black", ["y"], {"PIP_NO_INPUT": "1"})
    assert rc == 2 and ran == []


# --- under pipx's lock: the steps worked out again ----------------------------------------


def test_recheck_works_each_step_out_again_from_the_facts_read_under_the_lock():
    route = decide(facts("install black ruff"))
    assert steps(route) == [("install", "black", ()), ("install", "ruff", ())]
    now = facts("install black ruff", {"black": app(), "ruff": app(None, whole=False, missing="x", name="ruff")})
    again = recheck(now, route)
    assert steps(again) == [("satisfied", "black", ()), ("install", "ruff", ("--force",))]
    assert again.reason == route.reason and again.fallback == route.fallback
    assert plan(again, now).commands == ((*plan(route, now).commands[1][:-1], "--force", "ruff"),)
    # an app removed meanwhile is installed again
    assert steps(recheck(facts("install black"), decide(facts("install black", {"black": app()})))) == [
        ("install", "black", ())
    ]


def under_lock(monkeypatch, now):
    """pipxrun.locked, the facts read under the lock being ``now``; returns the commands run."""
    ran = []
    monkeypatch.setattr(pipxrun, "locked", lambda f, route: contextlib.nullcontext(now))
    monkeypatch.setattr(pipxrun, "ensure_shared_libs", lambda *a: None)
    monkeypatch.setattr(pipxrun, "_spawn", lambda cmd, env, capture_stdout=False: (ran.append(cmd), (0, "", ""))[1])
    return ran


def test_an_app_installed_while_waiting_for_the_lock_is_already_satisfied(monkeypatch, capsys):
    f = facts("install black")
    ran = under_lock(monkeypatch, facts("install black", {"black": app()}))
    assert pipxrun.run(plan(decide(f), f), f) == 0
    out, err = capsys.readouterr()
    assert ran == []
    assert out == f"Requirement already satisfied: black in {PIPX_HOME}/venvs/black (24.2.0)\n"
    assert err == "pipshim: → pipx: already installed: black\n"


def test_an_app_removed_while_waiting_for_the_lock_is_skipped_as_pip_skips_it(monkeypatch, capsys):
    f = facts("uninstall -y black ruff", {"black": app(), "ruff": app("0.4.1", name="ruff")})
    ran = under_lock(monkeypatch, facts("uninstall -y black ruff", {"ruff": app("0.4.1", name="ruff")}))
    assert pipxrun.run(plan(decide(f), f), f) == 0
    out, err = capsys.readouterr()
    assert [cmd[-2:] for cmd in ran] == [("uninstall", "ruff")]
    assert "WARNING: Skipping black as it is not installed." in err.splitlines()
    assert out.splitlines()[0] == "Found existing installation: ruff 0.4.1"


def test_pipxs_lock_is_its_venvs_dir_made_as_pipx_makes_it():
    f = facts("install black")
    lock = pipxrun.lock(f, decide(f))
    assert (lock.directory, lock.venv, lock.mode) == (f"{PIPX_HOME}/venvs", f"{PIPX_HOME}/venvs", 0o777)
    assert pipxrun.lock(f, replace(decide(f), global_=True)).directory == "/opt/pipx/venvs"


# --- reads ----------------------------------------------------------------------------


def test_show_of_a_pipx_app_gets_one_note():
    f = facts("show black", {"black": app(), "ruff": app("0.4.1", name="ruff")})
    p = plan(decide(f), f)
    assert p.line == "black 24.2.0 is installed with pipx (pipshim pipx list)"
    assert p.commands[0][-2:] == ("show", "black")  # pip's own command, unchanged


def test_list_names_every_pipx_app_in_the_routed_line():
    """Every routed call prints one line: the pipx note ends the route's line."""
    f = facts("list", {"black": app(), "ruff": app("0.4.1", name="ruff")}, user_venv=cand(USER_VENV, USER, "ok"))
    p = plan(decide(f), f)
    assert "\n" not in p.line
    route, note = p.line.split("); ", 1)
    assert "user environment" in route
    assert note == "black 24.2.0 and ruff 0.4.1 are installed with pipx (pipshim pipx list)"


def test_root_on_a_host_is_pointed_at_pipxs_global_list():
    f = make_facts(
        argv="show black",
        is_root=True,
        pipx=PipxFacts(PIPX_HOME, "/opt/pipx", frozenset(), frozenset({"black"}), {}, {"black": app()}),
    )
    assert read_note(f, PassThrough("x")) == "black 24.2.0 is installed with pipx (pipshim pipx --global list)"


def test_no_note_in_a_project_quiet_or_without_pipx_apps():
    proj = cand(f"{CWD}/.venv", PROJECT, "ok")
    assert read_note(facts("list", {"black": app()}, project=proj), PassThrough("x")) is None
    f = facts("-q list", {"black": app()})
    assert f.quiet, "execute says a plan's line only when not quiet"
    assert read_note(facts("show attrs", {"black": app()}), PassThrough("x")) is None
    assert read_note(facts("install black", {"black": app()}), PassThrough("x")) is None


# --- pipxrun: the "no apps" filter and pip's words ---------------------------------------


def feed_all(chunks):
    w = pipxrun._Withhold(pipxrun.NO_APPS)
    shown = b"".join(w.feed(c) for c in chunks) + w.close()
    return shown, w.held


def test_the_no_apps_error_is_held_back_and_the_rest_streams():
    shown, held = feed_all(
        [b"creating virtual environment...\ninst", b"alling x...\nNo apps ass", b"ociated with package x.\nmore\n"]
    )
    assert shown == b"creating virtual environment...\ninstalling x...\n"
    assert held == b"No apps associated with package x.\nmore\n"


def test_a_spinner_passes_at_once_and_a_cleared_line_can_still_hold_the_error():
    shown, held = feed_all([b"\r\x1b[K\xe2\xa3\xb7 installing", b"\r\x1b[K", b"No apps associated with package y"])
    assert shown.startswith(b"\r\x1b[K\xe2\xa3\xb7 installing\r")
    assert held.endswith(b"No apps associated with package y")
    shown, held = feed_all([b"No", b" such thing\n"])
    assert (shown, held) == (b"No such thing\n", b"")


def test_pipx_upgrade_output_in_pips_words():
    assert pipxrun.pip_words("upgraded package black from 24.1.0 to\n24.2.0 (location: /p/venvs/black)\n") == (
        "Successfully installed black-24.2.0"
    )
    assert pipxrun.pip_words("black is already at latest version 24.2.0 (location:\n/p/venvs/black)\n") == (
        "Requirement already satisfied: black in /p/venvs/black (24.2.0)"
    )
    assert pipxrun.pip_words("x is already at latest version 1 (location: /p/ven\nvs/x)") == (
        "Requirement already satisfied: x in /p/venvs/x (1)"
    )
    assert pipxrun.pip_words("x is already at latest version 1 (location: /p/v/x)", "/q/x").endswith("in /q/x (1)")
    assert pipxrun.pip_words("something else") is None


@pytest.mark.parametrize(
    ("installed_from", "expected"),
    [
        pytest.param("black", ("install", "black @ git+https://github.com/psf/black", ("--force",)), id="from PyPI"),
        pytest.param(
            "black @ git+https://github.com/psf/black",  # pipx records the PEP 508 form
            ("satisfied", "black @ git+https://github.com/psf/black", ()),
            id="from that very URL",
        ),
    ],
)
def test_a_name_at_url_over_an_installed_app_reinstalls_it_from_the_url_unless_installed_from_it(
    installed_from, expected
):
    argv = ("install", "black @ git+https://github.com/psf/black")
    f = facts(argv, {"black": app("24.2.0", spec=installed_from)})
    assert steps(decide(f)) == [expected]
