"""The constants the shims need, rendered into sh from the Python modules that define them.

The shims pick an environment in sh alone (no Python start), so they must apply the
same rules as discovery.py and rules.py; that selection is written once (shims/select.sh)
and rendered into both after the constants. Nothing it needs is written twice: venv names,
project markers, the in-progress marker, container evidence, pip's true/false words,
messages and exit codes all come from here, and shims.install() writes them between
``# start rendered`` and ``# end rendered`` of the template. The user environment's path
comes from a one-line file the resolver writes (paths.user_env_file): no TOML in sh.
"""

from __future__ import annotations

import re

from pipshim import boot, discovery, facts, interp, paths, plan, realpip, shimtrust
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
    return f"msg_{key.replace('-', '_')}() {{ printf 'pipshim: {fmt}\\n' {args} >&2; }}"


def _detail(key: str) -> str:
    """A sh function ``detail_KEY`` setting $detail to MESSAGES[KEY] (no subshell: no fork)."""
    text = MESSAGES[key]
    literal = re.split(r"({\w+})", text)
    body = "".join(
        "${" + part[1:-1] + "}" if re.fullmatch(r"{\w+}", part) else re.sub(r'(["$`\\])', r"\\\1", part)
        for part in literal
    )
    return f'detail_{key.replace("-", "_")}() {{ detail="{body}"; }}'


def read_commands() -> list[str]:
    """pip's commands that install nothing (rule 2), in every pip the option tables know."""
    from pipshim.pip_options import COMMANDS, VERSIONS
    from pipshim.rules import MUTATING

    return sorted(c for c, span in COMMANDS.items() if span == (VERSIONS[0], None) and c not in MUTATING)


def _read_line() -> str:
    """``msg_read SHOWN WORDS COMMAND``: the line plan.venv_line says for a read with no notes."""
    fmt = plan.ROUTED.format(where="%s", why="%s; %s").replace("'", "'\\''")
    return f'msg_read() {{ printf \'pipshim: {fmt}\\n\' "$1" "$2" "$3" >&2; }}'


SHIM_MESSAGES = ("broken", "not-venv", "user-env-unusable", "no-python")
SHIM_DETAILS = ("missing", "not-dir", "no-cfg", "incomplete", "python-gone", "owner", "writable")


def constants(site: str = "") -> str:
    lines = [
        f"PIPSHIM_SITE={sh_quote(site)}",
        f"BOOT={sh_quote(boot.SNIPPET)}",
        f"VENV_NAMES={sh_quote(' '.join(discovery.VENV_NAMES))}",
        f"OTHER_VENV_NAMES={sh_quote(' '.join(discovery.OTHER_VENV_NAMES))}",
        f"PROJECT_MARKERS={sh_quote(' '.join(discovery.PROJECT_MARKERS))}",
        f"MARKER_PREFIX={sh_quote(discovery.PROJECT_MARKER_GLOB[0])}",
        f"MARKER_SUFFIX={sh_quote(discovery.PROJECT_MARKER_GLOB[1])}",
        f"INCOMPLETE={sh_quote(discovery.INCOMPLETE)}",
        f"TRUST_DIR={sh_quote(shimtrust.NAME)}",
        f"TRUST_MARK={sh_quote(shimtrust.MARK)}",
        f"INTERP_CACHE={sh_quote(interp.CACHE_NAME)}",
        f"SHIM_ID={sh_quote(realpip.SHIM_ID)}",
        f"GUARD={sh_quote(facts.GUARD)}",
        f"ROOT_USER_VENV={sh_quote(paths.USER_VENV_ROOT_IN_CONTAINER)}",
        f"CONTAINER_FILES={sh_quote(' '.join(facts.CONTAINER_FILES))}",
        f"INIT_SYSTEMS={sh_quote(' '.join(facts.INIT_SYSTEMS))}",
        f"CONTAINER_CGROUPS={sh_quote(' '.join(facts.CONTAINER_CGROUPS))}",
        f"PYTHON_MARK={sh_quote(shimtrust.PYTHON_MARK)}",
        f"MANAGED_FILE={sh_quote(shimtrust.MANAGED_FILE)}",
        f"READ_COMMANDS={sh_quote(' '.join(read_commands()))}",
        f"WORDS_ACTIVE={sh_quote(Source.ACTIVE.words)}",
        f"WORDS_NEAREST={sh_quote(Source.NEAREST.words)}",
        f"WORDS_USER={sh_quote(Source.USER.words)}",
        f"EXIT_BROKEN={int(Exit.BROKEN)}",
        f"EXIT_NO_PIP={int(Exit.NO_PIP)}",
        f"is_true() {{ case $1 in {_case_pattern(TRUE_WORDS)}) return 0 ;; esac; return 1; }}",
        f"is_false() {{ case $1 in {_case_pattern(FALSE_WORDS)}) return 0 ;; esac; return 1; }}",
        *(_printf(key) for key in SHIM_MESSAGES),
        _read_line(),
        *(_detail(key) for key in SHIM_DETAILS),
    ]
    return "\n".join(lines)


def selection(parts: tuple[str, ...] = ("select.sh",)) -> str:
    """The sh selection both shims share (shims/select.sh), and the pip shim's own part
    (shims/reads.sh): each written once, rendered into the shims that run it."""
    from pipshim.shims import template_path

    texts = []
    for part in parts:
        with open(template_path(part), encoding="utf-8") as fh:
            texts.append(fh.read())
    return "\n".join(texts)


def render_block(text: str, site: str = "", parts: tuple[str, ...] = ("select.sh",)) -> str:
    """Replace what stands between the rendered markers of a template with constants(site) and
    the sh ``parts``. ``site``: the directory holding pipshim's package (pipshim.boot)."""
    start, end = "# start rendered\n", "# end rendered\n"
    head, sep, rest = text.partition(start)
    if not sep:
        return text
    _, sep2, tail = rest.partition(end)
    if not sep2:
        raise ValueError("a shim template has `# start rendered` without `# end rendered`")
    return head + start + constants(site) + "\n" + selection(parts) + end + tail
