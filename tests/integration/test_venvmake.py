"""pipshim.venvmake: venvs with a working pip, from every Python 3.8+ on this machine, offline."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from wheels import make_wheel

from pipshim import pipseed
from pipshim.venvmake import VenvCreateError, create

pytestmark = pytest.mark.integration
# every Python a venv is made from here: 3.9+ with virtualenv's pips, 3.8 (older than any pip
# virtualenv carries now) with its own ensurepip bundle
VERSIONS = [f"3.{minor}" for minor in range(8, 15)]
SYSTEM_PYTHON = "/usr/bin/python3"


def _version(python: str) -> str | None:
    try:
        out = subprocess.run([python, "-I", "-S", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=30)  # fmt: skip
    except OSError:
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _pythons() -> dict[str, str]:
    """The interpreters on this machine by X.Y: the system one first, then pyenv's, then PATH's."""
    found: dict[str, str] = {}
    candidates = [SYSTEM_PYTHON, *sorted(glob.glob("/root/.pyenv/versions/*/bin/python"))]
    candidates += [f"{d}/python{v}" for v in VERSIONS for d in os.get_exec_path()]
    for python in candidates:
        if os.access(python, os.X_OK) and (v := _version(python)) in VERSIONS:
            found.setdefault(v, python)
    return found


PYTHONS = _pythons()


def python_for(version: str) -> str:
    if version not in PYTHONS:
        pytest.skip(
            f"no Python {version} on this machine (looked at {SYSTEM_PYTHON}, pyenv's versions and PATH); "
            "fresh-debian's make test creates venvs from each Debian's own python3 (Debian 12, 13 and sid)"
        )
    return PYTHONS[version]


@pytest.fixture(scope="session")
def seed_cache(tmp_path_factory) -> Path:
    """One pipshim cache for the session, so each (Python, umask) pays its seed build once."""
    return tmp_path_factory.mktemp("xdg-cache")


@pytest.fixture
def env(seed_cache, hermetic_env) -> dict[str, str]:
    return dict(os.environ, XDG_CACHE_HOME=str(seed_cache))


@pytest.fixture(scope="session")
def wheel_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("venvmake-wheels")
    make_wheel(d, "demo-app", "1.0", scripts={"demo-app": "demo_app:main"})
    return d


def run(argv, env, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, capture_output=True, env=env, **kw)
    assert proc.returncode == 0, (argv, proc.stdout, proc.stderr)
    return proc


def pip_version(venv: Path, env) -> str:
    return run([venv / "bin" / "pip", "--version"], env).stdout.decode().split()[1]


@pytest.mark.parametrize("version", VERSIONS)
def test_create_works_for_each_python(version, tmp_path, env, wheel_dir):
    python = python_for(version)
    venv = tmp_path / "proj" / ".venv"
    create(str(venv), python, prompt="proj", environ=env)
    vpy = str(venv / "bin" / "python")
    run([vpy, "-c", "import sys; assert sys.prefix != sys.base_prefix, sys.prefix"], env)
    out = run([vpy, "-c", f"import sys; assert sys.version.startswith('{version}.'); print(sys.prefix)"], env)
    assert out.stdout.decode().strip() == str(venv)
    cfg = dict(line.split(" = ", 1) for line in (venv / "pyvenv.cfg").read_text().splitlines())
    assert {"home", "include-system-site-packages", "version"} <= cfg.keys()
    assert cfg["include-system-site-packages"] == "false" and cfg["version"].startswith(version + ".")
    for script in ("pip", "pip3", f"pip{version}"):
        first = (venv / "bin" / script).read_bytes().split(b"\n", 1)[0]
        assert first == b"#!" + os.fsencode(vpy)
    assert "pip " in run([venv / "bin" / "pip", "--version"], env).stdout.decode()
    assert f"{venv}" in run([vpy, "-m", "pip", "--version"], env).stdout.decode()
    names = {p.name.split("-")[0] for p in (venv / "lib").glob("python*/site-packages/*")}
    assert names == {"pip"}, names  # no setuptools, no wheel
    run([venv / "bin" / "pip", "install", "--no-index", "--find-links", wheel_dir, "demo-app"], env)
    assert run([venv / "bin" / "demo-app"], env).stdout == b"demo-app 1.0\n"
    listed = json.loads(run([vpy, "-m", "pip", "list", "--format=json"], env).stdout)
    assert sorted(p["name"] for p in listed) == ["demo-app", "pip"]
    run([vpy, "-m", "pip", "check"], env)


def _system_only_module(python: str) -> str | None:
    """A top-level package in the base's own site-packages (not pip): importable only with system_site."""
    code = "import json, site; print(json.dumps(site.getsitepackages()))"
    dirs = json.loads(subprocess.run([python, "-I", "-c", code], capture_output=True, text=True).stdout)
    for d in dirs:
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            ours = name in ("pip", "setuptools", "pkg_resources") or not name.isidentifier() or name[0] == "_"
            if not ours and os.path.exists(os.path.join(d, name, "__init__.py")):
                return name
    return None


@pytest.mark.parametrize("system_site", [False, True])
def test_system_site_packages(system_site, tmp_path, env):
    python = next((PYTHONS[v] for v in PYTHONS if _system_only_module(PYTHONS[v])), None)
    if python is None:
        pytest.skip("no base Python here has a package of its own in its site-packages")
    module = _system_only_module(python)
    venv = tmp_path / "v"
    create(str(venv), python, prompt="v", system_site=system_site, environ=env)
    assert f"include-system-site-packages = {str(system_site).lower()}" in (venv / "pyvenv.cfg").read_text()
    proc = subprocess.run([venv / "bin" / "python", "-c", f"import {module}"], capture_output=True, env=env)
    assert (proc.returncode == 0) == system_site, proc.stderr
    run([venv / "bin" / "python", "-m", "pip", "--version"], env)


AWKWARD = [
    "-starts-with-dash",
    "with space",
    "quo'te\"s and \\back",
    "q'''t $HOME `id`",
    "new\nline",
    "tab\there",
    "x" * 120,
]


@pytest.mark.parametrize("name", [*AWKWARD, b"non-utf8-\xff\xfe"], ids=lambda n: repr(n)[:30])
def test_awkward_paths(name, tmp_path, env, wheel_dir):
    python = SYSTEM_PYTHON
    venv = os.path.join(os.fsencode(tmp_path), os.fsencode(name), b"x y") if isinstance(name, bytes) else None
    venv = os.fsdecode(venv) if venv else os.path.join(str(tmp_path), name, "x y")
    os.makedirs(os.path.dirname(venv))
    cwd = os.path.dirname(venv)
    create(venv, python, prompt="awk'ward", environ=env)
    bin_ = os.path.join(venv, "bin")
    out = run([os.path.join(bin_, "pip"), "--version"], env).stdout
    assert os.fsencode(venv) in out
    run([os.path.join(bin_, "python"), "-m", "pip", "--version"], env)
    if not isinstance(name, bytes):  # pip itself cannot write a RECORD under a non-UTF-8 prefix
        run([os.path.join(bin_, "pip3"), "install", "-q", "--no-index", "--find-links", wheel_dir, "demo-app"], env)
        run([os.path.join(bin_, "python"), "-c", "import demo_app"], env)
    # relative and flag-looking: the abspath is what ends up inside
    if name == "-starts-with-dash":
        code = "import sys, pipshim.venvmake as m; m.create('-rel', sys.argv[1], prompt='r')"
        proc = subprocess.run(
            [sys.executable, "-c", code, python],
            cwd=cwd, env=env, capture_output=True,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        run([os.path.join(cwd, "-rel", "bin", "pip"), "--version"], env)
    # the activate script sets VIRTUAL_ENV to the exact bytes
    proc = run(["sh", "-c", '. "$1/bin/activate" && printf %s "$VIRTUAL_ENV"', "sh", venv], env)
    assert proc.stdout == os.fsencode(venv)


def test_missing_base_python_is_one_line_and_leaves_nothing(tmp_path, env):
    venv = tmp_path / "v"
    with pytest.raises(VenvCreateError) as err:
        create(str(venv), str(tmp_path / "no-such-python"), prompt="v", environ=env)
    assert "\n" not in str(err.value) and "no-such-python" in str(err.value)
    assert not venv.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(VenvCreateError) as err:
        create(str(empty), "/bin/false", prompt="v", environ=env)
    assert "\n" not in str(err.value) and "Traceback" not in str(err.value)
    assert list(empty.iterdir()) == []


def test_failure_after_layout_removes_what_it_made(tmp_path, env, monkeypatch):
    def broken(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pipseed, "install_pip", broken)
    venv = tmp_path / "v"
    with pytest.raises(VenvCreateError, match="No space left on device"):
        create(str(venv), SYSTEM_PYTHON, prompt="v", environ=env)
    assert not venv.exists()


def _other_pip_wheel(current: str) -> str | None:
    from importlib.util import find_spec

    spec = find_spec("virtualenv")
    embed = os.path.join(spec.submodule_search_locations[0], "seed", "wheels", "embed")
    return next((str(p) for p in sorted(Path(embed).glob("pip-*.whl")) if p.name.split("-")[1] != current), None)


def test_pip_upgrade_in_one_venv_leaves_the_other_alone(tmp_path, env):
    python = SYSTEM_PYTHON
    a, b = tmp_path / "a", tmp_path / "b"
    create(str(a), python, prompt="a", environ=env)
    create(str(b), python, prompt="b", environ=env)
    version = pip_version(b, env)
    init = "lib/python*/site-packages/pip/__init__.py"
    (fa,), (fb,) = a.glob(init), b.glob(init)
    assert fa.stat().st_ino == fb.stat().st_ino  # linked from the shared seed
    other = _other_pip_wheel(version)
    assert other, "virtualenv bundles two pip versions"
    run([a / "bin" / "pip", "install", "-q", "--no-index", other], env)  # a different pip over the linked one
    assert pip_version(a, env) != version
    assert pip_version(b, env) == version
    run([b / "bin" / "python", "-m", "pip", "check"], env)
    run([a / "bin" / "pip", "uninstall", "-y", "-q", "pip"], env)
    assert pip_version(b, env) == version
    run([b / "bin" / "pip", "install", "-q", "--force-reinstall", "--no-index", other], env)
    c = tmp_path / "c"
    create(str(c), python, prompt="c", environ=env)  # the seed is still intact
    assert pip_version(c, env) == version


def test_seed_edited_through_a_link_is_noticed_and_rebuilt(tmp_path, env):
    python = SYSTEM_PYTHON
    a = tmp_path / "a"
    create(str(a), python, prompt="a", environ=env)
    (target,) = a.glob("lib/python*/site-packages/pip/__main__.py")
    with open(target, "a") as fh:  # an in-place edit reaches the seed through the hard link
        fh.write("\nraise SystemExit('edited')\n")
    b = tmp_path / "b"
    create(str(b), python, prompt="b", environ=env)
    (fresh,) = b.glob("lib/python*/site-packages/pip/__main__.py")
    assert "edited" not in fresh.read_text()
    run([b / "bin" / "python", "-m", "pip", "--version"], env)


def test_copies_when_hard_links_fail(tmp_path, env, monkeypatch):
    import errno

    def no_link(src, dst):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_link)
    v = tmp_path / "v"
    create(str(v), SYSTEM_PYTHON, prompt="v", environ=env)
    (f,) = v.glob("lib/python*/site-packages/pip/__init__.py")
    assert f.stat().st_nlink == 1
    run([v / "bin" / "pip", "--version"], env)


@pytest.mark.parametrize("umask", [0o002, 0o077])
def test_modes_follow_the_umask(umask, tmp_path, env):
    v = tmp_path / "v"
    code = f"import os, sys, pipshim.venvmake as m; os.umask({umask}); m.create(sys.argv[1], sys.argv[2], prompt='v')"
    run([sys.executable, "-c", code, str(v), SYSTEM_PYTHON], env)
    (init,) = v.glob("lib/python*/site-packages/pip/__init__.py")
    assert init.stat().st_mode & 0o777 == 0o666 & ~umask
    assert (v / "pyvenv.cfg").stat().st_mode & 0o777 == 0o666 & ~umask
    assert (v / "bin" / "pip").stat().st_mode & 0o777 == 0o777 & ~umask
    assert (v / "lib").stat().st_mode & 0o777 == 0o777 & ~umask
    assert init.parent.stat().st_mode & 0o777 == 0o777 & ~umask
    run([v / "bin" / "pip", "--version"], env)


def test_a_python_older_than_virtualenvs_pips_gets_the_pip_it_bundles(tmp_path, env, monkeypatch):
    """3.8: no pip in pipshim's or virtualenv's wheels admits it; the newest in its own ensurepip
    bundle does (the distribution's wheels dir, which could also hold one, is left out here)."""
    python = python_for("3.8")
    monkeypatch.setattr(pipseed, "DISTRO_WHEELS", str(tmp_path / "no-distro-wheels"))
    seed_dir = Path(env["XDG_CACHE_HOME"]) / "pipshim" / "venvseed"
    seed_dir.mkdir(parents=True, exist_ok=True)
    with pytest.raises(VenvCreateError, match=r"no local pip wheel supports Python 3\.8"):
        pipseed.find_pip_wheel({"version": "3.8.18"}, env, str(seed_dir))  # no stdlib known: no bundle
    code = "import ensurepip, os; print(os.path.dirname(ensurepip.__file__))"
    bundled = Path(run([python, "-I", "-c", code], env).stdout.decode().strip(), "_bundled")
    pips = sorted((p.name.split("-")[1] for p in bundled.glob("pip-*.whl")), key=pipseed._version_key)
    assert pips, f"{bundled} has no pip wheel"
    venv = tmp_path / "v"
    create(str(venv), python, prompt="v", environ=env)
    assert pip_version(venv, env) == pips[-1]


def test_the_distributions_wheels_dir_is_a_source(tmp_path, env, monkeypatch):
    """Debian's and Fedora's python3 keep the pip their venv module installs in /usr/share/python-wheels."""
    distro = tmp_path / "python-wheels"
    whl = make_wheel(distro, "pip", "8.0.1")
    monkeypatch.setattr(pipseed, "DISTRO_WHEELS", str(distro))
    seed_dir = tmp_path / "venvseed"
    seed_dir.mkdir()
    found, facts = pipseed.find_pip_wheel({"version": "3.0.1"}, env, str(seed_dir))
    assert (found, facts["requires_python"]) == (str(whl), "")


def test_import_is_light(env):
    code = "import sys, pipshim.venvmake; print(sorted(m for m in sys.modules if m.split('.')[0] in ('virtualenv', 'packaging', 'zipfile')))"  # noqa: E501
    assert run([sys.executable, "-c", code], env).stdout.strip() == b"[]"


@pytest.mark.parametrize("version", sorted({VERSIONS[0], _version(SYSTEM_PYTHON)}))
def test_base_python_inside_a_venv_uses_the_real_base(version, tmp_path, env):
    python = python_for(version)
    first = tmp_path / "first"
    create(str(first), python, prompt="first", environ=env)
    second = tmp_path / "second"
    create(str(second), str(first / "bin" / "python"), prompt="second", environ=env)
    cfg = (second / "pyvenv.cfg").read_text()
    assert str(first) not in cfg
    assert os.path.realpath(second / "bin" / "python") == os.path.realpath(python)
    out = run([second / "bin" / "python", "-c", "import sys; print(sys.prefix)"], env).stdout.decode().strip()
    assert out == str(second)
    run([second / "bin" / "pip", "--version"], env)


def _keg(formula: Path, version: str, python: str) -> Path:
    """A Homebrew keg, Cellar/python@X.Y/X.Y.Z: its own interpreter file, the base's stdlib."""
    real = Path(os.path.realpath(python))
    keg = formula / version
    (keg / "bin").mkdir(parents=True)
    shutil.copy2(real, keg / "bin" / real.name)
    (keg / "lib").symlink_to(real.parent.parent / "lib")
    return keg


@pytest.mark.parametrize("xy", sorted({VERSIONS[0], _version(SYSTEM_PYTHON), "3.13"}))
def test_a_homebrew_patch_upgrade_keeps_the_venv_working(xy, tmp_path, env):
    """Homebrew's pip runs opt/python@X.Y/bin/pythonX.Y, opt/python@X.Y being a link to the keg
    Cellar/python@X.Y/X.Y.Z, which `brew upgrade` replaces by a new one and `brew cleanup`
    deletes. The venv names the stable path (as venv does), not the keg's."""
    python = python_for(xy)
    formula = tmp_path / "brew" / "Cellar" / f"python@{xy}"
    old = _keg(formula, f"{xy}.1", python)
    opt = tmp_path / "brew" / "opt" / f"python@{xy}"
    opt.parent.mkdir()
    opt.symlink_to(os.path.relpath(old, opt.parent))
    base = opt / "bin" / f"python{xy}"
    venv = tmp_path / "proj" / ".venv"
    create(str(venv), str(base), prompt="proj", environ=env)
    assert os.readlink(venv / "bin" / "python") == str(base)
    assert f"home = {opt / 'bin'}\n" in (venv / "pyvenv.cfg").read_text()

    new = _keg(formula, f"{xy}.2", python)  # brew upgrade, then brew cleanup
    opt.unlink()
    opt.symlink_to(os.path.relpath(new, opt.parent))
    shutil.rmtree(old)
    out = run([venv / "bin" / "python", "-c", "import sys; print(sys.prefix)"], env).stdout.decode().strip()
    assert out == str(venv)
    assert f"{venv}" in run([venv / "bin" / "pip", "--version"], env).stdout.decode()


def test_a_link_to_the_versioned_name_is_followed(tmp_path, env):
    """python3 -> python3.X is followed to the versioned name: a minor upgrade, which re-points
    python3, leaves the venv's python dangling (broken, and said so) rather than running a
    Python that does not see its lib/python3.X."""
    xy = _version(SYSTEM_PYTHON)
    bindir = tmp_path / "base" / "bin"
    keg = _keg(tmp_path / "base", "prefix", SYSTEM_PYTHON)
    bindir.mkdir()
    (bindir / f"python{xy}").symlink_to(keg / "bin" / f"python{xy}")
    (bindir / "python3").symlink_to(f"python{xy}")
    venv = tmp_path / "venv"
    create(str(venv), str(bindir / "python3"), prompt="venv", environ=env)
    assert os.readlink(venv / "bin" / "python") == str(bindir / f"python{xy}")
    run([venv / "bin" / "pip", "--version"], env)


def test_remembered_probe_follows_a_changed_interpreter(tmp_path, env):
    if len(PYTHONS) < 2:
        pytest.skip("needs two Python versions on this machine")
    (v1, py1), (v2, py2) = sorted(PYTHONS.items())[:2]
    base = tmp_path / "base"
    for version, python in ((v1, py1), (v2, py2)):  # the same base path, now another interpreter
        if base.exists():
            shutil.rmtree(base)
        create(str(base), python, prompt="base", environ=env)
        child = tmp_path / f"child-{version}"
        create(str(child), str(base / "bin" / "python"), prompt="child", environ=env)
        assert f"version = {version}." in (child / "pyvenv.cfg").read_text()
        assert run([child / "bin" / "pip", "--version"], env).stdout.decode().endswith(f"(python {version})\n")


def test_a_seed_is_compiled_serially_where_parallel_compiling_cannot_start(tmp_path, monkeypatch):
    """No writable /dev/shm (a container, a chroot, another user): compileall -j 0 fails to
    make its semaphores; the seed is compiled without -j instead and the venv works."""
    real_run = subprocess.run
    tried: list[bool] = []

    def no_semaphores(cmd, *a, **k):
        if "compileall" in cmd:
            tried.append("-j" in cmd)
            if "-j" in cmd:
                return subprocess.CompletedProcess(cmd, 1, b"", b"PermissionError: [Errno 13] Permission denied")
        return real_run(cmd, *a, **k)

    monkeypatch.setattr(pipseed.subprocess, "run", no_semaphores)
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "fresh-cache"))  # a cold seed cache
    v = tmp_path / "v"
    create(str(v), SYSTEM_PYTHON, prompt="v", environ=env)
    assert tried == [True, False]
    run([v / "bin" / "pip", "--version"], env)
