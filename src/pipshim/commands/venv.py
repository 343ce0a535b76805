"""``pipshim venv [--recreate]``: the environment this directory's installs use.

Not a second policy: it asks decide() about ``pip install`` here and runs the provisioning
transaction on the answer. ``--recreate`` keeps the packages: it records what was
installed (editables as editables), moves the old venv aside, builds the new one in its
place, reinstalls, and only then deletes the old one; if anything fails the old one is
put back. It deletes only what it can prove is a venv pipshim may replace.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping

from pipshim import execute, paths, provision, shimtrust, venvs
from pipshim.discovery import Candidate, Source, State, classify
from pipshim.errors import Exit, PipshimError, say
from pipshim.facts import Facts
from pipshim.plan import Create, child_env, create_spec, no_python_hop
from pipshim.record import replace
from pipshim.routes import PassThrough, Refuse, UseVenv

SEEDED = frozenset(("pip", "setuptools", "wheel", "distribute"))  # pip freeze leaves these out too


def run(args: argparse.Namespace, environ: Mapping[str, str], shim_dir: str) -> int:
    from pipshim.facts import gather
    from pipshim.rules import decide, use_venv

    facts = gather("pip", ["install"], environ, shim_dir)
    execute.remember_user_env(facts)
    route = decide(facts)
    if isinstance(route, PassThrough):
        raise PipshimError(f"no venv to show: pip runs unchanged here ({route.reason})", Exit.REFUSED)
    env = route.env if isinstance(route, UseVenv) else getattr(route, "env", None)
    if isinstance(route, Refuse) and not (args.recreate and env is not None):
        raise PipshimError(route.message, route.exit_code)
    if args.recreate and env is not None:  # a recreate killed half-way is finished or rolled back first
        found = classify(env.path, env.source, os.getuid())
        if found.state is State.FOREIGN:  # another user's, or writable by others: never touched
            raise PipshimError(f"will not recreate {env.path}: {found.detail}", Exit.REFUSED)
        with venvs.EnvLock(env.path, True):
            venvs.sweep(_followed(env.path))
        env = replace(env, state=classify(env.path, env.source, os.getuid()).state)
    if not isinstance(route, UseVenv):  # recreating what the rules refuse as broken: made as they would make it
        route = use_venv(facts, env, route.message, user_env=env.source is Source.USER)
    spec = create_spec(route, facts)
    if args.recreate and env.state not in (State.MISSING, State.EMPTY):
        return recreate(facts, env, spec)
    rc = provision.transaction(env.path, spec, environ, facts.quiet, lambda created: _created(created, env, facts))
    if rc == 0:  # checked and made by pipshim: the shims need no fork for it
        shimtrust.update(environ, facts.uid, [env.path], [], shimtrust.python_verdicts(facts))
    print(env.path)
    return rc


def _created(created: bool, env: Candidate, facts: Facts) -> int:
    if created and not facts.quiet:
        say(f"created {env.path} from {facts.interp.path}")
    return 0


def installed(venv: str) -> list[str]:
    """What a venv holds, as pip requirements, read from its dist-info (its python need not run)."""
    reqs = []
    for lib in ("lib", "lib64"):
        try:
            versions = sorted(os.listdir(os.path.join(venv, lib)))
        except OSError:
            continue
        for v in versions:
            site = os.path.join(venv, lib, v, "site-packages")
            try:
                names = sorted(os.listdir(site))
            except OSError:
                continue
            for n in names:
                if not n.endswith(".dist-info"):
                    continue
                name, _, version = n[: -len(".dist-info")].partition("-")
                if name.lower().replace("_", "-") in SEEDED:
                    continue
                reqs.append(_requirement(os.path.join(site, n), name, version))
        break  # lib64 is a link to lib in most venvs
    return list(dict.fromkeys(reqs))


def _requirement(dist_info: str, name: str, version: str) -> str:
    try:
        with open(os.path.join(dist_info, "direct_url.json"), encoding="utf-8") as fh:
            direct = json.load(fh)
    except (OSError, ValueError, RecursionError):
        return f"{name}=={version}"
    if not isinstance(direct, dict):  # not what pip writes: as if there were none
        return f"{name}=={version}"
    url = direct.get("url", "")
    dir_info, vcs_info = direct.get("dir_info"), direct.get("vcs_info")
    if not isinstance(url, str) or not url:
        return f"{name}=={version}"
    if isinstance(dir_info, dict) and dir_info.get("editable") and url.startswith("file://"):
        from urllib.parse import unquote, urlsplit

        return f"-e {unquote(urlsplit(url).path)}"  # pip writes the path %-encoded
    if isinstance(vcs_info, dict) and isinstance(vcs_info.get("vcs"), str):
        # PEP 610 keeps the VCS apart from the URL: git+URL@COMMIT is what reinstalls the same tree
        url = f"{vcs_info['vcs']}+{url}"
        if isinstance(vcs_info.get("commit_id"), str):
            url += f"@{vcs_info['commit_id']}"
    subdirectory = direct.get("subdirectory")
    if isinstance(subdirectory, str) and subdirectory:
        url += f"#subdirectory={subdirectory}"
    return f"{name} @ {url}"


def _followed(path: str) -> str:
    """A ``.venv`` symlink's venv (discovery follows a link only to a venv); else ``path``."""
    return os.path.realpath(path) if os.path.islink(path) else path


def recreate(facts: Facts, env: Candidate, spec: Create) -> int:
    protected = (paths.home(facts.environ), facts.cwd if env.path != facts.cwd else "")
    if facts.project is not None:
        protected += (facts.project.root,)
    real = _followed(env.path)  # a linked venv is made again where it is; the user's link stays
    why = venvs.removable(real, protected)
    if why is not None or os.path.realpath(real) in {os.path.realpath(p) for p in protected if p}:
        raise PipshimError(f"will not recreate {real}: {why or 'it is protected'}; move it away yourself", Exit.REFUSED)
    reqs = installed(real)
    aside = f"{real}{venvs.ASIDE}{os.getpid()}"
    with venvs.EnvLock(env.path, facts.quiet):
        try:
            os.rename(real, aside)
        except OSError as exc:
            where = os.path.dirname(real)
            raise PipshimError(f"cannot recreate {real}: {exc.strerror}; make {where} writable for you") from None
        try:
            provision.ensure(real, spec, facts.environ, sweep=False)  # the old one stays aside
            rc = _reinstall(real, reqs, facts)
            if rc != 0:
                raise PipshimError(f"reinstalling into the new {real} failed (pip exit {rc}); kept the old one", rc)
            venvs.finish(real)
        except BaseException:
            venvs.remove(real)
            os.rename(aside, real)
            raise
        venvs.remove(aside)  # under the lock: until it is gone, a killed recreate can be rolled back
    if not facts.quiet:
        what = f"; reinstalled {len(reqs)}: {', '.join(reqs)}" if reqs else ""
        say(f"recreated {env.path} from {spec.base_python}{what}")
    shimtrust.update(facts.environ, facts.uid, [env.path], [], shimtrust.python_verdicts(facts))
    print(env.path)
    return Exit.OK


def _reinstall(venv: str, reqs: list[str], facts: Facts) -> int:
    if not reqs:
        return 0
    from pipshim.execute import wait_for

    argv: list[str] = []
    for r in reqs:
        argv += r.split(" ", 1) if r.startswith("-e ") else [r]
    # -I: a pip.py in the project directory is not imported (as bin/pip would not)
    python = os.path.join(venv, "bin", "python")
    env = child_env(facts.environ)
    no_python_hop(facts, env)  # PIP_PYTHON chose the venv (a per-version user environment): pip stays in it
    return wait_for((python, "-I", "-m", "pip", "install", *argv), env)
