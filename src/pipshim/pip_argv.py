"""Read a pip command line the way a given pip's optparse parser reads it (pure, no pip import).

pip reads its command line in two passes (``pip._internal.cli.main_parser.parse_command``):
the general options up to the first positional, which names the subcommand; then the whole
line minus that name, with the subcommand's parser (its own options and the general ones,
interspersed with positionals). Both follow optparse's rules: unique-prefix abbreviation of
long options, ``--opt=value`` and ``--opt value``, clustered short flags (``-Uq``, ``-tDIR``),
and ``--`` ending options. Which options exist, and so which prefixes are unique, depends on
the pip version: ``parse(argv, "25.1.1")`` reads as pip 25.1.1 does, from the per-version
tables in ``pipshim.pip_options``. Anything we cannot read exactly is recorded in
``unknown``/``problem`` so the caller can hand the command to pip unchanged instead of guessing.
Values pip checks after reading them (choices, numbers, ``-C KEY=VAL``) are left to pip.
"""

from __future__ import annotations

from collections.abc import Callable

from pipshim import pip_options
from pipshim.record import Record

# for annotations only: typing costs about 5 ms on every pip call
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_Table = tuple  # (longs, shorts): option name -> (canonical name, takes a value)

MUTATING = ("install", "uninstall")  # the pip commands that change an environment
NOTED_READS = ("list", "show")  # the reads the pipx note may answer (apps.read_note)

# store_false twins: recorded under the option they switch off, so "last one wins" holds
_NEGATIONS = {"--no-user": "--user"}


def version_key(version: str) -> tuple[int, ...]:
    """The numeric release of a pip version: ``25.1.1`` -> (25, 1, 1), ``26.0b1`` -> (26, 0)."""
    parts = []
    for piece in version.split("."):
        end = 0
        while end < len(piece) and piece[end].isdigit():
            end += 1
        if not end:
            break
        parts.append(int(piece[:end]))
        if end != len(piece):
            break
    return tuple(parts)


_KEYS: list[tuple[int, ...]] = []
_VERSION_INDEX: dict[str | None, int] = {}


def table_version(pip_version: str | None) -> str:
    """The version whose table reads ``pip_version``'s command lines: the newest known release
    not newer than it; the oldest table for older pips, the newest for None and newer pips."""
    return pip_options.VERSIONS[_version_index(pip_version)]


def _version_index(pip_version: str | None) -> int:
    index = _VERSION_INDEX.get(pip_version)
    if index is None:
        # None is the newest table, and a release the tables name is its own (VERSIONS ascends
        # strictly, which test_pip_argv holds): only another version is compared, key by key
        index = len(pip_options.VERSIONS) - 1 if pip_version is None else _positions().get(pip_version)
        if index is None:
            if not _KEYS:
                _KEYS.extend(version_key(v) for v in pip_options.VERSIONS)
            key = version_key(pip_version)
            index = len(_KEYS) - 1
            while index > 0 and _KEYS[index] > key:
                index -= 1
        _VERSION_INDEX[pip_version] = index
    return index


_POSITIONS: dict[str, int] = {}


def _positions() -> dict[str, int]:
    """Each release in VERSIONS -> its index."""
    if not _POSITIONS:
        _POSITIONS.update((v, i) for i, v in enumerate(pip_options.VERSIONS))
    return _POSITIONS


def _has(spans: tuple, index: int) -> bool:
    """Whether the version at ``index`` lies in one of the (first, last) runs of ``spans``."""
    positions = _positions()
    for k in range(0, len(spans), 2):
        last = spans[k + 1]
        if positions[spans[k]] <= index and (last is None or index <= positions[last]):
            return True
    return False


_TABLES: dict[tuple[int, str], _Table] = {}


def _add(entries: dict[str, tuple], index: int, longs: dict, shorts: dict) -> None:
    positions = _positions()
    for entry, spans in entries.items():
        if len(spans) == 2:  # one run of versions, as most options have: _has() without the call
            first, last = spans
            if positions[first] > index or (last is not None and positions[last] < index):
                continue
        elif not _has(spans, index):
            continue
        names, _, value = entry.rpartition("=")
        parts = names.split()
        hit = (parts[0], value == "1")  # (canonical name, takes a value), one for all its names
        for name in parts:
            (longs if name.startswith("--") else shorts)[name] = hit


def has_command(command: str | None, index: int) -> bool:
    spans = pip_options.COMMANDS.get(command)  # type: ignore[arg-type]
    return spans is not None and _has(spans, index)


def _options_for(command: str | None, index: int) -> _Table:
    """The options pip (the version at ``index``) reads: its main parser's for None or an
    unknown command, else the command's parser's (the common ones and its own)."""
    key = (index, command or "")
    table = _TABLES.get(key)
    if table is None:
        longs: dict[str, tuple[str, bool]] = {}
        shorts: dict[str, tuple[str, bool]] = {}
        if command is not None and has_command(command, index):
            _add(pip_options.COMMON, index, longs, shorts)
            _add(pip_options.COMMAND_OPTIONS[command], index, longs, shorts)
        else:
            _add(pip_options.GENERAL, index, longs, shorts)
        table = _TABLES[key] = (longs, shorts)
    return table


def options_for(command: str | None, pip_version: str | None = None) -> dict[str, tuple[str, bool]]:
    """Every option name pip ``pip_version`` reads for ``command`` -> (canonical name, takes a value)."""
    longs, shorts = _options_for(command, _version_index(pip_version))
    return {**longs, **shorts}


class PipArgs(Record):
    """A parsed pip command line.

    argv: the arguments as given (after the program name); command: the
    subcommand or None; opts: canonical long option -> list of values (a flag
    contributes ``True``); positionals: arguments after the subcommand;
    unknown: option tokens pip's tables do not have; problem: why the line
    cannot be read exactly (pip will report it), or None; python_at: the argv
    indexes that carry ``--python X``, so a route can drop them; positional_at: the argv
    index of each positional; command_at: the argv index of the subcommand (-1: none).
    """

    argv: tuple
    command: str | None
    opts: dict
    positionals: tuple
    unknown: tuple
    problem: str | None
    python_at: frozenset
    positional_at: tuple = ()
    command_at: int = -1

    def values(self, name: str) -> list:
        return self.opts.get(name, [])

    def last(self, name: str, default: object = None) -> Any:
        vals = self.opts.get(name)
        return vals[-1] if vals else default

    def flag(self, name: str) -> bool:
        """A flag given and not switched off later (``--user`` then ``--no-user`` is off)."""
        return bool(self.last(name, False))

    def count(self, name: str) -> int:
        return len(self.opts.get(name, ()))

    def with_options(self, extra: tuple[str, ...]) -> tuple[str, ...]:
        """The argv with ``extra`` options right after the subcommand, so that a ``--`` later
        on the line (the end of the options) cannot turn them into requirements."""
        if not extra:
            return self.argv
        cut = self.command_at + 1 if self.command_at >= 0 else len(self.argv)
        return (*self.argv[:cut], *extra, *self.argv[cut:])

    def without_python_option(self) -> tuple[str, ...]:
        """The argv minus ``--python X`` (it names the interpreter we route away from)."""
        return tuple(a for i, a in enumerate(self.argv) if i not in self.python_at)

    def dropping(self, at: frozenset) -> PipArgs:
        """The same line without the positionals at the argv indexes ``at`` (those pipx takes)."""
        from pipshim.record import replace

        keep = [i for i in range(len(self.argv)) if i not in at]
        moved = {old: new for new, old in enumerate(keep)}
        pairs = [(p, i) for p, i in zip(self.positionals, self.positional_at) if i not in at]
        return replace(
            self,
            argv=tuple(self.argv[i] for i in keep),
            positionals=tuple(p for p, _ in pairs),
            positional_at=tuple(moved[i] for _, i in pairs),
            python_at=frozenset(moved[i] for i in self.python_at if i in moved),
            command_at=moved.get(self.command_at, -1),
        )


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


class _Pass(Record):
    """One optparse pass: stop is the index of the first positional when options stop there."""

    opts: dict
    positionals: list
    unknown: list
    problem: str | None
    python_at: list
    stop: int | None
    positional_at: tuple = ()


def _read(argv: tuple[str, ...], at: tuple[int, ...], table: Callable[[], _Table], interspersed: bool) -> _Pass:
    """Read ``argv`` like optparse's _process_args; ``at`` maps each token to its index in the
    caller's argv (for python_at). Unlike optparse it reads on after a problem, best effort.
    ``table()`` is asked for the options at the first word that names one: a line with none
    (``install NAME``, the most common) is read without building a table."""
    opts: dict[str, list] = {}
    positionals: list[str] = []
    unknown: list[str] = []
    problem: str | None = None
    python_at: list[int] = []
    positional_at: list[int] = []
    longs: dict[str, tuple[str, bool]] | None = None
    shorts: dict[str, tuple[str, bool]] = {}
    n = len(argv)
    i = 0
    while i < n:
        arg = argv[i]
        start = i
        i += 1
        if arg == "--":
            positionals.extend(argv[i:])
            positional_at.extend(at[i:])
            stop = i if not interspersed else None
            return _Pass(opts, positionals, unknown, problem, python_at, stop, tuple(positional_at))
        if arg[:1] != "-" or arg == "-":
            if not interspersed:
                return _Pass(opts, list(argv[start:]), unknown, problem, python_at, start)
            positionals.append(arg)
            positional_at.append(at[start])
            continue
        if longs is None:
            longs, shorts = table()
        if arg[1] == "-":
            name, eq, inline = arg.partition("=")
            full, why = _match_long(name, longs)
            if full is None:
                unknown.append(arg)
                problem = problem or why or f"no such option: {name}"
                continue
            canonical, takes_value = longs[full]
            if takes_value:
                if eq:
                    value = inline
                elif i < n:
                    value = argv[i]
                    i += 1
                else:
                    problem = problem or f"{full} option requires an argument"
                    continue
                opts.setdefault(canonical, []).append(value)
            elif eq:
                problem = problem or f"{full} option does not take a value"
            elif canonical in _NEGATIONS:
                opts.setdefault(_NEGATIONS[canonical], []).append(False)
            else:
                opts.setdefault(canonical, []).append(True)
            if canonical == "--python":
                python_at.extend(at[start:i])
            continue
        # a cluster of short options: -Uq, -qqq, -tDIR, -r file
        for pos in range(1, len(arg)):
            short = "-" + arg[pos]
            hit = shorts.get(short)
            if hit is None:
                unknown.append(arg)
                problem = problem or f"no such option: {short}"
                break
            canonical, takes_value = hit
            if not takes_value:
                opts.setdefault(canonical, []).append(True)
                continue
            rest = arg[pos + 1 :]
            if rest:
                opts.setdefault(canonical, []).append(rest)
            elif i < n:
                opts.setdefault(canonical, []).append(argv[i])
                i += 1
            else:
                problem = problem or f"{short} option requires an argument"
            break
    return _Pass(opts, positionals, unknown, problem, python_at, None, tuple(positional_at))


def parse(argv: list[str] | tuple[str, ...], pip_version: str | None = None) -> PipArgs:
    """Read ``argv`` (after the program name) as pip ``pip_version`` does; None: the newest pip known."""
    argv = tuple(argv)
    index = _version_index(pip_version)
    everywhere = tuple(range(len(argv)))
    # pass 1, pip's main parser: general options up to the first positional, the subcommand
    first = _read(argv, everywhere, lambda: _options_for(None, index), interspersed=False)
    if first.stop is None or first.stop >= len(argv):
        return PipArgs(argv, None, first.opts, (), tuple(first.unknown), first.problem, frozenset(first.python_at))
    command = argv[first.stop]
    problem = first.problem
    if not has_command(command, index):
        problem = problem or f"unknown command {command!r}"
    # pass 2, the subcommand's parser, over the whole line minus the first word equal to the
    # command's name (pip's cmd_args.remove(cmd_name): a general option's value, if it is that word)
    cut = argv.index(command)
    rest_at = everywhere[:cut] + everywhere[cut + 1 :]
    second = _read(argv[:cut] + argv[cut + 1 :], rest_at, lambda: _options_for(command, index), interspersed=True)
    return PipArgs(
        argv,
        command,
        second.opts,
        tuple(second.positionals),
        tuple(second.unknown),
        problem or second.problem,
        frozenset(second.python_at),
        second.positional_at,
        first.stop,
    )


def python_option(argv: list[str] | tuple[str, ...]) -> str | None:
    """``--python``'s value as the newest pip reads ``argv``: what names the interpreter pip
    works on, read before the pip that runs the line is known. Only a word starting with
    ``--p`` can be that option (it has no other name, which test_pip_argv holds against the
    tables): a line with none is not read for it."""
    if not any(a.startswith("--p") for a in argv):
        return None
    return parse(argv).last("--python")


TRUE_WORDS = frozenset(("y", "yes", "t", "true", "on", "1"))
FALSE_WORDS = frozenset(("n", "no", "f", "false", "off", "0"))


def truthy(value: str | None) -> bool | None:
    """pip's strtobool: True, False, or None for unset/unreadable. Like pip's, it does not strip
    whitespace (" 1" is no word pip knows), and so the shims' is_true/is_false agree with it."""
    if value is None:
        return None
    word = value.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None
