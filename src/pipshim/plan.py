"""plan(route, facts) -> Plan: the exact commands, environment, lock and creation, worked out once.

``pipshim explain`` prints describe(plan) and execute.py runs the very same Plan, so what
explain says is what runs (tests/unit/test_plan.py holds that for every route kind).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from pipshim.facts import GUARD, Facts
from pipshim.pip_argv import NOTED_READS
from pipshim.pipconf import HOP_DONE, env_items
from pipshim.record import Record
from pipshim.routes import Done, PassThrough, Refuse, Route, RouteToPipx, UseVenv
from pipshim.rules import ignored


class Create(Record):
    """A venv to create (under its lock) before the command runs."""

    path: str
    base_python: str
    prompt: str
    system_site: bool
    layers: tuple[str, ...] = ()  # venvs whose site-packages the new one also sees (a .pth file)


def create_spec(route: UseVenv, f: Facts) -> Create:
    """How the route's venv is made, if it has to be."""
    return Create(route.env.path, f.interp.path, route.prompt, route.system_site, route.layers)


class Plan(Record):
    route: Route
    line: str | None  # the `pipshim:` line said first unless quiet (a refusal: its message)
    commands: tuple = ()  # argv tuples, run in order; one, except for pipx (one per package)
    env: Mapping[str, str] | None = None  # the children's environment (None: no command runs)
    lock: str | None = None  # the environment whose lock is held while the commands run
    create: Create | None = None
    link_into: str | None = None  # the new console scripts of the venv (``lock``) are linked here
    link_over: tuple[str, ...] = ()  # venvs whose links there may be replaced (the user env's, by a project's)
    fallback: Plan | None = None  # pipx: for the packages that have no commands
    exit_code: int | None = None  # a refusal or nothing-to-do: the status (no command runs)

    @property
    def waits(self) -> bool:
        """Whether pipshim waits for the command (something happens afterwards) or execs it."""
        return bool(self.lock or self.link_into or len(self.commands) != 1 or self.fallback)


def child_env(environ: Mapping[str, str], **extra: str) -> dict[str, str]:
    env = dict(environ, **extra)
    env[GUARD] = "1"  # a pip shim reached again from below passes straight through
    return env


def _pip_vars(env: dict[str, str], *names: str) -> None:
    """Drop every ``PIP_`` variable pip reads as one of ``names`` (any spelling: PIP_User)."""
    for _name, _value, var in [item for item in env_items(env) if item[0] in names]:
        del env[var]


def no_python_hop(f: Facts, env: dict[str, str]) -> None:
    """When --python, PIP_PYTHON or pip.conf's python chose the interpreter, a pip we run in an
    environment must not hop to it: no PIP_PYTHON, and pip's own mark that its hop is done
    (which a pip.conf's python would otherwise make)."""
    if f.python_from is not None:
        _pip_vars(env, "python")
        env[HOP_DONE] = "1"


def venv_env(f: Facts, route: UseVenv, command: tuple[str, ...]) -> dict[str, str]:
    """The environment of a venv's pip. The user environment's: no user install (PIP_NO_USER=1
    means one to pip too), PIP_USER=0 set last so that it wins. No --python hop, unless the
    real pip installs with --python (into a venv made --without-pip)."""
    env = child_env(f.environ)
    if route.user_env:
        _pip_vars(env, "user", "no-user")
        env["PIP_USER"] = "0"
    if command[0] != f.real_pip.path:
        no_python_hop(f, env)
    return env


def venv_command(f: Facts, route: UseVenv) -> tuple[str, ...]:
    """pip of the venv by the name we were called as (its texts then say `pip3 …` as pip's would)."""
    argv = f.args.without_python_option()
    if route.user_env:
        argv = tuple(x for x in argv if x != "--user")  # a venv has no user site
    venv = route.env.path
    python = route.env.python
    pips = ("pip",) if route.create else route.env.pips
    if f.invoked_as.startswith("python") and pips:  # python -m pip: the venv's, so pip's texts say the same
        return (python, *f.real_pip.prefix, *argv)
    for name in (f.invoked_as, "pip"):
        if name in pips:
            return (os.path.join(venv, "bin", name), *argv)
    # a venv made --without-pip: the real pip can still install into it
    return (f.real_pip.path, *f.real_pip.prefix, "--python", python, *argv)


def shown(path: str, f: Facts) -> str:
    """A path as the user thinks of it: ./x under the cwd (the home aside: ~/x reads better
    there), ~/x under the home, else absolute."""
    for base, prefix in ((f.cwd if f.cwd != f.home else "", "./"), (f.home, "~/")):
        if base and base != "/" and path.startswith(base.rstrip("/") + "/"):
            return prefix + path[len(base.rstrip("/")) + 1 :]
    return path


ROUTED = "→ {where} ({why})"  # the shims print it too (shimrender: msg_read)


def venv_line(route: UseVenv, f: Facts, created: bool | None = None) -> str:
    """The one stderr line: destination first, then why (``created``: as it turned out)."""
    new = route.create if created is None else created
    what = route.env.source.words
    bits = [what] if not new else ["new user env" if route.user_env else "new"]
    if new:
        bits.append(f"{f.interp.real_path} is externally managed")
    if route.note:
        bits.append(route.note)
    command = f.args.command
    if not route.mutating and command == "install":
        bits.append("pip's own exemption: nothing there changes")
    elif command != "install":
        bits.append(f"pip {command}" if command else "pip")
    bits += ignored(f)
    return ROUTED.format(where=shown(route.env.path, f), why="; ".join(bits))


def pipx_env(f: Facts, global_: bool) -> dict[str, str]:
    env = child_env(f.environ)
    env.setdefault("PIPX_DEFAULT_PYTHON", f.interp.path)
    # pipx picks uv when it finds it, and uv reads none of the pip configuration (index, find-links,
    # pip.conf) this `pip install` relies on: pip, unless the user chose a backend
    env.setdefault("PIPX_DEFAULT_BACKEND", "pip")
    if f.shim_dir and not global_:
        env["PIPX_BIN_DIR"] = f.shim_dir
    for var in ("PIP_USER", "PIP_TARGET", "PIP_PREFIX", "PIP_REQUIRE_VIRTUALENV"):
        env.pop(var, None)  # they would make pipx's own pip calls fail
    no_python_hop(f, env)  # nor must they run on another interpreter
    if env.get("PIPX_HOME") and not os.path.isabs(env["PIPX_HOME"]) and f.pipx is not None:
        env["PIPX_HOME"] = f.pipx.home  # ignored as relative (facts.pipx_facts): pipx uses the same home
    return env


_PIPX_VERBS = {"install": "installing", "upgrade": "upgrading", "uninstall": "uninstalling"}


def pipx_line(route: RouteToPipx) -> str:
    """The routed line: what pipx does with each spec, grouped by what it does."""
    where = "pipx --global" if route.global_ else "pipx"
    groups: dict[str, list[str]] = {}
    for s in route.each:
        groups.setdefault(s.command, []).append(f"{s.spec} ({s.why})" if s.why else s.spec)
    parts = []
    for command, specs in groups.items():
        verb = "already installed:" if command == "satisfied" else _PIPX_VERBS.get(command, command + "ing")
        parts.append(f"{verb} {' '.join(specs)}")
    return f"→ {where}: {'; '.join(parts)}"


def pipx_commands(route: RouteToPipx) -> tuple:
    """One pipx command per step that runs (a satisfied app runs nothing), on this interpreter
    (``sys.executable``, read here: pipx routes are planned only by the resolver, which runs on
    pipshim's tool environment, where pipx is installed; pipshim.boot hands them to it)."""
    glob = ("--global",) if route.global_ else ()
    return tuple(
        (sys.executable, "-I", "-m", "pipx", s.command, *glob, *s.options, s.spec)  # -I: no module from the cwd
        for s in route.each
        if s.command != "satisfied"
    )


def read_note(f: Facts, route: Route) -> str | None:
    """apps.read_note, whose module (pipx's apps) is loaded only for the reads it may answer:
    every other call, installs included, is spared importing it."""
    if f.args.command not in NOTED_READS:
        return None
    from pipshim.apps import read_note

    return read_note(f, route)


def _noted(line: str | None, note: str | None) -> str | None:
    """A read's line with the pipx note after it: still the one ``pipshim:`` line of a routed call."""
    if not note:
        return line
    return f"{line}; {note}" if line else note


def plan(route: Route, f: Facts) -> Plan:
    """The exact commands for ``route``. ``line`` is said unless quiet (a refusal always is)."""
    if isinstance(route, (Refuse, Done)):
        return Plan(route, route.message, exit_code=route.exit_code)
    if isinstance(route, PassThrough):
        cmd = (f.real_pip.path, *f.real_pip.prefix, *f.args.with_options(route.extra_args))
        return Plan(route, _noted(route.note, read_note(f, route)), (cmd,), child_env(f.environ))
    if isinstance(route, UseVenv):
        command = venv_command(f, route)
        create = None
        if route.create:
            create = create_spec(route, f)
        return Plan(
            route,
            _noted(venv_line(route, f), read_note(f, route)),
            (command,),
            venv_env(f, route, command),
            lock=route.env.path if route.mutating else None,
            create=create,
            **_links(route, f),
        )
    if isinstance(route, RouteToPipx):
        return Plan(
            route,
            pipx_line(route),
            pipx_commands(route),
            pipx_env(f, route.global_),
            fallback=_fallback(route, f),
        )
    raise TypeError(f"unknown route {route!r}")


def _links(route: UseVenv, f: Facts) -> dict:
    """Which venv's new commands go into the shim's bin dir: the user environment's; for root in
    a container also a project's (an image is one environment: before PEP 668 `pip install gunicorn`
    in a WORKDIR put `gunicorn` on PATH), whose own command replaces the user environment's link."""
    if not (route.mutating and f.shim_dir):
        return {}
    if route.user_env:
        return {"link_into": f.shim_dir}
    if f.is_root and f.in_container:
        return {"link_into": f.shim_dir, "link_over": (f.user_venv.path,) if f.user_venv else ()}
    return {}


def _fallback(route: RouteToPipx, f: Facts) -> Plan | None:
    if route.fallback is None:
        return None
    return plan(route.fallback, f.replace(args=f.args.dropping(route.drop_at)) if route.drop_at else f)


def describe(p: Plan, why: tuple[str, ...] = ()) -> str:
    """Human text for ``pipshim explain``: the line, the reasons, then each command exactly as it runs."""
    import shlex

    r = p.route
    if isinstance(r, Refuse):
        return "\n".join([f"refuse (exit {p.exit_code}): {r.message}", *why])
    if isinstance(r, Done):
        return "\n".join([f"nothing to run (exit {p.exit_code}): {r.message}", *why])
    if isinstance(r, PassThrough):
        head = f"pass through to {p.commands[0][0]}: {r.reason}" + (f"\nsays: {p.line}" if p.line else "")
    else:
        head = p.line
    lines = [head, *why, *(f"run: {shlex.join(cmd)}" for cmd in p.commands)]
    if isinstance(r, RouteToPipx):
        done = [f"{s.name or s.spec} {s.installed}" for s in r.each if s.command == "satisfied"]
        if done:
            lines.append(f"already satisfied (nothing runs): {', '.join(done)}")
        if r.confirm:
            lines.append("asks first: Proceed (Y/n)? (as pip does without -y)")
    if p.create:
        lines.insert(
            1,
            f"create: {p.create.path} from {p.create.base_python}"
            + (" (with system site-packages)" if p.create.system_site else "")
            + "".join(f"; it also sees {layer}'s packages" for layer in p.create.layers),
        )
    if p.lock:
        lines.append(f"lock: {p.lock} (held while pip runs)")
    if p.link_into and not r.user_env:  # the user environment's links go without saying (README)
        lines.append(f"link: {p.lock}'s new commands into {p.link_into}")
    if p.fallback is not None:
        first = describe(p.fallback).split("\n")
        if isinstance(r, RouteToPipx) and r.drop_at:  # the libraries of a mixed uninstall, after pipx
            lines += ["then: " + first[0], *(x for x in first[1:] if x.startswith(("run:", "lock:")))]
        else:
            lines.append("if pipx finds no apps in a package: " + first[0])
    return "\n".join(lines)


def as_dict(p: Plan) -> dict:
    """Machine form for ``pipshim explain --json``: the route's fields, then the plan's."""
    r = p.route
    data: dict = {"route": r.kind}
    if isinstance(r, PassThrough):
        cmd = p.commands[0]
        data.update(exe=cmd[0], argv=list(cmd[1:]), reason=r.reason)
    elif isinstance(r, UseVenv):
        data.update(
            venv=r.env.path,
            source=r.env.source.value,
            create=r.create,
            mutating=r.mutating,
            user_env=r.user_env,
            prompt=r.prompt,
            layers=list(r.layers),
            argv=list(p.commands[0][1:]),
            reason=r.reason,
        )
    elif isinstance(r, RouteToPipx):
        data.update(action=r.action, specs=list(r.specs), options=list(r.options), global_=r.global_, reason=r.reason)
        data["steps"] = [
            {"command": s.command, "spec": s.spec, "options": list(s.options), "why": s.why, "installed": s.installed}
            for s in r.each
        ]
        data["confirm"] = r.confirm
    else:
        data.update(message=r.message, exit_code=r.exit_code)
    data["line"] = p.line
    data["commands"] = [list(c) for c in p.commands]
    data["lock"] = p.lock
    data["creates"] = p.create.path if p.create else None
    if p.fallback is not None:
        data["fallback"] = as_dict(p.fallback)
    return data
