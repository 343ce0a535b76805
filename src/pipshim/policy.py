"""decide(facts) -> route: the design's decision rules, in order; the first that applies wins.

Pure: no file reads, no environment lookups, no subprocess. Everything it needs is in
Facts, so every rule is tested with constructed values (tests/unit/test_policy.py).
"""

from __future__ import annotations

import os

from pipshim.facts import Candidate, Facts
from pipshim.pip_argv import truthy
from pipshim.routes import PassThrough, Refuse, UseVenv

MUTATING = ("install", "uninstall")
CREATABLE = ("missing", "empty", "incomplete")


def _pass(f: Facts, reason: str, hint: str | None = None) -> PassThrough:
    return PassThrough(f.real_pip.path, f.args.argv, reason, hint)


def _setting(f: Facts, name: str):
    """An option's effective value: the command line first, then pip's env/config."""
    if f"--{name}" in f.args.opts:
        return f.args.last(f"--{name}"), f"--{name}"
    if name in f.settings:
        value, where = f.settings[name]
        return value, where
    return None, None


def _enabled(f: Facts, name: str) -> str | None:
    """Where a true flag came from, or None."""
    value, where = _setting(f, name)
    if value is True or (isinstance(value, str) and truthy(value)):
        return where
    return None


def safe_target(f: Facts) -> str | None:
    """Rule 1: why pip may run unchanged (pip itself allows it), or None."""
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
    if f.args.command == "install":
        for name in ("target", "prefix", "root"):
            value, where = _setting(f, name)
            if value:
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


def _no_project_hint(f: Facts) -> str:
    return (
        f"no project from {f.cwd} upward (pyproject.toml, setup.py, setup.cfg, requirements*.txt "
        f"or Pipfile), so pip ran on {f.interp.path}; run pip inside a project to install into its .venv"
    )


def decide(f: Facts):
    a = f.args
    # rule 0
    if f.real_pip is None:
        return Refuse(
            f"no real pip found on PATH (looked for {', '.join(_names(f))} outside {f.shim_dir}); "
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
    managed = f"{os.path.realpath(f.interp.path)} is externally managed"
    # rule 2: what the command does decides how far we go
    mutating = a.command in MUTATING
    env, notes = install_env(f)
    if notes:
        managed += " (" + "; ".join(notes) + ")"
    if isinstance(env, Refuse):
        return env
    if mutating and (a.flag("--user") or _enabled(f, "user")):
        return _pass(
            f,
            f"{managed}; --user is not routed",
            "--user cannot install into an externally managed Python; drop --user to use the project's .venv",
        )
    if env is None:
        return _pass(f, f"{managed}; no environment to use", _no_project_hint(f) if mutating else None)
    create = env.state in CREATABLE
    if create and not (mutating and a.command == "install"):
        # nothing is ever created for a command that does not install
        hint = f"{env.path} does not exist yet, so there is nothing to uninstall from it" if mutating else None
        return _pass(f, f"{managed}; {env.path} does not exist yet", hint)
    return UseVenv(
        venv=env.path,
        source=env.source,
        create=create,
        base_python=f.interp.path,
        prompt=os.path.basename(os.path.dirname(env.path)),
        argv=a.without_python_option(),
        mutating=mutating,
        reason=managed,
    )


def _names(f: Facts) -> list[str]:
    from pipshim.realpip import pip_names

    return pip_names(f.invoked_as)
