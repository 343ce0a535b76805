"""What decide() returns: a value that says what to do and why, and nothing else."""

from __future__ import annotations

from collections import namedtuple


class PassThrough(namedtuple("PassThrough", "exe argv reason hint")):
    """Run the real pip unchanged. ``hint`` (or None) is printed only if pip fails."""

    __slots__ = ()
    kind = "passthrough"


class UseVenv(namedtuple("UseVenv", "venv source create base_python prompt argv mutating reason")):
    """Run pip from the venv at ``venv`` (found via ``source``), creating it first if ``create``."""

    __slots__ = ()
    kind = "venv"


class Refuse(namedtuple("Refuse", "message exit_code")):
    """Do nothing: print ``pipshim: <message>`` and exit with ``exit_code``."""

    __slots__ = ()
    kind = "refuse"


SOURCE_WORDS = {
    "VIRTUAL_ENV": "active virtualenv",
    "nearest-venv": "project venv",
    "project-root": "project venv",
}


def venv_line(route: UseVenv, created: bool, command: str | None, planned: bool = False) -> str:
    """The one stderr line a routed call prints."""
    if route.mutating:
        verb = "would install into" if planned else "installing into"
        if command == "uninstall":
            verb = "would uninstall from" if planned else "uninstalling from"
    else:
        verb = (
            f"pip {command or ''} would read".replace("  ", " ")
            if planned
            else (f"pip {command} reads" if command else "pip reads")
        )
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
    return f"refuse (exit {route.exit_code}): {route.message}"


def as_dict(route) -> dict:
    """Machine form for ``pipshim explain --json``."""
    data = {"route": route.kind, **route._asdict()}
    data["argv"] = list(data.get("argv") or ())
    return data
