"""Option-table drift (issue 5, item 5; issue 10): pipshim's copy of pip's option tables matches the pips here.

pipshim reads a pip command line without importing pip, from the per-version tables in
``pipshim.pip_options``. If a pip grows an option, or an alias, that can move an install or
change how the command line splits into requirements, and the table lacks it, pipshim would
read ``pip install --new-opt VALUE pkg`` as two requirements, or miss a target; if a pip drops
one, a prefix that was ambiguous may now be unique.

The pips under test are the ones this machine runs, whatever their versions: the system pip
(``/usr/bin/python3 -m pip``: Debian 12's, Debian 13's, sid's...) and the
newest pip, installed in the test environment (sys.executable's). Each is read in a subprocess
by the same script tools/gen_pip_options.py runs, and pipshim's table for that exact version
must equal it: the main parser's options, the options every subcommand has, the commands, and
each command's own options.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from pipshim import pip_options
from pipshim.pip_argv import _has, _version_index, parse, table_version

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("gen_pip_options", REPO / "tools" / "gen_pip_options.py")
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)

SYSTEM_PYTHON = "/usr/bin/python3"
PYTHONS = {"system-pip": SYSTEM_PYTHON, "newest-pip": sys.executable}

# The dests of pip's options that move an install's target or decide whether pip may install
# at all; pipshim's routing depends on reading every one of them.
TARGET_DESTS = frozenset(
    (
        "target_dir",  # --target/-t
        "prefix_path",  # --prefix
        "root_path",  # --root
        "use_user_site",  # --user/--no-user
        "python",  # --python
        "override_externally_managed",  # --break-system-packages
        "dry_run",  # --dry-run
        "json_report_file",  # --report
        "isolated_mode",  # --isolated
    )
)

REGENERATE = (
    "pipshim.pip_options is out of date: run `tools/gen_pip_options.py --write` "
    "(it reads every pip release on PyPI) to regenerate src/pipshim/pip_options.py"
)


@pytest.fixture(scope="module", params=sorted(PYTHONS), ids=sorted(PYTHONS))
def pip_dump(request) -> dict:
    python = PYTHONS[request.param]
    if not os.path.exists(python):
        pytest.fail(f"{python} is missing: the drift test needs {request.param}")
    try:
        data = gen.dump(python)
    except gen.GenError as exc:
        pytest.fail(f"reading pip's options from {python} failed: {exc}")
    data["python"] = python
    return data


def where(data: dict) -> str:
    return f"pip {data['version']} ({data['python']}, read with pipshim's table for {table_version(data['version'])})"


def pipshim_scopes(version: str) -> dict[str, set[str]]:
    """The table pipshim reads ``version``'s command lines with, in the shape of gen.scopes()."""
    index = _version_index(version)
    out = {
        "": {e for e, spans in pip_options.GENERAL.items() if _has(spans, index)},
        gen.COMMON: {e for e, spans in pip_options.COMMON.items() if _has(spans, index)},
    }
    for command, spans in pip_options.COMMANDS.items():
        if _has(spans, index):
            out[command] = {e for e, s in pip_options.COMMAND_OPTIONS[command].items() if _has(s, index)}
    return out


def test_the_pip_is_not_newer_than_the_table(pip_dump):
    newest = pip_options.VERSIONS[-1]
    assert gen.version_key(pip_dump["version"]) <= gen.version_key(newest), (
        f"{where(pip_dump)} is newer than the newest pip in the table ({newest})\n{REGENERATE}"
    )


def test_pipshims_table_for_that_version_equals_pips_own(pip_dump):
    pip_side, ours = gen.scopes(pip_dump), pipshim_scopes(pip_dump["version"])
    assert sorted(ours) == sorted(pip_side), f"{where(pip_dump)}: commands differ\n{REGENERATE}"
    problems = []
    for scope, lines in pip_side.items():
        name = {"": "main parser", gen.COMMON: "every command"}.get(scope, scope)
        problems += [f"{name}: pip has {line}, pipshim does not" for line in sorted(lines - ours[scope])]
        problems += [f"{name}: pipshim has {line}, pip does not" for line in sorted(ours[scope] - lines)]
    assert not problems, f"{where(pip_dump)}:\n  " + "\n  ".join(problems) + f"\n{REGENERATE}"


def _reads(argv: list[str], version: str, command: str, value: str | None) -> str | None:
    """Why pipshim's parser does not read the one option in ``argv`` as one option, or None."""
    args = parse(argv, version)
    if args.unknown or args.problem:
        return f"{argv}: unknown {list(args.unknown)}, problem {args.problem!r}"
    if args.command != command or args.positionals != ("demo-lib",):
        return f"{argv}: command {args.command!r}, requirements {list(args.positionals)}"
    recorded = [v for values in args.opts.values() for v in values]
    if len(recorded) != 1 or (value is not None and recorded != [value]):
        return f"{argv}: recorded {args.opts}"
    return None


def test_parser_reads_every_option_that_moves_an_install(pip_dump):
    """Each name of every option whose dest moves an install, before and after the command."""
    version, seen, problems = pip_dump["version"], set(), []
    scopes = [("general", "install", pip_dump["general"])]
    scopes += [(c, c, pip_dump["commands"][c]) for c in ("install", "uninstall")]
    for scope, command, options in scopes:
        for opt in options:
            if opt["dest"] not in TARGET_DESTS:
                continue
            seen.add(opt["dest"])
            for name in (*opt["long"], *opt["short"]):
                value = "VALUE" if opt["takes_value"] else None
                given = [name, value] if value else [name]
                forms = [[command, *given, "demo-lib"], [command, "demo-lib", *given]]
                if value and name.startswith("--"):
                    forms.append([command, f"{name}={value}", "demo-lib"])
                if scope == "general":
                    forms.append([*given, command, "demo-lib"])
                problems += [why for argv in forms if (why := _reads(argv, version, command, value))]
    missing = sorted(TARGET_DESTS - seen)
    assert not missing, (
        f"{where(pip_dump)} has no option with dest {missing} any more: review how pipshim reads targets"
    )
    assert not problems, f"{where(pip_dump)}:\n  " + "\n  ".join(problems) + f"\n{REGENERATE}"
