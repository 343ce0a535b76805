"""Option-table drift (issue 5, item 5): pipshim's copy of pip's option tables still matches pip.

pipshim reads a pip command line without importing pip, from the tables in
``pipshim.pip_options``. If a pip it supports grows an option, or an alias, that can move an
install or change how the command line splits into requirements, and the table lacks it,
pipshim would read ``pip install --new-opt VALUE pkg`` as two requirements, or miss a target.

The tables of the pips pipshim supports are read here from the pips themselves, in a
subprocess (the way tools/gen_pip_options.py reads them): Debian's pip 23.0.1 on
/usr/bin/python3 and the newest pip, installed in the test environment (sys.executable's).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from pipshim.pip_argv import _options_for, parse

DEBIAN_PYTHON = "/usr/bin/python3"
PYTHONS = {"debian-pip": DEBIAN_PYTHON, "newest-pip": sys.executable}
SCOPES = ("general", "install", "uninstall")

# Run under the pip's own interpreter with -I: every option's names, dest and takes_value().
DUMP = """
import json
import os

import pip
from pip._internal.cli.main_parser import create_main_parser
from pip._internal.commands import create_command


def describe(parser):
    return [
        {"names": [*o._long_opts, *o._short_opts], "dest": o.dest, "takes_value": o.takes_value()}
        for o in parser._get_all_options()
    ]


print(json.dumps({
    "version": pip.__version__,
    "location": os.path.dirname(pip.__file__),
    "general": describe(create_main_parser()),
    "install": describe(create_command("install").parser),
    "uninstall": describe(create_command("uninstall").parser),
}))
"""

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
    "pipshim.pip_options is out of date: run "
    f"`tools/gen_pip_options.py --write {DEBIAN_PYTHON} {sys.executable}` "
    "(each pip pipshim supports) to regenerate src/pipshim/pip_options.py"
)


@pytest.fixture(scope="module", params=sorted(PYTHONS), ids=sorted(PYTHONS))
def pip_table(request) -> dict:
    python = PYTHONS[request.param]
    if not os.path.exists(python):
        pytest.fail(f"{python} is missing: the drift test needs {request.param}")
    out = subprocess.run([python, "-I", "-c", DUMP], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"reading pip's options from {python} failed:\n{out.stderr}"
    table = json.loads(out.stdout)
    table["python"] = python
    if request.param == "debian-pip":
        assert table["location"].startswith("/usr/lib/python3/dist-packages/"), table["location"]
    return table


def pipshim_table(scope: str) -> dict[str, tuple[str, bool]]:
    """name -> (canonical name, takes a value), as pipshim's parser reads that scope."""
    table = _options_for(None if scope == "general" else scope)
    return {**table.longs, **table.shorts}


def _kind(takes_value: bool) -> str:
    return "takes a value" if takes_value else "is a flag"


@pytest.mark.parametrize("scope", SCOPES)
def test_pipshim_knows_every_option_and_whether_it_takes_a_value(pip_table, scope):
    known = pipshim_table(scope)
    problems = []
    for opt in pip_table[scope]:
        names, takes_value = opt["names"], opt["takes_value"]
        for name in names:
            if name not in known:
                problems.append(f"{name} ({_kind(takes_value)}, dest {opt['dest']}) is not in pipshim's table")
            elif known[name][1] != takes_value:
                problems.append(
                    f"{name} {_kind(takes_value)} in pip, but pipshim's table says it {_kind(not takes_value)}"
                )
        canonical = {known[n][0] for n in names if n in known}
        if len(canonical) > 1:
            problems.append(f"{' '.join(names)} are one option in pip, but pipshim reads them as {sorted(canonical)}")
    where = f"pip {pip_table['version']} ({pip_table['python']})"
    assert not problems, f"{where}, {scope} options:\n  " + "\n  ".join(problems) + f"\n{REGENERATE}"


def _reads(argv: list[str], command: str, name: str, value: str | None) -> str | None:
    """Why pipshim's parser does not read ``name`` in ``argv`` as one option, or None."""
    args = parse(argv)
    if args.unknown or args.problem:
        return f"{argv}: unknown {list(args.unknown)}, problem {args.problem!r}"
    if args.command != command or args.positionals != ("demo-lib",):
        return f"{argv}: command {args.command!r}, requirements {list(args.positionals)}"
    recorded = [v for values in args.opts.values() for v in values]
    if len(recorded) != 1 or (value is not None and recorded != [value]):
        return f"{argv}: recorded {args.opts}"
    return None


def test_parser_reads_every_option_that_moves_an_install(pip_table):
    """Each name of every option whose dest moves an install, before and after the command."""
    seen, problems = set(), []
    for scope in SCOPES:
        command = "install" if scope == "general" else scope
        for opt in pip_table[scope]:
            if opt["dest"] not in TARGET_DESTS:
                continue
            seen.add(opt["dest"])
            for name in opt["names"]:
                value = "VALUE" if opt["takes_value"] else None
                given = [name, value] if value else [name]
                forms = [[command, *given, "demo-lib"], [command, "demo-lib", *given]]
                if value and name.startswith("--"):
                    forms.append([command, f"{name}={value}", "demo-lib"])
                if scope == "general":
                    forms.append([*given, command, "demo-lib"])
                problems += [why for argv in forms if (why := _reads(argv, command, name, value))]
    where = f"pip {pip_table['version']} ({pip_table['python']})"
    missing = sorted(TARGET_DESTS - seen)
    assert not missing, f"{where} has no option with dest {missing} any more: review how pipshim reads targets"
    assert not problems, f"{where}:\n  " + "\n  ".join(problems) + f"\n{REGENERATE}"
