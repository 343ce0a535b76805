"""Read a pip command line the way pip's optparse parser reads it (pure, no pip import).

pip parses general options up to the first positional (the subcommand), then the
subcommand's options and the general ones, interspersed with positionals, with
optparse's rules: unique-prefix abbreviation of long options, ``--opt=value`` and
``--opt value``, clustered short flags (``-Uq``, ``-tDIR``), and ``--`` ending options.
Anything we cannot read exactly is recorded in ``unknown``/``problem`` so the
caller can hand the command to pip unchanged instead of guessing.
"""

from __future__ import annotations

from collections import namedtuple

from pipshim.pip_options import COMMANDS, GENERAL

_Table = namedtuple("_Table", "longs shorts")


def _table(entries: tuple[str, ...]) -> tuple[dict[str, tuple[str, bool]], dict[str, tuple[str, bool]]]:
    longs: dict[str, tuple[str, bool]] = {}
    shorts: dict[str, tuple[str, bool]] = {}
    for entry in entries:
        names, _, value = entry.rpartition("=")
        parts = names.split()
        canonical, takes_value = parts[0], value == "1"
        for name in parts:
            (longs if name.startswith("--") else shorts)[name] = (canonical, takes_value)
    return longs, shorts


_TABLES: dict[str, _Table] = {}

# store_false twins: recorded under the option they switch off, so "last one wins" holds
_NEGATIONS = {"--no-user": "--user"}


def _options_for(command: str | None) -> _Table:
    key = command or ""
    if key not in _TABLES:
        g_long, g_short = _table(GENERAL)
        if command in COMMANDS:
            c_long, c_short = _table(COMMANDS[command])
            g_long = {**g_long, **c_long}
            g_short = {**g_short, **c_short}
        _TABLES[key] = _Table(g_long, g_short)
    return _TABLES[key]


class PipArgs(namedtuple("PipArgs", "argv command opts positionals unknown problem python_at")):
    """A parsed pip command line.

    argv: the arguments as given (after the program name); command: the
    subcommand or None; opts: canonical long option -> list of values (a flag
    contributes ``True``); positionals: arguments after the subcommand;
    unknown: option tokens pip's tables do not have; problem: why the line
    cannot be read exactly (pip will report it), or None; python_at: the argv
    indexes that carry ``--python X``, so a route can drop them.
    """

    __slots__ = ()

    def values(self, name: str) -> list:
        return self.opts.get(name, [])

    def last(self, name: str, default=None):
        vals = self.opts.get(name)
        return vals[-1] if vals else default

    def flag(self, name: str) -> bool:
        """A flag given and not switched off later (``--user`` then ``--no-user`` is off)."""
        return bool(self.last(name, False))

    def count(self, name: str) -> int:
        return len(self.opts.get(name, ()))

    def without_python_option(self) -> tuple[str, ...]:
        """The argv minus ``--python X`` (it names the interpreter we route away from)."""
        return tuple(a for i, a in enumerate(self.argv) if i not in self.python_at)


def _match_long(token: str, longs: dict[str, tuple[str, bool]]) -> tuple[str | None, str | None]:
    """optparse's _match_abbrev: the exact name, else a unique prefix. Returns (name, problem)."""
    if token in longs:
        return token, None
    hits = sorted(name for name in longs if name.startswith(token))
    if len(hits) == 1:
        return hits[0], None
    if hits:
        return None, f"ambiguous option: {token} ({', '.join(hits)}?)"
    return None, None


def parse(argv: list[str] | tuple[str, ...], pip_version: str | None = None) -> PipArgs:
    argv = tuple(argv)
    opts: dict[str, list] = {}
    positionals: list[str] = []
    unknown: list[str] = []
    problem: str | None = None
    python_at: list[int] = []
    command: str | None = None
    table = _options_for(None)
    i = 0
    only_positionals = False

    def take(name: str, value) -> None:
        opts.setdefault(name, []).append(value)

    while i < len(argv):
        arg = argv[i]
        start = i
        i += 1
        if only_positionals or arg == "-" or not arg.startswith("-"):
            if command is None:
                command = arg
                table = _options_for(command)
            else:
                positionals.append(arg)
            continue
        if arg == "--":
            only_positionals = True
            continue
        if arg.startswith("--"):
            name, _, inline = arg.partition("=")
            full, why = _match_long(name, table.longs)
            if full is None:
                unknown.append(arg)
                problem = problem or why or f"no such option: {name}"
                continue
            canonical, takes_value = table.longs[full]
            if takes_value:
                if "=" in arg:
                    value = inline
                elif i < len(argv):
                    value = argv[i]
                    i += 1
                else:
                    problem = problem or f"{full} option requires an argument"
                    continue
                take(canonical, value)
            elif "=" in arg:
                problem = problem or f"{full} option does not take a value"
            elif canonical in _NEGATIONS:
                take(_NEGATIONS[canonical], False)
            else:
                take(canonical, True)
            if canonical == "--python":
                python_at.extend(range(start, i))
            continue
        # a cluster of short options: -Uq, -qqq, -tDIR, -r file
        for pos in range(1, len(arg)):
            short = "-" + arg[pos]
            if short not in table.shorts:
                unknown.append(arg)
                problem = problem or f"no such option: {short}"
                break
            canonical, takes_value = table.shorts[short]
            if not takes_value:
                take(canonical, True)
                continue
            rest = arg[pos + 1 :]
            if rest:
                take(canonical, rest)
            elif i < len(argv):
                take(canonical, argv[i])
                i += 1
            else:
                problem = problem or f"{short} option requires an argument"
            break
    if command is not None and command not in COMMANDS:
        problem = problem or f"unknown command {command!r}"
    return PipArgs(argv, command, opts, tuple(positionals), tuple(unknown), problem, frozenset(python_at))


TRUE_WORDS = frozenset(("y", "yes", "t", "true", "on", "1"))
FALSE_WORDS = frozenset(("n", "no", "f", "false", "off", "0"))


def truthy(value: str | None) -> bool | None:
    """pip's strtobool: True, False, or None for unset/unreadable."""
    if value is None:
        return None
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None
