"""pip_argv.parse() against pip's own parser, form by form, for several pip versions (issue 8, "Fast tests").

Each command-line form in CORPUS is read twice: by pip's own two-pass parser
(``parse_command`` then the subcommand's optparse parser, the exact code ``pip`` runs) and by
``pipshim.pip_argv.parse(argv, pip_version)``. They must agree on:

- whether the line is an error (pip exits 2 or raises CommandError exactly when pipshim sets
  ``problem``);
- the subcommand and its positionals;
- the value of every option in WATCHED that the subcommand has, read from pip's ``options``
  through the option's own dest and action (so ``--user`` is ``use_user_site`` for install and
  ``user`` for list), and that pipshim records no WATCHED option the subcommand lacks.

The pip of the test environment (the newest, ``make dev`` installs it) is imported in-process.
Other versions are pip wheels from PyPI, kept in the cache tools/gen_pip_options.py uses
(``~/.cache/pipshim-test/pip-wheels``; downloaded by the ``pip_wheels`` fixture when missing:
without the network on a clean cache the test fails, it never skips). Each of those pips
reads the whole corpus in one subprocess, whose verdicts are kept beside the wheel (keyed by
the harness and the corpus), so later runs only re-run pipshim's side.

Values pip validates after reading them (choices, numbers, ``-C KEY=VAL``) are pip's business
(pipshim hands such a line to pip, which reports it), so the corpus gives valid ones.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pipshim import pip_options
from pipshim.pip_argv import parse, version_key

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("gen_pip_options", REPO / "tools" / "gen_pip_options.py")
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)

# Options whose values move an install, name what is installed, or are checked by routing.
WATCHED = (
    "--target",
    "--prefix",
    "--root",
    "--user",
    "--dry-run",
    "--report",
    "--break-system-packages",
    "--python",
    "--requirement",
    "--constraint",
    "--editable",
    "--index-url",
    "--extra-index-url",
    "--upgrade",
    "--quiet",
    "--verbose",
    "--isolated",
    "--no-deps",
    "--force-reinstall",
    "--no-index",
    "--pre",
    "--group",
    "--output",
    "--exists-action",
    "--require-virtualenv",
    "--version",
)

# Reads each form with pip's own parser: run in-process (exec) or in a subprocess (__main__).
HARNESS = r"""
import contextlib, io, json, os, sys

def pip_reads(argv, watched):
    from pip._internal.cli.main_parser import parse_command
    from pip._internal.commands import create_command
    from pip._internal.exceptions import CommandError, PipError

    out = io.StringIO()
    command = None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            command, cmd_args = parse_command(list(argv))
            parser = create_command(command, isolated=("--isolated" in cmd_args)).parser
            for key, default in list(parser.defaults.items()):
                if isinstance(default, list):  # a list default is shared by every parser pip builds
                    parser.defaults[key] = list(default)
            options, args = parser.parse_args(cmd_args)
    except SystemExit as exc:
        status = "ok-exit" if exc.code in (None, 0) else "error"
        return {"status": status, "command": command, "why": out.getvalue()[-300:]}
    except (CommandError, PipError) as exc:
        return {"status": "error", "command": command, "why": str(exc)}
    values = {}
    for name in watched:
        if parser.has_option(name):
            option = parser.get_option(name)
            value = getattr(options, option.dest, None)
            if isinstance(value, list):  # --group: (path, group) pairs on newer pips
                value = [v if isinstance(v, str) else list(v) for v in value]
            values[name] = [option.action, value, parser.defaults.get(option.dest)]
    return {"status": "ok", "command": command, "args": list(args), "values": values}

def quiet_environment():
    for key in [k for k in os.environ if k.startswith("PIP_")]:
        del os.environ[key]
    os.environ["PIP_CONFIG_FILE"] = os.devnull
    os.environ["_PIP_RUNNING_IN_SUBPROCESS"] = "1"  # read --python X here, do not re-run pip under X

if __name__ == "__main__":
    sys.path.insert(0, sys.argv[1])
    quiet_environment()
    import pip
    request = json.load(sys.stdin)
    results = [pip_reads(argv, request["watched"]) for argv in request["forms"]]
    print(json.dumps({"version": pip.__version__, "location": pip.__file__, "results": results}))
"""

FORMS = r"""
install attrs
install attrs six==1.16
install -U attrs
install --upgrade attrs -q
install -Uq attrs
install -qU attrs
install -qqq attrs
-q install attrs
-qq install -q attrs
-v install attrs
-vvq install attrs
install --user attrs
install --no-user attrs
install --user --no-user attrs
install --no-user --user attrs
install --us attrs
install --no-us attrs
install -t /tmp/t attrs
install -t/tmp/t attrs
install --target /tmp/t attrs
install --target=/tmp/t attrs
install --targ /tmp/t attrs
install --targ=/tmp/t attrs
install --target= attrs
install attrs --target /tmp/t
install -Ut /tmp/t attrs
install -qt/tmp/t attrs
install --prefix /opt/p attrs
install --prefix=/opt/p attrs
install --pref /opt/p attrs
install --root /tmp/r attrs
install --root=/tmp/r attrs
install --roo /tmp/r attrs
install --root-user-action=ignore attrs
install --dry-run attrs
install --dry attrs
install --dry-run --report - attrs
install --report=/tmp/r.json attrs
install --rep /tmp/r.json attrs
install --break-system-packages attrs
install --break attrs
install --br attrs
uninstall --break-system-packages attrs
uninstall -y attrs
uninstall --break -y attrs
--python /usr/bin/python3 install attrs
--python=/usr/bin/python3 install attrs
install --python /usr/bin/python3 attrs
install --python=/x/python attrs
--pyth /usr/bin/python3 install attrs
--pyth /usr/bin/python3 list
install --pyth 3.12 attrs
install --python-version 3.12 --only-binary=:all: -t /tmp/t attrs
-r req.txt install
install -r req.txt
install -rreq.txt
install --requirement req.txt
install --requirement=req.txt
install --requirem req.txt
install -r a.txt -r b.txt --requirement c.txt
install -qr req.txt attrs
install -c c.txt -r r.txt
install --constraint=c.txt attrs
install -e .
install -e. attrs
install --editable=. --no-deps
install -i https://example.org/simple attrs
install --index-url https://example.org/simple attrs
install --in https://example.org/simple attrs
install --ind https://example.org/simple attrs
install --pypi-url https://example.org/simple attrs
install --extra-index-url https://a/simple --extra-index-url https://b/simple attrs
install --ex https://a/simple attrs
install --no-index -f /tmp/wheels attrs
install --no-i attrs
install --no-dependencies attrs
install --no-dep attrs
install --no-deps attrs
install --no-d attrs
install --no-p attrs
install --a attrs
install --b attrs
install --o attrs
install --pre attrs
install --force-reinstall attrs
install --force attrs
install --upgr attrs
install --upgrade-strategy eager -U attrs
install --isolated attrs
--isolated install attrs
--isol install attrs
install --exists-action=i attrs
--exists-action w install attrs
install --require-virtualenv attrs
--require-venv install attrs
install --install-option=--prefix=/x attrs
install --global-option=x attrs
install --no-use-pep517-typo attrs
install --use-pep517 attrs
install --config-settings k=v attrs
install -C k=v attrs
install -Ck=v attrs
install --group dev
install --gro dev
install --only-deps attrs
install --uploaded-prior-to 2024-01-01 attrs
lock -r req.txt
lock -o pylock.toml attrs
lock --output=pylock.toml attrs
lock -e . -o out.toml
lock --in https://example.org/simple attrs
download -d /tmp/d attrs
download --no-deps -d /tmp/d attrs
wheel -w /tmp/w attrs
list
list --user
list --us
list --format=json
list --target /tmp/t
list -o
list --outdated --not-required
show attrs
show -f attrs
freeze --all
freeze --user
freeze --path /tmp/x
check
cache dir
cache purge
config list
config --user set global.index-url https://x
config --global list
help
help install
debug --platform linux_x86_64
hash /tmp/a.whl
inspect
index versions attrs
completion --bash
search attrs
-- install attrs
install -- --user -q
install -- -r req.txt
install attrs -- -e .
install -r - -
install - attrs
-
frobnicate x
--frobnicate install attrs
install --frobnicate attrs
install --frob=1 attrs
install -Uz attrs
install -z
install attrs --target
install -r
install --user=1 attrs
install --dry-run=yes attrs
install --frob --target
--cache-dir list install attrs
--cache-dir install -q install attrs
--log /tmp/log install attrs
--log=/tmp/log install attrs
--timeout 5 --retries 2 install attrs
--default-timeout=5 install attrs
--no-cache-dir install attrs
--no-input install attrs
--disable-pip-version-check install attrs
--proxy http://p:3128 install attrs
--cert /tmp/c.pem install attrs
--trusted-host example.org install attrs
--keyring-provider=disabled install attrs
--no-color install attrs
--debug install attrs
-q
--version
-V
install --version
install -V attrs
install --help
install -h
-h
--python /usr/bin/python3
--user install attrs
-U install attrs
-t /tmp/t install attrs
install -e
""".strip().splitlines()

CORPUS = [shlex.split(line) for line in FORMS]


def disagreement(argv: list[str], version: str, pip: dict) -> str | None:
    """Why pipshim (reading as pip ``version``) does not read ``argv`` as pip did, or None."""
    ours = parse(argv, version)
    where = f"pip {version}: {shlex.join(argv)!r}:"
    if pip["status"] == "error":
        if ours.problem is None:
            return f"{where} pip rejects it ({pip['why'].strip()[-160:]!r}) but pipshim reads it without a problem"
        return None
    if ours.problem is not None:
        return f"{where} pip reads it ({pip['status']}) but pipshim reports {ours.problem!r}"
    if pip["status"] == "ok-exit":  # --help, --version, pip alone: pip prints and stops
        return None
    if ours.command != pip["command"]:
        return f"{where} pip's command is {pip['command']!r}, pipshim's {ours.command!r}"
    if list(ours.positionals) != pip["args"]:
        return f"{where} pip's positionals are {pip['args']}, pipshim's {list(ours.positionals)}"
    for name in WATCHED:
        if name not in pip["values"]:
            if name in ours.opts:
                return f"{where} {pip['command']} has no {name}, but pipshim recorded {ours.opts[name]}"
            continue
        action, value, default = pip["values"][name]
        if action in ("append", "callback"):  # callback: --group appends (path, group) pairs
            want = [v if isinstance(v, str) else v[-1] for v in value or []]
            got = ours.values(name)
            if name == "--group":
                want, got = [v.rpartition(":")[2] for v in want], [v.rpartition(":")[2] for v in got]
        elif action == "count":
            want, got = value or 0, ours.count(name)
        elif action in ("store_true", "store_false"):
            # --user/--no-user share one dest: the last of them decides; unset is None or False
            want, got = value, ours.last(name)
            if want is None or got is None:
                want, got = bool(want), bool(got)
        else:
            want, got = value, ours.last(name, default)
        if want != got:
            return f"{where} {name} is {want!r} for pip, {got!r} for pipshim (opts {ours.opts})"
    return None


# --- pip's side -------------------------------------------------------------------------------


def _harness_namespace() -> dict:
    namespace: dict = {"__name__": "pip_harness"}
    exec(HARNESS, namespace)
    return namespace


@pytest.fixture(scope="module")
def installed_pip() -> dict:
    """The test environment's pip reads the corpus in this process."""
    import pip

    harness = _harness_namespace()
    saved = dict(os.environ)
    try:
        harness["quiet_environment"]()
        results = [harness["pip_reads"](argv, WATCHED) for argv in CORPUS]
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {"version": pip.__version__, "results": results}


def versions_to_read() -> list[str]:
    """The pips whose tables differ from the one before, the one before each change, and the
    pips of the Pythons people run: the system pip and the distributions' pips named in issue 10."""

    def table(i: int) -> frozenset:
        from pipshim.pip_argv import _has

        live = {("", e) for e, s in pip_options.GENERAL.items() if _has(s, i)}
        live |= {("cmd", c) for c, s in pip_options.COMMANDS.items() if _has(s, i)}
        for command, entries in pip_options.COMMAND_OPTIONS.items():
            live |= {(command, e) for e, s in entries.items() if _has(s, i)}
        return frozenset(live)

    versions = pip_options.VERSIONS
    tables = [table(i) for i in range(len(versions))]
    chosen = {versions[0], versions[-1]}
    for i in range(1, len(versions)):
        if tables[i] != tables[i - 1]:
            chosen |= {versions[i - 1], versions[i]}
    chosen |= {v for v in ("24.0", "25.1.1") if v in versions}  # Ubuntu 24.04, Debian 13
    return sorted(chosen, key=version_key)


@pytest.fixture(scope="module")
def pip_wheels() -> dict[str, str]:
    """version -> pip wheel, fetched from PyPI into the persistent cache when missing."""
    cache = gen.default_cache()
    wanted = versions_to_read()
    try:
        return gen.fetch_wheels(wanted, cache)
    except gen.GenError as exc:
        pytest.fail(f"the pip wheels of {wanted} are needed in {cache} and could not be fetched from PyPI:\n{exc}")


@pytest.fixture(scope="module")
def wheel_pips(pip_wheels) -> dict[str, dict]:
    """version -> that pip's reading of the whole corpus: one subprocess per version."""
    request = json.dumps({"forms": CORPUS, "watched": WATCHED})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}

    key = hashlib.sha1(f"{HARNESS}{request}".encode()).hexdigest()[:12]

    def read(item: tuple[str, str]) -> dict:
        version, wheel = item
        # a wheel never changes, so neither does its reading of this corpus: kept beside it
        memo = Path(f"{gen.unpacked(wheel)}.verdicts-{key}.json")
        if memo.exists():
            return json.loads(memo.read_text())
        pythons = gen.python_for(wheel, [sys.executable, *gen.pythons()])
        errors = []
        for python in pythons:
            out = subprocess.run(
                [python, "-I", "-c", HARNESS, gen.unpacked(wheel)],
                input=request,
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
            )
            if out.returncode == 0:
                data = json.loads(out.stdout)
                assert data["version"] == version, data
                assert data["location"].startswith(gen.unpacked(wheel)), data["location"]
                memo.with_suffix(".tmp").write_text(out.stdout)
                memo.with_suffix(".tmp").replace(memo)
                return data
            errors.append(f"{python}: {out.stderr.strip()[-400:]}")
        pytest.fail(f"no interpreter here could read the corpus with pip {version}:\n" + "\n".join(errors))

    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        return {data["version"]: data for data in pool.map(read, pip_wheels.items())}


# --- the tests ----------------------------------------------------------------------------------


def test_the_corpus_is_large_and_has_no_duplicates():
    assert len(CORPUS) >= 100
    assert len({tuple(a) for a in CORPUS}) == len(CORPUS)


def test_the_installed_pip_and_pipshim_read_every_form_alike(installed_pip):
    version = installed_pip["version"]
    problems = [why for argv, pip in zip(CORPUS, installed_pip["results"]) if (why := disagreement(argv, version, pip))]
    assert not problems, f"{len(problems)} of {len(CORPUS)} forms:\n  " + "\n  ".join(problems)


def test_every_pip_in_the_table_reads_every_form_as_pipshim_does(wheel_pips):
    problems = []
    for version, data in wheel_pips.items():
        problems += [why for argv, pip in zip(CORPUS, data["results"]) if (why := disagreement(argv, version, pip))]
    assert not problems, f"{len(problems)} disagreements over {sorted(wheel_pips)}:\n  " + "\n  ".join(problems)


def test_the_corpus_tells_versions_apart(wheel_pips):
    """The corpus is worth running per version: some forms are read differently by different pips."""
    verdicts = {
        tuple(argv): {data["results"][k]["status"] for data in wheel_pips.values()} for k, argv in enumerate(CORPUS)
    }
    differing = [argv for argv, seen in verdicts.items() if len(seen) > 1]
    assert ("install", "--in", "https://example.org/simple", "attrs") in differing
    assert len(differing) >= 5, differing
