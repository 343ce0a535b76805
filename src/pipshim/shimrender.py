"""The constants the shims need, rendered into sh from the Python modules that define them.

The shims pick an environment in sh alone (no Python start), so they must apply the
same rules as discovery.py and rules.py; that selection is written once (shims/select.sh,
shims/select_far.sh) and rendered into both. Nothing it needs is written twice: venv names,
project markers, the in-progress marker, container evidence, pip's true/false words,
messages and exit codes all come from here, as constants, and pipshim's directory names
(paths.py) as words spelled into the text where the sh says ``@NAME@`` (WORDS). A template
names what each of its blocks holds (``# start rendered: near far …`` … ``# end
rendered``, see PARTS) and shims.install() fills them in. The user environment's path comes
from a one-line file the resolver writes (paths.user_env_file): no TOML in sh.

Why the python shim has three blocks: dash reads a script only as far as it has run, and
reading costs it 40-250 instructions a byte. The python shim's common cases (a venv from
here upward; else no project and the real python) end in ``exec`` before dash reaches the
parts they do not need; ``stubs`` stand in for those until they are read.
"""

from __future__ import annotations

import re

from pipshim import boot, discovery, facts, interp, paths, pipconf, plan, realpip, shimtrust
from pipshim.discovery import Source
from pipshim.errors import MESSAGES, Exit
from pipshim.pip_argv import FALSE_WORDS, TRUE_WORDS


def sh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _case_pattern(words: frozenset) -> str:
    """pip's words as a case-insensitive sh pattern: yes -> [yY][eE][sS]."""

    def one(word: str) -> str:
        return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)

    return " | ".join(one(w) for w in sorted(words))


def _printf(key: str) -> str:
    """A sh function ``msg_KEY`` printing MESSAGES[KEY] with sh variables of the same names."""
    text = MESSAGES[key]
    names = re.findall(r"{(\w+)}", text)
    fmt = re.sub(r"{\w+}", "%s", text.replace("%", "%%")).replace("'", "'\\''")
    args = " ".join(f'"${n}"' for n in names)
    # discovery.unusable_message: a symlink not followed (state() set $target) has the link's line
    first = '[ -z "$target" ] || { msg_link; return; }; ' if key in LINK_FIRST else ""
    return f"msg_{key.replace('-', '_')}() {{ {first}printf 'pipshim: {fmt}\\n' {args} >&2; }}"


def _details(keys: tuple[str, ...]) -> str:
    """``detail KEY``: set $detail to MESSAGES[KEY] (no subshell: no fork). One function with a
    case, not one per key: dash reads each definition, and a function costs it more than an arm."""

    def arm(key: str) -> str:
        literal = re.split(r"({\w+})", MESSAGES[key])
        body = "".join(
            "${" + part[1:-1] + "}" if re.fullmatch(r"{\w+}", part) else re.sub(r'(["$`\\])', r"\\\1", part)
            for part in literal
        )
        return f'{key}) detail="{body}" ;;'

    return f"detail() {{ case $1 in {' '.join(arm(key) for key in keys)} esac; }}"


def read_commands() -> list[str]:
    """pip's commands that install nothing (rule 2), in every pip the option tables know."""
    from pipshim.pip_options import COMMANDS, VERSIONS
    from pipshim.rules import MUTATING

    return sorted(c for c, span in COMMANDS.items() if span == (VERSIONS[0], None) and c not in MUTATING)


def _read_line() -> str:
    """``msg_read SHOWN WORDS COMMAND``: the line plan.venv_line says for a read with no notes."""
    fmt = plan.ROUTED.format(where="%s", why="%s; %s").replace("'", "'\\''")
    return f'msg_read() {{ printf \'pipshim: {fmt}\\n\' "$1" "$2" "$3" >&2; }}'


def _spelled(name: str) -> str:
    """``NAME_spelled``: true when pip's setting ``name`` is set in a variable other than
    ``PIP_<NAME>`` (pipconf.other_spellings; pip takes the last in the environment's order)."""
    test = "".join(f"${{{var}+1}}" for var in pipconf.other_spellings(name))
    return f'{name}_spelled() {{ [ -n "{test}" ]; }}'


# msg_link first: no stub
SHIM_MESSAGES = ("link", "broken", "broken-version", "not-venv", "user-env-unusable", "no-python")
LINK_FIRST = ("not-venv", "user-env-unusable")  # the refusals a symlink not followed can meet
# the details select.sh's state and owner_ok, and select_far.sh's link_state, give
SHIM_DETAILS = (
    *("missing", "not-dir", "no-cfg", "incomplete", "python-gone", "owner", "writable"),
    *("link-dangling", "link-not-venv"),
)


def _venv_here() -> str:
    """``venv_here DIR``: whether any candidate of rule 5's walk (select.sh) is at DIR, tested as the
    walk tests each before it looks closer (DIR itself and OTHER_VENV_NAMES with a pyvenv.cfg,
    VENV_NAMES as directories): a level with none costs a few stats, not the walk's loop."""
    tests = ['[ -f "$1/pyvenv.cfg" ]']
    tests += [f'[ -d "$1/{name}" ]' for name in discovery.VENV_NAMES]
    tests += [f'[ -f "$1/{name}/pyvenv.cfg" ]' for name in discovery.OTHER_VENV_NAMES]
    return f"venv_here() {{ {' || '.join(tests)}; }}"


def _marker_in(width: int = 3) -> str:
    """``marker_in DIR``: whether DIR holds a project marker (rule 6), as discovery.project_marker
    finds one: in a listing of DIR (so a dangling link counts, and an unreadable DIR has none).
    One glob that every marker matches (``[Pprs][eiy][pqt]*``) reads DIR once and keeps the few
    names to test; a test per marker name would cost dash more than the read."""
    prefix, suffix = discovery.PROJECT_MARKER_GLOB
    stems = [*discovery.PROJECT_MARKERS, prefix]
    width = min(width, *(len(s) for s in stems))
    classes = []
    for i in range(width):
        chars = sorted({s[i] for s in stems})
        if not all(c.isalnum() for c in chars):
            raise ValueError(f"a project marker has a character sh would read in a [...] class: {chars}")
        classes.append("[" + "".join(chars) + "]")
    names = " | ".join([*discovery.PROJECT_MARKERS, f"{prefix}*{suffix}"])
    glob = "".join(classes) + "*"
    return f'marker_in() {{ for m in "$1"/{glob}; do case ${{m##*/}} in {names}) return 0 ;; esac; done; return 1; }}'


def _constants(group: str, site: str = "") -> list[str]:
    """The constants one part of the shims needs; each part gets only its own, so the python
    shim's first pass reads none that only the rarely taken paths use."""
    if group == "near":  # select.sh: the venvs from the current directory upward
        return [
            f"VENV_NAMES={sh_quote(' '.join(discovery.VENV_NAMES))}",
            f"OTHER_VENV_NAMES={sh_quote(' '.join(discovery.OTHER_VENV_NAMES))}",
            f"INCOMPLETE={sh_quote(discovery.INCOMPLETE)}",
            f"TRUST_DIR={sh_quote(shimtrust.NAME)}",
            f"TRUST_MARK={sh_quote(shimtrust.MARK)}",
            _venv_here(),
            f"is_true() {{ case $1 in {_case_pattern(TRUE_WORDS)}) return 0 ;; esac; return 1; }}",
            _details(SHIM_DETAILS),
        ]
    if group == "far":  # select_far.sh: projects, root, containers, the user environment, PATH
        return [
            f"is_false() {{ case $1 in {_case_pattern(FALSE_WORDS)}) return 0 ;; esac; return 1; }}",
            _marker_in(),
            f"ROOT_USER_VENV={sh_quote(paths.USER_VENV_ROOT_IN_CONTAINER)}",
            f"CONTAINER_FILES={sh_quote(' '.join(facts.CONTAINER_FILES))}",
            f"INIT_SYSTEMS={sh_quote(' '.join(facts.INIT_SYSTEMS))}",
            f"CONTAINER_CGROUPS={sh_quote(' '.join(facts.CONTAINER_CGROUPS))}",
            f"SHIM_ID={sh_quote(realpip.SHIM_ID)}",
        ]
    if group == "shim":  # handing over to pipshim.boot or the resolver, and the shims' messages
        return [
            f"PIPSHIM_SITE={sh_quote(site)}",
            f"BOOT={sh_quote(boot.SNIPPET)}",
            f"GUARD={sh_quote(facts.GUARD)}",
            f"EXIT_BROKEN={int(Exit.BROKEN)}",
            f"EXIT_NO_PIP={int(Exit.NO_PIP)}",
            *(_printf(key) for key in SHIM_MESSAGES),
        ]
    if group == "reads":  # reads.sh: the reads the pip shim routes in sh alone
        return [
            f"INTERP_CACHE={sh_quote(interp.CACHE_NAME)}",
            f"PYTHON_MARK={sh_quote(shimtrust.PYTHON_MARK)}",
            f"MANAGED_FILE={sh_quote(shimtrust.MANAGED_FILE)}",
            f"READ_COMMANDS={sh_quote(' '.join(read_commands()))}",
            f"WORDS_ACTIVE={sh_quote(Source.ACTIVE.words)}",
            f"WORDS_NEAREST={sh_quote(Source.NEAREST.words)}",
            f"WORDS_USER={sh_quote(Source.USER.words)}",
            _read_line(),
            _spelled("quiet"),
            _spelled("python"),
            _printf("shim-missing"),
        ]
    raise ValueError(f"no constants for {group!r}")


# what each part of a template's rendered blocks holds: its constants, then its sh (if any)
PARTS = {"near": "select.sh", "far": "select_far.sh", "shim": None, "reads": "reads.sh"}
STUBS = "stubs"
_FUNCTION = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\(\)\s*\{", re.M)


_TRAILING = re.compile(r"\s+#\s[^'\"`]*$")  # `code  # words`: no quote in the words


def minify(sh: str) -> str:
    """sh without comments, blank lines and indentation: dash spends about 40 instructions on
    every byte it reads, comments included, and every shim start reads its selection. A comment
    after code goes only when no quote follows the ``#`` and the code before it has its quotes
    paired and does not end in a backslash. (The parts hold no here-document and no quoted string that spans lines.)"""
    out = []
    for line in sh.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        trailing = _TRAILING.search(line)
        if trailing:
            code = line[: trailing.start()]
            if code.count("'") % 2 == 0 and code.count('"') % 2 == 0 and not code.endswith("\\"):
                line = code
        out.append(line + "\n")
    return "".join(out)


# pipshim's path names (paths.py), spelled into the sh where it says @NAME@ as it is rendered:
# a word in the text costs dash nothing to run, where a constant is a command it reads
WORDS = {
    "CACHE_HOME_DEFAULT": paths.CACHE_HOME_DEFAULT,
    "DATA_HOME_DEFAULT": paths.DATA_HOME_DEFAULT,
    "CONFIG_HOME_DEFAULT": paths.CONFIG_HOME_DEFAULT,
    "APP": paths.APP,
    "USER_VENV_IN_DATA": paths.USER_VENV_IN_DATA,
    "USER_ENV_FILE_IN_DATA": paths.USER_ENV_FILE_IN_DATA,
    "CONFIG_IN_CONFIG": paths.CONFIG_IN_CONFIG,
    "VERSION_SEP": paths.VERSION_SEP,
}
_WORD = re.compile(r"@([A-Z_]+)@")
_PLAIN = re.compile(r"[A-Za-z0-9._/-]+")  # what a word may hold: nothing sh reads specially


def fill(sh: str) -> str:
    """sh with each ``@NAME@`` of WORDS spelled out (others, such as the shims' own
    @PIPSHIM_PYTHON@, are left for shims.install)."""

    def word(m: re.Match) -> str:
        value = WORDS.get(m.group(1))
        if value is None:
            return m.group(0)
        if not _PLAIN.fullmatch(value):
            raise ValueError(f"{m.group(1)}={value!r} holds characters sh would read")
        return value

    return _WORD.sub(word, sh)


def _source(part: str) -> str:
    from pipshim.shims import template_path

    with open(template_path(PARTS[part]), encoding="utf-8") as fh:
        return fh.read()


def selection(part: str) -> str:
    """The sh of one part of the selection (shims/select.sh, select_far.sh, reads.sh), as rendered."""
    return fill(minify(_source(part)))


def functions(part: str, names: tuple[str, ...]) -> str:
    """The definitions of ``names`` from one part's source, minified (a function there starts
    with ``NAME() {`` and ends at the first ``}`` in the first column)."""
    text = _source(part)
    out = []
    for name in names:
        found = re.search(rf"^{re.escape(name)}\(\) \{{.*?^\}}\n", text, re.M | re.S)
        if found is None:
            raise LookupError(f"{PARTS[part]} defines no {name}()")
        out.append(fill(minify(found.group(0))))
    return "".join(out)


def owner_check() -> str:
    """sh for ``sh -c SCRIPT _ DIR``: exit 0 if select.sh's owner_ok takes DIR as the user's own
    (the shell hook's check of a venv pipshim has not marked)."""
    body = functions("far", ("private_group",)) + functions("near", ("owner_ok",))
    return "detail() { :; }\n" + body + 'p=$1 trust=\nowner_ok "$1"\n'


def _part(name: str, site: str) -> str:
    lines = "\n".join(_constants(name, site)) + "\n"
    return lines + (selection(name) if PARTS[name] else "")


def stubs(before: str, after: str) -> str:
    """A stand-in for each function that ``after`` defines and ``before`` may call: the python
    shim's first passes can reach such a call before dash has read the function. The stand-in
    only notes its name in $later and fails (so that nothing acts on what it did not do); a pass
    that needed one acts on nothing, and the whole flow at the end of the shim, with every part
    read, runs the call."""
    text, defined = before + after, set(_FUNCTION.findall(before))
    names: list[str] = []
    for match in _FUNCTION.finditer(after):
        name, first = match.group(1), len(before) + match.start()
        if name in names or name in defined:
            continue
        # called (named) anywhere dash reads before it reads the definition
        if re.search(rf"(?<![\w$-]){re.escape(name)}(?![\w-])(?!\(\))", text[:first]):
            names.append(name)
    return "".join(f'{name}() {{ later="$later {name}"; return 1; }}\n' for name in names)


_BLOCK = re.compile(r"^# start rendered: ([^\n]*)\n(.*?)^# end rendered\n", re.M | re.S)


def render_blocks(text: str, site: str = "") -> str:
    """Fill every ``# start rendered: PART…`` … ``# end rendered`` block of a template with its
    parts (PARTS; ``stubs``: stand-ins for the functions read after the block). ``site``: the
    directory holding pipshim's package (pipshim.boot)."""
    blocks = list(_BLOCK.finditer(text))
    if text.count("# start rendered") != len(blocks) or text.count("# end rendered") != len(blocks):
        raise ValueError("a shim template has a `# start rendered: …` without its `# end rendered`")
    # the template's own text is minified too, but for its first two lines (#!, the shim ID)
    # and the block markers (what a reader of an installed shim finds their way by)
    head_end = text.index("\n", text.index("\n") + 1) + 1 if text.count("\n") >= 2 else len(text)
    head_end = min(head_end, *(b.start() for b in blocks[:1]))
    out, pos, stub_at = [text[:head_end]], head_end, None
    for block in blocks:
        parts = block.group(1).split()
        unknown = [p for p in parts if p not in PARTS and p != STUBS]
        if unknown:
            raise ValueError(f"a shim template names unknown rendered parts: {' '.join(unknown)}")
        out += [fill(minify(text[pos : block.start()])), block.group(0)[: block.start(2) - block.start()]]
        out += [_part(p, site) for p in parts if p != STUBS]
        if STUBS in parts:
            stub_at = len(out)
            out.append("")
        out.append(text[block.end(2) : block.end()])
        pos = block.end()
    out.append(fill(minify(text[pos:])))
    if stub_at is not None:
        out[stub_at] = stubs("".join(out[:stub_at]), "".join(out[stub_at + 1 :]))
    return "".join(out)
