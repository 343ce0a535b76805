"""decide(): the design's rules 0-6, one constructed case per behaviour (no I/O, no subprocess)."""

from __future__ import annotations

import os

import pytest

from pipshim.facts import ACTIVE, NEAREST, PROJECT
from pipshim.policy import decide
from pipshim.realpip import RealPip
from pipshim.routes import PassThrough, Refuse, UseVenv

from .factories import CWD, HOME, SHIM_DIR, SYSTEM_PIP, SYSTEM_PYTHON, cand, make_facts, make_interp

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


def passthrough(argv: tuple[str, ...], hint=None, exe: str = SYSTEM_PIP) -> dict:
    """The real pip with argv unchanged. hint=None asserts there is none; ... skips the check."""
    expect = {"type": PassThrough, "exe": exe, "argv": argv}
    if hint is not ...:
        expect["hint"] = hint
    return expect


def venv(path: str, source: str, create: bool, argv: tuple[str, ...] = INSTALL, mutating: bool = True) -> dict:
    return {"type": UseVenv, "venv": path, "source": source, "create": create, "argv": argv, "mutating": mutating}


def refuse(code: int) -> dict:
    return {"type": Refuse, "exit_code": code}


def case(rule: str, facts: dict, expect: dict, words: tuple[str, ...] = (), hint_words: tuple[str, ...] = ()):
    """facts: make_facts() keywords; expect: route type + exact fields; words: in the reason or message."""
    return pytest.param(facts, expect, words, hint_words, id=rule)


CASES = [
    # --- rule 0: no real pip, opt-out, recursion guard, a pip that is not Python ---
    case(
        "with no real pip on PATH pipshim refuses with exit 127 naming the pips it looked for",
        {"real_pip": None, "interp": None, "invoked_as": "pip3.11"},
        refuse(127),
        words=("pip3.11, pip3, pip", SHIM_DIR, "python3-pip"),
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
        {**NEW_PROJECT, "real_pip": RealPip(f"{HOME}/.pyenv/shims/pip", None), "interp": None},
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
        {**NEW_PROJECT, "real_pip": RealPip(f"{ENV}/bin/pip", f"{ENV}/bin/python"), "interp": VENV_INTERP},
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
            {**NEW_PROJECT, "settings": {"break-system-packages": (word, "PIP_BREAK_SYSTEM_PACKAGES")}},
            passthrough(INSTALL),
            words=("explicit consent", "PIP_BREAK_SYSTEM_PACKAGES"),
        )
        for word in ("yes", "1", "on", "true", "True")
    ),
    *(
        case(
            f"PIP_BREAK_SYSTEM_PACKAGES={word} is no consent and the install goes to the project venv",
            {**NEW_PROJECT, "settings": {"break-system-packages": (word, "PIP_BREAK_SYSTEM_PACKAGES")}},
            venv(PROJ_VENV, PROJECT, create=True),
            words=(MANAGED,),
        )
        for word in ("no", "0", "off", "false")
    ),
    case(
        "break-system-packages = true in pip.conf is explicit consent",
        {**NEW_PROJECT, "settings": {"break-system-packages": ("true", "/etc/pip.conf [global]")}},
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
        {**NEW_PROJECT, "settings": {"target": ("/tmp/out", "PIP_TARGET")}},
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
        "--dry-run alone is not exempt: the install still goes to the project venv",
        {**EXISTING_VENV, "argv": "install --dry-run attrs"},
        venv(PROJ_VENV, NEAREST, create=False, argv=("install", "--dry-run", "attrs")),
        words=(MANAGED,),
    ),
    case(
        "--target is no exemption for a read: pip list goes to the existing venv",
        {**EXISTING_VENV, "argv": "list", "settings": {"target": ("/tmp/out", "PIP_TARGET")}},
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
        "pip freeze with no project and no venv passes through with no hint",
        {"argv": "freeze"},
        passthrough(("freeze",)),
        words=(MANAGED, "no environment"),
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
        "--user on an externally managed Python passes through with a hint (not routed yet)",
        {**NEW_PROJECT, "argv": "install --user attrs"},
        passthrough(("install", "--user", "attrs"), hint=...),
        words=(MANAGED, "--user"),
        hint_words=("drop --user",),
    ),
    case(
        "PIP_USER=1 on an externally managed Python passes through like --user",
        {**EXISTING_VENV, "settings": {"user": ("1", "PIP_USER")}},
        passthrough(INSTALL, hint=...),
        words=("--user",),
        hint_words=("--user",),
    ),
    case(
        "--user then --no-user is not --user: the install goes to the project venv",
        {**NEW_PROJECT, "argv": "install --user --no-user attrs"},
        venv(PROJ_VENV, PROJECT, create=True, argv=("install", "--user", "--no-user", "attrs")),
    ),
    case(
        "--no-user on the command line wins over PIP_USER=1",
        {**EXISTING_VENV, "argv": "install --no-user attrs", "settings": {"user": ("1", "PIP_USER")}},
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
        "a foreign venv is skipped and named in the reason; with no project pip runs unchanged",
        {"cwd": "/tmp/x", "venvs": (cand("/tmp/.venv", NEAREST, "foreign"),)},
        passthrough(INSTALL, hint=...),
        words=(MANAGED, "ignored /tmp/.venv", "owned by uid 1001"),
        hint_words=("/tmp/x",),
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
        words=(PROJ_VENV, "not a virtual environment", RECREATE),
    ),
    case(
        "a foreign project is not used: pip runs unchanged with a hint",
        {"project": cand(PROJ_VENV, PROJECT, "foreign", f"project {CWD} is owned by uid 1001")},
        passthrough(INSTALL, hint=...),
        words=(MANAGED, f"ignored {PROJ_VENV}", "owned by uid 1001"),
        hint_words=(CWD, "pyproject.toml"),
    ),
    case(
        "an install with no project passes through so pip's own error shows, with a hint for after",
        {},
        passthrough(INSTALL, hint=...),
        words=(MANAGED, "no environment"),
        hint_words=(f"no project from {CWD}", "pyproject.toml", "requirements*.txt", ".venv"),
    ),
    # --- uninstall ---
    case(
        "uninstall in a project whose venv does not exist passes through and creates nothing",
        {**NEW_PROJECT, "argv": "uninstall -y attrs"},
        passthrough(("uninstall", "-y", "attrs"), hint=...),
        words=(PROJ_VENV, "does not exist yet"),
        hint_words=("nothing to uninstall",),
    ),
    case(
        "uninstall with no project passes through with a hint",
        {"argv": "uninstall attrs"},
        passthrough(("uninstall", "attrs"), hint=...),
        hint_words=("no project",),
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


@pytest.mark.parametrize(("facts", "expect", "words", "hint_words"), CASES)
def test_decide(facts, expect, words, hint_words):
    route = decide(make_facts(**facts))
    expect = dict(expect)
    assert type(route) is expect.pop("type"), route
    assert {name: getattr(route, name) for name in expect} == expect
    text = route.message if isinstance(route, Refuse) else route.reason
    for word in words:
        assert word in text
    for word in hint_words:
        assert route.hint and word in route.hint


def test_project_venv_is_made_from_the_real_pips_interpreter_with_the_project_name_as_prompt():
    interp = make_interp("/usr/bin/python3.11")
    route = decide(make_facts(invoked_as="pip3.11", interp=interp, **NEW_PROJECT))
    assert isinstance(route, UseVenv)
    assert route.base_python == "/usr/bin/python3.11"
    assert route.prompt == "proj"
    assert "/usr/bin/python3.11 is externally managed" in route.reason


def test_a_venv_route_names_the_interpreter_it_came_from_and_the_prompt_of_its_directory():
    route = decide(make_facts(venvs=(cand(f"{HOME}/work/.venv", NEAREST, "ok"),)))
    assert isinstance(route, UseVenv)
    assert route.base_python == SYSTEM_PYTHON
    assert route.prompt == "work"


def test_at_least_35_cases_cover_rules_0_to_6():
    assert len(CASES) >= 35


@pytest.mark.xfail(
    strict=True,
    reason="bug: the --user check runs after install_env(), so a broken nearest venv (rule 5) "
    "refuses before rule 4 (--user) applies",
)
def test_user_flag_is_rule_4_and_comes_before_a_broken_nearest_venv():
    route = decide(make_facts(argv="install --user attrs", venvs=(cand(PROJ_VENV, NEAREST, "broken"),)))
    assert isinstance(route, PassThrough)
    assert "--user" in route.reason


@pytest.mark.xfail(
    strict=True,
    reason="bug: decide() calls os.path.realpath() (lstat/readlink) on the interpreter path, "
    "and Interp.in_venv resolves prefixes: the decision reads the file system",
)
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
    assert isinstance(route, UseVenv)
    assert touched == []
