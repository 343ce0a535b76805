"""What an install asks for, by distribution name (pure; uses ``packaging``, imported lazily).

Only what is needed to route: is every requested thing a named distribution, and
which? Paths, URLs, editables and requirement files count as "not a plain name",
so such an install never goes to pipx.
"""

from __future__ import annotations

from collections import namedtuple


class Requested(namedtuple("Requested", "spec name")):
    """A requirement as typed, and its canonical distribution name (None: a path, URL or file)."""

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
    if req.url:
        return Requested(spec, canonical(req.name))  # name @ url: still a named distribution
    return Requested(spec, canonical(req.name))


def requested(args) -> tuple[Requested, ...]:
    """Positional requirements, plus -r/-e entries as unnamed (never pipx)."""
    items = [parse_spec(p) for p in args.positionals]
    items += [Requested(f"-r {r}", None) for r in args.values("--requirement")]
    items += [Requested(f"-e {e}", None) for e in args.values("--editable")]
    return tuple(items)
