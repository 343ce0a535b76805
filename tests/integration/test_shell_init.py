"""``pipshim shell-init SHELL`` evaluated by the real shells: bash, sh (dash), zsh and fish.

Each shell starts with a PATH that lacks the shim directory, evaluates the output of
``<bin>/pipshim shell-init SHELL`` twice, and must then find the shim as ``pip``, with
the directory in PATH exactly once. A missing shell is a failure, never a skip
(``.ci/run`` installs zsh and fish).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from helpers import run
from sut import SUT

from pipshim import shims

# shell-init name -> the shell that runs it, with its start-up files switched off
SHELLS = {
    "bash": ["bash", "--norc", "--noprofile", "-c"],
    "sh": ["dash", "-c"],
    "zsh": ["zsh", "-f", "-c"],
    "fish": ["fish", "--no-config", "-c"],
}

POSIX_SCRIPT = """
hash pip 2>/dev/null
before=$(command -v pip)
eval "$("$B/pipshim" shell-init {shell})"
first=$(command -v pip)
eval "$("$B/pipshim" shell-init {shell})"
printf '%s\\n' "$before" "$first" "$(command -v pip)" "$PATH"
PIPSHIM_EXPLAIN=1 pip install demo-lib
"""

FISH_SCRIPT = """
set before (command -v pip)
"$B/pipshim" shell-init fish | source
set first (command -v pip)
"$B/pipshim" shell-init fish | source
printf '%s\\n' $before $first (type -p pip) (string join : $PATH)
PIPSHIM_EXPLAIN=1 pip install demo-lib
"""


@pytest.fixture(params=["bin", "my shims"], ids=["plain-dir", "dir-with-space"])
def bin_dir(request, tmp_path) -> Path:
    d = tmp_path / request.param
    assert shims.install(str(d), sys.executable, shims.default_names(SUT.version)) == 0
    return d


@pytest.mark.parametrize("shell", list(SHELLS))
def test_shell_init_puts_the_shims_first_once(shell, bin_dir, hermetic_env, tmp_path):
    argv = SHELLS[shell]
    exe = shutil.which(argv[0], path="/usr/bin:/bin")
    if exe is None:
        pytest.fail(f"{argv[0]} is not installed: apt-get install -y {argv[0]} (tests need the real shell)")
    script = FISH_SCRIPT if shell == "fish" else POSIX_SCRIPT.format(shell=shell)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(hermetic_env),
        "LANG": "C.UTF-8",
        "B": str(bin_dir),
        "PIP_CONFIG_FILE": "/dev/null",
        "PIPSHIM_ROOT": "0",
        "PIPSHIM_CONTAINER": "0",
    }
    work = tmp_path / "work"
    work.mkdir()
    r = run([exe, *argv[1:], script], env, work)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    before, first, second, path = lines[:4]
    assert before == SUT.pip
    assert first == str(bin_dir / "pip")
    assert second == str(bin_dir / "pip")
    assert path.split(":") == [str(bin_dir), "/usr/bin", "/bin"]
    # `pip` typed in that shell reaches pipshim's resolver
    assert "/pipshim/venv (new user env; " in "\n".join(lines[4:]), r.stdout


@pytest.mark.parametrize("shell", list(SHELLS))
def test_shell_init_output_names_the_bin_dir_of_the_pipshim_called(shell, shim_bin, hermetic_env, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(hermetic_env), "LANG": "C.UTF-8"}
    r = run([shim_bin / "pipshim", "shell-init", shell], env, tmp_path)
    assert r.returncode == 0, r.stderr
    assert str(shim_bin) in r.stdout
    assert "/.local/bin" not in r.stdout
    if shell in ("bash", "sh", "zsh"):
        assert "hash -r" in r.stdout
    if shell == "zsh":
        assert "rehash" in r.stdout
