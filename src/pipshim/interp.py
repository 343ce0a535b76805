"""Facts about a Python interpreter: version, prefixes, stdlib dir, and so whether it
is a venv, a conda env, or externally managed (PEP 668).

Asking an interpreter costs a second Python start (~27 ms), so the answer is cached
per interpreter, keyed on its resolved path, mtime and size; the EXTERNALLY-MANAGED
marker and conda-meta are stat'ed fresh on every call, so installing or removing
them takes effect at once.
"""

from __future__ import annotations

import os
from collections import namedtuple

# Printed by the interpreter being asked; tab-separated so no json import is needed.
_QUERY = (
    "import sys, sysconfig; print('\\t'.join(("
    "'%d.%d' % sys.version_info[:2], sys.prefix, getattr(sys, 'base_prefix', sys.prefix), "
    "sysconfig.get_path('stdlib'))))"
)
_CACHE_VERSION = "1"


class Interp(namedtuple("Interp", "path real_path version prefix base_prefix stdlib in_venv externally_managed conda")):
    """An interpreter as pip sees it: ``path`` as pip runs it, ``real_path`` resolved.

    Plain values only (resolved here, in the impure step), so decide() never touches the disk.
    """

    __slots__ = ()


def _cache_file(environ: dict[str, str]) -> str | None:
    base = environ.get("XDG_CACHE_HOME") or (os.path.join(environ["HOME"], ".cache") if environ.get("HOME") else None)
    return os.path.join(base, "pipshim", "interpreters.tsv") if base else None


def _key(path: str) -> str | None:
    real = os.path.realpath(path)
    try:
        st = os.stat(real)
    except OSError:
        return None
    return f"{_CACHE_VERSION}:{path}:{real}:{st.st_mtime_ns}:{st.st_size}"


_LINES: dict[str, list[str]] = {}  # the cache file, read once per process


def _read_cache(cache: str | None, key: str) -> list[str] | None:
    if not cache:
        return None
    if cache not in _LINES:
        try:
            with open(cache, encoding="utf-8") as fh:
                _LINES[cache] = fh.readlines()
        except OSError:
            _LINES[cache] = []
    for line in _LINES[cache]:
        fields = line.rstrip("\n").split("\t")
        if fields[0] == key and len(fields) == 5:
            return fields[1:]
    return None


def _write_cache(cache: str | None, key: str, fields: list[str]) -> None:
    if not cache:
        return
    try:
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        try:
            with open(cache, encoding="utf-8") as fh:
                keep = [ln for ln in fh if not ln.startswith(key.rsplit(":", 2)[0] + ":")]
        except OSError:
            keep = []
        tmp = f"{cache}.{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.writelines(keep[-200:])
            fh.write("\t".join([key, *fields]) + "\n")
        os.replace(tmp, cache)
        _LINES.pop(cache, None)
    except OSError:
        pass  # a cache we cannot write only costs time


def ask(path: str, environ: dict[str, str]) -> list[str] | None:
    """Run the interpreter once and return [version, prefix, base_prefix, stdlib]."""
    import subprocess  # only on a cache miss

    try:
        out = subprocess.run(
            [path, "-I", "-c", _QUERY],
            capture_output=True,
            text=True,
            timeout=30,
            env={k: v for k, v in environ.items() if not k.startswith("PYTHON")},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    fields = out.stdout.strip().split("\t")
    return fields if out.returncode == 0 and len(fields) == 4 else None


def inspect(path: str, environ: dict[str, str]) -> Interp | None:
    """The facts of the interpreter at ``path``, or None if it does not run."""
    key = _key(path)
    if key is None:
        return None
    cache = _cache_file(environ)
    fields = _read_cache(cache, key)
    if fields is None:
        fields = ask(path, environ)
        if fields is None:
            return None
        _write_cache(cache, key, fields)
    version, prefix, base_prefix, stdlib = fields
    return Interp(
        path=path,
        real_path=os.path.realpath(path),
        version=version,
        prefix=prefix,
        base_prefix=base_prefix,
        stdlib=stdlib,
        in_venv=os.path.realpath(prefix) != os.path.realpath(base_prefix),
        externally_managed=os.path.isfile(os.path.join(stdlib, "EXTERNALLY-MANAGED")),
        conda=os.path.isdir(os.path.join(prefix, "conda-meta")),
    )
