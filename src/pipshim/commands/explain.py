"""``pipshim explain [--json] -- pip ARGS…``: the decision and the plan, without acting."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping

from pipshim.errors import Exit, PipshimError, msg, say

PIP_NAMES = ("pip", "pip3", "python", "python3")


def split_pip(words: list[str]) -> tuple[str, list[str]]:
    """``-- pip3 install x`` -> ("pip3", ["install", "x"]); anything not naming pip is a usage error."""
    if words[:1] == ["--"]:
        words = words[1:]
    name = os.path.basename(words[0]) if words else ""
    if not (name.startswith(PIP_NAMES)):
        raise PipshimError(msg("usage-explain"), Exit.BROKEN)
    return name, words[1:]


def run(args: argparse.Namespace, environ: Mapping[str, str], shim_dir: str) -> int:
    from pipshim.cli import decide_plan, python_m_pip
    from pipshim.plan import as_dict, describe

    name, pip_args = split_pip(args.pip)
    flags: tuple[str, ...] = ()
    if name.startswith("python"):
        split = python_m_pip(pip_args)
        if split is None:
            raise PipshimError(msg("usage-explain"), Exit.BROKEN)
        flags, pip_args = split
    # the very decision the call makes, and nothing of what acting does (execute.before)
    rule, p, facts = decide_plan(name, pip_args, dict(environ), shim_dir, flags)
    route = p.route
    for warning in facts.config.warnings:  # what the pip call would say first
        say(warning)
    why = [f"rule {rule.number}: {rule.when}"]
    if getattr(route, "reason", None) and route.kind != "passthrough":  # a pass-through says it first
        why.append(f"because: {route.reason}")
    if facts.args.command == "install" and int(rule.number) >= 7 and facts.interp is not None:
        from pipshim.apps import why_each

        why += why_each(facts)
    if args.json:
        warnings = list(facts.config.warnings)
        print(json.dumps({**as_dict(p), "rule": rule.number, "why": why, "warnings": warnings}, indent=2))
    else:
        print(describe(p, tuple(why)))
    return Exit.OK
