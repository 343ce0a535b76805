"""Rule 7's knowledge: which requirements are applications, and the pipx command for each.

Pure (uses ``packaging``, imported where needed). rules.applications() asks pipx_route()
for a call with no project; the answer is a RouteToPipx or None (pip keeps it).

Each spec gets its own step, the way pip would treat what is installed:

- not installed: ``pipx install`` with the route's options and the app's own (apps.txt);
- half-made (a killed install left the venv without metadata, python or commands):
  ``pipx install --force``, which repairs it;
- a specifier the installed version does not satisfy, or ``--force-reinstall``:
  ``pipx install --force SPEC`` (pip would replace it);
- extras the installed app was not installed with (``black[d]`` over ``black``):
  ``pipx install --force`` with the extras of both, so pipx's metadata keeps them all
  (pip would add the extras' dependencies and keep the ones there);
- ``name @ URL`` over an app installed from elsewhere: ``pipx install --force SPEC`` (pip
  would build the URL's project and replace an installed version that differs; pipshim
  cannot know the version without building it);
- ``-U`` of an installed app: ``pipx upgrade NAME`` (``install --force SPEC`` if the spec
  has a specifier, which ``pipx upgrade`` would drop);
- installed, whole and satisfying: nothing runs; pip's "Requirement already satisfied".
"""

from __future__ import annotations

from collections.abc import Callable

from pipshim.facts import Facts, PipxApp
from pipshim.pip_argv import NOTED_READS, PipArgs
from pipshim.routes import Done, PassThrough, Route, RouteToPipx, UseVenv

Step = RouteToPipx.Step


def installed(f: Facts, glob: bool) -> tuple[frozenset, dict]:
    """Canonical names pipx manages, and what is known about each (global pipx for root on a host)."""
    from pipshim.requested import canonical

    if f.pipx is None:
        return frozenset(), {}
    managed = f.pipx.global_managed if glob else f.pipx.managed
    known = f.pipx.global_apps if glob else f.pipx.apps
    apps = {canonical(n): a for n, a in known.items()}
    return frozenset(canonical(n) for n in managed), apps


def _requirement(spec: str):
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return Requirement(spec)
    except InvalidRequirement:
        return None


def _specifier(spec: str):
    """The version specifier of a requirement (empty when it has none)."""
    from packaging.specifiers import SpecifierSet

    req = _requirement(spec)
    return req.specifier if req else SpecifierSet()


def with_extras(spec: str, installed_from: str) -> str | None:
    """``spec`` with the extras of both, when it asks for one ``installed_from`` lacks; else None."""
    from packaging.utils import canonicalize_name

    req, had = _requirement(spec), _requirement(installed_from)
    if req is None or not req.extras or (had is None and installed_from):
        return None  # installed from a path or URL: a reinstall from the index would replace it
    have = {canonicalize_name(e) for e in (had.extras if had else ())}
    if {canonicalize_name(e) for e in req.extras} <= have:
        return None
    req.extras = set(req.extras) | set(had.extras if had else ())
    return str(req)


def satisfies(version: str | None, spec: str) -> bool:
    """Whether the installed ``version`` satisfies ``spec``'s specifier, as pip would judge it."""
    specifier = _specifier(spec)
    if not specifier:
        return True
    if version is None:
        return False
    from packaging.version import InvalidVersion, Version

    try:
        return specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return False


def install_step(f: Facts, spec: str, name: str, app: PipxApp | None, base: tuple, own: tuple) -> Step:
    """What pip's install/-U/--force-reinstall of one application means for pipx."""
    a = f.args
    if app is None:
        return Step("install", spec, (*base, *own), name)
    if not app.whole:
        return Step("install", spec, ("--force", *base, *own), name, f"repairing: {app.missing}", app.version)
    if a.flag("--force-reinstall"):
        return Step("install", spec, ("--force", *base, *own), name, f"reinstalling {app.version}", app.version)
    url = getattr(_requirement(spec), "url", None)
    if url and url not in app.spec:  # pip builds what the URL holds and replaces another version with it
        return Step("install", spec, ("--force", *base, *own), name, f"replacing {app.version} from {url}", app.version)
    if not satisfies(app.version, spec):
        return Step("install", spec, ("--force", *base, *own), name, f"replacing {app.version}", app.version)
    wider = with_extras(spec, app.spec)
    if wider:
        return Step("install", wider, ("--force", *base, *own), name, f"adding extras to {app.version}", app.version)
    if a.flag("--upgrade"):
        if _specifier(spec):  # pipx upgrade drops the specifier: reinstall to the best version it allows
            return Step("install", spec, ("--force", *base, *own), name, f"upgrading {app.version}", app.version)
        upgrade_opts = tuple(o for o in _without_python(base))
        return Step("upgrade", name, upgrade_opts, name, "", app.version)
    return Step("satisfied", spec, (), name, "", app.version)


def recheck(f: Facts, route: RouteToPipx) -> RouteToPipx:
    """``route``'s install worked out again from ``f``, whose pipx apps were read again under
    pipx's lock: an app another call installed meanwhile is satisfied, one it left half-made
    is repaired, one it removed is installed."""
    again = pipx_route(f, lambda _f, _why: route.reason, route.fallback)
    return again if isinstance(again, RouteToPipx) else route


def _without_python(options: tuple) -> tuple:
    """pipx upgrade takes --python only with --install: the venv keeps its interpreter."""
    out, skip = [], False
    for o in options:
        if skip:
            skip = False
        elif o == "--python":
            skip = True
        else:
            out.append(o)
    return tuple(out)


def pipx_route(f: Facts, reason: Callable[..., str], fallback: Route) -> Route | None:
    """Applications to pipx, pipx's own apps out of it; ``fallback`` for packages with no commands."""
    from pipshim.requested import canonical, requested

    wanted = requested(f.args, f.cwd, f.req_files)
    names = [w.name for w in wanted]
    if not names or None in names:
        return None
    glob = f.root_on_host
    managed, known = installed(f, glob)
    if f.args.command == "uninstall":
        return _uninstall_route(f, reason, fallback, names, managed, known, glob)
    own = {canonical(n): tuple(o) for n, o in f.config.apps.items()}
    apps = set(own) - {canonical(n) for n in f.config.libraries}
    if not all(n in apps for n in names):
        return None
    options = pipx_options(f.args)
    base = tuple(o for o in options if o != "--force")
    steps = []
    for w in wanted:
        app = known.get(w.name) or (PipxApp("", None, False, "nothing is known of it") if w.name in managed else None)
        steps.append(install_step(f, w.spec, w.name, app, base, own.get(w.name, ())))
    what = "is an application" if len(names) == 1 else "are applications"
    return RouteToPipx(
        "install",
        tuple(w.spec for w in wanted),
        options,
        glob,
        reason(f, f"{', '.join(names)} {what}"),
        fallback,
        steps=tuple(steps),
    )


def _uninstall_route(f: Facts, reason, fallback: Route, names: list, managed: frozenset, known: dict, glob: bool):
    """pipx uninstall of the apps pipx manages; with libraries named too, ``fallback`` (pip in the
    user environment, or the note that it does not exist yet) then takes the line without the
    apps. An app named in a -r file, or a refusal (root on a host), leaves the whole line to the
    rules as before."""
    apps = [n for n in names if n in managed]
    if not apps:
        return None
    drop_at: frozenset = frozenset()
    if len(apps) < len(names):
        at = f.args.positional_at
        # requested() lists the positionals first, in order: names[i] is positionals[i] for those
        drop_at = frozenset(at[i] for i, n in enumerate(names) if n in managed and i < len(at))
        if len(drop_at) < len(apps) or not isinstance(fallback, (UseVenv, Done)):
            return None
    verbosity = tuple(o for o in pipx_options(f.args) if o in ("--quiet", "--verbose"))
    steps = tuple(Step("uninstall", n, verbosity, n, "", known[n].version if n in known else None) for n in apps)
    return RouteToPipx(
        "uninstall",
        tuple(apps),
        (),
        glob,
        reason(f, f"pipx manages {', '.join(apps)}"),
        fallback if drop_at else None,
        steps=steps,
        confirm=not f.args.flag("--yes"),
        drop_at=drop_at,
    )


# pip options that pipx takes itself, and those it hands on to pip with --pip-args
_PIPX_OWN = ("--index-url", "--python")
_PIP_ARGS_VALUE = ("--extra-index-url", "--find-links", "--trusted-host", "--constraint")
_PIP_ARGS_FLAG = ("--pre", "--no-index")


def pipx_options(a: PipArgs) -> tuple[str, ...]:
    """pipx's options for a pip command line: -U -> --force, index options carried over."""
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
        if w.note:
            lines.append(f"{w.spec}: {w.note}, so installed as a library")
        elif w.name is None:
            lines.append(f"{w.spec}: a path, URL, editable or unreadable file, so installed as a library")
        elif w.name in libraries:
            lines.append(f"{w.spec}: a library (your `libraries` setting)")
        elif w.name in apps:
            lines.append(f"{w.spec}: an application (pipshim's list or your `apps` setting)")
        else:
            lines.append(f"{w.spec}: a library (not on the application list)")
    return lines


# --- reads: pip show / pip list name what pipx holds -------------------------------------


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def read_note(f: Facts, route: Route) -> str | None:
    """``pip show X`` / ``pip list`` outside a project: one line naming the apps pipx holds.

    Only for a read of the user environment or the system (a pass-through); pip's own
    output is untouched, the line goes to stderr.
    """
    if f.args.command not in NOTED_READS or f.pipx is None or f.disabled or f.reentered:
        return None
    if f.project is not None or f.args.flag("--help"):
        return None
    if not (isinstance(route, PassThrough) or (isinstance(route, UseVenv) and route.user_env)):
        return None
    from pipshim.requested import canonical

    managed, known = installed(f, f.root_on_host)
    if f.args.command == "show":
        wanted = [canonical(p) for p in f.args.positionals]
        names = [n for n in dict.fromkeys(wanted) if n in managed]
    else:
        names = sorted(managed)
    if not names:
        return None

    def label(n: str) -> str:
        app = known.get(n)
        if app is None or app.version is None:
            return n
        return f"{n} {app.version}" + ("" if app.whole else " (half-made: pip install it again)")

    shown = [label(n) for n in names[:5]]
    if len(names) > 5:
        shown.append(f"{len(names) - 5} more")
    verb = "is" if len(names) == 1 else "are"
    # pipx lives in pipshim's tool environment, not on PATH: `pipshim pipx` runs it as pip's route does
    where = "pipshim pipx --global list" if f.root_on_host else "pipshim pipx list"
    return f"{_and(shown)} {verb} installed with pipx ({where})"
