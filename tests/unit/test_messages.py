"""The message table (errors.MESSAGES): every ``msg()`` call names a key it has, with exactly
the fields its text needs (a wrong one would end in a traceback, not a ``pipshim:`` line);
every entry is used; and the shims print no ``pipshim:`` text of their own, only the table's,
rendered into them."""

from __future__ import annotations

import ast
import errno
import string
import subprocess
from pathlib import Path

import pytest

from pipshim import shimrender
from pipshim.errors import MESSAGES, msg
from pipshim.plan import Create
from pipshim.provision import _create_failed
from pipshim.venvmake import VenvCreateError

SRC = Path(__file__).resolve().parents[2] / "src" / "pipshim"
SHIMS = Path(__file__).resolve().parents[2] / "shims"


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def msg_calls() -> list[tuple[str, int, str | None, set[str] | None]]:
    """(file, line, key or None when not a literal, keyword names or None when ``**`` is passed)."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "msg":
                first = node.args[0] if node.args else None
                key = first.value if isinstance(first, ast.Constant) else None
                names = None if any(k.arg is None for k in node.keywords) else {k.arg for k in node.keywords}
                found.append((path.name, node.lineno, key, names))
    return found


CALLS = msg_calls()


def test_the_source_has_msg_calls():
    assert len([c for c in CALLS if c[2]]) >= 25


@pytest.mark.parametrize(("where", "line", "key", "names"), CALLS, ids=[f"{c[0]}:{c[1]}" for c in CALLS])
def test_each_msg_call_matches_its_text(where, line, key, names):
    if key is None:  # a key chosen at run time: each candidate is a literal somewhere else
        return
    assert key in MESSAGES, f"{where}:{line}: no message {key!r}"
    if names is not None:
        assert names == fields(MESSAGES[key]), f"{where}:{line}: {key!r} needs {sorted(fields(MESSAGES[key]))}"


def test_every_message_is_used():
    literals = set()
    for path in SRC.rglob("*.py"):
        if path.name != "errors.py":
            literals |= {n.value for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Constant)}
    assert sorted(set(MESSAGES) - literals) == []


def test_the_shims_print_only_the_tables_texts():
    for path in sorted(SHIMS.iterdir()):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not line.lstrip().startswith("#"):
                assert "pipshim:" not in line, f"{path.name}:{number}: {line.strip()}"


@pytest.mark.parametrize("shell", ["dash", "bash"])
def test_a_rendered_message_prints_the_tables_text(shell):
    """The quoting survives: the text has both kinds of quotes' worth of trouble ('make install')."""
    (function,) = [f for f in shimrender._constants("reads") if f.startswith("msg_shim_missing()")]
    script = f'{function}\npython="/a b/py" shim=/c/pip\nmsg_shim_missing\n'
    r = subprocess.run([shell, "-c", script], capture_output=True, text=True)
    assert r.stderr == "pipshim: " + msg("shim-missing", python="/a b/py", shim="/c/pip") + "\n"


@pytest.mark.parametrize(
    ("exc", "fix"),
    [
        (PermissionError(errno.EACCES, "Permission denied"), "; make /srv/app writable for you"),
        (OSError(errno.EROFS, "Read-only file system"), "; make /srv/app writable for you"),
        (OSError(errno.ENOSPC, "No space left on device"), "; free some space and run pip again"),
        (VenvCreateError("no local pip wheel supports Python 3.7: put a pip-*.whl in /x"), ""),
    ],
    ids=["EACCES", "EROFS", "ENOSPC", "no-wheel"],
)
def test_a_failed_creation_says_its_fix(exc, fix):
    spec = Create("/srv/app/.venv", "/usr/bin/python3", "app", False)
    err = _create_failed(spec.path, spec, exc)
    assert str(err) == msg("create-failed", path=spec.path, python=spec.base_python, cause=f"{exc}{fix}")
