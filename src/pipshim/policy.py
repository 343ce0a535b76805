"""decide(facts) -> route: the design's decision rules, in order; the first that applies wins.

Pure: no file reads, no environment lookups, no subprocess. Everything it needs is in
Facts, so every rule is tested with constructed values (tests/unit/test_policy.py).
"""

from __future__ import annotations

import os

from pipshim.facts import Candidate, Facts
from pipshim.pip_argv import truthy
from pipshim.routes import PassThrough, Refuse, RouteToPipx, UseVenv

MUTATING = ("install", "uninstall")
CREATABLE = ("missing", "empty", "incomplete")


def _pass(f: Facts, reason: str, hint: str | None = None) -> PassThrough:
    return PassThrough(f.real_pip.path, f.real_pip.prefix + f.args.argv, reason, hint)


def _setting(f: Facts, name: str):
    """An option's effective value: the command line first, then pip's env/config."""
    if f"--{name}" in f.args.opts:
        return f.args.last(f"--{name}"), f"--{name}"
    if name in f.pip_settings:
        value, where = f.pip_settings[name]
        return value, where
    return None, None


def _enabled(f: Facts, name: str) -> str | None:
    """Where a true flag came from, or None."""
    value, where = _setting(f, name)
    if value is True or (isinstance(value, str) and truthy(value)):
        return where
    return None


def safe_target(f: Facts) -> str | None:
    """Rule 1: why pip may run unchanged on its own interpreter, or None."""
    py = f.interp
    if py.in_venv:
        return f"{py.path} is a virtual environment"
    if py.conda:
        return f"{py.path} is a conda environment"
    if not py.externally_managed:
        return f"{py.path} is not externally managed"
    if f.args.command in MUTATING:
        where = _enabled(f, "break-system-packages")
        if where:
            return f"explicit consent ({where})"
    return None


def exemption(f: Facts) -> str | None:
    """Rule 1, pip's own exemptions: an install that does not touch the interpreter's site-packages."""
    if f.args.command != "install":
        return None
    for name in ("target", "prefix", "root"):
        value, where = _setting(f, name)
        if value is not None:  # pip checks "is not None": even --target "" is exempt
            return f"pip allows {where} on an externally managed Python"
    if _enabled(f, "dry-run") and _setting(f, "report")[0]:
        return "pip allows --dry-run --report on an externally managed Python"
    return None


def _broken(c: Candidate) -> Refuse:
    return Refuse(
        f"{c.path} is broken: {c.detail}; run `pipshim venv --recreate` in {os.path.dirname(c.path)}",
        2,
    )


def venv_target(f: Facts):
    """Rules 3, 5 and 6: the venv an install would use here, broken or not.

    Returns (candidate or None or Refuse, notes); notes name the candidates passed over.
    """
    notes = []
    # rule 3: an active virtualenv whose pip is not first on PATH
    if f.active is not None:
        if f.active.state in ("ok", "broken"):
            return f.active, notes
        notes.append(f"ignored VIRTUAL_ENV={f.active.path} ({f.active.detail})")
    # rule 5: the nearest existing venv in cwd or a parent
    for c in f.venvs:
        if c.state in ("ok", "broken", "incomplete"):  # incomplete: ours, made again
            return c, notes
        notes.append(f"ignored {c.path} ({c.detail})")
    # rule 6: the nearest project root -> its .venv, created on first use
    p = f.project
    if p is not None:
        if p.state in CREATABLE:
            return p, notes
        if p.state == "not-venv":
            return Refuse(
                f"{p.path} exists but is not a virtual environment ({p.detail}); "
                "move it away or run `pipshim venv --recreate`",
                2,
            ), notes
        notes.append(f"ignored {p.path} ({p.detail})")
    return None, notes


def install_env(f: Facts):
    """Like venv_target, but a broken venv is a refusal: never silently reused or deleted."""
    env, notes = venv_target(f)
    if isinstance(env, Candidate) and env.state == "broken":
        return _broken(env), notes
    return env, notes


def decide(f: Facts):
    a = f.args
    # rule 0
    if f.real_pip is None:
        return Refuse(
            f"no real {' or '.join(_names(f))} found on PATH outside {f.shim_dir or 'the shims'}; "
            "install your distribution's python3-pip",
            127,
        )
    if f.disabled:
        return _pass(f, "PIPSHIM_DISABLE is set")
    if f.reentered:
        return _pass(f, "called from within pipshim")
    if f.interp is None:
        why = "is not a Python script" if f.real_pip.python is None else "runs on a Python that does not start"
        return _pass(f, f"{f.real_pip.path} {why}")
    # rule 1
    reason = safe_target(f)
    if reason:
        return _pass(f, reason)
    exempt = exemption(f)
    if exempt:
        # pip allows it on the system Python; with an existing venv here it runs as if that
        # venv were activated (resolving against it), without creating anything
        env, _ = install_env(f)
        if isinstance(env, Candidate) and env.state == "ok":
            return _venv_route(f, env, f"{exempt}; {f.interp.real_path} is externally managed", mutating=False)
        return _pass(f, exempt)
    managed = f"{f.interp.real_path} is externally managed"
    # rule 2: install/uninstall go through every rule; any other command runs in the
    # environment an install would use, if that exists (nothing is created for it)
    mutating = a.command in MUTATING and not (a.flag("--help") or a.flag("--dry-run"))
    # rule 4: --user means the user environment, even inside a project (but not over an active venv)
    active = f.active is not None and f.active.state in ("ok", "broken")
    if mutating and not active and (a.flag("--user") or _enabled(f, "user")):
        if f.is_root and not f.in_container:
            return _refuse_root(f)  # rule 8: root on a host has no user environment
        return _user_env(f, managed + "; --user", mutating)
    env, notes = install_env(f)  # rules 3, 5, 6
    if notes:
        managed += " (" + "; ".join(notes) + ")"
    if isinstance(env, Refuse):
        return env
    if env is not None:
        return _venv_route(f, env, managed, mutating)
    # rule 7: no project, every requirement an application -> pipx
    if mutating:
        pipx = _pipx_route(f, managed)
        if pipx is not None:
            return pipx
    # rule 8: root outside a container never installs libraries system-wide
    if f.is_root and not f.in_container:
        if mutating:
            return _refuse_root(f)
        return _pass(f, f"{managed}; root outside a container has no user environment")
    # rule 9: the user environment
    return _user_env(f, managed, mutating)


def _venv_route(f: Facts, env: Candidate, reason: str, mutating: bool, user: bool = False):
    a = f.args
    create = env.state in CREATABLE
    if create and not (mutating and a.command == "install"):
        # nothing is ever created for a command that does not install (--help and --dry-run included)
        hint = f"{env.path} does not exist yet, so there is nothing to uninstall from it" if mutating else None
        return _pass(f, f"{reason}; {env.path} does not exist yet", hint)
    if create and a.problem:
        # pip rejects this command line before doing anything: let it say so, create nothing
        return _pass(f, f"{reason}; pip cannot read this command line ({a.problem})")
    argv = a.without_python_option()
    if user:
        argv = tuple(x for x in argv if x != "--user")  # a venv has no user site
    return UseVenv(
        venv=env.path,
        source=env.source,
        create=create,
        base_python=f.interp.path,
        prompt="pipshim" if user else os.path.basename(os.path.dirname(env.path)),
        argv=argv,
        mutating=mutating,
        reason=reason,
        user_env=user,
    )


def _user_env(f: Facts, reason: str, mutating: bool):
    u = f.user_venv
    if u.state == "broken":
        return _broken(u)
    if u.state not in CREATABLE and u.state != "ok":
        return Refuse(f"the user environment {u.path} {u.detail}; set PIPSHIM_USER_VENV or move it away", 2)
    return _venv_route(f, u, reason, mutating, user=True)


def _refuse_root(f: Facts) -> Refuse:
    return Refuse(
        f"refusing to install libraries into {f.interp.real_path} as root outside a container "
        "(it is externally managed): use the distribution's package (apt install python3-NAME), "
        "a project venv (run pip inside a project directory), pipx for applications, "
        "or --break-system-packages if you really mean it",
        1,
    )


def _pipx_global(f: Facts) -> bool:
    return f.is_root and not f.in_container


def _pipx_route(f: Facts, reason: str):
    """Rule 7, for a call with no project: applications to pipx, pipx's own apps out of it."""
    from pipshim.requested import canonical, requested

    wanted = requested(f.args, f.cwd, f.req_files)
    names = [w.name for w in wanted]
    if not names or None in names:
        return None
    glob = _pipx_global(f)
    if f.args.command == "uninstall":
        managed = f.pipx.global_managed if glob else f.pipx.managed
        if all(n in managed for n in names):
            return RouteToPipx("uninstall", tuple(names), (), glob, f"{reason}; pipx manages {', '.join(names)}", None)
        return None
    apps = {canonical(n) for n in f.config.apps} - {canonical(n) for n in f.config.libraries}
    if not all(n in apps for n in names):
        return None
    what = "is an application" if len(names) == 1 else "are applications"
    fallback = _refuse_root(f) if glob else _user_env(f, reason, True)
    return RouteToPipx(
        "install",
        tuple(w.spec for w in wanted),
        pipx_options(f.args),
        glob,
        f"{reason}; {', '.join(names)} {what}",
        fallback,
    )


# pip options that pipx takes itself, and those it hands on to pip with --pip-args
_PIPX_OWN = ("--index-url", "--python")
_PIP_ARGS_VALUE = ("--extra-index-url", "--find-links", "--trusted-host", "--constraint")
_PIP_ARGS_FLAG = ("--pre", "--no-index")


def pipx_options(a) -> tuple[str, ...]:
    """pipx install's options for a pip command line: -U -> --force, index options carried over."""
    out: list[str] = []
    if a.flag("--upgrade") or a.flag("--force-reinstall"):
        out.append("--force")
    for name in _PIPX_OWN:
        if a.last(name):
            out += [name, a.last(name)]
    pip_args: list[str] = []
    for name in _PIP_ARGS_VALUE:
        for value in a.values(name):
            pip_args += [name, value]
    pip_args += [name for name in _PIP_ARGS_FLAG if a.flag(name)]
    if pip_args:
        import shlex

        out.append("--pip-args=" + shlex.join(pip_args))
    if a.count("--quiet"):
        out.append("--quiet")
    if a.count("--verbose"):
        out.append("--verbose")
    return tuple(out)


def _names(f: Facts) -> list[str]:
    from pipshim.realpip import pip_names

    return pip_names(f.invoked_as)
