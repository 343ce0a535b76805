"""Rule 7's knowledge: which requirements are applications, and the pipx command for each.

Pure (uses ``packaging`` through requested.py). rules.applications() asks pipx_route()
for a call with no project; the answer is a RouteToPipx or None (pip keeps it).
"""

from __future__ import annotations

from collections.abc import Callable

from pipshim.facts import Facts
from pipshim.routes import Route, RouteToPipx


def pipx_route(f: Facts, reason: Callable[..., str], fallback: Route) -> Route | None:
    """Applications to pipx, pipx's own apps out of it; ``fallback`` for packages with no commands."""
    from pipshim.requested import canonical, requested

    wanted = requested(f.args, f.cwd, f.req_files)
    names = [w.name for w in wanted]
    if not names or None in names:
        return None
    glob = f.root_on_host
    if f.args.command == "uninstall":
        managed = f.pipx.global_managed if glob else f.pipx.managed
        if all(n in managed for n in names):
            return RouteToPipx("uninstall", tuple(names), (), glob, reason(f, f"pipx manages {', '.join(names)}"))
        return None
    apps = {canonical(n) for n in f.config.apps} - {canonical(n) for n in f.config.libraries}
    if not all(n in apps for n in names):
        return None
    what = "is an application" if len(names) == 1 else "are applications"
    return RouteToPipx(
        "install",
        tuple(w.spec for w in wanted),
        pipx_options(f.args),
        glob,
        reason(f, f"{', '.join(names)} {what}"),
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


def why_each(f: Facts) -> list[str]:
    """For explain: why each requested thing counts as an application or a library."""
    from pipshim.requested import canonical, requested

    apps = {canonical(n) for n in f.config.apps}
    libraries = {canonical(n) for n in f.config.libraries}
    lines = []
    for w in requested(f.args, f.cwd, f.req_files):
        if w.name is None:
            lines.append(f"{w.spec}: a path, URL, editable or unreadable file, so installed as a library")
        elif w.name in libraries:
            lines.append(f"{w.spec}: a library (your `libraries` setting)")
        elif w.name in apps:
            lines.append(f"{w.spec}: an application (pipshim's list or your `apps` setting)")
        else:
            lines.append(f"{w.spec}: a library (not on the application list)")
    return lines
