"""decide(): the design's rules 0-9, one constructed case per behaviour (no I/O, no subprocess)."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from pipshim import rules
from pipshim.facts import PipxFacts
from pipshim.plan import plan
from pipshim.realpip import RealPip
from pipshim.record import replace
from pipshim.routes import Done, PassThrough, Refuse, RouteToPipx, UseVenv

from .factories import (
    ACTIVE,
    CWD,
    HOME,
    NEAREST,
    PROJECT,
    SHIM_DIR,
    SYSTEM_PIP,
    SYSTEM_PYTHON,
    USER,
    USER_VENV,
    cand,
    make_facts,
    make_interp,
)


class View(SimpleNamespace):
    """A route with the plan's command spread over the old fields, so each case states exe/argv."""


def decide(facts):
    route = rules.decide(facts)
    if isinstance(route, (Refuse, RouteToPipx, Done)):
        return route
    cmd = plan(route, facts).commands[0]
    if isinstance(route, PassThrough):
        return View(
            kind=PassThrough,
            exe=cmd[0],
            argv=cmd[1 + len(facts.real_pip.prefix) :],
            note=route.note,
            reason=route.reason,
        )
    p = plan(route, facts)
    argv = cmd[1:] if cmd[0].startswith(route.env.path) else cmd[4:]
    return View(
        kind=UseVenv,
        venv=route.env.path,
        source=route.env.source,
        create=route.create,
        argv=argv,
        mutating=route.mutating,
        reason=route.reason,
        prompt=route.prompt,
        base_python=p.create.base_python if p.create else facts.interp.path,
        fallback=None,
    )


PROJ_VENV = f"{CWD}/.venv"
ENV = f"{HOME}/envs/tools"  # an activated virtualenv
MANAGED = "externally managed"
RECREATE = "pipshim venv --recreate"
INSTALL = ("install", "attrs")

# the same directory tree as find_venvs() and find_project() would report it
NEW_PROJECT = {"project": cand(PROJ_VENV, PROJECT, "missing")}
EXISTING_VENV = {"venvs": (cand(PROJ_VENV, NEAREST, "ok"),), "project": cand(PROJ_VENV, PROJECT, "ok")}
# a venv made from Debian's python: its stdlib (the base one) carries the marker
VENV_INTERP = make_interp(f"{ENV}/bin/python", prefix=ENV, base_prefix="/usr")


def passthrough(argv: tuple[str, ...], exe: str = SYSTEM_PIP) -> dict:
    """The real pip with argv unchanged."""
    expect = {"type": PassThrough, "exe": exe, "argv": argv}
    return expect


def venv(path: str, source: str, create: bool, argv: tuple[str, ...] = INSTALL, mutating: bool = True) -> dict:
    return {"type": UseVenv, "venv": path, "source": source, "create": create, "argv": argv, "mutating": mutating}


def refuse(code: int) -> dict:
    return {"type": Refuse, "exit_code": code}


def case(rule: str, facts: dict, expect: dict, words: tuple[str, ...] = (), note_words: tuple[str, ...] = ()):
    """facts: make_facts() keywords; expect: route type + exact fields; words: in the reason or message."""
    return pytest.param(facts, expect, words, note_words, id=rule)


CASES = [
    # --- rule 0: no real pip, opt-out, recursion guard, a pip that is not Python ---
    case(
        "with no real pip on PATH pipshim refuses with exit 127 naming the pips it looked for",
        {"real_pip": None, "interp": None, "invoked_as": "pip3.12"},
        refuse(127),
        words=("pip3.12 or pip3 or pip", SHIM_DIR, "python3-pip"),
    ),
    case(
        "PIPSHIM_DISABLE passes through unchanged even inside a project",
        {**NEW_PROJECT, "disabled": True},
        passthrough(INSTALL),
        words=("PIPSHIM_DISABLE",),
    ),
    case(
        "a call re-entered from within pipshim (recursion guard set) passes through unchanged",
        {**EXISTING_VENV, "reentered": True},
        passthrough(INSTALL),
        words=("within pipshim",),
    ),
    case(
        "a real pip that is not a Python script (pyenv's bash shim) passes through",
        {**NEW_PROJECT, "real_pip": RealPip(f"{HOME}/.pyenv/shims/pip", None, ()), "interp": None},
        passthrough(INSTALL, exe=f"{HOME}/.pyenv/shims/pip"),
        words=(f"{HOME}/.pyenv/shims/pip", "not a Python script"),
    ),
    case(
        "a real pip whose Python does not start passes through",
        {**NEW_PROJECT, "interp": None},
        passthrough(INSTALL),
        words=(SYSTEM_PIP, "does not start"),
    ),
    # --- rule 1: the interpreter is a safe target ---
    case(
        "an active venv's interpreter passes through unchanged",
        {**NEW_PROJECT, "real_pip": RealPip(f"{ENV}/bin/pip", f"{ENV}/bin/python", ()), "interp": VENV_INTERP},
        passthrough(INSTALL, exe=f"{ENV}/bin/pip"),
        words=(f"{ENV}/bin/python", "virtual environment"),
    ),
    case(
        "a conda env's interpreter passes through unchanged",
        {**NEW_PROJECT, "interp": make_interp("/opt/conda/bin/python", prefix="/opt/conda", conda=True)},
        passthrough(INSTALL),
        words=("/opt/conda/bin/python", "conda"),
    ),
    case(
        "an interpreter without the EXTERNALLY-MANAGED marker passes through with argv unchanged",
        {
            **EXISTING_VENV,
            "argv": "--python /usr/bin/python3 install -U attrs",
            "interp": make_interp(externally_managed=False),
        },
        passthrough(("--python", "/usr/bin/python3", "install", "-U", "attrs")),
        words=(SYSTEM_PYTHON, "not externally managed"),
    ),
    # --- rule 1: explicit consent ---
    case(
        "--break-system-packages on install is explicit consent and passes through",
        {**NEW_PROJECT, "argv": "install --break-system-packages attrs"},
        passthrough(("install", "--break-system-packages", "attrs")),
        words=("explicit consent", "--break-system-packages"),
    ),
    case(
        "--break-system-packages on uninstall is explicit consent even with a venv here",
        {**EXISTING_VENV, "argv": "uninstall -y --break-system-packages attrs"},
        passthrough(("uninstall", "-y", "--break-system-packages", "attrs")),
        words=("explicit consent",),
    ),
    *(
        case(
            f"PIP_BREAK_SYSTEM_PACKAGES={word} is explicit consent",
            {**NEW_PROJECT, "pip_settings": {"break-system-packages": (word, "PIP_BREAK_SYSTEM_PACKAGES")}},
            passthrough(INSTALL),
            words=("explicit consent", "PIP_BREAK_SYSTEM_PACKAGES"),
        )
        for word in ("yes", "1", "on", "true", "True")
    ),
    *(
        case(
            f"PIP_BREAK_SYSTEM_PACKAGES={word} is no consent and the install goes to the project venv",
            {**NEW_PROJECT, "pip_settings": {"break-system-packages": (word, "PIP_BREAK_SYSTEM_PACKAGES")}},
            venv(PROJ_VENV, PROJECT, create=True),
            words=(MANAGED,),
        )
        for word in ("no", "0", "off", "false")
    ),
    case(
        "break-system-packages = true in pip.conf is explicit consent",
        {**NEW_PROJECT, "pip_settings": {"break-system-packages": ("true", "/etc/pip.conf [global]")}},
        passthrough(INSTALL),
        words=("explicit consent", "/etc/pip.conf [global]"),
    ),
    # --- rule 1: pip's own exemptions for install ---
    *(
        case(
            f"{flag} is one of pip's own exemptions and passes through",
            {**NEW_PROJECT, "argv": f"install {flag} /tmp/out attrs"},
            passthrough(("install", flag, "/tmp/out", "attrs")),
            words=(f"pip allows {canonical}",),
        )
        for flag, canonical in (
            ("--target", "--target"),
            ("-t", "--target"),
            ("--targ", "--target"),
            ("--prefix", "--prefix"),
            ("--root", "--root"),
        )
    ),
    case(
        "PIP_TARGET (pip's own setting) is an exemption and passes through",
        {**NEW_PROJECT, "pip_settings": {"target": ("/tmp/out", "PIP_TARGET")}},
        passthrough(INSTALL),
        words=("pip allows PIP_TARGET",),
    ),
    case(
        "--dry-run with --report is pip's exemption and passes through",
        {**NEW_PROJECT, "argv": "install --dry-run --report - attrs"},
        passthrough(("install", "--dry-run", "--report", "-", "attrs")),
        words=("--dry-run --report",),
    ),
    case(
        "--dry-run alone is not exempt: it runs in the project venv (installing nothing, so no lock)",
        {**EXISTING_VENV, "argv": "install --dry-run attrs"},
        venv(PROJ_VENV, NEAREST, create=False, argv=("install", "--dry-run", "attrs"), mutating=False),
        words=(MANAGED,),
    ),
    case(
        "--target is no exemption for a read: pip list goes to the existing venv",
        {**EXISTING_VENV, "argv": "list", "pip_settings": {"target": ("/tmp/out", "PIP_TARGET")}},
        venv(PROJ_VENV, NEAREST, create=False, argv=("list",), mutating=False),
    ),
    # --- rule 2: commands that do not install read the environment an install would use ---
    *(
        case(
            f"pip {' '.join(argv)} reads the existing venv and is not mutating",
            {**EXISTING_VENV, "argv": argv},
            venv(PROJ_VENV, NEAREST, create=False, argv=argv, mutating=False),
            words=(MANAGED,),
        )
        for argv in (("list",), ("freeze",), ("show", "attrs"), ("--version",), ("help",), ("frobnicate",))
    ),
    case(
        "pip list in a project whose venv does not exist yet passes through and creates nothing",
        {**NEW_PROJECT, "argv": "list"},
        passthrough(("list",)),
        words=(MANAGED, PROJ_VENV, "does not exist yet"),
    ),
    case(
        "pip freeze with no project and no user environment yet passes through",
        {"argv": "freeze"},
        passthrough(("freeze",)),
        words=(MANAGED, "does not exist yet"),
    ),
    case(
        "pip list with no project reads the user environment once it exists",
        {"argv": "list", "user_venv": cand(USER_VENV, USER, "ok")},
        venv(USER_VENV, USER, create=False, argv=("list",), mutating=False),
    ),
    # --- rule 3: an active virtualenv ---
    case(
        "an active VIRTUAL_ENV is used for an install, before the project's venv",
        {**EXISTING_VENV, "active": cand(ENV, ACTIVE, "ok")},
        venv(ENV, ACTIVE, create=False),
        words=(MANAGED,),
    ),
    case(
        "an active VIRTUAL_ENV is what pip list reads",
        {"argv": "list", "active": cand(ENV, ACTIVE, "ok")},
        venv(ENV, ACTIVE, create=False, argv=("list",), mutating=False),
    ),
    case(
        "a broken active VIRTUAL_ENV is refused with exit 2 naming pipshim venv --recreate",
        {**EXISTING_VENV, "active": cand(ENV, ACTIVE, "broken")},
        refuse(2),
        words=(ENV, "broken", RECREATE),
    ),
    case(
        "a VIRTUAL_ENV that does not exist is ignored with a note and the project venv is made",
        {**NEW_PROJECT, "active": cand(f"{HOME}/gone", ACTIVE, "missing")},
        venv(PROJ_VENV, PROJECT, create=True),
        words=(MANAGED, f"ignored VIRTUAL_ENV={HOME}/gone", "does not exist"),
    ),
    # --- rule 4: --user ---
    case(
        "--user goes to the user environment even inside a project, and the flag is dropped",
        {**NEW_PROJECT, "argv": "install --user attrs"},
        venv(USER_VENV, USER, create=True),
        words=(MANAGED, "--user"),
    ),
    case(
        "PIP_USER=1 counts as --user (rule 4 before the project's venv)",
        {**EXISTING_VENV, "pip_settings": {"user": ("1", "PIP_USER")}},
        venv(USER_VENV, USER, create=True),
        words=("--user",),
    ),
    case(
        "--user with an active virtualenv stays with that venv (rule 3 first; its pip says what it says)",
        {"argv": "install --user attrs", "active": cand(ENV, ACTIVE, "ok")},
        venv(ENV, ACTIVE, create=False, argv=("install", "--user", "attrs")),
    ),
    case(
        "sudo pip install --user on a host goes to root's own user environment (rule 4 before rule 8)",
        {"argv": "install --user attrs", "is_root": True},
        venv(USER_VENV, USER, create=True),
        words=("--user",),
    ),
    case(
        "--user then --no-user is not --user: the install goes to the project venv",
        {**NEW_PROJECT, "argv": "install --user --no-user attrs"},
        venv(PROJ_VENV, PROJECT, create=True, argv=("install", "--user", "--no-user", "attrs")),
    ),
    case(
        "--no-user on the command line wins over PIP_USER=1",
        {**EXISTING_VENV, "argv": "install --no-user attrs", "pip_settings": {"user": ("1", "PIP_USER")}},
        venv(PROJ_VENV, NEAREST, create=False, argv=("install", "--no-user", "attrs")),
    ),
    # --- rule 5: the nearest existing venv ---
    case(
        "the nearest venv is used for an install and nothing is created",
        EXISTING_VENV,
        venv(PROJ_VENV, NEAREST, create=False),
        words=(MANAGED,),
    ),
    case(
        "a venv in a parent directory is used from a subdirectory, before the nearer project",
        {
            "cwd": f"{HOME}/work/app/src",
            "venvs": (cand(f"{HOME}/work/.venv", NEAREST, "ok"),),
            "project": cand(f"{HOME}/work/app/.venv", PROJECT, "missing"),
        },
        venv(f"{HOME}/work/.venv", NEAREST, create=False),
    ),
    case(
        "a broken nearest venv is refused with exit 2 naming pipshim venv --recreate",
        {"venvs": (cand(PROJ_VENV, NEAREST, "broken"),), "project": cand(PROJ_VENV, PROJECT, "broken")},
        refuse(2),
        words=(PROJ_VENV, "no longer exists", RECREATE, CWD),
    ),
    case(
        "a broken nearest venv is refused for pip list too: it is never silently reused",
        {"argv": "list", "venvs": (cand(PROJ_VENV, NEAREST, "broken"),)},
        refuse(2),
        words=(PROJ_VENV, RECREATE),
    ),
    case(
        "an incomplete nearest venv (a killed creation) is created again",
        {"venvs": (cand(PROJ_VENV, NEAREST, "incomplete"),), "project": cand(PROJ_VENV, PROJECT, "incomplete")},
        venv(PROJ_VENV, NEAREST, create=True),
    ),
    case(
        "a foreign venv is skipped and named in the reason; with no project the user environment is used",
        {"cwd": "/tmp/x", "venvs": (cand("/tmp/.venv", NEAREST, "foreign"),)},
        venv(USER_VENV, USER, create=True),
        words=(MANAGED, "ignored /tmp/.venv", "owned by uid 1001"),
    ),
    case(
        "a foreign venv above the project is skipped and the project venv is made",
        {"venvs": (cand("/home/.venv", NEAREST, "foreign"),), **NEW_PROJECT},
        venv(PROJ_VENV, PROJECT, create=True),
        words=("ignored /home/.venv",),
    ),
    case(
        "a directory named venv without pyvenv.cfg is skipped for the next venv up",
        {"venvs": (cand(f"{CWD}/venv", NEAREST, "not-venv"), cand(f"{HOME}/.venv", NEAREST, "ok"))},
        venv(f"{HOME}/.venv", NEAREST, create=False),
        words=(f"ignored {CWD}/venv", "has no pyvenv.cfg"),
    ),
    # --- rule 6: the nearest project root ---
    case(
        "an install in a project with no venv creates the project's .venv",
        NEW_PROJECT,
        venv(PROJ_VENV, PROJECT, create=True),
        words=(SYSTEM_PYTHON, MANAGED),
    ),
    case(
        "an empty .venv directory in a project is created in place",
        {"venvs": (cand(PROJ_VENV, NEAREST, "empty"),), "project": cand(PROJ_VENV, PROJECT, "empty")},
        venv(PROJ_VENV, PROJECT, create=True),
    ),
    case(
        "a project .venv that exists but is not a venv is refused with exit 2",
        {"venvs": (cand(PROJ_VENV, NEAREST, "not-venv"),), "project": cand(PROJ_VENV, PROJECT, "not-venv")},
        refuse(2),
        words=(PROJ_VENV, "not a virtual environment", "move it away"),
    ),
    case(
        "a foreign project is not used: the user environment is, and the reason says why",
        {"project": cand(PROJ_VENV, PROJECT, "foreign", f"project {CWD} is owned by uid 1001")},
        venv(USER_VENV, USER, create=True),
        words=(MANAGED, f"ignored {PROJ_VENV}", "owned by uid 1001"),
    ),
    # --- rules 7-9: no project ---
    case(
        "a library with no project goes to the user environment, created on first use",
        {},
        venv(USER_VENV, USER, create=True),
        words=(MANAGED,),
    ),
    case(
        "a library with no project goes into an existing user environment",
        {"user_venv": cand(USER_VENV, USER, "ok")},
        venv(USER_VENV, USER, create=False),
    ),
    case(
        "a broken user environment is refused with exit 2 naming --recreate",
        {"user_venv": cand(USER_VENV, USER, "broken")},
        refuse(2),
        words=(USER_VENV, RECREATE),
    ),
    case(
        "a user environment path that is not a venv is refused with exit 2",
        {"user_venv": cand(USER_VENV, USER, "not-venv")},
        refuse(2),
        words=(USER_VENV, "PIPSHIM_USER_VENV"),
    ),
    case(
        "root in a container with no project uses the user environment (/opt/venv as gathered)",
        {"is_root": True, "in_container": True, "user_venv": cand("/opt/venv", USER, "missing")},
        venv("/opt/venv", USER, create=True),
    ),
    case(
        "root outside a container: a library with no project is refused with the alternatives",
        {"is_root": True},
        refuse(1),
        words=("apt install", "project venv", "pipx", "--break-system-packages"),
    ),
    case(
        "root outside a container: uninstall of a library is refused, in words about uninstalling",
        {"argv": "uninstall -y attrs", "is_root": True},
        refuse(1),
        words=("refusing to uninstall", "apt remove", "--break-system-packages"),
    ),
    case(
        "root outside a container: --dry-run resolves on the real pip with its report thrown away",
        {"argv": "install --dry-run attrs", "is_root": True},
        passthrough(("install", "--report", os.devnull, "--dry-run", "attrs")),
        words=("root outside a container", "--dry-run"),
    ),
    case(
        "root outside a container in a project still uses the project's venv",
        {**NEW_PROJECT, "is_root": True},
        venv(PROJ_VENV, PROJECT, create=True),
    ),
    case(
        "root outside a container: pip list with no project passes through",
        {"argv": "list", "is_root": True, "user_venv": cand(USER_VENV, USER, "ok")},
        passthrough(("list",)),
    ),
    case(
        "an unreadable command line never creates the user environment: pip reports it",
        {"argv": "install --no-dep attrs"},
        passthrough(("install", "--no-dep", "attrs")),
        words=("ambiguous option",),
    ),
    # --- uninstall ---
    case(
        "uninstall in a project whose venv does not exist creates nothing and exits 0 as pip would",
        {**NEW_PROJECT, "argv": "uninstall -y attrs"},
        {"type": Done, "exit_code": 0},
        words=(PROJ_VENV, "nothing to uninstall"),
    ),
    case(
        "uninstall with no project and no user environment says there is nothing to uninstall",
        {"argv": "uninstall attrs"},
        {"type": Done, "exit_code": 0},
        words=(USER_VENV, "nothing to uninstall"),
    ),
    case(
        "uninstall with no project removes from the user environment",
        {"argv": "uninstall -y attrs", "user_venv": cand(USER_VENV, USER, "ok")},
        venv(USER_VENV, USER, create=False, argv=("uninstall", "-y", "attrs")),
    ),
    case(
        "uninstall in a project with a venv removes from that venv",
        {**EXISTING_VENV, "argv": "uninstall -y attrs"},
        venv(PROJ_VENV, NEAREST, create=False, argv=("uninstall", "-y", "attrs")),
    ),
    # --- --python names the interpreter we route away from ---
    case(
        "--python before the subcommand is dropped from the argv routed into a venv",
        {**EXISTING_VENV, "argv": "--python /usr/bin/python3 install attrs"},
        venv(PROJ_VENV, NEAREST, create=False),
    ),
    case(
        "--python=X after the subcommand is dropped from the argv routed into a venv",
        {**NEW_PROJECT, "argv": "-q install --python=/usr/bin/python3 -U attrs"},
        venv(PROJ_VENV, PROJECT, create=True, argv=("-q", "install", "-U", "attrs")),
    ),
]


@pytest.mark.parametrize(("facts", "expect", "words", "note_words"), CASES)
def test_decide(facts, expect, words, note_words):
    route = decide(make_facts(**facts))
    expect = dict(expect)
    kind = expect.pop("type")
    assert getattr(route, "kind", type(route)) is kind or type(route) is kind, route
    assert {name: getattr(route, name) for name in expect} == expect
    text = route.message if isinstance(route, (Refuse, Done)) else route.reason
    for word in words:
        assert word in text
    for word in note_words:
        assert route.note and word in route.note


def test_project_venv_is_made_from_the_real_pips_interpreter_with_the_project_name_as_prompt():
    interp = make_interp("/usr/bin/python3.12")
    route = decide(make_facts(invoked_as="pip3.12", interp=interp, **NEW_PROJECT))
    assert route.kind is UseVenv
    assert route.base_python == "/usr/bin/python3.12"
    assert route.prompt == "proj"
    assert "/usr/bin/python3.12 is externally managed" in route.reason


def test_a_venv_route_names_the_interpreter_it_came_from_and_the_prompt_of_its_directory():
    route = decide(make_facts(venvs=(cand(f"{HOME}/work/.venv", NEAREST, "ok"),)))
    assert route.kind is UseVenv
    assert route.base_python == SYSTEM_PYTHON
    assert route.prompt == "work"


def test_user_flag_is_rule_4_and_comes_before_a_broken_nearest_venv():
    route = decide(make_facts(argv="install --user attrs", venvs=(cand(PROJ_VENV, NEAREST, "broken"),)))
    assert route.kind is UseVenv
    assert (route.venv, route.argv) == (USER_VENV, INSTALL)
    assert "--user" in route.reason


def test_decide_does_not_touch_the_file_system(monkeypatch):
    facts = make_facts(**NEW_PROJECT)
    touched = []

    def spy(name, real):
        def call(*args, **kwargs):
            touched.append((name, args))
            return real(*args, **kwargs)

        return call

    for name in ("stat", "lstat", "readlink", "listdir", "scandir", "access"):
        monkeypatch.setattr(os, name, spy(name, getattr(os, name)))
    route = decide(facts)
    monkeypatch.undo()
    assert route.kind is UseVenv
    assert touched == []


# --- rule 7: applications to pipx (no project) ---
PIPX = PipxFacts(f"{HOME}/.local/share/pipx", "/opt/pipx", frozenset({"black"}), frozenset())


@pytest.mark.parametrize(
    ("argv", "overrides", "expect"),
    [
        pytest.param("install black", {}, ("install", ("black",), (), False), id="an application goes to pipx"),
        pytest.param(
            "install -U black==24.1 ruff",
            {},
            ("install", ("black==24.1", "ruff"), ("--force",), False),
            id="-U becomes --force and version specifiers are kept, one spec per package",
        ),
        pytest.param(
            "install -i https://idx/simple --pre --extra-index-url https://x/simple black",
            {},
            (
                "install",
                ("black",),
                ("--index-url", "https://idx/simple", "--pip-args=--extra-index-url https://x/simple --pre"),
                False,
            ),
            id="index options are carried over: --index-url to pipx, the rest through --pip-args",
        ),
        pytest.param(
            "uninstall -y black",
            {"pipx": PIPX},
            ("uninstall", ("black",), (), False),
            id="uninstall of a pipx app goes to pipx",
        ),
        pytest.param(
            "install black",
            {"is_root": True},
            ("install", ("black",), (), True),
            id="root outside a container: pipx --global",
        ),
        pytest.param(
            "install -r tools.txt",
            {"req_files": {f"{CWD}/tools.txt": ("black", "ruff")}},
            ("install", ("black", "ruff"), (), False),
            id="a requirements file naming only applications goes to pipx too",
        ),
    ],
)
def test_applications_go_to_pipx(argv, overrides, expect):
    route = decide(make_facts(argv=argv, **overrides))
    assert isinstance(route, RouteToPipx), route
    assert (route.action, route.specs, route.options, route.global_) == expect


@pytest.mark.parametrize(
    ("argv", "overrides", "venv_path"),
    [
        pytest.param("install black attrs", {}, USER_VENV, id="an application with a library goes to the user env"),
        pytest.param("install black", {**NEW_PROJECT}, PROJ_VENV, id="in a project an application goes to its venv"),
        pytest.param("install ./black", {}, USER_VENV, id="a path is never an application"),
        pytest.param("install -e git+https://x/black", {}, USER_VENV, id="an editable is never an application"),
        pytest.param(
            "install -r tools.txt",
            {"req_files": {f"{CWD}/tools.txt": ("--index-url https://private.example/simple", "black", "ruff")}},
            USER_VENV,
            id="a requirements file with an index option stays with pip, which reads the file itself",
        ),
        pytest.param(
            "install -r tools.txt",
            {"req_files": {f"{CWD}/tools.txt": ("black --hash=sha256:00", "ruff")}},
            USER_VENV,
            id="a per-requirement option in a requirements file keeps the whole call with pip",
        ),
        pytest.param(
            "install -r tools.txt",
            {"req_files": {f"{CWD}/tools.txt": ("-r more.txt", "black"), f"{CWD}/more.txt": ("-c c.txt", "ruff")}},
            USER_VENV,
            id="an option in a nested requirements file keeps the whole call with pip",
        ),
        pytest.param(
            "uninstall -y ruff",
            {"pipx": PIPX, "user_venv": cand(USER_VENV, USER, "ok")},
            USER_VENV,
            id="uninstall of something pipx does not manage goes to the user env",
        ),
    ],
)
def test_not_applications_stay_with_pip(argv, overrides, venv_path):
    route = decide(make_facts(argv=argv, **overrides))
    assert route.kind is UseVenv, route
    assert route.venv == venv_path


def test_uninstall_from_a_requirements_file_with_index_options_still_goes_to_pipx():
    files = {f"{CWD}/tools.txt": ("--index-url https://private.example/simple", "black")}
    route = decide(make_facts(argv="uninstall -y -r tools.txt", pipx=PIPX, req_files=files))
    assert isinstance(route, RouteToPipx) and route.specs == ("black",), "pip uninstall ignores index options"


def test_explain_says_why_an_option_in_a_requirements_file_keeps_the_call_with_pip():
    from pipshim.apps import why_each

    files = {f"{CWD}/tools.txt": ("--index-url https://private.example/simple", "black")}
    lines = why_each(make_facts(argv="install -r tools.txt", req_files=files))
    assert lines[0] == (
        f"--index-url https://private.example/simple: an option in {CWD}/tools.txt: "
        "pip reads the whole file itself, so installed as a library"
    )


def test_the_libraries_setting_takes_a_name_off_the_app_list():
    facts = make_facts(argv="install black")
    facts = facts.replace(config=replace(facts.config, libraries=frozenset({"Black"})))
    route = decide(facts)
    assert route.kind is UseVenv and route.venv == USER_VENV


def test_the_pipx_fallback_for_an_app_without_commands_is_the_user_env():
    route = decide(make_facts(argv="install black"))
    assert isinstance(route.fallback, UseVenv) and route.fallback.env.path == USER_VENV
    root = decide(make_facts(argv="install black", is_root=True))
    assert isinstance(root.fallback, Refuse) and root.fallback.exit_code == 1


@pytest.mark.parametrize(
    "argv",
    ["install --target /tmp/t attrs", "install --dry-run --report - attrs", "install --prefix /tmp/p attrs"],
)
def test_exemptions_with_an_existing_venv_run_in_that_venv_without_creating(argv):
    route = decide(make_facts(argv=argv, **EXISTING_VENV))
    assert route.kind is UseVenv
    assert (route.venv, route.create, route.mutating) == (PROJ_VENV, False, False)
    assert "pip allows" in route.reason


def test_exemptions_with_no_venv_yet_pass_through_and_create_nothing():
    route = decide(make_facts(argv="install --target /tmp/t attrs", **NEW_PROJECT))
    assert route.kind is PassThrough
    route = decide(make_facts(argv="install --break-system-packages attrs", **EXISTING_VENV))
    assert route.kind is PassThrough, "explicit consent always means the system Python"


@pytest.mark.parametrize("argv", ["install --help", "install -h", "install --dry-run attrs"])
def test_help_and_dry_run_never_create_a_venv(argv):
    route = decide(make_facts(argv=argv, **NEW_PROJECT))
    assert route.kind is PassThrough
    assert route.note is None
    route = decide(make_facts(argv=argv))  # no project: no user environment either
    assert route.kind is PassThrough


def test_dry_run_with_an_existing_venv_runs_there_without_the_lock():
    route = decide(make_facts(argv="install --dry-run attrs", **EXISTING_VENV))
    assert route.kind is UseVenv
    assert (route.venv, route.create, route.mutating) == (PROJ_VENV, False, False)


# --- everyday use: no externally-managed error from a routed call ---


def test_dry_run_with_no_environment_resolves_on_the_base_python_with_its_report_thrown_away():
    facts = make_facts(argv="install --dry-run attrs")
    route = rules.decide(facts)
    assert isinstance(route, PassThrough) and route.extra_args == ("--report", os.devnull)
    assert plan(route, facts).commands == ((SYSTEM_PIP, "install", "--report", os.devnull, "--dry-run", "attrs"),)


@pytest.mark.parametrize(
    ("argv", "expect"),
    [
        # after "--" everything is a requirement: the report must come before it
        ("install --dry-run -- attrs", ("install", "--report", os.devnull, "--dry-run", "--", "attrs")),
        # a general option's value that is the command's name: the real subcommand is the second
        (
            "--log install install --dry-run attrs",
            ("--log", "install", "install", "--report", os.devnull, "--dry-run", "attrs"),
        ),
        ("-q install --dry-run attrs", ("-q", "install", "--report", os.devnull, "--dry-run", "attrs")),
    ],
)
def test_the_dry_run_report_goes_right_after_the_subcommand(argv, expect):
    facts = make_facts(argv=argv)
    assert plan(rules.decide(facts), facts).commands == ((SYSTEM_PIP, *expect),)


def test_a_read_in_a_project_without_a_venv_says_so_and_what_it_reads_instead():
    route = rules.decide(make_facts(argv="list", **NEW_PROJECT))
    assert isinstance(route, PassThrough)
    assert route.note == f"{PROJ_VENV} does not exist yet: pip list reads {SYSTEM_PYTHON}'s packages instead"


DRY_RUN_SETTINGS = [{"dry-run": ("1", "PIP_DRY_RUN")}, {"dry-run": ("yes", "/etc/pip.conf [install]")}]


@pytest.mark.parametrize("settings", DRY_RUN_SETTINGS)
def test_pip_dry_run_from_the_environment_or_pip_conf_is_a_dry_run(settings):
    """pip reads PIP_DRY_RUN / dry-run = yes as --dry-run: nothing is created, no lock is taken."""
    for where in ({}, NEW_PROJECT, {"is_root": True}):  # the user env, a new .venv, root on a host
        facts = make_facts(argv="install attrs", pip_settings=settings, **where)
        route = rules.decide(facts)
        assert isinstance(route, PassThrough) and route.extra_args == ("--report", os.devnull), where
    route = rules.decide(make_facts(argv="install attrs", pip_settings=settings, **EXISTING_VENV))
    assert isinstance(route, UseVenv) and (route.create, route.mutating) == (False, False)


USER_DRY_RUNS = [
    {"argv": "install --user --dry-run attrs"},
    {"argv": "install --dry-run attrs", "pip_settings": {"user": ("1", "PIP_USER")}},
    {"argv": "install --dry-run attrs", "pip_settings": {"user": ("1", "PIP_NO_USER")}},  # pip's quirk
    {"argv": "install --user attrs", "pip_settings": {"dry-run": ("1", "PIP_DRY_RUN")}},
]


@pytest.mark.parametrize("how", USER_DRY_RUNS)
def test_a_user_dry_run_goes_where_user_would_and_never_takes_user_into_a_venv(how):
    """No user environment yet: the real pip resolves (the system Python has a user site);
    with one: its pip, without --user and with PIP_USER=0. Never the project's venv's pip."""
    facts = make_facts(**EXISTING_VENV, **how)
    route = rules.decide(facts)
    assert isinstance(route, PassThrough) and route.extra_args == ("--report", os.devnull)
    facts = make_facts(**EXISTING_VENV, **how, user_venv=cand(USER_VENV, USER, "ok"))
    route = rules.decide(facts)
    assert isinstance(route, UseVenv) and route.env.path == USER_VENV
    where = facts.pip_settings.get("user", (None, None))[1]
    assert ("--user (PIP_NO_USER) asks" in route.reason) is (where == "PIP_NO_USER"), "says what stood for --user"
    assert (route.create, route.mutating) == (False, False)
    p = plan(route, facts)
    assert "--user" not in p.commands[0] and p.env["PIP_USER"] == "0"


@pytest.mark.parametrize(
    ("argv", "user_env", "expect"),
    [
        ("install --user --dry-run --report - attrs", "missing", PassThrough),
        ("install --user --dry-run --report - attrs", "ok", UseVenv),
        ("install --user --target /t attrs", "ok", PassThrough),  # pip's own "Can not combine"
        ("install --user --root /r attrs", "ok", PassThrough),
        ("install --user --dry-run --report - --target /t attrs", "ok", PassThrough),
    ],
)
def test_an_exemption_with_user_never_runs_in_the_directorys_venv(argv, user_env, expect):
    route = rules.decide(make_facts(argv=argv, **EXISTING_VENV, user_venv=cand(USER_VENV, USER, user_env)))
    assert isinstance(route, expect)
    if expect is UseVenv:
        assert route.env.path == USER_VENV and not route.mutating
        assert route.reason.endswith("; --user asks for the user environment")
    else:
        assert route.extra_args == ()


def test_the_user_environments_pip_never_sees_a_user_install_in_any_spelling():
    environ = {"HOME": HOME, "PIP_NO_USER": "1", "PIP_User": "1", "PIP_user": "yes", "PIP_INDEX_URL": "http://x"}
    facts = make_facts(argv="install --user attrs", environ=environ)
    p = plan(rules.decide(facts), facts)
    assert {k: v for k, v in p.env.items() if k.startswith("PIP_")} == {"PIP_INDEX_URL": "http://x", "PIP_USER": "0"}


def test_uninstall_ignores_pip_user_and_runs_in_the_venv_here():
    """pip uninstall has no --user option, so PIP_USER does nothing there (facts drop it too)."""
    route = rules.decide(make_facts(argv="uninstall -y six", pip_settings={"user": ("1", "PIP_USER")}, **EXISTING_VENV))
    assert isinstance(route, UseVenv) and route.env.path == PROJ_VENV and route.mutating


@pytest.mark.parametrize("where", ["PIP_PYTHON", "/etc/pip.conf [global]", "--python"])
def test_a_venvs_pip_never_hops_to_the_interpreter_pip_python_named(where):
    """The venv's pip would read PIP_PYTHON / [global] python itself and run on that interpreter."""
    environ = {"HOME": HOME, "PIP_PYTHON": SYSTEM_PYTHON, "PIP_Python": SYSTEM_PYTHON}
    facts = make_facts(python_from=where, environ=environ, **EXISTING_VENV)
    p = plan(rules.decide(facts), facts)
    assert p.env["_PIP_RUNNING_IN_SUBPROCESS"] == "1" and not any(k.lower() == "pip_python" for k in p.env)
    # a venv made --without-pip: the real pip's --python does the job, so no mark there
    facts = make_facts(python_from=where, environ=environ, venvs=(cand(PROJ_VENV, NEAREST, "ok", pips=()),))
    p = plan(rules.decide(facts), facts)
    assert "--python" in p.commands[0] and "_PIP_RUNNING_IN_SUBPROCESS" not in p.env
    # pass-through: the real pip makes its own hop
    facts = make_facts(python_from=where, environ=environ, pip_settings={"target": ("/t", "PIP_TARGET")})
    p = plan(rules.decide(facts), facts)
    assert "_PIP_RUNNING_IN_SUBPROCESS" not in p.env and p.env["PIP_PYTHON"] == SYSTEM_PYTHON
    facts = make_facts(**EXISTING_VENV)  # nothing chose another interpreter: no mark
    assert "_PIP_RUNNING_IN_SUBPROCESS" not in plan(rules.decide(facts), facts).env


def test_upgrading_pip_outside_projects_with_no_user_environment_creates_nothing():
    for argv in ("install -U pip", "install --upgrade PIP", "install pip"):
        route = rules.decide(make_facts(argv=argv))
        assert isinstance(route, Done) and route.exit_code == 0, argv
        assert "belongs to the distribution" in route.message
    route = rules.decide(make_facts(argv="install -U pip", user_venv=cand(USER_VENV, USER, "ok")))
    assert isinstance(route, UseVenv), "with a user environment its own pip is upgraded"


def test_user_flag_in_a_project_says_python3_here_will_not_see_it():
    route = rules.decide(make_facts(argv="install --user attrs", **EXISTING_VENV))
    assert isinstance(route, UseVenv) and route.env.path == USER_VENV
    assert f"python3 here runs {PROJ_VENV}" in route.note


@pytest.mark.parametrize(
    ("overrides", "system_site"),
    [
        ({}, False),
        ({"raspberry_pi": True}, True),
    ],
)
def test_project_venvs_see_system_packages_on_raspberry_pi(overrides, system_site):
    facts = make_facts(**NEW_PROJECT, **overrides)
    p = plan(rules.decide(facts), facts)
    assert p.create.system_site is system_site


@pytest.mark.parametrize("setting", [True, False])
def test_the_system_site_setting_wins_over_the_default(setting):
    facts = make_facts(**NEW_PROJECT, raspberry_pi=not setting)
    facts = facts.replace(config=replace(facts.config, system_site=setting))
    assert plan(rules.decide(facts), facts).create.system_site is setting


@pytest.mark.parametrize(
    ("overrides", "line"),
    [
        (NEW_PROJECT, f"→ ./.venv (new; {SYSTEM_PYTHON} is externally managed)"),
        (EXISTING_VENV, "→ ./.venv (project venv)"),
        ({}, f"→ ~/.local/share/pipshim/venv (new user env; {SYSTEM_PYTHON} is externally managed)"),
    ],
)
def test_the_routed_line_puts_the_destination_first(overrides, line):
    facts = make_facts(**overrides)
    p = plan(rules.decide(facts), facts)
    assert p.line == line
    assert len("pipshim: " + p.line) <= 100


# --- root in a container: the image is one environment ---------------------------------------------


def _container(**overrides):
    base = {"is_root": True, "in_container": True, "user_venv": cand("/opt/venv", USER, "missing")}
    return make_facts(**{**base, **overrides})


def test_a_container_project_venv_also_sees_the_image_env_and_the_distributions_packages():
    route = rules.decide(_container(project=cand("/app/.venv", PROJECT, "missing")))
    assert isinstance(route, UseVenv) and route.env.path == "/app/.venv"
    assert route.layers == ("/opt/venv",) and route.system_site is True


def test_the_system_site_setting_still_decides_for_a_container_project_venv():
    settings = replace(make_facts().config, system_site=False)
    route = rules.decide(_container(project=cand("/app/.venv", PROJECT, "missing"), config=settings))
    assert route.layers == ("/opt/venv",) and route.system_site is False


@pytest.mark.parametrize(
    "overrides",
    [
        {},  # the image-wide environment itself
        {"is_root": False, "in_container": False, "project": cand("/app/.venv", PROJECT, "missing")},
        {"in_container": False, "project": cand("/app/.venv", PROJECT, "missing")},  # sudo in a project
    ],
)
def test_no_other_venv_is_layered(overrides):
    route = rules.decide(_container(**overrides))
    assert isinstance(route, UseVenv) and route.layers == ()


def test_the_reason_names_only_the_candidates_passed_over_before_the_one_used():
    """rules.ignored stops at the first usable candidate, as the pip shim's sh does when it
    prints a read's line (shims/reads.sh): what lies beyond that one was never a choice."""
    not_venv = cand(f"{CWD}/venv", NEAREST, "not-venv")
    foreign_project = cand(PROJ_VENV, PROJECT, "foreign", f"project {CWD} is owned by uid 1001")
    active = make_facts("list", active=cand(ENV, ACTIVE, "ok"), venvs=(not_venv,), project=foreign_project)
    nearest = make_facts("list", venvs=(cand(f"{HOME}/.venv", NEAREST, "ok"),), project=foreign_project)
    after = make_facts("list", venvs=(not_venv, cand(f"{HOME}/.venv", NEAREST, "ok")), project=foreign_project)
    assert rules.ignored(active) == [] and "ignored" not in plan(rules.decide(active), active).line
    assert rules.ignored(nearest) == []
    assert rules.ignored(after) == [f"ignored {CWD}/venv ({not_venv.detail})"]
    assert f"ignored {CWD}/venv" in plan(rules.decide(after), after).line


def test_a_foreign_project_venv_found_walking_up_is_named_once():
    """The cwd's world-writable .venv is both rule 5's candidate and the project's: one note."""
    foreign = cand(PROJ_VENV, NEAREST, "foreign", "writable by others (drwxrwxrwx)")
    facts = make_facts("install attrs", venvs=(foreign,), project=cand(PROJ_VENV, PROJECT, "foreign", foreign.detail))
    assert rules.ignored(facts) == [f"ignored {PROJ_VENV} (writable by others (drwxrwxrwx))"]
    assert plan(rules.decide(facts), facts).line.count("ignored") == 1


@pytest.mark.parametrize(
    "interp",
    [
        make_interp(),
        make_interp(externally_managed=False),
        make_interp("/p/.venv/bin/python", prefix="/p/.venv"),
        make_interp("/opt/conda/bin/python", prefix="/opt/conda", conda=True),  # marked, yet conda's
    ],
    ids=["managed", "plain", "venv", "conda"],
)
def test_doctor_says_pipshim_routes_installs_exactly_where_the_rules_route_them(interp):
    from pipshim.commands.doctor import interpreter_note

    facts = make_facts(interp=interp)
    routes = not isinstance(rules.decide(facts), PassThrough)
    assert ("pipshim routes installs" in interpreter_note(facts)) == routes
    assert interp.managed == routes
