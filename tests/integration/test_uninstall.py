"""``make install`` then ``make uninstall`` [PURGE=1] for a user whose HOME, XDG dirs and bin dir
are temporary: what stays is listed with the command that removes it; PURGE=1 leaves nothing of
pipshim (pipx apps uninstalled first), and a new interactive bash with the rc line starts clean."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from helpers import run

from integration.support import pip

REPO = Path(__file__).resolve().parents[2]
APP = "demo-app"  # to pipx (PIPSHIM_APPS names it an application)
LIB_TOOL = "demo-tool"  # a library with a command: the user environment, linked into the bin dir


@pytest.fixture
def user(tmp_path, wheelhouse, app_data) -> dict[str, str]:
    from wheels import make_wheel

    make_wheel(tmp_path / "more-wheels", LIB_TOOL, scripts={LIB_TOOL: "demo_tool:main"})
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    bin_dir = tmp_path / "bin"
    return {
        "HOME": str(home),
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "SHELL": "/bin/bash",
        "BIN_DIR": str(bin_dir),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": f"{wheelhouse} {tmp_path / 'more-wheels'}",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "VIRTUALENV_OVERRIDE_APP_DATA": str(app_data),
        "PIPSHIM_ROOT": "0",
        "PIPSHIM_CONTAINER": "0",
        "PIPSHIM_APPS": APP,
    }


def make(target: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    # make install needs the machine's package index for pipshim's dependencies
    env = {k: v for k, v in env.items() if k not in ("PIP_NO_INDEX", "PIP_FIND_LINKS")}
    return run(["make", "--no-print-directory", "-C", REPO, target, *args], env, REPO)


def installed_and_used(user: dict[str, str], tmp_path: Path) -> tuple[Path, Path]:
    r = make("install", user)
    assert r.returncode == 0, r.stdout + r.stderr
    bin_dir = Path(user["BIN_DIR"])
    assert "pipshim" in r.stdout and "make" not in r.stdout.split("\n", 1)[0]
    lines = r.stdout.strip().splitlines()
    rc = lines[next(i for i, ln in enumerate(lines) if ln.startswith("Add this line")) + 1].strip()
    exe = bin_dir / "pipshim"
    assert rc == f'if [ -x {exe} ]; then eval "$({exe} shell-init bash)"; fi', r.stdout
    (Path(user["HOME"]) / ".bashrc").write_text(f"# mine\n{rc}\nalias ll='ls -l'\n")
    env = dict(user, PIP_CONFIG_FILE=os.devnull)
    work = tmp_path / "work"
    work.mkdir()
    for req in (APP, LIB_TOOL):
        r = pip(bin_dir, env, work, "install", req)
        assert r.returncode == 0, r.stderr
    assert (bin_dir / APP).is_symlink() and (bin_dir / LIB_TOOL).is_symlink()
    return bin_dir, work


def leftovers_of_pipshim(tmp_path: Path) -> list[str]:
    out = []
    for root in ("home", "data", "cache", "config", "bin"):
        for dirpath, dirnames, filenames in os.walk(tmp_path / root):
            if Path(dirpath) == tmp_path / "cache" and "pip" in dirnames:
                dirnames.remove("pip")  # pip's own wheel cache (make install built pipshim's wheel)
            for n in dirnames + filenames:
                p = Path(dirpath) / n
                if "pipshim" in str(p.relative_to(tmp_path)) or "pipx" in n or p.parent.name == "bin":
                    out.append(str(p))
    bashrc = tmp_path / "home" / ".bashrc"
    if bashrc.exists() and "pipshim" in bashrc.read_text():
        out.append(f"{bashrc}: {bashrc.read_text()!r}")
    return out


def new_shell_is_clean(user: dict[str, str]) -> None:
    env = {k: user[k] for k in ("HOME", "PATH", "LANG")}
    env.update(TERM="dumb", PS1="", PS2="")
    r = subprocess.run(
        ["bash", "--noediting", "-i"], input="echo @@ok\nexit\n", env=env, capture_output=True, text=True
    )
    noise = [
        ln for ln in r.stderr.splitlines() if ln != "exit" and "job control" not in ln and "process group" not in ln
    ]
    assert noise == [] and "@@ok" in r.stdout, r.stderr


def test_uninstall_lists_what_stays_then_purge_removes_it(user, tmp_path):
    bin_dir, _ = installed_and_used(user, tmp_path)
    r = make("uninstall", user)
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert "removed the tool environment" in out and f"shims from {bin_dir}" in out
    assert not (bin_dir / "pip").exists() and not (bin_dir / "pipshim").exists()
    user_env = Path(user["XDG_DATA_HOME"]) / "pipshim" / "venv"
    for what in (f"rm -rf {user_env}", f"-lname '{user_env}/bin/*' -delete", APP, "rm -rf", "sed -i '2d'", "harmless"):
        assert what in out, out
    assert user_env.is_dir()  # kept without PURGE
    new_shell_is_clean(user)  # the rc line is still there, and does nothing
    # PURGE=1 afterwards, without the tool env: pipx's venvs are removed directly
    r = make("uninstall", user, "PURGE=1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert leftovers_of_pipshim(tmp_path) == []
    assert (tmp_path / "home" / ".bashrc").read_text() == "# mine\nalias ll='ls -l'\n"
    new_shell_is_clean(user)


def test_purge_removes_everything_with_pipx_first(user, tmp_path):
    bin_dir, work = installed_and_used(user, tmp_path)
    run([bin_dir / "pipshim", "doctor"], user, work)  # fills the caches
    r = make("uninstall", user, "PURGE=1")
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == f"removed pipx app {APP}", r.stdout
    assert leftovers_of_pipshim(tmp_path) == [], r.stdout
    new_shell_is_clean(user)
