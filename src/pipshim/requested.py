"""What an install asks for, by distribution name (pure; uses ``packaging``, imported lazily).

Only what is needed to route: is every requested thing a named distribution, and
which? Paths, bare URLs and editables count as "not a plain name", so such an install
never goes to pipx; ``name @ URL`` is a named distribution. A requirement file's lines
are read (facts read the files): plain names in it count as named, but for an install
any option in it (``--index-url``, ``-c``, ``--hash`` on a requirement, …) counts as
"not a plain name", so the whole call stays with pip, which reads the file itself: its
options apply to the whole file, with pip's own rules for relative paths, and pipx
cannot take per-requirement ones. Carrying them over would be a second reader of pip's
file format; dropping them would fetch a private index's app from PyPI.
"""

from __future__ import annotations

import os
from collections import namedtuple

# for annotations only
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pipshim.pip_argv import PipArgs


class Requested(namedtuple("Requested", "spec name note", defaults=("",))):
    """A requirement as typed, its canonical distribution name (None: a path, URL, file or
    option), and for an unnamed one, why in words when the spec alone does not say."""

    __slots__ = ()


def canonical(name: str) -> str:
    from packaging.utils import canonicalize_name

    return str(canonicalize_name(name))


def _looks_like_path(spec: str) -> bool:
    return (
        "/" in spec.split("@", 1)[0]
        or spec.startswith((".", "~"))
        or spec.endswith((".whl", ".zip", ".tar.gz", ".tar.bz2", ".tgz"))
    )


def parse_spec(spec: str) -> Requested:
    from packaging.requirements import InvalidRequirement, Requirement

    if _looks_like_path(spec):
        return Requested(spec, None)
    try:
        req = Requirement(spec)
    except InvalidRequirement:
        return Requested(spec, None)  # pip will say what is wrong with it
    return Requested(spec, canonical(req.name))  # name @ url is a named distribution too


def _has_option(line: str) -> bool:
    """A requirement file line carrying an option: pip starts options at the first word with a dash."""
    return any(word.startswith("-") for word in line.split())


def _from_file(path: str, files: dict, seen: set, install: bool) -> list[Requested]:
    from pipshim.reqfiles import nested

    lines = files.get(path)
    if lines is None or path in seen:
        return [Requested(f"-r {path}", None)]  # unreadable, a URL, or a loop: pip will say
    seen.add(path)
    items: list[Requested] = []
    for line in lines:
        inc = nested(line)
        if inc and inc[0] == "r":
            items += _from_file(os.path.join(os.path.dirname(path), inc[1]), files, seen, install)
        elif line.startswith(("-e", "--editable")):
            items.append(Requested(line, None))
        elif install and _has_option(line):  # pip alone reads the file's options (the docstring says why)
            items.append(Requested(line, None, f"an option in {path}: pip reads the whole file itself"))
        elif not line.startswith("-"):
            items.append(parse_spec(line))
        # for uninstall, option lines (-c, --index-url, …) request nothing
    return items


def requested(args: PipArgs, cwd: str = "", files: dict | None = None) -> tuple[Requested, ...]:
    """Positional requirements, those in -r files (read by facts), -e entries as unnamed."""
    items = [parse_spec(p) for p in args.positionals]
    for r in args.values("--requirement"):
        items += _from_file(os.path.join(cwd, r), files or {}, set(), args.command == "install")
    items += [Requested(f"-e {e}", None) for e in args.values("--editable")]
    return tuple(items)
