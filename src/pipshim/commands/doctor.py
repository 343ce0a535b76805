"""``pipshim doctor``: one line per check, ✓ or ✗ with the fix; exit 1 if any check fails."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping

from pipshim import realpip
from pipshim.discovery import State
from pipshim.errors import Exit
from pipshim.facts import Facts, gather

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
        with open(path, encoding="utf-8", errors="surrogateescape") as fh:  # any file named pip
            for line in fh:
                if line.startswith("PIPSHIM_PYTHON="):
                    return line.split("=", 1)[1].strip().strip("'")
    except OSError:
        pass
    return None


def run(args: argparse.Namespace, environ: Mapping[str, str], shim_dir: str) -> int:
    from pipshim import paths

    bin_dir = shim_dir or paths.default_bin_dir(environ)
    r = Report()
    path_var = environ.get("PATH", "")
    from pipshim.commands.shell_init import rc_line

    init = (
        f"add `{rc_line('bash', bin_dir, environ)}` to your shell rc file (README: Shell integration)"
        "; or, if your rc file has it, open a new shell (or run `hash -r`)"
    )
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
            r.note(interpreter_note(facts))
            if target.managed:
                consent_check(r, environ, target.prefix, real.path)
    config_file = paths.config_file(environ)
    if facts.config.warnings:
        for warning in facts.config.warnings:
            r.line(False, f"settings: {warning}", f"correct or remove {config_file}")
    elif config_file and os.path.isfile(config_file):
        r.line(True, f"settings: {config_file}")
    new_pythons(r, environ, bin_dir)
    pipx = subprocess.run([sys.executable, "-I", "-m", "pipx", "--version"], capture_output=True, text=True)
    r.line(
        pipx.returncode == 0,
        f"pipx {pipx.stdout.strip() or 'does not run'} (in pipshim's tool environment)",
        "run `make install` again",
    )
    here = _here(facts)
    if here is None:  # nothing would ever be made here: say where installs go instead, as `pipshim venv` does
        r.note(f"this directory: not in a project{_installs_go(facts)}")
    checked = [("user environment", facts.user_venv), *_version_envs(facts, environ)]
    checked += [("this directory's venv", here)] if here else []
    for label, cand in checked:
        if cand is None or cand.state is State.MISSING:
            r.note(f"{label}: {cand.path if cand else 'none'} (not created yet)")
            continue
        detail = cand.detail
        if cand.state is State.OK:  # a full disk can leave a venv whose pip no longer loads
            from pipshim.venvs import pip_problem

            detail = pip_problem(cand.path, environ) or ""
        state = "broken" if detail and cand.state is State.OK else cand.state.value
        r.line(
            not detail,
            f"{label}: {cand.path} ({state}{': ' + detail if detail else ''})",
            f"`pipshim venv --recreate` (from {os.path.dirname(cand.path)})",
        )
    if facts.is_root or os.path.exists("/etc/sudoers"):
        r.note(
            "`sudo pip` uses sudo's secure_path, which skips ~/.local/bin: install system-wide with "
            '`sudo make install PREFIX=/usr/local`, or run `sudo env PATH="$PATH" pip …`'
        )
    return Exit.REFUSED if r.failed else Exit.OK


def interpreter_note(facts: Facts) -> str:
    """What pipshim does with pip's interpreter (facts.interp), in the words of the rule that decides it."""
    from pipshim.rules import safe_interpreter

    route = safe_interpreter(facts)
    if route is None:
        return f"{facts.interp.path} is externally managed: pipshim routes installs"
    return f"{route.reason}: pip runs as is"


def _version_envs(facts, environ: Mapping[str, str]) -> list[tuple[str, object]]:
    """The per-version user environments beside the user environment (pip3.12 and the like made them)."""
    if facts.user_venv is None:
        return []
    from pipshim import interp, paths
    from pipshim.discovery import Source, classify

    probe = lambda python: interp.runs(python, environ)  # noqa: E731
    found = paths.version_user_venvs(facts.user_venv.path)
    return [(f"user environment for Python {v}", classify(path, Source.USER, facts.uid, probe)) for v, path in found]


CONSENT = "break-system-packages"
CONSENT_DOES = "every pip install writes into the system Python; pipshim passes it through"


def consent_places(environ: Mapping[str, str], prefix: str) -> list[tuple[str, str]]:
    """(file, section) of every pip config file pip reads for install that says break-system-packages."""
    import configparser

    from pipshim.pip_argv import truthy
    from pipshim.pipconf import config_files

    found = []
    for path in config_files(dict(environ), prefix, False):
        if not os.path.isfile(path):
            continue
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError):
            continue
        for section in ("global", "install"):
            if not parser.has_section(section):
                continue
            for key, value in parser.items(section):
                name = key.lower().replace("_", "-").removeprefix("--")
                if name == CONSENT and truthy(value):
                    found.append((path, section))
    return found


def consent_fix(environ: Mapping[str, str], prefix: str, real_pip: str, path: str, section: str) -> str:
    """The command that removes the consent from ``path``: ``pip config`` where it can edit that file."""
    from pipshim import paths

    config_home = paths.config_home(environ)
    targets = {os.path.join(prefix, "pip.conf"): "--site", "/etc/pip.conf": "--global"}
    if config_home:
        targets[os.path.join(config_home, "pip", "pip.conf")] = "--user"
    which = targets.get(path)
    if which is None or path == environ.get("PIP_CONFIG_FILE"):  # a file `pip config` cannot pick
        return f"delete the `{CONSENT}` line from [{section}] in {path}"
    sudo = "" if os.access(path, os.W_OK) else "sudo "
    return f"`{sudo}{real_pip} config {which} unset {section}.{CONSENT}`"


def consent_check(r: Report, environ: Mapping[str, str], prefix: str, real_pip: str) -> None:
    """Global consent turns pipshim off for every install: say where it is and how to remove it."""
    from pipshim.pip_argv import truthy
    from pipshim.pipconf import read_settings

    value, where = read_settings(dict(environ), "install", prefix, False).get(CONSENT, (None, None))
    if not (value and truthy(value)):
        r.line(True, f"no global {CONSENT} in pip's settings")
        return
    fixes = []
    if environ.get("PIP_BREAK_SYSTEM_PACKAGES") and truthy(environ["PIP_BREAK_SYSTEM_PACKAGES"]):
        fixes.append("`unset PIP_BREAK_SYSTEM_PACKAGES` (and remove it where it is exported)")
    fixes += [
        consent_fix(environ, prefix, real_pip, path, section) for path, section in consent_places(environ, prefix)
    ]
    r.line(False, f"{CONSENT} is set globally ({where}): {CONSENT_DOES}", "; ".join(fixes) or f"remove {where}")


def new_pythons(r: Report, environ: Mapping[str, str], bin_dir: str) -> None:
    """An externally managed python3.N on PATH that has no pip3.N (or python3.N) shim yet:
    the interpreters install-shims gives shims to (shims.side_by_side)."""
    from pipshim import shims

    have_python_shims = realpip.is_our_shim(os.path.join(bin_dir, "python3"))
    for version, path in shims.side_by_side(environ, (bin_dir,)).items():
        wanted = [f"pip{version}"] + ([f"python{version}"] if have_python_shims else [])
        missing = [n for n in wanted if not realpip.is_our_shim(os.path.join(bin_dir, n))]
        if missing:
            r.line(
                False,
                f"{path} is externally managed and has no {'/'.join(missing)} shim in {bin_dir}",
                "`pipshim install-shims`",
            )


def _installs_go(facts) -> str:
    from pipshim.routes import UseVenv
    from pipshim.rules import decide

    route = decide(facts)
    if isinstance(route, UseVenv) and route.user_env:
        return f"; installs here go to the user environment {route.env.path}"
    return ""


def _here(facts):
    """The venv this directory's installs use, if any (rules 3, 5, 6)."""
    from pipshim.rules import existing_env

    env = existing_env(facts)
    if env is None and facts.project is not None:
        env = facts.project.venv
    return env
