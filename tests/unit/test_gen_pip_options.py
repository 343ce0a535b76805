"""tools/gen_pip_options.py: the per-version format of src/pipshim/pip_options.py, and --check."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from pipshim import pip_options

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("gen_pip_options", REPO / "tools" / "gen_pip_options.py")
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)


def opt(*names: str, takes: bool = False, dest: str = "x") -> dict:
    return {
        "long": [n for n in names if n.startswith("--")],
        "short": [n for n in names if not n.startswith("--")],
        "dest": dest,
        "takes_value": takes,
    }


def fake_dump(version: str, general: list[dict], commands: dict[str, list[dict]], common=None) -> dict:
    # a command parser holds the general options too (or some of them: ``common``)
    common = general if common is None else common
    return {
        "version": version,
        "location": f"/somewhere/pip-{version}/pip/__init__.py",
        "general": general,
        "commands": {name: [*common, *opts] for name, opts in commands.items()},
    }


HELP, LOG = opt("--help", "-h"), opt("--log", "--log-file", "--local-log", takes=True)
# made-up dumps of three pip releases: data for the generator, not this machine's pip
OLD = fake_dump(
    "22.3.1",
    [HELP, LOG, opt("--gone")],
    {"install": [opt("-t", "--target", takes=True), opt("--root-user-action", takes=True), opt("--root", takes=True)]},
)
MID = fake_dump("24.0", [HELP, LOG], {"install": [opt("--target", "-t", takes=True), opt("--root", takes=True)]})
NEW = fake_dump(
    "26.3",
    [HELP, LOG, opt("--version", "-V")],
    {
        "install": [opt("--target", "-t", takes=True), opt("--root", takes=True), opt("--config-settings", "-C")],
        "lock": [],
    },
    common=[HELP, LOG],
)


def load(text: str) -> dict:
    namespace: dict = {}
    exec(text, namespace)
    return namespace


def test_an_entry_is_the_first_long_name_then_the_other_names_sorted_then_takes_value():
    text = gen.render([NEW])
    assert '    "--log --local-log --log-file=1": ("26.3", None),\n' in text
    assert '    "--help -h=0": ("26.3", None),\n' in text


def test_each_option_and_command_records_the_versions_that_know_it():
    table = load(gen.render([NEW, OLD, MID]))
    assert table["VERSIONS"] == ("22.3.1", "24.0", "26.3")
    assert table["GENERAL"]["--gone=0"] == ("22.3.1", "22.3.1")
    assert table["GENERAL"]["--help -h=0"] == ("22.3.1", None)
    assert table["COMMAND_OPTIONS"]["install"]["--root-user-action=1"] == ("22.3.1", "22.3.1")
    assert table["COMMAND_OPTIONS"]["install"]["--config-settings -C=0"] == ("26.3", None)
    assert table["COMMANDS"] == {"install": ("22.3.1", None), "lock": ("26.3", None)}


def test_an_option_that_leaves_and_comes_back_has_two_runs():
    back = fake_dump("25.0", [HELP, LOG, opt("--gone")], {"install": []})
    assert load(gen.render([OLD, MID, back]))["GENERAL"]["--gone=0"] == ("22.3.1", "22.3.1", "25.0", None)


def test_the_options_every_command_has_are_common_and_not_repeated_per_command():
    table = load(gen.render([NEW, OLD]))
    # 26.3's --version is in the main parser only: not read after the command
    assert "--version -V=0" in table["GENERAL"] and "--version -V=0" not in table["COMMON"]
    assert table["COMMON"]["--help -h=0"] == ("22.3.1", None)
    assert table["COMMON"]["--gone=0"] == ("22.3.1", "22.3.1")
    assert not any("--help" in e for e in table["COMMAND_OPTIONS"]["install"])
    assert table["COMMAND_OPTIONS"]["lock"] == {}


def test_an_option_that_changes_whether_it_takes_a_value_is_an_error():
    flipped = fake_dump("27", [opt("--help", "-h", takes=True), LOG], {})
    with pytest.raises(gen.GenError, match=r"--help takes a value in pip 26\.3 and not in pip 27"):
        gen.render([NEW, flipped])


def test_a_name_that_moves_to_another_canonical_option_is_an_error():
    moved = fake_dump("27", [opt("--journal", "--log", takes=True), HELP], {})
    with pytest.raises(gen.GenError, match=r"--log is --log in pip 26\.3 but --journal in pip 27"):
        gen.render([NEW, moved])


def test_the_rendered_module_is_formatted_as_ruff_formats_it():
    text = gen.render([NEW, OLD])
    assert '    "lock": {},\n' in text
    assert 'COMMANDS = {\n    "install": ("22.3.1", None),\n' in text


@pytest.mark.parametrize(
    ("text", "key"),
    [("25.1.1", (25, 1, 1)), ("26.0", (26, 0)), ("26.0b1", (26, 0)), ("25.1.1+deb", (25, 1, 1)), ("x", ())],
)
def test_version_key_reads_the_release_numbers(text, key):
    assert gen.version_key(text) == key


@pytest.mark.parametrize(
    ("spec", "version", "ok"),
    [(">=3.7", (3, 11), True), (">=3.10", (3, 9), False), (">=3.9,!=3.9.*", (3, 9), False), ("", (3, 6), True)],
)
def test_requires_python_is_read(spec, version, ok):
    assert gen.allows(spec, version) is ok


def test_the_checked_in_table_covers_every_release_from_23_0_on():
    versions = pip_options.VERSIONS
    assert versions[0] == "23.0" and len(versions) == len(set(versions))
    assert list(versions) == sorted(versions, key=gen.version_key)


def test_check_exits_1_and_shows_the_difference_when_the_file_is_stale(tmp_path, capsys):
    """The real dump script on the system pip, written, then checked."""
    out = tmp_path / "pip_options.py"
    assert gen.main(["--write", "--output", str(out), "/usr/bin/python3"]) == 0
    assert gen.main(["--check", "--output", str(out), "/usr/bin/python3"]) == 0
    out.write_text(out.read_text().replace('    "--cert=1"', '    "--cort=1"'))
    assert gen.main(["--check", "--output", str(out), "/usr/bin/python3"]) == 1
    text = capsys.readouterr().out
    assert '+    "--cert=1"' in text and "is out of date" in text
