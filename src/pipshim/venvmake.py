"""Project venvs with a working pip inside, made in tens of milliseconds, offline.

The layout is written here (what ``python -m venv --without-pip`` writes, for CPython
3.8+), and pip is *installed* into it from a seed unit (pipseed.py: an unpacked,
byte-compiled pip from a local wheel, hard-linked into each venv). The base
interpreter's answers (real executable, version, cache tag) are remembered per
interpreter file, so a warm creation starts no interpreter at all. Measurements:
docs/venv-creation.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping

from pipshim.venvfiles import VenvCreateError, cache_root, child_env, site_packages, write_atomic

__all__ = ["VenvCreateError", "create"]

# run by the base interpreter with -I -S: what the layout needs, one JSON line
_PROBE = r"""
import json, os, sys
exe = getattr(sys, "_base_executable", None) or sys.executable
here = os.path.dirname(sys.executable)
if sys.version_info < (3, 11):  # venv detection happened in site.py, which -S skipped
    for cfg in (os.path.join(here, "pyvenv.cfg"), os.path.join(os.path.dirname(here), "pyvenv.cfg")):
        if os.path.isfile(cfg):
            home = None
            with open(cfg, encoding="utf-8") as fh:
                for line in fh:
                    key, eq, value = line.partition("=")
                    if eq and key.strip().lower() == "home":
                        home = value.strip()
            if os.path.islink(sys.executable):
                exe = os.path.realpath(sys.executable)
            elif home:
                exe = os.path.join(home, "python%d.%d" % sys.version_info[:2])
            break
# Follow the file's own links only until the versioned name (python3 -> python3.11): a minor
# upgrade then leaves the venv's python dangling (recognised as broken), while a path through
# a stable directory link (Homebrew's opt/python@X.Y -> Cellar/python@X.Y/X.Y.Z) is kept as
# venv does, so a patch upgrade that removes the old Cellar dir does not break the venv. A path
# is kept only where the venv finds this Python's own stdlib from it, as the interpreter will
# look: upward from the venv's home, else at the prefix it was built for (a link into a moved
# or relocatable install, /usr/local/bin/python3.12 -> /opt/py/bin/python3.12, is resolved).
want = "python%d.%d" % sys.version_info[:2]
stdlib = os.path.realpath(os.path.dirname(os.__file__))
sub = os.path.relpath(stdlib, os.path.realpath(sys.base_prefix))


def finds_stdlib(path):
    d = os.path.dirname(path)
    while True:
        if os.path.isfile(os.path.join(d, sub, "os.py")):
            return os.path.realpath(os.path.join(d, sub)) == stdlib
        if os.path.dirname(d) == d:
            break
        d = os.path.dirname(d)
    import sysconfig

    built = sysconfig.get_config_var("prefix") or ""
    return bool(built) and os.path.realpath(os.path.join(built, sub)) == stdlib


real = exe
for _ in range(40):
    if os.path.basename(real) == want and finds_stdlib(real):
        break
    if not os.path.islink(real):
        break
    target = os.readlink(real)
    where = os.path.dirname(real)
    if ".." in target.split("/"):  # ".." is relative to the real directory, not to the link's name
        where = os.path.realpath(where)
    real = os.path.join(where, target)
if os.path.basename(real) != want or not finds_stdlib(real):
    real = os.path.realpath(exe)
if os.path.basename(real).startswith("python"):
    exe = os.path.normpath(real)
print(json.dumps({
    "exe": exe,
    "stdlib": os.path.dirname(os.__file__),
    "impl": sys.implementation.name,
    "tag": sys.implementation.cache_tag,
    "version": "%d.%d.%d" % sys.version_info[:3],
    "xy": "%d.%d" % sys.version_info[:2],
    "abiflags": getattr(sys, "abiflags", ""),
    "bits64": sys.maxsize > 2**32,
}))
"""


_PROBE_VERSION = 3  # part of a remembered answer's key: bump when _PROBE answers differently
# what _PROBE prints: a remembered answer without one of them (older, or damaged) is asked again
_PROBED = frozenset(("exe", "stdlib", "impl", "tag", "version", "xy", "abiflags", "bits64"))


def create(
    path: str,
    base_python: str,
    *,
    prompt: str,
    system_site: bool = False,
    environ: Mapping[str, str] | None = None,
) -> None:
    """Create a venv at ``path`` (absent or an empty dir) from ``base_python`` with pip inside.

    No setuptools, no wheel. On failure raises VenvCreateError and removes what it made.
    """
    env = dict(os.environ if environ is None else environ)
    venv = os.path.abspath(path)
    made_root = not os.path.lexists(venv)
    if not made_root and (not os.path.isdir(venv) or os.path.islink(venv)):
        raise VenvCreateError(f"{venv!r} exists and is not a directory")
    before = set() if made_root else set(os.listdir(venv))
    try:
        info = probe_cached(base_python, env)
        if info["impl"] == "cpython":
            write_layout(venv, info, prompt=prompt, system_site=system_site)
        else:
            stdlib_layout(venv, base_python, info, prompt=prompt, system_site=system_site, env=env)
        from pipshim.pipseed import install_pip  # only when a venv is made

        install_pip(venv, info, base_python, env)
    except BaseException as exc:
        _undo(venv, made_root, before)
        if isinstance(exc, VenvCreateError):
            raise
        if isinstance(exc, OSError):
            where = f" {exc.filename!r}" if exc.filename else ""
            raise VenvCreateError(f"cannot create the venv {venv!r}: {exc.strerror or exc}{where}") from None
        if isinstance(exc, Exception):
            raise VenvCreateError(f"cannot create the venv {venv!r}: {type(exc).__name__}: {exc}") from None
        raise


def _undo(venv: str, made_root: bool, before: set[str]) -> None:
    import shutil

    if made_root:
        shutil.rmtree(venv, ignore_errors=True)
        return
    try:
        names = os.listdir(venv)
    except OSError:
        return
    for name in names:
        if name in before:
            continue
        full = os.path.join(venv, name)
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(full)


def probe(base_python: str, env: Mapping[str, str]) -> dict:
    """What the layout needs from ``base_python``: one interpreter start (-I -S, ~10 ms idle)."""
    try:
        proc = subprocess.run(
            [base_python, "-I", "-S", "-c", _PROBE],
            capture_output=True,
            env=child_env(env),
            stdin=subprocess.DEVNULL,
            timeout=60,
        )
    except OSError as exc:
        raise VenvCreateError(f"cannot run the base Python {base_python!r}: {exc.strerror or exc}") from None
    except subprocess.TimeoutExpired:
        raise VenvCreateError(f"the base Python {base_python!r} did not answer within 60 s") from None
    try:
        if proc.returncode:
            raise ValueError
        return json.loads(proc.stdout.decode("utf-8", "surrogateescape").strip().splitlines()[-1])
    except (ValueError, IndexError):
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        why = err[-1] if err else f"exit status {proc.returncode}"
        raise VenvCreateError(f"the base Python {base_python!r} does not work: {why}") from None


def _probe_key(base_python: str) -> str:
    """What the probe's answer depends on: the interpreter file and any pyvenv.cfg beside it."""
    real = os.path.realpath(base_python)
    st = os.stat(real)
    parts = [_PROBE_VERSION, base_python, real, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
    here = os.path.dirname(os.path.abspath(base_python))
    for cfg in (os.path.join(here, "pyvenv.cfg"), os.path.join(os.path.dirname(here), "pyvenv.cfg")):
        try:
            c = os.stat(cfg)
            parts += [c.st_ino, c.st_size, c.st_mtime_ns]
        except OSError:
            parts.append(None)
    return json.dumps(parts, default=str)


def probe_cached(base_python: str, env: Mapping[str, str]) -> dict:
    """probe(), remembered per interpreter file (like virtualenv's py_info cache): saves a start."""
    import hashlib

    try:
        key = _probe_key(base_python)
    except OSError:
        return probe(base_python, env)  # it does not exist: probe() names the cause
    from pipshim import paths

    cache = os.path.join(cache_root(env), "venvseed", f"interp-{hashlib.sha256(key.encode()).hexdigest()[:24]}.json")
    try:
        with open(cache, encoding="utf-8") as fh:
            record = json.load(fh)
        info = record["info"]
        if record["key"] == key and set(info) >= _PROBED and os.path.exists(info["exe"]):
            return info
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        pass
    info = probe(base_python, env)
    with contextlib.suppress(OSError):
        paths.make_dirs(os.path.dirname(cache))
        write_atomic(cache, json.dumps({"key": key, "info": info}).encode())
    return info


def write_layout(venv: str, info: dict, *, prompt: str, system_site: bool) -> None:
    """What ``python -m venv --without-pip --prompt P`` writes, minus the interpreter start."""
    os.makedirs(venv, exist_ok=True)
    bindir = os.path.join(venv, "bin")
    os.mkdir(bindir)
    os.makedirs(site_packages(venv, info))
    os.mkdir(os.path.join(venv, "include"))
    if info.get("bits64") and sys.platform != "darwin":
        os.symlink("lib", os.path.join(venv, "lib64"))
    exe = info["exe"]
    os.symlink(exe, os.path.join(bindir, "python"))
    names = {"python3", f"python{info['xy']}", os.path.basename(exe)} - {"python"}
    for name in sorted(names):
        os.symlink("python", os.path.join(bindir, name))
    cfg = (
        f"home = {os.path.dirname(exe)}\n"
        f"include-system-site-packages = {'true' if system_site else 'false'}\n"
        f"version = {info['version']}\n"
        f"executable = {exe}\n"
        f"prompt = {prompt!r}\n"
    )
    with open(os.path.join(venv, "pyvenv.cfg"), "w", encoding="utf-8", errors="surrogateescape") as fh:
        fh.write(cfg)
    with open(os.path.join(venv, ".gitignore"), "w") as fh:
        fh.write("# created by pipshim\n*\n")
    _write_activate(venv, prompt)


def stdlib_layout(
    venv: str, base_python: str, info: dict, *, prompt: str, system_site: bool, env: Mapping[str, str]
) -> None:
    """Other implementations (PyPy…): their own ``venv --without-pip`` knows their layout."""
    argv = [base_python, "-I", "-m", "venv", "--without-pip", "--prompt", prompt]
    if system_site:
        argv.append("--system-site-packages")
    proc = subprocess.run([*argv, "--", venv], capture_output=True, env=child_env(env), stdin=subprocess.DEVNULL)
    if proc.returncode:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise VenvCreateError(f"{base_python} -m venv failed: {err[-1] if err else proc.returncode}")


def _sh_quote(raw: bytes) -> bytes:
    return b"'" + raw.replace(b"'", b"'\"'\"'") + b"'"


def _write_activate(venv: str, prompt: str) -> None:
    """``source bin/activate`` (sh, bash, zsh) and ``bin/activate.fish``; any path bytes."""
    raw = os.fsencode(venv)
    label = prompt.encode("utf-8", "surrogateescape")
    sh = b"".join(
        [
            b"# source this file from sh, bash or zsh: . bin/activate\n",
            b"deactivate () {\n",
            b'    if [ -n "${_OLD_VIRTUAL_PATH+x}" ]; then PATH="$_OLD_VIRTUAL_PATH"; export PATH;'
            b" unset _OLD_VIRTUAL_PATH; fi\n",
            b'    if [ -n "${_OLD_VIRTUAL_PYTHONHOME+x}" ]; then PYTHONHOME="$_OLD_VIRTUAL_PYTHONHOME";'
            b" export PYTHONHOME;"
            b" unset _OLD_VIRTUAL_PYTHONHOME; fi\n",
            b'    if [ -n "${_OLD_VIRTUAL_PS1+x}" ]; then PS1="$_OLD_VIRTUAL_PS1"; export PS1;'
            b" unset _OLD_VIRTUAL_PS1; fi\n",
            b"    unset VIRTUAL_ENV VIRTUAL_ENV_PROMPT\n",
            b"    hash -r 2>/dev/null\n",
            b'    if [ "${1-}" != nondestructive ]; then unset -f deactivate; fi\n',
            b"}\n",
            b"deactivate nondestructive\n",
            b"VIRTUAL_ENV=" + _sh_quote(raw) + b"\nexport VIRTUAL_ENV\n",
            b"VIRTUAL_ENV_PROMPT=" + _sh_quote(label) + b"\nexport VIRTUAL_ENV_PROMPT\n",
            b'_OLD_VIRTUAL_PATH="$PATH"\nPATH="$VIRTUAL_ENV/bin:$PATH"\nexport PATH\n',
            b'if [ -n "${PYTHONHOME+x}" ]; then _OLD_VIRTUAL_PYTHONHOME="$PYTHONHOME"; unset PYTHONHOME; fi\n',
            b'if [ -z "${VIRTUAL_ENV_DISABLE_PROMPT-}" ]; then\n',
            b'    _OLD_VIRTUAL_PS1="${PS1-}"\n    PS1="($VIRTUAL_ENV_PROMPT) ${PS1-}"\n    export PS1\nfi\n',
            b"hash -r 2>/dev/null\n",
        ]
    )
    fish_q = b"'" + raw.replace(b"\\", b"\\\\").replace(b"'", b"\\'") + b"'"
    fish_p = b"'" + label.replace(b"\\", b"\\\\").replace(b"'", b"\\'") + b"'"
    fish = b"".join(
        [
            b"# source this file from fish: source bin/activate.fish\n",
            b"function deactivate -d 'leave the virtual environment'\n",
            b"    if set -q _OLD_VIRTUAL_PATH; set -gx PATH $_OLD_VIRTUAL_PATH; set -e _OLD_VIRTUAL_PATH; end\n",
            b"    if set -q _OLD_VIRTUAL_PYTHONHOME; set -gx PYTHONHOME $_OLD_VIRTUAL_PYTHONHOME;"
            b" set -e _OLD_VIRTUAL_PYTHONHOME; end\n",
            b"    if functions -q _old_fish_prompt; functions -e fish_prompt;"
            b" functions -c _old_fish_prompt fish_prompt;"
            b" functions -e _old_fish_prompt; end\n",
            b"    set -e VIRTUAL_ENV VIRTUAL_ENV_PROMPT\n",
            b'    if test "$argv[1]" != nondestructive; functions -e deactivate; end\nend\n',
            b"deactivate nondestructive\n",
            b"set -gx VIRTUAL_ENV " + fish_q + b"\nset -gx VIRTUAL_ENV_PROMPT " + fish_p + b"\n",
            b"set -gx _OLD_VIRTUAL_PATH $PATH\nset -gx PATH $VIRTUAL_ENV/bin $PATH\n",
            b"if set -q PYTHONHOME; set -gx _OLD_VIRTUAL_PYTHONHOME $PYTHONHOME; set -e PYTHONHOME; end\n",
            b"if not set -q VIRTUAL_ENV_DISABLE_PROMPT; and functions -q fish_prompt\n",
            b"    functions -c fish_prompt _old_fish_prompt\n",
            b"    function fish_prompt; set -l s $status; printf '(%s) ' $VIRTUAL_ENV_PROMPT;"
            b" echo -n exit $s | source; _old_fish_prompt; end\nend\n",
        ]
    )
    for name, data in (("activate", sh), ("activate.fish", fish)):
        with open(os.path.join(venv, "bin", name), "wb") as fh:
            fh.write(data)
