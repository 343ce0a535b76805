"""decide(facts) -> route: the design's rules as an ordered table; the first that answers wins.

Pure: no environment lookups, no subprocess, and one file read only: pipshim's own list
of applications (the package's data/apps.txt, settings._Apps) is read the first time a
rule looks at it (rule 7, outside projects), so that the calls that never ask, every
install in a project among them, do not pay for it (about 0.15 ms, a quarter of
gather+decide). It is package data, the same for every call, never the user's state.
Everything else a rule needs is in Facts, so each is tested with constructed values
(tests/unit/test_rules.py), and tests/unit/test_readme_rules.py holds the README's
table against RULES.

After the table, one step applies to every answer: reads never create (a command that
does not install runs in an environment only if it exists already).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from pipshim.discovery import Candidate, Source, State, unusable_message
from pipshim.errors import Exit, msg
from pipshim.facts import Facts
from pipshim.pip_argv import MUTATING, truthy
from pipshim.realpip import minor_version
from pipshim.record import Record, replace
from pipshim.routes import Done, PassThrough, Refuse, Route, RouteToPipx, UseVenv


class Rule(Record):
    number: str  # as the README's table numbers it
    when: str  # the README row's condition, word for word
    check: Callable[[Facts], Route | None]


# --- small readings of the facts -------------------------------------------------------


def setting(f: Facts, name: str) -> tuple[str | bool | None, str | None]:
    """An option's effective value and where it was set: the command line first, then pip's env/config."""
    if f"--{name}" in f.args.opts:
        return f.args.last(f"--{name}"), f"--{name}"
    if name in f.pip_settings:
        return f.pip_settings[name]
    return None, None


def enabled(f: Facts, name: str) -> str | None:
    """Where a true flag came from, or None."""
    value, where = setting(f, name)
    return where if value is True or (isinstance(value, str) and truthy(value)) else None


def dry_run(f: Facts) -> bool:
    """An install that only resolves: --dry-run, or PIP_DRY_RUN / pip.conf ``dry-run`` as pip reads them."""
    return f.args.command == "install" and enabled(f, "dry-run") is not None


def mutating(f: Facts) -> bool:
    """An install or uninstall that changes an environment (not --help, not a dry run)."""
    a = f.args
    return a.command in MUTATING and not (a.flag("--help") or dry_run(f))


def wants_user(f: Facts) -> str | None:
    """Where an install's --user came from (the flag, PIP_USER, pip.conf ``user``/``no-user``), or None."""
    return enabled(f, "user") if f.args.command == "install" else None


def _asks_user(where: str) -> str:
    """The reason's words for rule 4, naming a setting that stood for --user (PIP_NO_USER=1 does)."""
    return (
        "--user asks for the user environment"
        if where == "--user"
        else f"--user ({where}) asks for the user environment"
    )


def managed(f: Facts) -> str:
    return f"{f.interp.real_path} is externally managed"


def _usable(c: Candidate | None) -> bool:
    return c is not None and c.state in (State.OK, State.BROKEN)


def ignored(f: Facts) -> list[str]:
    """The candidates passed over on the way to an answer, for the reason's text: the ones
    looked at before the first usable one, in the rules' order (3, 5, 6); what lies beyond
    that one was never a choice (the pip shim's sh prints the same line: select.sh)."""
    notes = []
    if f.active is not None:
        if _usable(f.active):
            return notes
        notes.append(f"ignored VIRTUAL_ENV={f.active.path} ({f.active.detail})")
    for c in f.venvs:
        if c.state in (State.OK, State.BROKEN, State.INCOMPLETE):
            return notes
        notes.append(f"ignored {c.path} ({c.detail})")
    project = f.project.venv if f.project is not None else None
    if project is not None and project.state is State.FOREIGN and all(c.path != project.path for c in f.venvs):
        notes.append(f"ignored {project.path} ({project.detail})")  # once: rule 5 may have named it
    return notes


def _reason(f: Facts, *parts: str) -> str:
    notes = ignored(f)
    text = managed(f) + (f" ({'; '.join(notes)})" if notes else "")
    return "; ".join([text, *parts])


def _broken(c: Candidate) -> Refuse:
    return Refuse(msg("broken", path=c.path, detail=c.detail, where=os.path.dirname(c.path)), Exit.BROKEN, c)


def _venv(f: Facts, c: Candidate, reason: str, user_env: bool = False, note: str = "") -> Route:
    """Use candidate ``c``: a broken one is a refusal, never silently reused or deleted."""
    if c.state is State.BROKEN and c is f.version_venv:  # `pipshim venv` alone would take the other one
        python = f"python{f.interp.version}"
        return Refuse(msg("broken-version", path=c.path, detail=c.detail, python=python), Exit.BROKEN, c)
    return _broken(c) if c.state is State.BROKEN else use_venv(f, c, reason, user_env, note)


def use_venv(f: Facts, c: Candidate, reason: str, user_env: bool = False, note: str = "") -> UseVenv:
    """The route into ``c`` whatever its state, with how it is made if it has to be (prompt,
    system site-packages, layers); `pipshim venv --recreate` makes a broken one this way."""
    prompt = "pipshim" if user_env else os.path.basename(os.path.dirname(c.path))
    configured = f.config.system_site
    system_site = user_env or (f.raspberry_pi if configured is None else configured)
    layers: tuple[str, ...] = ()
    if not user_env and f.is_root and f.in_container and f.user_venv is not None:
        # an image is one environment, as its system site-packages were before PEP 668: a project
        # venv also sees the image-wide one (/opt/venv) and the distribution's packages
        layers = (f.user_venv.path,)
        system_site = configured is not False
    return UseVenv(c, reason, mutating(f), c.state.creatable, user_env, prompt, system_site, note, layers)


def names_version(f: Facts) -> bool:
    """The call asks for a Python by its minor version: ``pipX.Y``, ``pythonX.Y -m pip``, or pip's
    ``--python`` (``PIP_PYTHON`` too), which name one interpreter; ``pip``, ``pip3``, ``python3``
    and pip.conf's ``python`` do not."""
    invoked_as, python_from = f.invoked_as, f.python_from
    if python_from is not None and (python_from == "--python" or python_from.startswith("PIP_")):
        return True  # a file's `python` is a path: pip.conf's setting is not the call's
    return any(minor_version(invoked_as, prefix) for prefix in ("pip", "python"))


def user_env(f: Facts) -> Candidate | None:
    """The user environment this call uses: the per-version one when it names another minor
    version than the default one runs (Facts.version_venv), else the default one."""
    return f.version_venv if f.version_venv is not None and names_version(f) else f.user_venv


def version_why(f: Facts) -> str:
    """Why the per-version user environment, in words ("" for the default one)."""
    if user_env(f) is f.user_venv:
        return ""
    from pipshim.plan import shown  # plan builds on this module

    return f"Python {f.interp.version}; the user environment {shown(f.user_venv.path, f)} is {f.user_venv.version}"


def _user_env(f: Facts, reason: str, note: str = "") -> Route:
    u = user_env(f)
    why = version_why(f)
    if why:
        reason, note = f"{reason}; {why}", "; ".join(filter(None, (note, why)))
    if u is None:
        return Refuse(msg("user-env-unusable", path="(none)", detail="has no home directory"), Exit.BROKEN)
    if u.state in (State.NOT_VENV, State.FOREIGN):
        return Refuse(unusable_message(u, "user-env-unusable"), Exit.BROKEN, u)
    return _venv(f, u, reason, user_env=True, note=note)


def _refuse_root(f: Facts) -> Refuse:
    key = "root-host-uninstall" if f.args.command == "uninstall" else "root-host"
    return Refuse(msg(key, python=f.interp.real_path), Exit.REFUSED)


def existing_env(f: Facts) -> Candidate | None:
    """The environment an install here would use, if it exists and works (rules 3, 5)."""
    if _usable(f.active):
        return f.active
    for c in f.venvs:
        if c.state in (State.OK, State.BROKEN, State.INCOMPLETE):
            return c
    return None


# --- the rules, in order ------------------------------------------------------------------


def no_real_pip(f: Facts) -> Route | None:
    if f.real_pip is None:
        from pipshim.realpip import pip_names

        names = " or ".join(pip_names(f.invoked_as))
        return Refuse(msg("no-pip", names=names, shim_dir=f.shim_dir or "the shims"), Exit.NO_PIP)
    return None


def switched_off(f: Facts) -> Route | None:
    if f.disabled:
        return PassThrough("PIPSHIM_DISABLE is set")
    if f.reentered:
        return PassThrough("called from within pipshim")
    return None


def not_python(f: Facts) -> Route | None:
    if f.interp is None:
        why = "is not a Python script" if f.real_pip.python is None else "runs on a Python that does not start"
        return PassThrough(f"{f.real_pip.path} {why}")
    return None


def safe_interpreter(f: Facts) -> Route | None:
    py = f.interp
    if py.managed:
        return None
    why = "a virtual environment" if py.in_venv else "a conda environment" if py.conda else "not externally managed"
    return PassThrough(f"{py.path} is {why}")


def consent(f: Facts) -> Route | None:
    where = enabled(f, "break-system-packages") if f.args.command in MUTATING else None
    return PassThrough(f"explicit consent ({where})") if where else None


def exemption(f: Facts) -> Route | None:
    """pip's own exemptions; with an existing venv here they run there, as if it were activated."""
    if f.args.command != "install":
        return None
    why = None
    for name in ("target", "prefix", "root"):
        value, where = setting(f, name)
        if value is not None:  # pip checks "is not None": even --target "" is exempt
            why = f"pip allows {where} on an externally managed Python"
            break
    report = why is None and dry_run(f) and setting(f, "report")[0]
    if report:
        why = "pip allows --dry-run --report on an externally managed Python"
    if why is None:
        return None
    where = wants_user(f)
    if where:
        # a venv has no user site: never its pip with --user; a --user dry run goes where --user
        # would, if that exists (--target/--prefix/--root with --user: pip's own answer)
        u = user_env(f)
        if report and u is not None and u.state is State.OK:
            reason = "; ".join(filter(None, (why, managed(f), _asks_user(where), version_why(f))))
            return use_venv(f, u, reason, user_env=True, note=version_why(f))
        return PassThrough(why)
    env = existing_env(f)
    if env is not None and env.state is State.OK:
        return UseVenv(env, f"{why}; {managed(f)}", mutating=False, create=False)
    return PassThrough(why)


def active_venv(f: Facts) -> Route | None:
    return _venv(f, f.active, _reason(f)) if _usable(f.active) else None


def user_flag(f: Facts) -> Route | None:
    # a dry run too: it runs where --user installs, if that exists (reads_never_create)
    where = wants_user(f)
    if not where or f.args.flag("--help"):
        return None
    note = "for --user"
    here = existing_env(f)
    if here is not None and user_env(f) is not None and here.path != user_env(f).path:
        note += f"; python3 here runs {here.path}, which will not see it"
    return _user_env(f, _reason(f, _asks_user(where)), note)


def nearest_venv(f: Facts) -> Route | None:
    for c in f.venvs:
        if c.state in (State.OK, State.BROKEN, State.INCOMPLETE):  # incomplete: ours, made again
            return _venv(f, c, _reason(f))
    return None


def project_root(f: Facts) -> Route | None:
    p = f.project
    if p is None or p.venv.state is State.FOREIGN:
        return None
    if p.venv.state is State.NOT_VENV:
        return Refuse(unusable_message(p.venv), Exit.BROKEN, p.venv)
    return _venv(f, p.venv, _reason(f, f"{p.root} is a project ({p.marker})"))


def applications(f: Facts) -> Route | None:
    if not mutating(f):
        return None
    from pipshim.apps import pipx_route

    fallback = _refuse_root(f) if f.root_on_host else _user_env(f, _reason(f))
    return pipx_route(f, _reason, fallback)


def root_on_host(f: Facts) -> Route | None:
    if not f.root_on_host:
        return None
    if mutating(f):
        return _refuse_root(f)
    why = f"{managed(f)}; root outside a container has no user environment"
    if dry_run(f) and not f.args.problem:
        # resolve without installing: pip's own exemption, its report thrown away (as rule 2 does)
        return PassThrough(f"{why}; resolving with --dry-run", extra_args=("--report", os.devnull))
    return PassThrough(why)


def user_environment(f: Facts) -> Route:
    return _user_env(f, _reason(f))


RULES = (
    Rule("0", "no real pip on `PATH`", no_real_pip),
    Rule("0", "`PIPSHIM_DISABLE=1`, or called from inside pipshim", switched_off),
    Rule("0", "the real pip is not a Python script, or its Python does not start", not_python),
    Rule("1", "pip's interpreter is a venv, a conda env, or not externally managed", safe_interpreter),
    Rule("1", "`--break-system-packages`, `PIP_BREAK_SYSTEM_PACKAGES` or pip.conf consent", consent),
    Rule("1", "`install` with `--target`, `--prefix`, `--root`, or `--dry-run --report`", exemption),
    Rule("3", "an active venv (`VIRTUAL_ENV`) whose pip is not first on `PATH`", active_venv),
    Rule("4", "`--user` (or `PIP_USER`, pip.conf `user`)", user_flag),
    Rule("5", "a venv in the current directory or a parent", nearest_venv),
    Rule("6", "inside a project", project_root),
    Rule("7", "no project, every requirement is a known application", applications),
    Rule("8", "root outside a container", root_on_host),
    Rule("9", "anything else", user_environment),
)


def decide(f: Facts) -> Route:
    return decide_with_rule(f)[1]


def decide_with_rule(f: Facts) -> tuple[Rule, Route]:
    """The rule that answered, and its answer (after reads never create): explain says both."""
    for rule in RULES:
        route = rule.check(f)
        if route is not None:
            return rule, reads_never_create(f, route)
    raise AssertionError("the last rule always answers")


ONLY_PIP = frozenset(("pip",))


def reads_never_create(f: Facts, route: Route) -> Route:
    """Rule 2: a command that does not install runs where an install would, but only if that exists."""
    if isinstance(route, RouteToPipx) and route.fallback is not None:
        return replace(route, fallback=reads_never_create(f, route.fallback))
    if not (isinstance(route, UseVenv) and route.create):
        return route
    a, path = f.args, route.env.path
    missing = f"{route.reason}; {path} does not exist yet"
    if a.problem:  # pip rejects this command line before doing anything: let it say so
        return PassThrough(f"{route.reason}; pip cannot read this command line ({a.problem})")
    if route.mutating and a.command == "install":
        if route.user_env and _requested_names(f) == ONLY_PIP:
            return Done(msg("own-pip", python=f.interp.real_path))
        return route
    if route.mutating:  # uninstall from an environment that does not exist: pip's "not installed"
        return Done(msg("nothing-to-uninstall", path=path))
    if dry_run(f):
        # resolve without creating anything: pip's own exemption, its report thrown away
        return PassThrough(
            f"{missing}; resolving with --dry-run on {f.interp.real_path}", extra_args=("--report", os.devnull)
        )
    note = None
    if route.env.source is not Source.USER and a.command not in (None, "help") and not a.flag("--help"):
        note = msg("no-venv-yet", path=path, python=f.interp.real_path, command=a.command)
    return PassThrough(missing, note=note)


def _requested_names(f: Facts) -> frozenset:
    """The plain names an install asks for (no files read: positionals only)."""
    if f.args.values("--requirement") or f.args.values("--editable"):
        return frozenset()
    return frozenset(p.lower() for p in f.args.positionals)
