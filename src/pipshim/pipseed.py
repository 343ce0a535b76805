"""pip for new venvs: a verified, byte-compiled pip unpacked once per (wheel, Python, file mode)
and hard-linked into each venv (venvmake.py writes the rest of the venv).

The pip comes from a local wheel: ``pip-*.whl`` put in ``.../pipshim/wheels/``,
virtualenv's bundled ones, the target's ensurepip bundle, or the distribution's
``/usr/share/python-wheels``; the newest whose Requires-Python admits the target wins.
A seed unit lives in ``${XDG_CACHE_HOME:-~/.cache}/pipshim/venvseed/``, is built in a
temporary directory renamed into place, and is never written again: pip replaces files by
unlinking them, so nothing done in one venv reaches another. Every linked file is checked
against the unit's manifest (size, mtime); a unit edited in place is set aside and rebuilt.
Files get the creator's umask (a unit is keyed by the file mode); across filesystems they
are copied instead. RECORD, INSTALLER and the console scripts are written per venv, so
``pip uninstall pip`` and pip upgrades work as in any venv.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
from collections.abc import Mapping

from pipshim.venvfiles import VenvCreateError, cache_root, child_env, site_packages, umask, write_atomic

SEED_FORMAT = "1"  # bump when the unit layout changes: old units are simply not used
_LINK_ERRNOS = (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EACCES)

# where distributions keep the wheels their venv module installs (Debian's and Ubuntu's
# python3-pip-whl, Fedora's python3-pip-wheel)
DISTRO_WHEELS = "/usr/share/python-wheels"


def wheel_dirs(env: Mapping[str, str], info: Mapping[str, str]) -> list[str]:
    """Where pip wheels are looked for: pipshim's own wheels dir, virtualenv's bundle, then the
    target's own (its ensurepip bundle, its distribution's wheels): those hold a pip for a
    Python older than virtualenv supports (3.8), whatever virtualenv is installed."""
    dirs = [os.path.join(cache_root(env), "wheels")]
    from importlib.util import find_spec

    spec = find_spec("virtualenv")  # finds, does not import
    if spec and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            dirs.append(os.path.join(loc, "seed", "wheels", "embed"))
    if info.get("stdlib"):
        dirs.append(os.path.join(info["stdlib"], "ensurepip", "_bundled"))
    dirs.append(DISTRO_WHEELS)
    return dirs


def _version_key(text: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(p) for p in text.split("."))
    except ValueError:
        return None  # pre-releases and local versions are never picked


def _wheel_facts(whl: str, st: os.stat_result, index: dict) -> dict | None:
    key = f"{whl}|{st.st_size}|{st.st_mtime_ns}"
    entry = index.get(key)
    if not (
        isinstance(entry, dict)
        and isinstance(entry.get("sha256"), str)
        and isinstance(entry.get("requires_python"), str)
        and isinstance(entry.get("supports"), dict)
    ):
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
    except (OSError, ValueError, RecursionError):
        index = {}
    if not isinstance(index, dict):  # a cache is disposable: a damaged one is rewritten
        index = {}
    before = json.dumps(index, sort_keys=True)
    best: tuple[tuple[int, ...], str, dict] | None = None
    for d in wheel_dirs(env, info):
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
        write_atomic(index_path, json.dumps(index, sort_keys=True).encode())
    if best is None:
        raise VenvCreateError(
            f"no local pip wheel supports Python {info['version']}:"
            f" put a pip-*.whl in {os.path.dirname(seed_dir)}/wheels"
        )
    return best[1], best[2]


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
    mode = 0o666 & ~umask()
    unit = os.path.join(
        seed_dir, f"v{SEED_FORMAT}-{os.path.basename(whl)[:-4]}-{facts['sha256'][:16]}-{info['tag']}-{mode:04o}"
    )
    manifest = _load_manifest(unit)
    if manifest is None or not _link_tree(unit, manifest, site_packages(venv, info)):
        if os.path.lexists(unit):  # changed under us, or its manifest damaged: set it aside, never write into it
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
    """The unit's manifest, or None if it is missing or not what _build_unit writes."""
    try:
        with open(os.path.join(unit, "manifest.json"), encoding="utf-8") as fh:
            m = json.load(fh)
    except (OSError, ValueError, RecursionError):
        return None

    def strings(v) -> bool:
        return isinstance(v, list) and all(isinstance(x, str) for x in v)

    ok = (
        isinstance(m, dict)
        and isinstance(m.get("dist_info"), str)
        and strings(m.get("dirs"))
        and isinstance(m.get("files"), list)
        and all(
            isinstance(f, list) and len(f) == 3 and isinstance(f[0], str) and all(type(x) is int for x in f[1:])
            for f in m["files"]
        )
        and isinstance(m.get("record"), list)
        and all(strings(r) and r for r in m["record"])
        and isinstance(m.get("console_scripts"), dict)
        and all(strings([k, v]) for k, v in m["console_scripts"].items())
    )
    return m if ok else None


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
        targets = [os.path.join(site, t) for t in top]
        for jobs in (["-j", "0"], []):  # in parallel, else serially: no /dev/shm (containers, chroots)
            proc = subprocess.run(
                [base_python, "-I", "-m", "compileall", "-q", *jobs, "--", *targets],
                capture_output=True,
                env=child_env(env),
                stdin=subprocess.DEVNULL,
            )
            if proc.returncode == 0:
                break
            if proc.returncode < 0:  # killed (^C reaches the whole group): stop, never retry
                raise (
                    KeyboardInterrupt
                    if proc.returncode == -2
                    else VenvCreateError(
                        f"byte-compiling pip with {base_python} was killed by signal {-proc.returncode}"
                    )
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
    # Python reads line 1 as UTF-8 whatever line 2 declares: a non-UTF-8 path goes to line 3
    if coding == b"utf-8" and len(python) <= 125 and not any(c in python for c in b" \t\n\r\f\v"):
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
    mode = 0o777 & ~umask()
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
