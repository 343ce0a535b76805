"""Differential corpus (issue 5): through the shim, pip behaves exactly as the pip that runs it.

Every argv form runs (a) through the shim (``<shim_bin>/pip ARGS``) and (b) directly through
the pip that should run it, with the same environment, the same working directory and the
same arguments. stdout, stderr without pipshim's own ``pipshim:`` lines, and the exit code
must be byte-identical. Three settings:

project  a project whose ``.venv`` exists (made once per module by ``<shim_bin>/pip install``):
         (b) is ``.venv/bin/pip``
active   an activated venv (VIRTUAL_ENV set, the shims first on PATH, then the venv's bin):
         (b) is that venv's pip, and stderr must be identical too (no pipshim line at all)
plain    a Python that is not externally managed (Debian's, relocated into a temp prefix
         whose stdlib has no EXTERNALLY-MANAGED file): (b) is its own pip; only forms
         that change no environment (``ro``), stderr identical too

Offline: PIP_NO_INDEX=1 and PIP_FIND_LINKS=<local wheels> for both sides, and a tiny in-tree
build backend (no build requirements) so that ``-e .`` builds without network. Forms that
change state (a venv, files under ``tmp/``) run the two sides one after the other, each on
the same state (reset before each side and after); the others run both sides at once, and
are checked to have changed nothing.

Also: ``pipshim explain --json`` agrees with where install forms actually went.

``make test`` runs the QUICK forms end to end (conftest.END_TO_END); the rest, and the explain
cases, are ``exhaustive`` and run in ``make check``. (The argv parser itself is
checked against pip's own parser, form by form and in-process, by the unit tests.)
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pytest
from helpers import pipshim_lines
from sut import SUT

from integration.support import base_env
from pipshim import shims

SETTINGS = ("project", "active", "plain")
# Forms the plain Python need not repeat (there pipshim only execs pip, and its pip is slow to start):
# spelling variants and errors that other forms there already cover.
EM = ("project", "active")


# --- the corpus ----------------------------------------------------------------------------


class Form(NamedTuple):
    id: str
    argv: tuple[str, ...]
    ro: bool  # changes no Python environment: may also run against the plain Python
    state: bool  # changes a venv, the cache or tmp/: the sides run one after the other on reset state
    norm: tuple[str, ...]  # normalisations (NORMALISE), applied to both sides alike
    stdin: bytes
    only: tuple[str, ...]  # the settings it runs in


def form(id_, *argv, ro=False, state=False, norm=(), stdin=b"", only=SETTINGS) -> Form:
    if not ro:
        only = tuple(s for s in only if s != "plain")
    return Form(id_, argv, ro, state, norm, stdin, only)


# Placeholders, filled per setting: {wh} the wheelhouse, {wheel1}/{wheel2} demo-lib 1.0/2.0 wheel
# paths, {url2} a file:// URL of the 2.0 wheel, {nourl} a file:// URL that names nothing,
# {vpy}/{vdir} a venv's python and directory (for --python).
#
# In the project and active settings demo-lib 1.0, demo-needs-dep 1.0 and demo-dep 1.0 are
# installed; installs of what is installed already and uninstalls of what is not are
# idempotent, everything else that installs is `state`. The plain Python has none of them.
CORPUS = (
    # general options before the subcommand
    form("g-quiet-install", "-q", "install", "demo-lib==1.0"),
    form("g-quiet-install-dry", "-q", "install", "--dry-run", "demo-lib", ro=True),
    form("g-isolated-list", "--isolated", "list", ro=True, only=EM),
    form("g-isol-abbrev-list", "--isol", "list", ro=True),
    form("g-python-list", "--python", "{vpy}", "list", ro=True),
    form("g-python-eq-dir-list", "--python={vdir}", "list", ro=True),
    form("g-qqq-list", "-qqq", "list", ro=True),
    # pip's exit code 3 on the plain Python (no venv); list ignores it
    form("g-require-venv-install", "--require-virtualenv", "install", "--dry-run", "demo-lib", ro=True),
    form("g-require-venv-list", "--require-virtualenv", "list", ro=True, only=EM),
    form("g-retries-space-list", "--retries", "0", "list", ro=True),
    form("g-cache-dir-value", "--cache-dir", "tmp/c", "cache", "dir", ro=True, only=EM),
    form("g-verbose-install-dry", "-v", "install", "--dry-run", "demo-lib", ro=True, norm=("tmpnames",)),
    form("g-no-input-uninstall", "--no-input", "uninstall", "demo-lib"),  # pip may not ask: an error
    form("g-unknown-option", "--frobnicate", "list", ro=True),
    form("g-option-needs-value", "--python", ro=True, only=EM),
    # general options after the subcommand
    form("a-list-isolated", "list", "--isolated", "-q", ro=True),
    form("a-install-quiet-after", "install", "demo-lib==1.0", "-q"),
    # subcommand options: abbreviations, clusters, --opt=value / --opt value, --
    form("o-no-deps", "install", "--no-deps", "demo-lib==1.0"),
    form("o-no-dep-ambiguous", "install", "--no-dep", "demo-lib", ro=True),  # --no-deps, --no-dependencies
    form("o-upgr-ambiguous", "install", "--upgr", "demo-lib", ro=True),  # --upgrade, --upgrade-strategy
    form("o-dry-abbrev", "install", "--dry", "-U", "demo-lib", ro=True),
    form("o-U", "install", "-U", "demo-lib", state=True),
    form("o-Uq", "install", "-Uq", "demo-lib", state=True),
    form("o-strategy-eq", "install", "--upgrade-strategy=eager", "-U", "--dry-run", "demo-needs-dep", ro=True, only=EM),
    form("o-flag-given-value", "install", "--no-deps=1", "demo-lib", ro=True, only=EM),
    form("o-missing-value", "install", "-r", ro=True, only=EM),
    form("o-short-value-glued", "install", "-f{wh}", "--no-index", "demo-lib==1.0"),
    form("o-unknown-option", "install", "--frobnicate", "demo-lib", ro=True, only=EM),
    form("o-unknown-short", "install", "-Z", "demo-lib", ro=True, only=EM),
    form("o-dashdash", "install", "--dry-run", "--", "demo-lib", ro=True, only=EM),
    form("o-dashdash-option-word", "install", "--dry-run", "--", "--no-deps", ro=True, only=EM),
    form("o-interspersed", "install", "demo-lib==1.0", "--no-deps", "demo-dep==1.0"),
    form("o-target-abbrev", "install", "--targ", "tmp/t", "demo-lib", ro=True, state=True),
    form("o-target-eq", "install", "--target=tmp/t", "demo-lib", ro=True, state=True, only=EM),
    form("o-target-glued", "install", "-ttmp/t", "-q", "demo-lib", ro=True, state=True, only=EM),
    form("o-prefix", "install", "--prefix", "tmp/p", "demo-lib", ro=True, state=True, only=EM),
    form("o-root", "install", "--root", "tmp/r", "demo-lib", ro=True, state=True, only=EM),
    form("o-dry-run-report", "install", "--dry-run", "--report", "-", "-q", "demo-lib", ro=True),
    # not in the project setting, by design: there --user goes to the user environment (rule 4)
    # and --break-system-packages to the real pip (explicit consent, rule 1)
    form("o-user-dry", "install", "--user", "--dry-run", "demo-lib", ro=True, only=("active", "plain")),
    form(
        "o-break-system-dry",
        "install",
        "--break-system-packages",
        "--dry-run",
        "demo-lib",
        ro=True,
        only=("active", "plain"),
    ),
    form("o-help", "install", "--help", ro=True),
    form("o-no-requirement", "install", ro=True),
    # requirement and constraint files (nested -r and -c)
    form("r-file", "install", "-r", "req.txt"),
    form("r-file-dry", "install", "--dry-run", "-r", "req.txt", ro=True),
    form("r-file-eq", "install", "--requirement=req.txt", "--dry-run", ro=True, only=EM),
    form("r-file-app", "install", "-r", "req-app.txt", state=True),
    form("r-cluster", "install", "-qr", "req.txt"),
    form("c-file", "install", "-c", "cons.txt", "demo-needs-dep"),
    form("r-missing-file", "install", "-r", "nothere.txt", ro=True, only=EM),
    form("r-bad-line", "install", "--dry-run", "-r", "bad-req.txt", ro=True),
    # editables, local projects, wheels, archives, URLs
    form("e-dot", "install", "-e", ".", state=True, norm=("tmpnames",)),
    form("e-dot-eq", "install", "--editable=.", "--no-deps", state=True, norm=("tmpnames",)),
    form("e-dot-dry", "install", "--dry-run", "-e", ".", ro=True, norm=("tmpnames",)),
    form("e-no-backend", "install", "--dry-run", "-e", "nobackend", ro=True, norm=("tmpnames",), only=EM),
    form("e-missing-dir", "install", "-e", "nothere/", ro=True, only=EM),
    form("local-dir", "install", ".", state=True, norm=("tmpnames",)),
    form("local-wheel", "install", "{wheel2}", state=True),
    form("local-wheel-dry", "install", "--dry-run", "{wheel2}", ro=True, only=EM),
    form("sdist-missing", "install", "./nothere-1.0.tar.gz", ro=True),
    form("file-url", "install", "{url2}", state=True),
    form("file-url-missing", "install", "{nourl}", ro=True, only=EM),
    # pip 23's retry message names an object address: normalised, only here
    form(
        "http-url-offline",
        "install",
        "--retries",
        "0",
        "--dry-run",
        "http://127.0.0.1:9/x-1.0-py3-none-any.whl",
        ro=True,
        norm=("addresses",),
    ),
    form("name-at-url", "install", "demo-lib @ {url2}", state=True),
    form("name-at-url-dry", "install", "--dry-run", "demo-lib @ {url2}", ro=True),
    form("extra", "install", "demo-lib[extra]==1.0"),
    form("marker-true", "install", 'demo-lib==1.0; python_version>"3"'),
    form("marker-false-dry", "install", "--dry-run", 'demo-lib; python_version<"3"', ro=True, only=EM),
    form("invalid-requirement", "install", "demo-lib===", ro=True),
    form("missing-package", "install", "demo-nothere", ro=True, only=EM),
    form("new-package", "install", "demo-app", state=True),
    form("force-reinstall", "install", "--force-reinstall", "--no-deps", "demo-lib==1.0", state=True),
    # uninstall
    form("un-y", "uninstall", "-y", "demo-lib", state=True),
    form("un-yes-abbrev", "uninstall", "--ye", "demo-needs-dep", state=True),
    form("un-not-installed", "uninstall", "-y", "demo-nothere"),
    form("un-r", "uninstall", "-y", "-r", "req-uninstall.txt", state=True),
    form("un-prompt-no", "uninstall", "demo-lib", state=True, stdin=b"n\n"),
    form("un-nothing", "uninstall", ro=True, only=EM),
    # the commands users type most
    form("list", "list", ro=True),
    form("list-json", "list", "--format=json", ro=True),
    form("list-outdated", "list", "-o", ro=True),
    form("list-not-required", "list", "--not-required", "--exclude", "pip", ro=True, only=EM),
    form("list-bad-format", "list", "--format=xml", ro=True, only=EM),
    form("freeze", "freeze", ro=True),
    form("freeze-r", "freeze", "-r", "req.txt", ro=True, only=EM),
    form("show", "show", "demo-lib", ro=True),
    form("show-f", "show", "-f", "demo-needs-dep", ro=True),
    form("show-missing", "show", "demo-nothere", ro=True, only=EM),
    form("check", "check", ro=True),
    form("inspect", "inspect", ro=True),
    form("download", "download", "-d", "tmp/dl", "demo-needs-dep", ro=True, state=True),
    form("wheel", "wheel", "-w", "tmp/w", "demo-lib", ro=True, state=True),
    form("cache-dir", "cache", "dir", ro=True),
    form("cache-list", "cache", "list", ro=True),
    form("config-list", "config", "list", ro=True),
    form("help", "help", ro=True, only=EM),
    form("help-install", "help", "install", ro=True),
    form("no-args", ro=True),
    form("version", "--version", ro=True),
    form("version-short", "-V", ro=True, only=EM),
    form("debug", "debug", ro=True),
    form("hash", "hash", "{wheel1}", ro=True),
    form("completion", "completion", "--bash", ro=True, only=EM),
    form("index-versions", "index", "versions", "demo-lib", ro=True),
    form("lock", "lock", "-o", "tmp/pylock.toml", "demo-lib", ro=True, state=True),
    form("unknown-command", "frobnicate", "demo-lib", ro=True),
    form("command-typo", "instal", "demo-lib", ro=True),
)

# The forms `make test` runs end to end in every setting: a read command and nested requirement
# files (pip's exemptions pass through in test_passthrough's end-to-end tests). The parser is
# checked form by form in-process by the unit tests; the rest of this corpus is `exhaustive`.
QUICK = frozenset({"version", "r-file"})

NORMALISE = {
    # pip's temporary directories (tempfile.mkdtemp: prefix + 8 random characters)
    "tmpnames": (re.compile(rb"(pip-[a-z-]*-)[a-z0-9_]{8}(?![a-z0-9_])"), rb"\1XXXXXXXX"),
    # repr() of an object in an exception message: its id() differs per run
    "addresses": (re.compile(rb" at 0x[0-9a-f]+"), b" at 0xADDRESS"),
}


def params():
    out = []
    for setting in SETTINGS:
        for f in CORPUS:
            if setting not in f.only:
                continue
            marks = () if f.id in QUICK else (pytest.mark.exhaustive,)
            out.append(pytest.param(setting, f, id=f"{setting}-{f.id}", marks=marks))
    return out


def plain_python(prefix: Path) -> Path:
    """The system python3.X and its pip in a prefix of their own whose stdlib lacks EXTERNALLY-MANAGED:
    a Python that is not externally managed, on any Debian (no pyenv needed). Python finds its
    prefix from the executable's location, so a copy of the binary plus links to the stdlib do."""
    name = f"python{SUT.version}"
    (prefix / "bin").mkdir(parents=True)
    shutil.copy2(SUT.python_real, prefix / "bin" / name)
    (prefix / "bin" / "python3").symlink_to(name)
    stdlib = prefix / "lib" / name
    stdlib.mkdir(parents=True)
    for entry in os.listdir(SUT.stdlib):
        if entry != "EXTERNALLY-MANAGED":
            (stdlib / entry).symlink_to(os.path.join(SUT.stdlib, entry))
    (prefix / "lib" / "python3").mkdir()
    (prefix / "lib" / "python3" / "dist-packages").symlink_to(SUT.dist_packages)
    pip = prefix / "bin" / "pip"
    pip.write_text(f"#!{prefix}/bin/{name}\nimport sys\nfrom pip._internal.cli.main import main\nsys.exit(main())\n")
    pip.chmod(0o755)
    return prefix


# --- the three settings, built once per module -------------------------------------------------

PYPROJECT = """\
[build-system]
requires = []
build-backend = "inbackend"
backend-path = ["_backend"]

[project]
name = "localproj"
version = "0.1"
"""

BACKEND = '''\
"""A PEP 517/660 build backend with no requirements: builds offline and deterministically."""

import base64
import hashlib
import os
import zipfile

NAME, VERSION = "localproj", "0.1"
DIST = f"{NAME}-{VERSION}.dist-info"
METADATA = f"Metadata-Version: 2.1\\nName: {NAME}\\nVersion: {VERSION}\\n"
WHEEL = "Wheel-Version: 1.0\\nGenerator: inbackend\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def get_requires_for_build_wheel(config_settings=None):
    return []


get_requires_for_build_editable = get_requires_for_build_wheel


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    os.makedirs(os.path.join(metadata_directory, DIST))
    with open(os.path.join(metadata_directory, DIST, "METADATA"), "w") as fh:
        fh.write(METADATA)
    return DIST


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def _wheel(wheel_directory, files):
    files = {**files, DIST + "/METADATA": METADATA, DIST + "/WHEEL": WHEEL}
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(text.encode())}")
    files[DIST + "/RECORD"] = "\\n".join([*record, DIST + "/RECORD,,"]) + "\\n"
    filename = f"{NAME}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as zf:
        for name, text in files.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), text)
    return filename


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with open(os.path.join(HERE, "src", NAME, "__init__.py")) as fh:
        return _wheel(wheel_directory, {NAME + "/__init__.py": fh.read()})


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, {"_" + NAME + ".pth": os.path.join(HERE, "src") + "\\n"})
'''


def write_workdir(d: Path) -> None:
    """The files the corpus names, relative to the working directory."""
    d.mkdir(parents=True, exist_ok=True)
    (d / "pyproject.toml").write_text(PYPROJECT)
    (d / "_backend").mkdir()
    (d / "_backend" / "inbackend.py").write_text(BACKEND)
    (d / "src" / "localproj").mkdir(parents=True)
    (d / "src" / "localproj" / "__init__.py").write_text('VERSION = "0.1"\n')
    (d / "req.txt").write_text("demo-lib==1.0  # pinned\n-r nested/more.txt\n")
    (d / "nested").mkdir()
    (d / "nested" / "more.txt").write_text("-c ../cons.txt\ndemo-needs-dep\n")
    (d / "cons.txt").write_text("demo-dep==1.0\n")
    (d / "req-app.txt").write_text("-c cons.txt\ndemo-app\n")
    (d / "req-uninstall.txt").write_text("demo-needs-dep\ndemo-dep\n")
    (d / "bad-req.txt").write_text("demo-lib==1.0\nnot a requirement!\n")
    (d / "nobackend").mkdir()
    (d / "nobackend" / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "nobackend"\nversion = "0.1"\n'
    )
    (d / "sub").mkdir()
    (d / "tmp").mkdir()


def site_packages(venv: Path) -> Path:
    (site,) = (venv / "lib").glob("python3.*/site-packages")
    return site


class VenvSnapshot:
    """A venv's installed packages and scripts as they were, to put back between sides.

    pip itself is never changed by the corpus, so only the other entries are kept.
    """

    def __init__(self, venv: Path, store: Path) -> None:
        self.venv, self.site, self.store = venv, site_packages(venv), store
        self.site_names = set(os.listdir(self.site))
        self.bin_names = set(os.listdir(venv / "bin"))
        store.mkdir(parents=True)
        for name in self.site_names - self._pip(self.site_names):
            _copy(self.site / name, store / name)

    @staticmethod
    def _pip(names) -> set[str]:
        return {n for n in names if n == "pip" or n.startswith("pip-")}

    def restore(self) -> None:
        for name in set(os.listdir(self.site)) - self._pip(self.site_names):
            _remove(self.site / name)
        for name in os.listdir(self.store):
            _copy(self.store / name, self.site / name)
        for name in set(os.listdir(self.venv / "bin")) - self.bin_names:
            _remove(self.venv / "bin" / name)

    def listing(self) -> tuple:
        return sorted(os.listdir(self.site)), sorted(os.listdir(self.venv / "bin"))


def _copy(src: Path, dst: Path) -> None:
    if src.is_dir():
        shutil.copytree(src, dst, symlinks=True)
    else:
        shutil.copy2(src, dst)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


@dataclass
class Setting:
    """One setting's environment; it owns its venv, working directory and pip cache, so the
    settings can run at the same time without seeing each other's changes."""

    name: str
    env: dict[str, str]
    cwd: Path
    direct_pip: Path  # side (b)
    values: dict[str, str]
    cache: Path
    cache_store: Path
    snapshot: VenvSnapshot | None

    def expand(self, argv: tuple[str, ...]) -> list[str]:
        out = []
        for arg in argv:
            for key, value in self.values.items():
                arg = arg.replace("{" + key + "}", value)
            out.append(arg)
        return out

    def reset(self) -> None:
        shutil.rmtree(self.cwd / "tmp", ignore_errors=True)
        (self.cwd / "tmp").mkdir()
        shutil.rmtree(self.cache, ignore_errors=True)
        shutil.copytree(self.cache_store, self.cache)
        if self.snapshot:
            self.snapshot.restore()

    def state(self) -> tuple:
        venv = self.snapshot.listing() if self.snapshot else ()
        return venv, sorted(os.listdir(self.cwd / "tmp")), sorted(str(p) for p in self.cache.rglob("*"))


class Runner:
    """Runs the selected forms in the background, one worker per setting, in test order; each
    test waits for its own result. Settings share nothing they change, so they overlap."""

    def __init__(self, lab: Lab, wanted: list[tuple[str, Form]]) -> None:
        self.pools = {name: ThreadPoolExecutor(1, thread_name_prefix=f"differential-{name}") for name in SETTINGS}
        self.futures = {
            (setting, f.id): self.pools[setting].submit(run_form, lab.settings[setting], lab.shim_bin, f)
            for setting, f in wanted
        }

    def wait(self, cancel: bool = False) -> None:
        for pool in self.pools.values():
            pool.shutdown(wait=True, cancel_futures=cancel)


@dataclass
class Lab:
    base: Path
    shim_bin: Path
    project: Path
    active: Path
    settings: dict[str, Setting]
    runner: Runner | None = None

    def quiesce(self, cancel: bool = False) -> None:
        """Wait until no form runs in the background any more."""
        if self.runner is not None:
            self.runner.wait(cancel)


def _run(cmd, env, cwd, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], env=env, cwd=str(cwd), input=stdin, capture_output=True, timeout=300)


@pytest.fixture(scope="module")
def lab(tmp_path_factory, wheelhouse, app_data):
    base = tmp_path_factory.mktemp("differential")
    home = base / "home"
    home.mkdir()
    shim_bin = base / "bin"
    assert shims.install(str(shim_bin), sys.executable, shims.default_names(SUT.version)) == 0
    # a pip cache with one built wheel in it, so that `cache list`/`cache info` show something
    cache_store = base / "pip-cache-store"
    (cache_store / "wheels" / "ab" / "cd").mkdir(parents=True)
    shutil.copy2(wheelhouse / "demo_lib-1.0-py3-none-any.whl", cache_store / "wheels" / "ab" / "cd")
    common = base_env(shim_bin, home, wheelhouse, app_data)
    del common["PATH"]  # each setting has its own

    # project: its .venv made by the shim, the way a user gets one
    project = base / "proj"
    write_workdir(project)
    project_env = dict(common, PATH=f"{shim_bin}:/usr/bin:/bin", PIP_CACHE_DIR=str(base / "cache-project"))
    r = _run([shim_bin / "pip", "install", "demo-lib==1.0", "demo-needs-dep"], project_env, project)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stderr.decode().startswith("pipshim: → ./.venv (new; ")

    # active: a virtualenv outside any project, activated
    active = base / "active-venv"
    r = _run(
        [sys.executable, "-m", "virtualenv", "-q", "--no-setuptools", "-p", SUT.python, active],
        dict(common, PATH="/usr/bin:/bin"),
        base,
    )
    assert r.returncode == 0, r.stderr.decode()
    r = _run([active / "bin" / "pip", "install", "-q", "demo-lib==1.0", "demo-needs-dep"], common, base)
    assert r.returncode == 0, r.stderr.decode()
    active_env = dict(
        common,
        PATH=f"{shim_bin}:{active}/bin:/usr/bin:/bin",
        VIRTUAL_ENV=str(active),
        PIP_CACHE_DIR=str(base / "cache-active"),
    )

    # plain: a Python that is not externally managed; its --python forms name a venv of its own
    plain_bin = plain_python(base / "plain-python") / "bin"
    plain_venv = base / "plain-venv"
    r = _run([plain_bin / f"python{SUT.version}", "-m", "venv", "--without-pip", plain_venv], common, base)
    assert r.returncode == 0, r.stderr.decode()
    plain_env = dict(common, PATH=f"{shim_bin}:{plain_bin}:/usr/bin:/bin", PIP_CACHE_DIR=str(base / "cache-plain"))

    wheel1, wheel2 = wheelhouse / "demo_lib-1.0-py3-none-any.whl", wheelhouse / "demo_lib-2.0-py3-none-any.whl"

    def values(venv: Path) -> dict[str, str]:
        return {
            "wh": str(wheelhouse),
            "wheel1": str(wheel1),
            "wheel2": str(wheel2),
            "url2": wheel2.as_uri(),
            "nourl": (wheelhouse / "nothere-1.0-py3-none-any.whl").as_uri(),
            "vpy": str(venv / "bin" / "python"),
            "vdir": str(venv),
        }

    def setting(name, env, cwd, direct_pip, venv, snapshot) -> Setting:
        if cwd != project:
            write_workdir(cwd)
        return Setting(name, env, cwd, direct_pip, values(venv), Path(env["PIP_CACHE_DIR"]), cache_store, snapshot)

    settings = {
        "project": setting(
            "project",
            project_env,
            project,
            project / ".venv" / "bin" / "pip",
            project / ".venv",
            VenvSnapshot(project / ".venv", base / "snap-project"),
        ),
        "active": setting(
            "active",
            active_env,
            base / "work-active",
            active / "bin" / "pip",
            active,
            VenvSnapshot(active, base / "snap-active"),
        ),
        "plain": setting("plain", plain_env, base / "work-plain", plain_bin / "pip", plain_venv, None),
    }
    for s in settings.values():
        s.reset()
    lab = Lab(base, shim_bin, project, active, settings)
    yield lab
    lab.quiesce(cancel=True)


@pytest.fixture(scope="module")
def results(lab, request) -> dict:
    """Start running every selected form in the background; {(setting, form id): future}."""
    wanted = [
        (item.callspec.params["setting"], item.callspec.params["form"])
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_same_as_the_pip_that_runs_it" and item.module is request.module
    ]
    lab.runner = Runner(lab, wanted)
    return lab.runner.futures


# --- the differential test ---------------------------------------------------------------------


class Outcome(NamedTuple):
    returncode: int
    stdout: bytes
    stderr: bytes


# at most one pip per core at a time: more only makes each of them slower
SLOTS = threading.BoundedSemaphore(os.cpu_count() or 2)


def run_form(s: Setting, shim_bin: Path, form: Form):
    """Both sides of one form: (argv, shim side, direct side, whether a stateless form changed state)."""
    argv = s.expand(form.argv)

    def side(pip: Path) -> subprocess.CompletedProcess:
        if form.state:
            s.reset()
        with SLOTS:
            return _run([pip, *argv], s.env, s.cwd, form.stdin)

    before = s.state()
    a = side(shim_bin / "pip")
    b = side(s.direct_pip)
    changed = not form.state and s.state() != before
    if form.state or changed:
        s.reset()
    return argv, a, b, changed


def outcome(r: subprocess.CompletedProcess, norm: tuple[str, ...], drop_pipshim: bool) -> Outcome:
    out, err = r.stdout, r.stderr
    if drop_pipshim:
        err = b"".join(ln for ln in err.splitlines(keepends=True) if not ln.startswith(b"pipshim:"))
    for name in norm:
        pattern, repl = NORMALISE[name]
        out, err = pattern.sub(repl, out), pattern.sub(repl, err)
    return Outcome(r.returncode, out, err)


def difference(shim: Outcome, direct: Outcome) -> str:
    lines = []
    if shim.returncode != direct.returncode:
        lines.append(f"exit code: shim {shim.returncode}, direct {direct.returncode}\n")
    for name in ("stdout", "stderr"):
        a = getattr(shim, name).decode(errors="replace").splitlines(keepends=True)
        b = getattr(direct, name).decode(errors="replace").splitlines(keepends=True)
        lines += difflib.unified_diff(a, b, f"{name} through the shim", f"{name} of the pip run directly")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@pytest.mark.parametrize(("setting", "form"), params())
def test_same_as_the_pip_that_runs_it(results, setting, form):
    argv, a, b, changed = results[(setting, form.id)].result(timeout=900)
    assert not changed, f"{form.id} changed the venv, tmp/ or the cache: mark it state=True"
    # in an active venv and on a Python that is not externally managed pipshim only execs pip:
    # not even its own line may appear there
    drop = setting == "project"
    if not drop:
        lines = pipshim_lines(a.stderr.decode(errors="replace"))
        assert not lines, f"pipshim spoke where it should only exec pip: {lines}"
    shim, direct = outcome(a, form.norm, drop), outcome(b, form.norm, drop)
    assert shim == direct, f"pip {' '.join(argv)}:\n{difference(shim, direct)}"


def test_the_corpus_is_well_formed():
    """Unique ids; only read-only forms on the plain Python (there pipshim only execs pip); the
    quick subsets name real forms and cases, and run in every setting."""
    ids = [f.id for f in CORPUS]
    assert len(set(ids)) == len(ids), sorted(i for i in ids if ids.count(i) > 1)
    assert [f.id for f in CORPUS if "plain" in f.only and not f.ro] == []
    assert sorted(QUICK - set(ids)) == [], "QUICK names forms that are not in the corpus"
    quick_settings = {s for f in CORPUS if f.id in QUICK for s in f.only}
    assert quick_settings == set(SETTINGS)
    assert len(QUICK_EXPLAIN) == len(set(QUICK_EXPLAIN))
    assert all(0 <= i < len(EXPLAIN_CASES) for i in QUICK_EXPLAIN)
    placeholders = {m for f in CORPUS for a in f.argv for m in re.findall(r"{(\w+)}", a)}
    assert placeholders <= {"wh", "wheel1", "wheel2", "url2", "nourl", "vpy", "vdir"}, placeholders


# --- pipshim explain agrees with where installs go ------------------------------------------------


class Case(NamedTuple):
    setting: str
    cwd: str  # relative to the setting's working directory
    argv: tuple[str, ...]
    dist: str  # the distribution the install adds
    where: str  # project | active | target


EXPLAIN_CASES = [
    Case("project", ".", ("install", "demo-app"), "demo_app", "project"),
    Case("project", ".", ("-q", "install", "--no-deps", "demo-app"), "demo_app", "project"),
    Case("project", ".", ("install", "-Uq", "demo-app"), "demo_app", "project"),
    # --isolated: pip ignores PIP_* variables, so the wheelhouse is named on the command line
    Case(
        "project",
        ".",
        ("--isolated", "install", "--no-index", "-f", "{wh}", "--no-dependencies", "demo-app"),
        "demo_app",
        "project",
    ),
    Case("project", "sub", ("install", "-r", "../req-app.txt"), "demo_app", "project"),
    Case("project", ".", ("install", "-e", "."), "localproj", "project"),
    Case("project", ".", ("install", "demo-app @ {url_app}"), "demo_app", "project"),
    Case("project", ".", ("install", "--targ", "tmp/t", "demo-app"), "demo_app", "target"),
    Case("active", ".", ("install", "demo-app"), "demo_app", "active"),
    Case("active", ".", ("-q", "install", "-e", "."), "localproj", "active"),
]
# the EXPLAIN_CASES `make test` runs (by index): the project venv, --target in a project, an active venv
QUICK_EXPLAIN = (0, 7, 8)


def installed_in(lab: Lab, cwd: Path, dist: str) -> list[str]:
    places = {
        "project": site_packages(lab.project / ".venv"),
        "active": site_packages(lab.active),
        "user": Path(lab.settings["project"].env["HOME"]) / ".local",
        "target": cwd / "tmp" / "t",
        "system": Path(SUT.purelib),
    }
    return sorted(name for name, place in places.items() if place.is_dir() and any(place.rglob(f"{dist}-*.dist-info")))


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=() if i in QUICK_EXPLAIN else (pytest.mark.exhaustive,))
        for i, c in enumerate(EXPLAIN_CASES)
    ],
    ids=lambda c: f"{c.setting}-{' '.join(c.argv)}",
)
def test_explain_agrees_with_where_the_install_went(lab, case, wheelhouse):
    s = lab.settings[case.setting]
    cwd = s.cwd / case.cwd
    url_app = (wheelhouse / "demo_app-1.0-py3-none-any.whl").as_uri()
    argv = [a.replace("{url_app}", url_app).replace("{wh}", str(wheelhouse)) for a in case.argv]
    lab.quiesce()  # no differential form may run in the background while this one installs
    s.reset()
    try:
        r = _run([lab.shim_bin / "pipshim", "explain", "--json", "--", "pip", *argv], s.env, cwd)
        assert r.returncode == 0, r.stderr.decode()
        route = json.loads(r.stdout)
        assert installed_in(lab, s.cwd, case.dist) == []
        r = _run([lab.shim_bin / "pip", *argv], s.env, cwd)
        assert r.returncode == 0, r.stderr.decode()
        went = installed_in(lab, s.cwd, case.dist)
    finally:
        s.reset()
    assert went == [case.where], f"pip {' '.join(argv)} installed {case.dist} into {went}"
    if case.where == "project":
        # the project's venv, which exists, runs the command line as typed
        assert route["route"] == "venv", route
        assert route["venv"] == str(lab.project / ".venv"), route
        assert route["create"] is False, route
        assert route["argv"] == argv, route
    elif case.where == "active":
        # an activated venv's own pip runs it, unchanged
        assert route["route"] == "passthrough", route
        assert route["exe"] == str(lab.active / "bin" / "pip"), route
        assert route["argv"] == argv, route
    else:
        # --target: whichever pip explain names runs it unchanged, and that puts it in the target
        assert route["route"] in ("passthrough", "venv"), route
        assert route["argv"] == argv, route
        if route["route"] == "venv":
            assert route["venv"] == str(lab.project / ".venv"), route
