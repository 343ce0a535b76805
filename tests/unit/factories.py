"""Facts built by hand for the decision tests: the one place that knows the Facts fields.

The defaults describe an ordinary user on a Debian-like system: ``/usr/bin/pip`` runs on an
externally managed ``/usr/bin/python3`` (3.12), the shell is in ``/home/ada/proj``,
there is no venv, no project, no active virtualenv and no pip setting. A test
overrides only what its rule is about.
"""

from __future__ import annotations

import os
import shlex

from pipshim.discovery import Candidate, Project, Source, State
from pipshim.facts import Facts, PipxFacts
from pipshim.interp import Interp
from pipshim.pip_argv import parse
from pipshim.realpip import RealPip
from pipshim.record import replace
from pipshim.settings import Settings

ACTIVE, NEAREST, PROJECT, USER = Source.ACTIVE, Source.NEAREST, Source.PROJECT, Source.USER
STATES = {
    "ok": State.OK,
    "broken": State.BROKEN,
    "incomplete": State.INCOMPLETE,
    "empty": State.EMPTY,
    "not-venv": State.NOT_VENV,
    "foreign": State.FOREIGN,
    "missing": State.MISSING,
}

HOME = "/home/ada"
CWD = f"{HOME}/proj"
SHIM_DIR = f"{HOME}/.local/bin"
SYSTEM_PYTHON = "/usr/bin/python3"
SYSTEM_PIP = "/usr/bin/pip"
USER_VENV = f"{HOME}/.local/share/pipshim/venv"
APPS = ("black", "ruff", "cowsay", "httpie")  # the built-in list is data; these stand for it

# What venv_candidate() says about each state; cand() uses it unless told otherwise.
DETAILS = {
    "ok": "",
    "broken": "its interpreter /usr/bin/python3.9 no longer exists",
    "incomplete": "its creation was interrupted",
    "empty": "has no pyvenv.cfg",
    "not-venv": "has no pyvenv.cfg",
    "foreign": "owned by uid 1001",
    "missing": "does not exist",
}


def make_interp(
    path: str = SYSTEM_PYTHON,
    *,
    real_path: str | None = None,
    version: str = "3.12",
    prefix: str = "/usr",
    base_prefix: str | None = None,
    stdlib: str | None = None,
    externally_managed: bool = True,
    conda: bool = False,
) -> Interp:
    """An interpreter as interp.inspect() reports it; a venv has prefix != base_prefix."""
    base_prefix = prefix if base_prefix is None else base_prefix
    return Interp(
        path=path,
        real_path=real_path or path,
        version=version,
        prefix=prefix,
        base_prefix=base_prefix,
        stdlib=stdlib or f"/usr/lib/python{version}",
        in_venv=prefix != base_prefix,
        externally_managed=externally_managed,
        conda=conda,
    )


def cand(path: str, source: Source, state: str, detail: str | None = None, pips=("pip", "pip3")) -> Candidate:
    """An environment candidate (ACTIVE / NEAREST / PROJECT / USER) in a given state."""
    return Candidate(
        path, source, STATES[state], DETAILS[state] if detail is None else detail, pips if state == "ok" else ()
    )


def project(venv: Candidate, marker: str = "pyproject.toml") -> Project:
    """The project whose ROOT/.venv is ``venv``."""
    return Project(os.path.dirname(venv.path), marker, venv)


def make_facts(argv: str | tuple[str, ...] | list[str] = ("install", "attrs"), **overrides) -> Facts:
    """Facts for ``pip ARGV`` (a string is split like a shell would) with fields overridden.

    An unknown field name is an error, so a renamed Facts field fails loudly here.
    """
    if isinstance(argv, str):
        argv = shlex.split(argv)
    facts = Facts(
        invoked_as="pip",
        args=parse(argv),
        cwd=CWD,
        uid=1000,
        environ={"HOME": HOME, "PATH": f"{SHIM_DIR}:/usr/local/bin:/usr/bin:/bin"},
        shim_dir=SHIM_DIR,
        real_pip=RealPip(SYSTEM_PIP, SYSTEM_PYTHON, ()),
        interp=make_interp(),
        pip_settings={},
        config=Settings(apps={a: () for a in APPS}, libraries=frozenset(), user_venv=None, quiet=False),
        active=None,
        venvs=(),
        project=None,
        user_venv=cand(USER_VENV, USER, "missing"),
        pipx=PipxFacts(f"{HOME}/.local/share/pipx", "/opt/pipx", frozenset(), frozenset()),
        is_root=False,
        in_container=False,
        req_files={},
        disabled=False,
        reentered=False,
        home=HOME,
    )
    if isinstance(overrides.get("project"), Candidate):
        overrides["project"] = project(overrides["project"])
    return replace(facts, **overrides)
