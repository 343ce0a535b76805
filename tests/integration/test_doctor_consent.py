"""``pipshim doctor`` flags global consent (``break-system-packages`` in a pip.conf pip reads, or
``PIP_BREAK_SYSTEM_PACKAGES``) with ✗, what it does, and the exact command that removes it;
and an externally managed python3.N on PATH that has no shim yet."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from helpers import run
from sut import SUT

from pipshim.commands.doctor import CONSENT_DOES


def doctor(shim_bin, env, cwd):
    return run([shim_bin / "pipshim", "doctor"], env, cwd)


def bad(stdout: str) -> list[str]:
    return [ln for ln in stdout.splitlines() if ln.startswith("✗")]


def test_user_pip_conf_consent_fails_and_its_fix_works(shim_bin, shim_env, work):
    env = {k: v for k, v in shim_env.items() if k != "PIP_CONFIG_FILE"}  # pip reads its config files
    conf = Path(env["HOME"]) / ".config" / "pip" / "pip.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("[global]\nbreak-system-packages = true\n")
    r = doctor(shim_bin, env, work)
    assert r.returncode == 1, r.stdout + r.stderr
    [line] = bad(r.stdout)
    assert str(conf) in line and CONSENT_DOES in line
    fix = "/usr/bin/pip config --user unset global.break-system-packages"
    assert f"`{fix}`" in line
    assert run(shlex.split(fix), env, work).returncode == 0  # the command given does remove it
    r = doctor(shim_bin, env, work)
    assert r.returncode == 0 and bad(r.stdout) == [], r.stdout


def test_install_section_and_env_variable(shim_bin, shim_env, work):
    env = {k: v for k, v in shim_env.items() if k != "PIP_CONFIG_FILE"}
    conf = Path(env["HOME"]) / ".config" / "pip" / "pip.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("[install]\nbreak_system_packages = yes\n")
    env["PIP_BREAK_SYSTEM_PACKAGES"] = "1"
    r = doctor(shim_bin, env, work)
    assert r.returncode == 1
    [line] = bad(r.stdout)
    assert "`unset PIP_BREAK_SYSTEM_PACKAGES`" in line
    assert "config --user unset install.break-system-packages`" in line


def test_consent_switched_off_again_is_no_problem(shim_bin, shim_env, work):
    env = {k: v for k, v in shim_env.items() if k != "PIP_CONFIG_FILE"}
    conf = Path(env["HOME"]) / ".config" / "pip" / "pip.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("[global]\nbreak-system-packages = false\n")
    r = doctor(shim_bin, env, work)
    assert r.returncode == 0 and bad(r.stdout) == [], r.stdout


def test_a_new_python_without_its_shim_is_named(shim_bin, shim_env, work, tmp_path):
    other = tmp_path / "newpy"
    other.mkdir()
    name = f"python{SUT.version}"
    os.symlink(SUT.python_real, other / name)  # stands for a python3.N that appeared
    (shim_bin / f"pip{SUT.version}").unlink()
    env = dict(shim_env, PATH=f"{shim_bin}:{other}:/usr/bin:/bin")
    r = doctor(shim_bin, env, work)
    assert r.returncode == 1
    [line] = bad(r.stdout)
    assert name in line and f"pip{SUT.version}" in line and "`pipshim install-shims`" in line
