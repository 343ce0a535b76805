"""Facts about a Python interpreter: version, prefixes, stdlib dir, where its pip lives,
and so whether it is a venv, a conda env, or externally managed (PEP 668).

Asking an interpreter costs a second Python start (~25 ms), so the answer is cached
per interpreter, keyed on its resolved path, mtime and size. The cache is disposable:
an unreadable or corrupt one is ignored and rewritten. The EXTERNALLY-MANAGED marker,
conda-meta and pip's version are looked at fresh on every call, so installing or
removing them takes effect at once.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping

from pipshim import paths
from pipshim.record import Record

# Printed by the interpreter being asked; tab-separated so no json import is needed.
# find_spec locates pip without importing it. Written as bytes (os.fsencode), so a prefix
# that is not UTF-8 comes back as the same bytes whatever the locale.
_QUERY = (
    "import os, sys, sysconfig, importlib.util as u; s = u.find_spec('pip'); "
    "sys.stdout.buffer.write(os.fsencode('\\t'.join(("
    "'%d.%d' % sys.version_info[:2], sys.prefix, getattr(sys, 'base_prefix', sys.prefix), "
    "sysconfig.get_path('stdlib'), "
    "os.path.dirname(s.submodule_search_locations[0]) if s and s.submodule_search_locations else '')) + '\\n'))"
)
_CACHE_VERSION = "2"
_FIELDS = 5


class Interp(Record):
    """An interpreter as pip sees it: ``path`` as pip runs it, ``real_path`` resolved.

    Plain values only (resolved here, in the impure step), so decide() never touches the disk.
    """

    path: str
    real_path: str
    version: str  # "3.12"
    prefix: str
    base_prefix: str
    stdlib: str
    in_venv: bool
    externally_managed: bool
    conda: bool
    pip_version: str | None = None  # the pip this interpreter imports ("24.0"), None if it has none

    @property
    def managed(self) -> bool:
        """PEP 668 applies and pipshim routes installs: the EXTERNALLY-MANAGED marker, in an
        interpreter that is neither a venv (pip ignores the marker there) nor a conda env
        (conda manages it, not the distro). The one answer rules, facts, doctor, the shims'
        marks and install-shims all use."""
        return self.externally_managed and not self.in_venv and not self.conda


CACHE_NAME = "interpreters.tsv"  # rewritten whenever an interpreter is probed: the shims' stamp


def _cache_file(environ: Mapping[str, str]) -> str | None:
    base = paths.cache_dir(environ)
    return os.path.join(base, CACHE_NAME) if base else None


def _key(path: str, real: str) -> str | None:
    """The cache key of the interpreter at ``path`` (``real``: resolved)."""
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
            with open(cache, encoding="utf-8", errors="replace") as fh:
                _LINES[cache] = fh.readlines()
        except (OSError, ValueError):
            _LINES[cache] = []
    for line in _LINES[cache]:
        fields = line.rstrip("\n").split("\t")
        if fields[0] == key and len(fields) == _FIELDS + 1 and all(fields[1:5]):
            return fields[1:]
    return None


def _write_cache(cache: str | None, key: str, fields: list[str]) -> None:
    if not cache:
        return
    same_path = key.rsplit(":", 2)[0] + ":"
    keep = [ln for ln in _LINES.get(cache, []) if not ln.startswith(same_path) and ln.count("\t") == _FIELDS]
    with contextlib.suppress(OSError, ValueError):  # a cache we cannot write only costs time
        paths.write_private(cache, "".join(keep[-200:]) + "\t".join([key, *fields]) + "\n")
    _LINES.pop(cache, None)


def ask(path: str, environ: Mapping[str, str]) -> list[str] | None:
    """Run the interpreter once and return [version, prefix, base_prefix, stdlib, pip's site dir]."""
    import subprocess  # only on a cache miss

    try:
        out = subprocess.run(
            [path, "-I", "-c", _QUERY],
            capture_output=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
            env={k: v for k, v in environ.items() if not k.startswith("PYTHON")},
        )
    except (OSError, ValueError, subprocess.SubprocessError):
        return None
    fields = os.fsdecode(out.stdout).rstrip("\n").split("\t")
    return fields if out.returncode == 0 and len(fields) == _FIELDS else None


def pip_version_in(site_dir: str) -> str | None:
    """The version of the pip installed in ``site_dir``, from its dist-info name."""
    if not site_dir:
        return None
    try:
        names = os.listdir(site_dir)
    except OSError:
        return None
    for name in names:
        if name.startswith("pip-") and name.endswith((".dist-info", ".egg-info")):
            return name[4:].rsplit(".", 1)[0]
    return None


def _asked(path: str, environ: Mapping[str, str]) -> tuple[str, list[str]] | None:
    """(``path`` resolved, ask()'s fields), from the cache when it knows this interpreter; None
    if it does not run."""
    real = os.path.realpath(path)  # resolved once: each resolution is a system call per component
    key = _key(path, real)
    if key is None:
        return None
    cache = _cache_file(environ)
    fields = _read_cache(cache, key)
    if fields is None:
        fields = ask(path, environ)
        if fields is None:
            return None
        _write_cache(cache, key, fields)
    return real, fields


def runs(path: str, environ: Mapping[str, str]) -> tuple[str, str] | None:
    """(its version, ``path`` resolved) if the interpreter at ``path`` runs, else None: all that
    discovery.classify asks of a venv's python, without what inspect() looks at afresh."""
    asked = _asked(path, environ)
    return None if asked is None else (asked[1][0], asked[0])


def inspect(path: str, environ: Mapping[str, str]) -> Interp | None:
    """The facts of the interpreter at ``path``, or None if it does not run."""
    asked = _asked(path, environ)
    if asked is None:
        return None
    real, (version, prefix, base_prefix, stdlib, pip_site) = asked
    return Interp(
        path=path,
        real_path=real,
        version=version,
        prefix=prefix,
        base_prefix=base_prefix,
        stdlib=stdlib,
        # the same two strings are the same directory: only different ones are resolved
        in_venv=prefix != base_prefix and os.path.realpath(prefix) != os.path.realpath(base_prefix),
        externally_managed=os.path.isfile(os.path.join(stdlib, "EXTERNALLY-MANAGED")),
        conda=os.path.isdir(os.path.join(prefix, "conda-meta")),
        pip_version=pip_version_in(pip_site),
    )
