"""Side-by-side Pythons (issue 10, item 6): every externally managed ``python3.N`` on PATH gets
``pip3.N``/``python3.N`` shims that route with that interpreter.

The second Python is a matrix interpreter (tests/matrix/builder.py: a pyenv CPython copy made
externally managed), put on PATH as a lone ``python3.N`` in a temp bin dir beside /usr/bin, the
the way a deadsnakes ``python3.N`` stands beside the distribution's default one (no ``pip3.N`` of its own).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from helpers import pipshim_lines, run
from matrix import builder

from integration.support import base_env
from pipshim import realpip, shims

# the version of pipshim's own interpreter: its shims are the default ones
DEFAULT = f"{sys.version_info[0]}.{sys.version_info[1]}"


@pytest.fixture(scope="module")
def second_python() -> tuple[builder.Target, Path]:
    """A matrix interpreter of another minor version than the default (built once, cached)."""
    candidates = [t for t in builder.targets() if not t.problem and t.minor != DEFAULT]
    if not candidates:
        problems = "; ".join(t.problem for t in builder.targets() if t.problem) or "all are " + DEFAULT
        pytest.skip(f"no second CPython to stand beside the default {DEFAULT} here: {problems}")
    t = candidates[0]
    return t, builder.build(t)


def exe(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


def fake_python(path: Path, stdlib: Path, venv: bool = False, prefix: Path | None = None) -> Path:
    """A 'python3.N' that answers interp.inspect's question (install-shims asks it): its version,
    prefix, base prefix (another one for a venv), stdlib, and no pip."""
    version = path.name.removeprefix("python").partition("-")[0]
    prefix = prefix or path.parent
    base = "/usr" if venv else prefix
    return exe(path, f"#!/bin/sh\nprintf '%s\\t%s\\t%s\\t%s\\t\\n' '{version}' '{prefix}' '{base}' '{stdlib}'\n")


@pytest.fixture
def side(tmp_path, second_python) -> Path:
    """A bin dir holding only ``python3.N`` -> the second Python (no pip3.N)."""
    t, prefix = second_python
    d = tmp_path / "side"
    d.mkdir()
    (d / f"python{t.minor}").symlink_to(prefix / "bin" / f"python{t.minor}")
    return d


@pytest.fixture
def env(shim_bin, side, hermetic_env, wheelhouse, app_data) -> dict[str, str]:
    e = base_env(shim_bin, hermetic_env, wheelhouse, app_data)
    e["PATH"] = f"{shim_bin}:{side}:/usr/bin:/bin"
    return e


def install_shims(shim_bin: Path, env: dict[str, str], cwd: Path):
    return run([shim_bin / "pipshim", "install-shims", "--bin-dir", shim_bin], env, cwd)


def test_install_shims_adds_the_versioned_shims_and_is_idempotent(shim_bin, env, side, second_python, work):
    t, _ = second_python
    r = install_shims(shim_bin, env, work)
    assert r.returncode == 0, r.stderr
    names = (f"pip{t.minor}", f"python{t.minor}")
    assert pipshim_lines(r.stderr) == [
        f"pipshim: added {', '.join(names)} for {side}/python{t.minor} (externally managed)"
    ]
    before = {}
    for name in names:
        assert realpip.is_our_shim(str(shim_bin / name)), name
        before[name] = (shim_bin / name).read_text()
    r = install_shims(shim_bin, env, work)
    assert (r.returncode, r.stderr) == (0, ""), "a second run changes nothing and says nothing"
    assert {n: (shim_bin / n).read_text() for n in names} == before
    assert sorted(os.listdir(shim_bin)) == sorted({*shims.default_names(DEFAULT), *names})


def test_pip3N_in_a_project_creates_dot_venv_from_that_python(shim_bin, env, second_python, project):
    t, prefix = second_python
    assert install_shims(shim_bin, env, project).returncode == 0
    r = run([shim_bin / f"pip{t.minor}", "install", "demo-lib"], env, project)
    assert r.returncode == 0, r.stderr
    assert len(pipshim_lines(r.stderr)) == 1 and "(new;" in r.stderr, r.stderr
    venv = project / ".venv"
    probe = (
        "import sys, demo_lib; print('%d.%d.%d' % sys.version_info[:3]); print(sys.base_prefix); "
        "print(demo_lib.__file__)"
    )
    out = run([venv / "bin" / "python", "-c", probe], {"PATH": "/usr/bin:/bin"}, project)
    assert out.returncode == 0, out.stderr
    version, base, module = out.stdout.split()
    assert version == t.python_version
    assert Path(base).resolve() == prefix.resolve()
    assert Path(module).resolve().is_relative_to(venv.resolve())
    # python3.N there runs the project's venv, and python3 (the default) too: it is the only one here
    r = run([shim_bin / f"python{t.minor}", "-c", "import demo_lib, sys; print(sys.prefix)"], env, project)
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip()) == venv


def test_pip3N_outside_a_project_passes_reads_to_that_python(shim_bin, env, second_python, work):
    t, prefix = second_python
    assert install_shims(shim_bin, env, work).returncode == 0
    r = run([shim_bin / f"pip{t.minor}", "--version"], env, work)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"pip {t.pip_version} from {prefix}/"), r.stdout
    assert f"(python {t.minor})" in r.stdout


def test_refresh_removes_shims_of_interpreters_gone_from_path(shim_bin, env, second_python, work):
    t, _ = second_python
    assert install_shims(shim_bin, env, work).returncode == 0
    foreign = exe(shim_bin / "pip3.7", "#!/bin/sh\necho mine\n")  # not ours: never touched
    gone = dict(env, PATH=f"{shim_bin}:/usr/bin:/bin")
    r = install_shims(shim_bin, gone, work)
    assert r.returncode == 0, r.stderr
    assert f"removed pip{t.minor}, python{t.minor}" in r.stderr
    assert not (shim_bin / f"pip{t.minor}").exists() and not (shim_bin / f"python{t.minor}").exists()
    assert foreign.read_text() == "#!/bin/sh\necho mine\n"
    for name in shims.default_names(DEFAULT):  # the default ones stay
        assert realpip.is_our_shim(str(shim_bin / name)), name


def test_only_externally_managed_non_venv_pythons_get_shims(tmp_path, shim_bin, hermetic_env, wheelhouse, app_data):
    managed, plain = tmp_path / "managed-stdlib", tmp_path / "plain-stdlib"
    managed.mkdir()
    plain.mkdir()
    (managed / "EXTERNALLY-MANAGED").write_text("[externally-managed]\n")
    bins = tmp_path / "pythons"
    fake_python(bins / "python3.97", managed)
    fake_python(bins / "python3.98", plain)
    fake_python(bins / "python3.99", managed, venv=True)  # an activated venv's python3.99
    fake_python(bins / "python3.96-config", managed)
    conda = tmp_path / "conda"
    (conda / "conda-meta").mkdir(parents=True)
    fake_python(bins / "python3.94", managed, prefix=conda)  # a conda env's, marked or not: conda's
    first = fake_python(tmp_path / "first" / "python3.95", plain)  # PATH's first python3.95 decides
    fake_python(bins / "python3.95", managed)
    e = base_env(shim_bin, hermetic_env, wheelhouse, app_data)
    e["PATH"] = f"{shim_bin}:{first.parent}:{bins}:/usr/bin:/bin"
    found = shims.side_by_side(e, (str(shim_bin),))
    assert {v: p for v, p in found.items() if v.startswith("3.9") and len(v) == 4} == {"3.97": str(bins / "python3.97")}
    r = install_shims(shim_bin, e, tmp_path)
    assert r.returncode == 0, r.stderr
    assert {n for n in os.listdir(shim_bin) if n.startswith(("pip3.9", "python3.9"))} == {"pip3.97", "python3.97"}


# --- which pip a pip3.N shim runs (realpip.find) -------------------------------------------------


def test_find_prefers_a_real_pip3N(tmp_path):
    python = fake_python(tmp_path / "a" / "python3.97", tmp_path)
    pip = exe(tmp_path / "b" / "pip3.97", f"#!{python}\n")
    path = f"{python.parent}:{pip.parent}:/usr/bin:/bin"
    assert realpip.find("pip3.97", path, ()) == realpip.RealPip(str(pip), str(python), ())


def test_find_with_only_python3N_runs_it_with_dash_m_pip(tmp_path):
    """deadsnakes: python3.97 but no pip3.97; pip3 and pip belong to another Python and are not used."""
    python = fake_python(tmp_path / "a" / "python3.97", tmp_path)
    other = exe(tmp_path / "other" / "python3", "#!/bin/sh\n")
    exe(tmp_path / "b" / "pip3", f"#!{other}\n")
    path = f"{python.parent}:{tmp_path / 'b'}"
    assert realpip.find("pip3.97", path, ()) == realpip.RealPip(str(python), str(python), ("-m", "pip"))


def test_find_takes_pip3_when_it_runs_on_that_python3N(tmp_path):
    """Debian 13 ships pip3 (on python3 -> python3.13) but no pip3.13: that pip3 is the one."""
    python = fake_python(tmp_path / "a" / "python3.97", tmp_path)
    (tmp_path / "a" / "python3").symlink_to("python3.97")
    pip3 = exe(tmp_path / "b" / "pip3", f"#!{tmp_path / 'a' / 'python3'}\n")
    path = f"{python.parent}:{pip3.parent}"
    assert realpip.find("pip3.97", path, ()) == realpip.RealPip(str(pip3), str(tmp_path / "a" / "python3"), ())


def test_find_without_python3N_falls_back_to_pip3(tmp_path):
    pip3 = exe(tmp_path / "b" / "pip3", "#!/usr/bin/python3\n")
    assert realpip.find("pip3.97", str(pip3.parent), ()) == realpip.RealPip(str(pip3), "/usr/bin/python3", ())
