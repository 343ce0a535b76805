"""``pipshim doctor``: one line per check, ✓ or ✗ with the fix; exit 1 if any check fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from pipshim import realpip
from pipshim.discovery import State
from pipshim.errors import Exit
from pipshim.facts import gather

OK, BAD, NOTE = "✓", "✗", "ℹ"


class Report:
    def __init__(self) -> None:
        self.failed = False

    def line(self, ok: bool, text: str, fix: str = "") -> None:
        self.failed |= not ok
        print(f"{OK if ok else BAD} {text}" + (f" — fix: {fix}" if fix and not ok else ""))

    def note(self, text: str) -> None:
        print(f"{NOTE} {text}")


def _shim_python(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("PIPSHIM_PYTHON="):
                    return line.split("=", 1)[1].strip().strip("'")
    except OSError:
        pass
    return None


def run(args, environ, shim_dir: str) -> int:
    from pipshim import paths

    bin_dir = shim_dir or paths.default_bin_dir(environ)
    r = Report()
    path_var = environ.get("PATH", "")
    init = f'eval "$({os.path.join(bin_dir, "pipshim")} shell-init bash)" in your shell rc file'
    first = shutil.which("pip", path=path_var) or ""
    ours_first = bool(first) and realpip.is_our_shim(first)
    shown = first or "nothing"
    r.line(ours_first, f"`pip` on PATH is pipshim's shim ({shown})", init)
    shim = os.path.join(bin_dir, "pip")
    py = _shim_python(shim) if os.path.exists(shim) else None
    runs = bool(py) and os.path.isfile(py) and os.access(py, os.X_OK)
    runs = runs and subprocess.run([py, "-I", "-c", "import pipshim"], capture_output=True).returncode == 0
    r.line(runs, f"the shims in {bin_dir} run pipshim on {py or '(no shim found)'}", "run `make install` again")
    facts = gather("pip", ["install"], environ, bin_dir)
    real = facts.real_pip
    r.line(real is not None, f"real pip: {real.path if real else 'not found'}", "install python3-pip")
    if real is not None:
        target = facts.interp
        r.line(
            target is not None,
            f"it runs on {target.path if target else real.python or '?'}",
            "repair or reinstall that Python",
        )
        if target is not None:
            em = target.externally_managed and not target.in_venv
            what = "externally managed: pipshim routes installs" if em else "not externally managed: pip runs as is"
            r.note(f"{target.path} is {what}")
    pipx = subprocess.run([sys.executable, "-m", "pipx", "--version"], capture_output=True, text=True)
    r.line(
        pipx.returncode == 0,
        f"pipx {pipx.stdout.strip() or 'does not run'} (in pipshim's tool environment)",
        "run `make install` again",
    )
    for label, cand in (("user environment", facts.user_venv), ("this directory's venv", _here(facts))):
        if cand is None or cand.state is State.MISSING:
            r.note(f"{label}: {cand.path if cand else 'none'} (not created yet)")
            continue
        r.line(
            cand.state is State.OK,
            f"{label}: {cand.path} ({cand.state.value}{': ' + cand.detail if cand.detail else ''})",
            f"`pipshim venv --recreate` (from {os.path.dirname(cand.path)})",
        )
    if facts.is_root or os.path.exists("/etc/sudoers"):
        r.note(
            "`sudo pip` uses sudo's secure_path, which skips ~/.local/bin: install system-wide with "
            '`sudo make install PREFIX=/usr/local`, or run `sudo env PATH="$PATH" pip …`'
        )
    return Exit.REFUSED if r.failed else Exit.OK


def _here(facts):
    """The venv this directory's installs use, if any (rules 3, 5, 6)."""
    from pipshim.rules import existing_env

    env = existing_env(facts)
    if env is None and facts.project is not None:
        env = facts.project.venv
    return env
