"""Real externally managed interpreters for the version matrix (issue 10, item 3).

A matrix interpreter is a copy of an installed pyenv CPython (its ``test`` package left out),
given the wanted pip from a wheel and then an ``EXTERNALLY-MANAGED`` marker in its stdlib, as a
distribution ships it. The originals under the pyenv root and the system Python are only read.

Builds live in ``~/.cache/pipshim-test/matrix/python<X.Y.Z>-pip<V>`` (``PIPSHIM_MATRIX_CACHE``
moves it), are made once and reused by later runs (a stamp records what they were made from),
and are serialised with ``filelock`` so that parallel workers and sessions build each once.
pip wheels are kept in ``~/.cache/pipshim-test/pip-wheels`` (the cache tools/gen_pip_options.py
uses) and downloaded only when missing, so later runs are offline.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BUILDER_VERSION = "1"  # part of the stamp: bump to rebuild every cached interpreter
STAMP = ".pipshim-matrix-built"
MARKER_TEXT = (
    "[externally-managed]\n"
    "Error=To install Python packages system-wide, use your distribution's packages.\n"
    " (a pipshim test-matrix interpreter: externally managed, as a distribution ships it)\n"
)


@dataclass(frozen=True)
class Pair:
    """A Python/pip pair people run. ``python``/``pip`` None: the newest this machine has."""

    key: str  # used in test ids: no "-"
    label: str
    python: str | None  # "3.12": the newest installed 3.12.x
    pip: str | None


PAIRS = (
    Pair("ubuntu2404", "Ubuntu 24.04", "3.12", "24.0"),
    Pair("debian13", "Debian 13", "3.13", "25.1.1"),
    Pair("newest", "newest here", None, None),
)


@dataclass(frozen=True)
class Target:
    """A pair resolved on this machine: which installed Python, which pip; ``problem`` if it cannot be built."""

    pair: Pair
    python_version: str = ""  # "3.12.1"
    pip_version: str = ""
    source: str = ""  # the installed Python's prefix (only read)
    problem: str = ""

    @property
    def key(self) -> str:
        return self.pair.key

    @property
    def minor(self) -> str:
        return ".".join(self.python_version.split(".")[:2])

    def describe(self) -> str:
        python = self.python_version or self.pair.python or "newest"
        want = f"python {python} + pip {self.pip_version or self.pair.pip or 'newest'}"
        return f"{want} ({self.pair.label})"


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", version))


# Read when this module is imported (collection time), before the tests point HOME elsewhere
_CACHE_HOME = Path(os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")) / "pipshim-test"
_MATRIX_CACHE = Path(os.environ.get("PIPSHIM_MATRIX_CACHE") or _CACHE_HOME / "matrix")
_WHEEL_CACHE = Path(os.environ.get("PIPSHIM_PIP_WHEELS") or _CACHE_HOME / "pip-wheels")
_PYENV_ROOT = os.environ.get("PYENV_ROOT", "")
_HOME = os.path.expanduser("~")


def matrix_cache() -> Path:
    return _MATRIX_CACHE


def wheel_cache() -> Path:
    return _WHEEL_CACHE


def pyenv_root() -> Path | None:
    """PYENV_ROOT, else what ``pyenv root`` says, else ~/.pyenv; None if there is none."""
    if _PYENV_ROOT:
        return Path(_PYENV_ROOT)
    home_pyenv = Path(_HOME) / ".pyenv"
    pyenv = shutil.which("pyenv") or shutil.which("pyenv", path=str(home_pyenv / "bin"))
    if pyenv:
        out = subprocess.run([pyenv, "root"], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            return Path(out.stdout.strip())
    return home_pyenv if home_pyenv.is_dir() else None


def installed_pythons(root: Path | None) -> dict[str, Path]:
    """CPython 3.9+ final releases installed by pyenv: "3.12.1" -> its prefix."""
    found: dict[str, Path] = {}
    if root is None:
        return found
    try:
        entries = os.listdir(root / "versions")
    except OSError:
        return found
    for name in entries:
        if not re.fullmatch(r"3\.\d+\.\d+", name) or version_key(name) < (3, 9):
            continue
        minor = ".".join(name.split(".")[:2])
        if os.access(root / "versions" / name / "bin" / f"python{minor}", os.X_OK):
            found[name] = root / "versions" / name
    return found


def cached_pips() -> list[str]:
    try:
        names = os.listdir(wheel_cache())
    except OSError:
        return []
    return [m.group(1) for n in names if (m := re.fullmatch(r"pip-(\d+(?:\.\d+)*)-py3-none-any\.whl", n))]


def newest_pip() -> str:
    """The newest pip known here without asking the network: the test environment's own pip
    (``make dev`` installs the newest) or a newer wheel in the cache."""
    from importlib.metadata import PackageNotFoundError, version

    candidates = cached_pips()
    with contextlib.suppress(PackageNotFoundError):
        candidates.append(version("pip"))
    candidates = [v for v in candidates if re.fullmatch(r"\d+(\.\d+)*", v)]
    return max(candidates, key=version_key) if candidates else ""


def resolve(pair: Pair) -> Target:
    root = pyenv_root()
    pythons = installed_pythons(root)
    where = f"{root}/versions" if root else "(no pyenv: no PYENV_ROOT, no `pyenv`, no ~/.pyenv)"
    matching = [v for v in pythons if v.startswith(pair.python + ".")] if pair.python else list(pythons)
    if not matching:
        have = ", ".join(sorted(pythons, key=version_key)) or "none"
        want = f"Python {pair.python}" if pair.python else "CPython 3.9+"
        return Target(pair, problem=f"no {want} installed under {where} (installed: {have}); install it with pyenv")
    python_version = max(matching, key=version_key)
    pip_version = pair.pip or newest_pip()
    if not pip_version:
        return Target(pair, python_version, problem="cannot tell the newest pip: no pip here and no cached wheels")
    return Target(pair, python_version, pip_version, str(pythons[python_version]))


def targets() -> list[Target]:
    """Every pair of PAIRS resolved here, without duplicates (the newest may be one of the others)."""
    out: list[Target] = []
    seen = set()
    for pair in PAIRS:
        t = resolve(pair)
        ident = (t.python_version, t.pip_version)
        if t.problem or ident not in seen:
            out.append(t)
            seen.add(ident)
    return out


# --- building ----------------------------------------------------------------------------------


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV", "PYENV_VERSION"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    return env


def pip_wheel(version: str) -> Path:
    """pip ``version``'s wheel from the cache, downloaded once when missing (the network is needed then only)."""
    from filelock import FileLock

    cache = wheel_cache()
    cache.mkdir(parents=True, exist_ok=True)
    wheel = cache / f"pip-{version}-py3-none-any.whl"
    if wheel.is_file():
        return wheel
    with FileLock(str(cache / ".download.lock")):
        if not wheel.is_file():
            download = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
            out = subprocess.run(
                [*download, f"pip=={version}", "-d", str(cache)],
                capture_output=True,
                text=True,
                env=_clean_env(),
                timeout=300,
            )
            if out.returncode != 0 or not wheel.is_file():
                raise BuildError(f"cannot download pip {version} into {cache}:\n{out.stdout}{out.stderr}")
    return wheel


class BuildError(Exception):
    pass


def _run(cmd: list[str], what: str) -> str:
    out = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=_clean_env(), timeout=600)
    if out.returncode != 0:
        raise BuildError(f"{what} failed ({' '.join(map(str, cmd))}):\n{out.stdout}{out.stderr}")
    return out.stdout


def _fingerprint(t: Target, wheel: Path) -> str:
    exe = Path(t.source) / "bin" / f"python{t.minor}"
    st = exe.stat()
    return f"{BUILDER_VERSION} {t.source} {st.st_mtime_ns} {st.st_size} {wheel.name} {wheel.stat().st_size}\n"


def _ignore_tests(minor: str):
    stdlib = os.path.join("lib", f"python{minor}")

    def ignore(directory: str, names: list[str]) -> set[str]:
        return {"test"} & set(names) if directory.endswith(stdlib) else set()

    return ignore


def _repoint_scripts(dest: Path, source: str) -> None:
    """The copied bin/ scripts (idle3, pydoc3, python3-config…) start the copy, not the original."""
    old, new = f"#!{source}/".encode(), f"#!{dest}/".encode()
    for entry in (dest / "bin").iterdir():
        if entry.is_symlink() or not entry.is_file():
            continue
        data = entry.read_bytes()
        if data.startswith(old):
            entry.write_bytes(new + data[len(old) :])


def build(t: Target) -> Path:
    """The matrix interpreter for ``t``, built if it is not in the cache yet. Returns its prefix."""
    from filelock import FileLock

    if t.problem:
        raise BuildError(t.problem)
    wheel = pip_wheel(t.pip_version)
    cache = matrix_cache()
    cache.mkdir(parents=True, exist_ok=True)
    dest = cache / f"python{t.python_version}-pip{t.pip_version}"
    stamp = dest / STAMP
    fingerprint = _fingerprint(t, wheel)
    with FileLock(str(dest) + ".lock"):
        if stamp.is_file() and stamp.read_text() == fingerprint and check(dest, t) is None:
            return dest
        if dest.exists() or dest.is_symlink():
            shutil.rmtree(dest)
        # a copy, made in place: the prefix a Python uses is where it is
        shutil.copytree(t.source, dest, symlinks=True, ignore=_ignore_tests(t.minor))
        _repoint_scripts(dest, t.source)
        python = dest / "bin" / f"python{t.minor}"
        prefix = _run([python, "-I", "-c", "import sys; print(sys.prefix)"], "the copy").strip()
        if os.path.realpath(prefix) != os.path.realpath(dest):
            raise BuildError(f"{python} does not run from its new place: sys.prefix is {prefix}, not {dest}")
        _run([python, "-I", "-m", "pip", "install", "--no-index", "--no-deps", "--force-reinstall", wheel], "pip")
        stdlib = _run([python, "-I", "-c", "import sysconfig; print(sysconfig.get_path('stdlib'))"], "stdlib")
        Path(stdlib.strip(), "EXTERNALLY-MANAGED").write_text(MARKER_TEXT)
        problem = check(dest, t)
        if problem:
            raise BuildError(problem)
        stamp.write_text(fingerprint)
    return dest


def check(dest: Path, t: Target) -> str | None:
    """What is wrong with a built interpreter, or None: it runs from ``dest``, is version
    ``t.python_version``, has ``bin/pip`` of version ``t.pip_version``, and is externally managed."""
    python = dest / "bin" / f"python{t.minor}"
    query = (
        "import sys, sysconfig, os, importlib.metadata as m; "
        "print('%d.%d.%d' % sys.version_info[:3]); print(sys.prefix); print(m.version('pip')); "
        "print(os.path.isfile(os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED')))"
    )
    try:
        out = subprocess.run([python, "-I", "-c", query], capture_output=True, text=True, env=_clean_env(), timeout=60)
    except OSError as exc:
        return f"{python}: {exc}"
    lines = out.stdout.split()
    want = [t.python_version, os.path.realpath(dest), t.pip_version, "True"]
    if out.returncode != 0 or len(lines) != 4 or [lines[0], os.path.realpath(lines[1]), *lines[2:]] != want:
        return f"{python}: expected version, prefix, pip, marker {want}, got {out.stdout!r} {out.stderr!r}"
    for name in ("pip", "pip3", f"pip{t.minor}", "python3"):
        if not os.access(dest / "bin" / name, os.X_OK):
            return f"{dest}/bin/{name} is missing"
    return None


def site_snapshot(dest: Path, t: Target) -> list[str]:
    """The copy's site-packages listing: the tests must never install into it."""
    site = dest / "lib" / f"python{t.minor}" / "site-packages"
    return sorted(os.listdir(site))


def invalidate(dest: Path) -> None:
    """Make the next run build ``dest`` again."""
    (dest / STAMP).unlink(missing_ok=True)


def timed_build(t: Target) -> tuple[Path, float]:
    start = time.monotonic()
    dest = build(t)
    return dest, time.monotonic() - start


def built(key: str) -> Path:
    """The built interpreter of PAIRS' ``key`` (built now if the cache has none); BuildError if
    it cannot be built here."""
    for t in targets():
        if t.key == key:
            if t.problem:
                raise BuildError(f"{t.describe()} cannot be built: {t.problem}")
            return build(t)
    raise BuildError(f"no pair {key!r}")


def two_minors() -> dict[str, Path]:
    """Two externally managed minor versions side by side (Homebrew's python@3.12 and @3.13):
    minor -> built prefix. A test that needs them fails, never skips, when they cannot be built."""
    import pytest

    try:
        return {"3.12": built("ubuntu2404"), "3.13": built("debian13")}
    except BuildError as exc:
        pytest.fail(f"two externally managed minor versions are needed: {exc}", pytrace=False)
