"""pip_argv.parse() reads a pip command line the way pip's optparse parser does."""

from __future__ import annotations

import timeit

import pytest

from pipshim import pip_options
from pipshim.pip_argv import parse, python_option, table_version, truthy, version_key


def case(rule: str, argv: str, **expect):
    """expect: command, opts (exact), positionals, unknown, problem; omitted fields default to "nothing"."""
    return pytest.param(argv.split(), expect, id=rule)


CASES = [
    case("pip with no arguments has no command and no problem", "", command=None, opts={}),
    case("--version alone is a general flag with no command", "--version", command=None, opts={"--version": [True]}),
    case("-V is --version", "-V", command=None, opts={"--version": [True]}),
    # general options before the subcommand
    case("-q before install is a general flag", "-q install attrs", opts={"--quiet": [True]}, positionals=("attrs",)),
    case("--isolated before list is a general flag", "--isolated list", command="list", opts={"--isolated": [True]}),
    case(
        "--python X before install takes its value and install is still the command",
        "--python /usr/bin/python3 install attrs",
        opts={"--python": ["/usr/bin/python3"]},
        positionals=("attrs",),
    ),
    case(
        "a general option's value that looks like a command is not the command",
        "--cache-dir list install attrs",
        opts={"--cache-dir": ["list"]},
        positionals=("attrs",),
    ),
    case(
        "-r before the subcommand is unknown: only general options are read there",
        "-r req.txt install",
        command="req.txt",
        unknown=("-r",),
        positionals=("install",),
        problem="no such option: -r",
    ),
    # options after the subcommand, interspersed with positionals
    case(
        "options after the subcommand mix with positionals",
        "install attrs -U --no-deps six",
        opts={"--upgrade": [True], "--no-deps": [True]},
        positionals=("attrs", "six"),
    ),
    case(
        "a general option after the subcommand is read too",
        "install --isolated attrs",
        opts={"--isolated": [True]},
        positionals=("attrs",),
    ),
    case("--opt=value", "install --target=/tmp/t attrs", opts={"--target": ["/tmp/t"]}, positionals=("attrs",)),
    case("--opt value", "install --target /tmp/t attrs", opts={"--target": ["/tmp/t"]}, positionals=("attrs",)),
    case(
        "a value that starts with a dash is still the option's value",
        "install --target --user attrs",
        opts={"--target": ["--user"]},
        positionals=("attrs",),
    ),
    case(
        "an alias is recorded under the canonical name",
        "install --no-dependencies --pypi-url http://x attrs",
        opts={"--no-deps": [True], "--index-url": ["http://x"]},
        positionals=("attrs",),
    ),
    case(
        "a repeated option keeps every value in order",
        "install -r a.txt --requirement b.txt",
        opts={"--requirement": ["a.txt", "b.txt"]},
    ),
    # unique-prefix abbreviations
    case("--isol is --isolated", "--isol list", command="list", opts={"--isolated": [True]}),
    case("--targ x is --target x", "install --targ x attrs", opts={"--target": ["x"]}, positionals=("attrs",)),
    case("--targ=x is --target=x", "install --targ=x attrs", opts={"--target": ["x"]}, positionals=("attrs",)),
    case(
        "--break is --break-system-packages",
        "install --break attrs",
        opts={"--break-system-packages": [True]},
        positionals=("attrs",),
    ),
    case(
        "--pyth before list is --python: read again by list's parser, still unique",
        "--pyth /usr/bin/python3 list",
        command="list",
        opts={"--python": ["/usr/bin/python3"]},
    ),
    case(
        "--pyth before install is read again by install's parser, where it is ambiguous",
        "--pyth /usr/bin/python3 install",
        unknown=("--pyth",),
        positionals=("/usr/bin/python3",),
        problem="ambiguous option: --pyth (--python, --python-version?)",
    ),
    case(
        "general options before the command are read again with the command: -q -q counts two",
        "-q install -q",
        opts={"--quiet": [True, True]},
    ),
    case(
        "pip takes out the first word equal to the command: a general option's value, if it is one",
        "--cache-dir install -q install attrs",
        opts={"--cache-dir": ["-q"]},
        positionals=("install", "attrs"),
    ),
    case("-- before the command: the command is the next word", "-- install -q", positionals=("-q",)),
    # ambiguous prefixes: pip's exact text
    case(
        "--upgr is ambiguous between --upgrade and --upgrade-strategy",
        "install --upgr attrs",
        unknown=("--upgr",),
        positionals=("attrs",),
        problem="ambiguous option: --upgr (--upgrade, --upgrade-strategy?)",
    ),
    case(
        "--no-dep is ambiguous even though both names are the same option",
        "install --no-dep attrs",
        unknown=("--no-dep",),
        positionals=("attrs",),
        problem="ambiguous option: --no-dep (--no-dependencies, --no-deps?)",
    ),
    case(
        "--pyth after install is ambiguous with --python-version",
        "install --pyth 3.12 attrs",
        unknown=("--pyth",),
        positionals=("3.12", "attrs"),
        problem="ambiguous option: --pyth (--python, --python-version?)",
    ),
    # clustered short options
    case(
        "-Uq is -U and -q", "install -Uq attrs", opts={"--upgrade": [True], "--quiet": [True]}, positionals=("attrs",)
    ),
    case("-qqq counts three", "-qqq install", opts={"--quiet": [True, True, True]}),
    case("-tDIR is -t DIR", "install -t/tmp/t attrs", opts={"--target": ["/tmp/t"]}, positionals=("attrs",)),
    case("-rreq.txt is -r req.txt", "install -rreq.txt", opts={"--requirement": ["req.txt"]}),
    case(
        "-qr file is -q then -r file",
        "install -qr req.txt attrs",
        opts={"--quiet": [True], "--requirement": ["req.txt"]},
        positionals=("attrs",),
    ),
    case(
        "-Ut dir: a value-taking flag ends the cluster and takes the next word",
        "install -Ut /tmp/t attrs",
        opts={"--upgrade": [True], "--target": ["/tmp/t"]},
        positionals=("attrs",),
    ),
    # -- and -
    case(
        "-- ends options: what follows is positional",
        "install -- --user -q",
        positionals=("--user", "-q"),
    ),
    case("- is a positional, not an option", "install -r - -", opts={"--requirement": ["-"]}, positionals=("-",)),
    # what pip would reject
    case(
        "an unknown long option is recorded in unknown and problem",
        "install --frobnicate attrs",
        unknown=("--frobnicate",),
        positionals=("attrs",),
        problem="no such option: --frobnicate",
    ),
    case(
        "an unknown long option with a value is reported by its name",
        "install --frob=1",
        unknown=("--frob=1",),
        problem="no such option: --frob",
    ),
    case(
        "an unknown short flag in a cluster is reported alone",
        "install -Uz attrs",
        opts={"--upgrade": [True]},
        unknown=("-Uz",),
        positionals=("attrs",),
        problem="no such option: -z",
    ),
    case(
        "an option of another command is unknown",
        "list --target x",
        command="list",
        unknown=("--target",),
        positionals=("x",),
        problem="no such option: --target",
    ),
    case(
        "a long option missing its value",
        "install attrs --target",
        positionals=("attrs",),
        problem="--target option requires an argument",
    ),
    case("a short option missing its value", "install -r", problem="-r option requires an argument"),
    case(
        "a flag given a value",
        "install --user=1 attrs",
        positionals=("attrs",),
        problem="--user option does not take a value",
    ),
    case(
        "the first problem is the one reported",
        "install --frob --target",
        unknown=("--frob",),
        problem="no such option: --frob",
    ),
    case(
        "an unknown command is a problem",
        "frobnicate x",
        command="frobnicate",
        positionals=("x",),
        problem="unknown command 'frobnicate'",
    ),
    case(
        "--no-user is recorded as --user switched off",
        "install --user --no-user",
        opts={"--user": [True, False]},
    ),
]


def vcase(version: str, argv: str, **expect):
    return pytest.param(version, argv.split(), expect, id=f"pip {version}: {argv}")


# The same line, read by the pips that will run it (pip_options records which pips know what).
VERSION_CASES = [
    vcase("23.0", "install --in U attrs", problem="ambiguous option: --in (--index-url, --install-option?)"),
    vcase("24.0", "install --in U attrs", opts={"--index-url": ["U"]}),
    vcase("25.1.1", "install --in U attrs", opts={"--index-url": ["U"]}),
    vcase("25.1.1", "install --b attrs", opts={"--break-system-packages": [True]}),
    vcase(
        "25.3",
        "install --b attrs",
        problem="ambiguous option: --b (--break-system-packages, --build-constraint?)",
    ),
    vcase("23.0", "install -C k=v attrs", problem="no such option: -C"),
    vcase("23.1", "install -C k=v attrs", opts={"--config-settings": ["k=v"]}),
    vcase("24.3.1", "install --group dev attrs", problem="no such option: --group"),
    vcase("25.1", "install --group dev attrs", opts={"--group": ["dev"]}),
    vcase("24.3.1", "lock attrs", command="lock", problem="unknown command 'lock'"),
    vcase("25.1.1", "lock --no-use-pep517 attrs", command="lock", opts={"--no-use-pep517": [True]}),
    vcase("25.3", "lock --no-use-pep517 attrs", command="lock", problem="no such option: --no-use-pep517"),
    vcase("25.2", "install --global-option=x attrs", opts={"--global-option": ["x"]}),
    vcase("25.3", "install --global-option=x attrs", problem="no such option: --global-option"),
    vcase("23.0", "install --install-option=x attrs", opts={"--install-option": ["x"]}),
    vcase("23.1", "install --install-option=x attrs", problem="no such option: --install-option"),
    # versions outside the table: older reads as the oldest, newer as the newest
    vcase("22.3.1", "install --in U attrs", problem="ambiguous option: --in (--index-url, --install-option?)"),
    vcase("99.0", "lock --no-use-pep517 attrs", command="lock", problem="no such option: --no-use-pep517"),
]


@pytest.mark.parametrize(("version", "argv", "expect"), VERSION_CASES)
def test_parse_as_a_given_pip_reads_it(version, argv, expect):
    args = parse(argv, version)
    assert args.command == expect.get("command", "install")
    assert args.opts == expect.get("opts", {})
    assert args.problem == expect.get("problem")
    if args.problem is None:
        assert args.positionals == ("attrs",)


@pytest.mark.parametrize(
    ("given", "table"),
    [
        (None, pip_options.VERSIONS[-1]),
        ("23.1.1", "23.1.1"),
        ("25.1.1", "25.1.1"),
        ("25.1.1+debian", "25.1.1"),
        ("25.1.2", "25.1.1"),  # not a release: the newest one before it
        ("26.0b1", "26.0"),
        ("1.5", pip_options.VERSIONS[0]),
        ("999.1", pip_options.VERSIONS[-1]),
        ("", pip_options.VERSIONS[0]),
    ],
)
def test_a_pip_version_is_read_with_the_table_of_the_newest_release_not_newer(given, table):
    assert table_version(given) == table


def test_each_release_of_the_tables_reads_as_itself_named_or_compared():
    """A release VERSIONS names is taken as its own table without comparing keys: that holds
    only while VERSIONS ascends strictly; a local version (+debian) is compared, and agrees."""
    keys = [version_key(v) for v in pip_options.VERSIONS]
    assert keys == sorted(set(keys))
    for version in pip_options.VERSIONS:
        assert table_version(version) == table_version(f"{version}+debian") == version


def test_parse_is_fast():
    """It runs on every pip call: well under a millisecond for a typical line."""
    argv = ["install", "--user", "-r", "requirements.txt", "--target=/tmp/t", "-Uq", "--in", "U", "attrs"]
    parse(argv, "25.1.1")
    rounds = 2000
    took = min(timeit.repeat(lambda: parse(argv, "25.1.1"), number=rounds, repeat=3)) / rounds
    assert took < 0.0005, f"parse() took {took * 1e6:.0f} µs"


@pytest.mark.parametrize(("argv", "expect"), CASES)
def test_parse(argv, expect):
    args = parse(argv)
    assert args.argv == tuple(argv)
    assert args.command == expect.get("command", "install")
    assert args.opts == expect.get("opts", {})
    assert args.positionals == expect.get("positionals", ())
    assert args.unknown == expect.get("unknown", ())
    assert args.problem == expect.get("problem")


def test_flag_last_and_count():
    args = parse(["-qq", "install", "--user", "--no-user", "-r", "a", "-r", "b"])
    assert args.count("--quiet") == 2
    assert args.flag("--quiet")
    assert not args.flag("--user")
    assert args.last("--requirement") == "b"
    assert args.values("--requirement") == ["a", "b"]
    assert args.last("--target", "none") == "none"
    assert args.values("--target") == []
    assert args.count("--verbose") == 0


def test_every_name_of_the_python_option_starts_with_dashdash_p():
    """What lets python_option() skip a line with no word starting with --p: no other name (in
    any table, any pip) reads as --python, and an abbreviation of it starts with --p too."""
    tables = [pip_options.GENERAL, pip_options.COMMON, *pip_options.COMMAND_OPTIONS.values()]
    names = [entry.rpartition("=")[0].split() for table in tables for entry in table]
    assert any(n[0] == "--python" for n in names)
    assert all(name.startswith("--p") for n in names if "--python" in n for name in n)


@pytest.mark.parametrize(
    "argv",
    [*(c.values[0] for c in CASES), ["install", "--py=/x", "a"], ["--p", "/x", "list"], ["install", "--", "--python"]],
)
def test_python_option_reads_as_the_newest_pip(argv):
    assert python_option(argv) == parse(argv).last("--python")


@pytest.mark.parametrize(
    ("argv", "rest"),
    [
        pytest.param("--python /usr/bin/python3 install attrs", "install attrs", id="--python X before the command"),
        pytest.param("install --python=/x/python attrs -q", "install attrs -q", id="--python=X after the command"),
        pytest.param("-q --pyth /x/py list", "-q list", id="an abbreviated --python"),
        pytest.param("install --target /x/python attrs", "install --target /x/python attrs", id="no --python"),
        pytest.param("install -- --python x", "install -- --python x", id="--python after -- is a positional"),
    ],
)
def test_without_python_option_drops_exactly_the_python_option(argv, rest):
    assert parse(argv.split()).without_python_option() == tuple(rest.split())


@pytest.mark.parametrize(
    ("word", "value"),
    [
        *[(w, True) for w in ("y", "yes", "t", "true", "on", "1", "TRUE", "Yes")],
        *[(w, False) for w in ("n", "no", "f", "false", "off", "0", "OFF", "False")],
        # pip strips nothing: PIP_BREAK_SYSTEM_PACKAGES=" on " is "not a valid value" to pip
        *[(w, None) for w in (None, "", "2", "maybe", "enabled", " on ", "1\n")],
    ],
)
def test_truthy_reads_pips_boolean_words(word, value):
    assert truthy(word) is value
