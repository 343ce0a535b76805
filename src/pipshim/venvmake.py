"""Project venvs with a working pip inside, made in tens of milliseconds, offline.

The layout is written here (what ``python -m venv --without-pip`` writes, for CPython
3.9+), and pip is *installed* into it by hard-linking the files of an unpacked,
byte-compiled pip kept in ``${XDG_CACHE_HOME:-~/.cache}/pipshim/venvseed/``. The pip
comes from a local wheel: virtualenv's bundled ones, or ``pip-*.whl`` put in
``.../pipshim/wheels/``; the newest whose Requires-Python admits the target wins.
The base interpreter's answers (real executable, version, cache tag) are remembered per
interpreter file, so a warm creation starts no interpreter at all.
The RECORD, INSTALLER and console scripts are written per venv, so ``pip uninstall
pip`` and pip upgrades work as in any venv. Measurements: docs/venv-creation.md.

A seed unit (one pip wheel x one interpreter cache tag x one file mode) is built once,
in a temporary directory renamed into place, and is never written again: pip replaces
files by unlinking them, and importers write ``__pycache__`` into the venv's own
directories, so nothing done in a venv reaches another one. Every linked file is
checked against the unit's manifest (size, mtime), so a unit edited in place through
a hard link is noticed and rebuilt. Files get the creator's umask: the unit is keyed
by the file mode. Across filesystems the files are copied instead.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
import sys
from collections.abc import Mapping

__all__ = ["VenvCreateError", "create"]

SEED_FORMAT = "1"  # bump when the unit layout changes: old units are simply not used
_LINK_ERRNOS = (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EACCES)
_SKIP_ENV = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "PYTHONSAFEPATH")

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
real = os.path.realpath(exe)
if os.path.basename(real).startswith("python"):
    exe = real
print(json.dumps({
    "exe": exe,
    "impl": sys.implementation.name,
    "tag": sys.implementation.cache_tag,
    "version": "%d.%d.%d" % sys.version_info[:3],
    "xy": "%d.%d" % sys.version_info[:2],
    "abiflags": getattr(sys, "abiflags", ""),
    "bits64": sys.maxsize > 2**32,
}))
"""


class VenvCreateError(Exception):
    """A venv could not be made; ``str()`` is one line naming the cause."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()) or "venv creation failed")


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


def _child_env(env: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in _SKIP_ENV and not k.startswith("PYTHONWARN")}


def probe(base_python: str, env: Mapping[str, str]) -> dict:
    """What the layout needs from ``base_python``: one interpreter start (-I -S, ~10 ms idle)."""
    try:
        proc = subprocess.run(
            [base_python, "-I", "-S", "-c", _PROBE],
            capture_output=True,
            env=_child_env(env),
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
    parts = [base_python, real, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
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
    cache = os.path.join(cache_root(env), "venvseed", f"interp-{hashlib.sha256(key.encode()).hexdigest()[:24]}.json")
    try:
        with open(cache, encoding="utf-8") as fh:
            record = json.load(fh)
        if record["key"] == key and os.path.exists(record["info"]["exe"]):
            return record["info"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    info = probe(base_python, env)
    with contextlib.suppress(OSError):
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        _write_atomic(cache, json.dumps({"key": key, "info": info}).encode())
    return info


def _umask() -> int:
    try:
        with open("/proc/self/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # no /proc: read it the racy way
    os.umask(mask)
    return mask


def site_packages(venv: str, info: dict) -> str:
    threaded = "t" if "t" in info.get("abiflags", "") else ""
    return os.path.join(venv, "lib", f"python{info['xy']}{threaded}", "site-packages")


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


def stdlib_layout(venv: str, base_python: str, info: dict, *, prompt: str, system_site: bool, env) -> None:
    """Other implementations (PyPy…): their own ``venv --without-pip`` knows their layout."""
    argv = [base_python, "-I", "-m", "venv", "--without-pip", "--prompt", prompt]
    if system_site:
        argv.append("--system-site-packages")
    proc = subprocess.run([*argv, "--", venv], capture_output=True, env=_child_env(env), stdin=subprocess.DEVNULL)
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


# --- pip -------------------------------------------------------------------------------------


def cache_root(env: Mapping[str, str]) -> str:
    """``${XDG_CACHE_HOME:-~/.cache}/pipshim``; a relative XDG value is ignored (XDG spec)."""
    xdg = env.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(xdg):
        home = env.get("HOME") or ""
        if not os.path.isabs(home):
            import pwd

            home = pwd.getpwuid(os.getuid()).pw_dir
        xdg = os.path.join(home, ".cache")
    return os.path.join(xdg, "pipshim")


def wheel_dirs(env: Mapping[str, str]) -> list[str]:
    """Where pip wheels are looked for: pipshim's own wheels dir, then virtualenv's bundle."""
    dirs = [os.path.join(cache_root(env), "wheels")]
    from importlib.util import find_spec

    spec = find_spec("virtualenv")  # finds, does not import
    if spec and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            dirs.append(os.path.join(loc, "seed", "wheels", "embed"))
    return dirs


def _version_key(text: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(p) for p in text.split("."))
    except ValueError:
        return None  # pre-releases and local versions are never picked


def _wheel_facts(whl: str, st: os.stat_result, index: dict) -> dict | None:
    key = f"{whl}|{st.st_size}|{st.st_mtime_ns}"
    if key not in index:
        import hashlib
        import zipfile

        with open(whl, "rb") as fh:
            sha = hashlib.sha256(fh.read()).hexdigest()
        with zipfile.ZipFile(whl) as zf:
            name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
            meta = zf.read(name).decode("utf-8", "replace")
        requires = ""
        for line in meta.splitlines():
            if line.lower().startswith("requires-python:"):
                requires = line.split(":", 1)[1].strip()
            if not line:
                break
        index[key] = {"sha256": sha, "requires_python": requires, "supports": {}}
    return index[key]


def _supports(facts: dict, version: str) -> bool:
    if version not in facts["supports"]:
        from packaging.specifiers import SpecifierSet

        facts["supports"][version] = SpecifierSet(facts["requires_python"]).contains(version, prereleases=True)
    return facts["supports"][version]


def find_pip_wheel(info: dict, env: Mapping[str, str], seed_dir: str) -> tuple[str, dict]:
    """The newest local pip wheel that supports the target Python, and its facts."""
    index_path = os.path.join(seed_dir, "wheels.json")
    try:
        with open(index_path, encoding="utf-8") as fh:
            index = json.load(fh)
    except (OSError, ValueError):
        index = {}
    before = json.dumps(index, sort_keys=True)
    best: tuple[tuple[int, ...], str, dict] | None = None
    for d in wheel_dirs(env):
        try:
            names = os.listdir(d)
        except OSError:
            continue
        for name in names:
            parts = name.split("-")
            if not (name.endswith(".whl") and len(parts) == 5 and parts[0] == "pip"):
                continue
            key = _version_key(parts[1])
            if key is None or (best and key <= best[0]):
                continue
            whl = os.path.join(d, name)
            try:
                facts = _wheel_facts(whl, os.stat(whl), index)
            except (OSError, ValueError, StopIteration, KeyError, RuntimeError):
                continue  # not a readable wheel: the next one may be
            if _supports(facts, info["version"]):
                best = (key, whl, facts)
    if json.dumps(index, sort_keys=True) != before:
        _write_atomic(index_path, json.dumps(index, sort_keys=True).encode())
    if best is None:
        raise VenvCreateError(
            f"no local pip wheel supports Python {info['version']}:"
            f" put a pip-*.whl in {os.path.dirname(seed_dir)}/wheels"
        )
    return best[1], best[2]


def _write_atomic(target: str, data: bytes) -> None:
    tmp = f"{target}.tmp{os.getpid()}"
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except OSError:  # the cache is an optimisation: an unwritable one only costs time
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def install_pip(venv: str, info: dict, base_python: str, env: Mapping[str, str]) -> None:
    """Install pip into the venv from the seed unit, building the unit first when needed."""
    seed_dir = os.path.join(cache_root(env), "venvseed")
    try:
        os.makedirs(seed_dir, exist_ok=True)
    except OSError:  # no usable cache (read-only home): a throw-away one, slower but it works
        import shutil
        import tempfile

        scratch = tempfile.mkdtemp(prefix="pipshim-venvseed-")
        try:
            _install_pip_from(scratch, venv, info, base_python, env)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return
    _install_pip_from(seed_dir, venv, info, base_python, env)


def _install_pip_from(seed_dir: str, venv: str, info: dict, base_python: str, env: Mapping[str, str]) -> None:
    whl, facts = find_pip_wheel(info, env, seed_dir)
    mode = 0o666 & ~_umask()
    unit = os.path.join(
        seed_dir, f"v{SEED_FORMAT}-{os.path.basename(whl)[:-4]}-{facts['sha256'][:16]}-{info['tag']}-{mode:04o}"
    )
    manifest = _load_manifest(unit)
    if manifest is None or not _link_tree(unit, manifest, site_packages(venv, info)):
        if manifest is not None:  # a unit changed under us: set it aside, never write into it
            _retire(unit)
        _build_unit(unit, whl, base_python, env)
        manifest = _load_manifest(unit)
        if manifest is None:
            raise VenvCreateError(f"the pip seed cache {unit!r} cannot be read")
        sp = site_packages(venv, info)
        for name in os.listdir(sp):  # whatever the failed linking left
            _rm(os.path.join(sp, name))
        if not _link_tree(unit, manifest, sp):
            raise VenvCreateError(f"the pip seed cache {unit!r} changed while it was used")
    _finish_dist(venv, info, manifest)


def _rm(path: str) -> None:
    import shutil

    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        os.unlink(path)


def _retire(unit: str) -> None:
    import shutil

    trash = f"{unit}.stale{os.getpid()}"
    try:
        os.rename(unit, trash)
    except OSError:
        return
    shutil.rmtree(trash, ignore_errors=True)


def _load_manifest(unit: str) -> dict | None:
    try:
        with open(os.path.join(unit, "manifest.json"), encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def _link_tree(unit: str, manifest: dict, dest: str) -> bool:
    """Hard-link (or copy) the unit's files into ``dest``; False if the unit is not intact."""
    src_root = os.path.join(unit, "site")
    for d in manifest["dirs"]:
        os.mkdir(os.path.join(dest, d))
    link = os.link
    copying = False
    for rel, size, mtime_ns in manifest["files"]:
        src = os.path.join(src_root, rel)
        dst = os.path.join(dest, rel)
        if not copying:
            try:
                link(src, dst)
            except OSError as exc:
                if exc.errno not in _LINK_ERRNOS:
                    raise
                copying = True
        if copying:
            _copy(src, dst)
        st = os.stat(dst)
        if st.st_size != size or st.st_mtime_ns != mtime_ns:
            return False
    return True


def _copy(src: str, dst: str) -> None:
    import shutil

    shutil.copyfile(src, dst)
    st = os.stat(src)
    os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns))  # the .pyc files stay valid


def _build_unit(unit: str, whl: str, base_python: str, env: Mapping[str, str]) -> None:
    """Unpack ``whl`` (checking RECORD hashes), byte-compile it with the target, rename into place."""
    import base64
    import csv
    import hashlib
    import shutil
    import tempfile
    import zipfile

    tmp = tempfile.mkdtemp(prefix=".build-", dir=os.path.dirname(unit))
    try:
        site = os.path.join(tmp, "site")
        os.mkdir(site)
        with zipfile.ZipFile(whl) as zf:
            names = [n for n in zf.namelist() if not n.endswith("/")]
            dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/RECORD") and n.count("/") == 1)
            rows = list(csv.reader(zf.read(f"{dist_info}/RECORD").decode("utf-8").splitlines()))
            hashes = {r[0]: r[1] for r in rows if len(r) >= 2}
            for name in names:
                if name.startswith("/") or ".." in name.split("/") or ".data/" in name:
                    raise VenvCreateError(f"unexpected member {name!r} in {whl}")
                data = zf.read(name)
                want = hashes.get(name, "")
                if want:
                    algo, _, digest = want.partition("=")
                    got = base64.urlsafe_b64encode(hashlib.new(algo, data).digest()).rstrip(b"=").decode()
                    if got != digest:
                        raise VenvCreateError(f"{whl}: {name} does not match its RECORD hash")
                elif name != f"{dist_info}/RECORD":
                    raise VenvCreateError(f"{whl}: {name} is not in its RECORD")
                if name in (f"{dist_info}/RECORD", f"{dist_info}/INSTALLER"):
                    continue  # written per venv: a linked RECORD would be rewritten in every venv
                target = os.path.join(site, name)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as fh:
                    fh.write(data)
            entry_points = zf.read(f"{dist_info}/entry_points.txt").decode("utf-8")
        top = sorted({n.split("/")[0] for n in names} - {dist_info})
        proc = subprocess.run(
            [base_python, "-I", "-m", "compileall", "-q", "-j", "0", "--", *(os.path.join(site, t) for t in top)],
            capture_output=True,
            env=_child_env(env),
            stdin=subprocess.DEVNULL,
        )
        if proc.returncode:
            err = proc.stdout.decode("utf-8", "replace").strip().splitlines() or ["exit status " + str(proc.returncode)]
            raise VenvCreateError(f"byte-compiling pip with {base_python} failed: {err[-1]}")
        dirs, files = [], []
        for root, dnames, fnames in os.walk(site):
            dnames.sort()
            rel_root = os.path.relpath(root, site)
            for d in dnames:
                dirs.append(os.path.normpath(os.path.join(rel_root, d)))
            for f in sorted(fnames):
                rel = os.path.normpath(os.path.join(rel_root, f))
                st = os.stat(os.path.join(root, f))
                files.append([rel, st.st_size, st.st_mtime_ns])
        record = [r for r in rows if r and r[0] != f"{dist_info}/RECORD" and r[0] in hashes]
        manifest = {
            "wheel": os.path.basename(whl),
            "dist_info": dist_info,
            "dirs": dirs,
            "files": files,
            "record": [r[:3] for r in record],
            "console_scripts": _console_scripts(entry_points),
        }
        with open(os.path.join(tmp, "manifest.json"), "w", encoding="utf-8") as fh:
            json.dump(manifest, fh)
        try:
            os.rename(tmp, unit)
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
            # another creator won the race: theirs is as good as ours
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _console_scripts(text: str) -> dict[str, str]:
    scripts, section = {}, ""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line.strip("[]").strip()
        elif "=" in line and section == "console_scripts":
            name, _, target = line.partition("=")
            scripts[name.strip()] = target.strip()
    return scripts


def _script(python: bytes, target: str) -> bytes:
    """A console script as pip writes it; a /bin/sh trampoline when the shebang cannot hold the path."""
    module, _, attr = target.partition(":")
    attr = attr.split("[")[0].strip()
    body = (
        "import re\nimport sys\n"
        f"from {module.strip()} import {attr.split('.')[0]}\n"
        'if __name__ == "__main__":\n'
        '    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])\n'
        f"    sys.exit({attr}())\n"
    ).encode()
    try:
        python.decode("utf-8")
        coding = b"utf-8"
    except UnicodeDecodeError:
        coding = b"latin-1"  # any bytes decode: Python only has to parse the line, not use it
    if len(python) <= 125 and not any(c in python for c in b" \t\n\r\f\v"):
        return b"#!" + python + b"\n# -*- coding: " + coding + b" -*-\n" + body
    # sh runs line 3 and execs python on this file; for Python, line 3 is a string literal.
    # The path is quoted for sh with '...' runs, "'" and "\\": valid in a Python ''' string too.
    quoted, run = [], b""
    for byte in python:
        ch = bytes([byte])
        if ch in (b"'", b"\\"):
            if run:
                quoted.append(b"'" + run + b"'")
                run = b""
            quoted.append(b'"\'"' if ch == b"'" else b'"\\\\"')
        else:
            run += ch
    if run:
        quoted.append(b"'" + run + b"'")
    return (
        b"#!/bin/sh\n# -*- coding: "
        + coding
        + b" -*-\n'''exec' "
        + b"".join(quoted)
        + b' "$0" "$@"\n'
        + b"' '''\n"
        + body
    )


def _finish_dist(venv: str, info: dict, manifest: dict) -> None:
    """Console scripts, INSTALLER and a RECORD naming every installed file, as pip would write them."""
    import csv
    import io

    sp = site_packages(venv, info)
    dist_info = manifest["dist_info"]
    python = os.fsencode(os.path.join(venv, "bin", "python"))
    mode = 0o777 & ~_umask()
    rel_bin = os.path.relpath(os.path.join(venv, "bin"), sp)
    records = [list(r) for r in manifest["record"]]
    listed = {r[0] for r in records}
    records += [[rel, "", ""] for rel, _, _ in manifest["files"] if rel not in listed and rel.endswith(".pyc")]
    scripts = dict(manifest["console_scripts"])
    if "pip" in scripts:  # pip's installer: pip, pip3 and pip3.N for the target
        major = info["xy"].split(".")[0]
        for name in [n for n in scripts if n.startswith("pip3.")]:
            del scripts[name]
        scripts[f"pip{major}"] = scripts["pip"]
        scripts[f"pip{info['xy']}"] = scripts["pip"]
    import base64
    import hashlib

    for name, target in sorted(scripts.items()):
        data = _script(python, target)
        dst = os.path.join(venv, "bin", name)
        fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        records.append([os.path.join(rel_bin, name), f"sha256={digest}", str(len(data))])
    installer = b"pip\n"  # what ensurepip's pip would have written; pip's upgrade notice keys on it
    with open(os.path.join(sp, dist_info, "INSTALLER"), "wb") as fh:
        fh.write(installer)
    digest = base64.urlsafe_b64encode(hashlib.sha256(installer).digest()).rstrip(b"=").decode()
    records.append([f"{dist_info}/INSTALLER", f"sha256={digest}", str(len(installer))])
    records.append([f"{dist_info}/RECORD", "", ""])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(records)
    with open(os.path.join(sp, dist_info, "RECORD"), "w", encoding="utf-8", errors="surrogateescape") as fh:
        fh.write(out.getvalue())
