"""Two externally managed minor versions side by side (Homebrew's python@3.12 and python@3.13,
Fedora's alternative pythons): `pip3.12 install X` while the user environment runs 3.13 makes
venv-3.12 beside it, so `python3.12 -c "import X"` works; the user environment is untouched.

Real interpreters (the matrix's 3.12 and 3.13, builder.built), the real shims, pip offline.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from helpers import pipshim_lines, run
from integration.support import base_env

from matrix import builder
from pipshim import shims


@pytest.fixture(scope="module")
def pythons() -> dict[str, Path]:
    return builder.two_minors()


def site_packages(venv: Path) -> list[str]:
    return sorted(p.name for p in venv.glob("lib/python3*/site-packages/*"))


def test_pip3_12_installs_for_python3_12_and_leaves_the_3_13_user_environment_alone(
    pythons, wheelhouse, app_data, hermetic_env, tmp_path
):
    snapshots = {v: site_packages(p) for v, p in pythons.items()}
    shim_dir = tmp_path / "shims"
    names = [*shims.default_names("3.13"), "pip3.12", "python3.12"]
    assert shims.install(str(shim_dir), sys.executable, names) == 0
    env = base_env(shim_dir, Path(hermetic_env), wheelhouse, app_data)
    # python3 and pip3 are 3.13 (first on PATH), as after `brew upgrade` made 3.13 the default
    env["PATH"] = f"{shim_dir}:{pythons['3.13'] / 'bin'}:{pythons['3.12'] / 'bin'}:/usr/bin:/bin"
    work = tmp_path / "work"
    work.mkdir()
    user = Path(hermetic_env) / ".local" / "share" / "pipshim" / "venv"
    v312 = Path(f"{user}-3.12")

    r = run([shim_dir / "pip", "install", "demo-dep", "demo-app"], env, work)
    assert r.returncode == 0, r.stderr
    before = site_packages(user)

    r = run([shim_dir / "pip3.12", "install", "demo-lib", "demo-app"], env, work)
    assert r.returncode == 0, r.stderr
    line = pipshim_lines(r.stderr)[0]
    assert "~/.local/share/pipshim/venv-3.12 (new user env" in line, r.stderr
    assert "Python 3.12; the user environment ~/.local/share/pipshim/venv is 3.13" in line, r.stderr
    # the command the 3.13 environment linked first keeps its name; 3.12's says where it is
    assert f"run {v312}/bin/demo-app directly" in r.stderr, r.stderr
    assert (shim_dir / "demo-app").resolve() == (user / "bin" / "demo-app").resolve()

    r = run([shim_dir / "python3.12", "-c", "import sys, demo_lib; print(sys.prefix)"], env, work)
    assert (r.returncode, r.stdout.strip()) == (0, str(v312)), r.stderr
    r = run([shim_dir / "python3", "-c", "import sys; print(sys.prefix)"], env, work)
    assert r.stdout.strip() == str(user), r.stderr
    r = run([shim_dir / "python3", "-c", "import demo_lib"], env, work)
    assert r.returncode == 1 and "No module named 'demo_lib'" in r.stderr
    assert site_packages(user) == before  # the user environment is untouched

    # reads and uninstall follow the same choice; unversioned ones keep the user environment
    assert "demo-lib==" in run([shim_dir / "pip3.12", "freeze"], env, work).stdout
    assert "demo-lib" in run([shim_dir / "python3.12", "-m", "pip", "list"], env, work).stdout
    freeze = run([shim_dir / "pip", "freeze"], env, work).stdout
    assert "demo-lib" not in freeze and "demo-dep==" in freeze
    r = run([shim_dir / "pip3.12", "uninstall", "-y", "demo-lib"], env, work)
    assert r.returncode == 0 and "venv-3.12" in pipshim_lines(r.stderr)[0], r.stderr
    r = run([shim_dir / "python3.12", "-c", "import demo_lib"], env, work)
    assert r.returncode == 1, r.stdout

    # pip's --python naming the interpreter on PATH is a call naming its version too
    r = run([shim_dir / "pip", "--python", "python3.12", "install", "demo-lib"], env, work)
    assert r.returncode == 0 and "venv-3.12" in pipshim_lines(r.stderr)[0], r.stderr

    # broken (its python gone): refused with the fix that rebuilds this one, keeping its packages
    (v312 / "bin" / "python3.12").unlink()
    (v312 / "bin" / "python3.12").symlink_to(tmp_path / "gone" / "python3.12")
    r = run([shim_dir / "pip3.12", "install", "demo-dep"], env, work)
    assert r.returncode == 2 and "`PIP_PYTHON=python3.12 pipshim venv --recreate`" in r.stderr, r.stderr
    r = run([shim_dir / "python3.12", "-c", "pass"], env, work)
    assert r.returncode == 2 and "`PIP_PYTHON=python3.12 pipshim venv --recreate`" in r.stderr, r.stderr
    r = run([shim_dir / "pipshim", "venv", "--recreate"], {**env, "PIP_PYTHON": "python3.12"}, work)
    assert r.returncode == 0 and r.stdout.splitlines()[-1] == str(v312), r.stderr
    assert "reinstalled 2: demo_app==1.0, demo_lib==2.0" in r.stderr
    r = run([shim_dir / "python3.12", "-c", "import sys, demo_lib; print(sys.prefix)"], env, work)
    assert (r.returncode, r.stdout.strip()) == (0, str(v312)), r.stderr

    doctor = run([shim_dir / "pipshim", "doctor"], env, work)
    assert f"user environment for Python 3.12: {v312} (ok)" in doctor.stdout, doctor.stdout
    for version, prefix in pythons.items():
        assert site_packages(prefix) == snapshots[version], f"{prefix} changed"
