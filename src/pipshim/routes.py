"""What decide() returns: a value that says what to do and why, and nothing else."""

from __future__ import annotations

from collections import namedtuple


class PassThrough(namedtuple("PassThrough", "exe argv reason hint")):
    """Run the real pip unchanged. ``hint`` (or None) is printed only if pip fails."""

    __slots__ = ()
    kind = "passthrough"


class UseVenv(namedtuple("UseVenv", "venv source create base_python prompt argv mutating reason user_env")):
    """Run pip from the venv at ``venv`` (found via ``source``), creating it first if ``create``.

    user_env: the user environment (made with the system site-packages; new console
    scripts are linked into the shim's bin dir).
    """

    __slots__ = ()
    kind = "venv"


class RouteToPipx(namedtuple("RouteToPipx", "action specs options global_ reason fallback")):
    """``pipx install``/``uninstall`` each of ``specs`` (``--global`` if global_).

    fallback: the route taken instead when pipx finds no apps in a package.
    """

    __slots__ = ()
    kind = "pipx"


class Refuse(namedtuple("Refuse", "message exit_code")):
    """Do nothing: print ``pipshim: <message>`` and exit with ``exit_code``."""

    __slots__ = ()
    kind = "refuse"


SOURCE_WORDS = {
    "VIRTUAL_ENV": "active virtualenv",
    "nearest-venv": "project venv",
    "project-root": "project venv",
    "user-env": "user environment",
}


def venv_line(route: UseVenv, created: bool, command: str | None, planned: bool = False) -> str:
    """The one stderr line a routed call prints."""
    if route.mutating:
        verb = "would install into" if planned else "installing into"
        if command == "uninstall":
            verb = "would uninstall from" if planned else "uninstalling from"
    elif command == "install":  # pip's exemptions (--target, --dry-run --report …): the venv is not changed
        verb = "would run pip install from" if planned else "running pip install from"
    else:
        pip = f"pip {command}" if command else "pip"
        verb = f"{pip} would read" if planned else f"{pip} reads"
    suffix = ""
    if created:
        suffix = " (to be created)" if planned else " (created)"
    words = SOURCE_WORDS.get(route.source, route.source)
    return f"{route.reason}; {verb} {words} {route.venv}{suffix}"


def describe(route, command: str | None) -> str:
    """Human text for ``pipshim explain``."""
    if isinstance(route, PassThrough):
        text = f"pass through to {route.exe}: {route.reason}"
        return text + (f"\nif pip fails: {route.hint}" if route.hint else "")
    if isinstance(route, UseVenv):
        return (
            venv_line(route, route.create, command, planned=True)
            + "\nrun: "
            + " ".join([f"{route.venv}/bin/pip", *route.argv])
        )
    if isinstance(route, RouteToPipx):
        runs = [f"run: {' '.join(['pipx', *pipx_args(route, spec)])}" for spec in route.specs]
        text = "\n".join([pipx_line(route), *runs])
        if route.fallback is not None:
            text += "\nif pipx finds no apps in a package: " + describe(route.fallback, command).split("\n")[0]
        return text
    return f"refuse (exit {route.exit_code}): {route.message}"


def pipx_args(route: RouteToPipx, spec: str) -> list[str]:
    return [route.action, *(["--global"] if route.global_ else []), *route.options, spec]


def pipx_line(route: RouteToPipx) -> str:
    where = "pipx --global" if route.global_ else "pipx"
    return f"{route.reason}; {route.action}ing with {where}: {' '.join(route.specs)}"


def as_dict(route) -> dict:
    """Machine form for ``pipshim explain --json``."""
    data = {"route": route.kind, **route._asdict()}
    for key in ("argv", "specs", "options"):
        if key in data:
            data[key] = list(data[key])
    if data.get("fallback") is not None:
        data["fallback"] = as_dict(data["fallback"])
    return data
