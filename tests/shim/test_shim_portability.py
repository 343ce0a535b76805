"""The shims where shells and systems differ, under dash, bash and busybox ash: a deleted working
directory (bash sets PWD to "." there), a link to a shim on PATH, python's flags with attached
values, OLDPWD, words with spaces, and no /proc (macOS). Each case once ran the wrong thing,
printed an error, or never ended."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from pipshim import cli, shims

PYTHON = "/usr/bin/python3"
SHELLS = [s for s in ("dash", "bash", shutil.which("busybox") and "busybox") if s]
REAL = "REAL PYTHON"


def sh(shell: str) -> list[str]:
    return ["busybox", "ash"] if shell == "busybox" else [f"/bin/{shell}"]


@pytest.fixture
def world(tmp_path):
    """Shims in bin/, a 'real' python3 in real/ that says so and prints its argv, a home."""
    bin_dir, real, home = tmp_path / "bin", tmp_path / "real", tmp_path / "home"
    assert shims.install(str(bin_dir), sys.executable, ["pip", "pipshim", "python3"]) == 0
    real.mkdir()
    (real / "python3").write_text(f'#!/bin/sh\necho "{REAL}" "$@"\n')
    (real / "python3").chmod(0o755)
    home.mkdir(exist_ok=True)  # the hermetic HOME of tests/conftest.py
    env = {"HOME": str(home), "PATH": f"{bin_dir}:{real}:/usr/bin:/bin", "PIPSHIM_ROOT": "0", "PIPSHIM_CONTAINER": "0"}
    env["PIP_CONFIG_FILE"] = os.devnull
    return bin_dir, env, tmp_path


def shim(shell, world, name, *args, cwd=None, env=None, **kw) -> subprocess.CompletedProcess:
    bin_dir, base, tmp = world
    return subprocess.run([*sh(shell), str(bin_dir / name), *args], cwd=cwd or tmp, env={**base, **(env or {})},
                          capture_output=True, text=True, timeout=20, **kw)  # fmt: skip


@pytest.mark.parametrize("shell", SHELLS)
def test_a_deleted_working_directory_ends(shell, world):
    """bash's cd -P . succeeds there with PWD=".": the walk up never reached "/"."""
    gone = world[2] / "gone"
    gone.mkdir()
    code = f'cd {gone} && rmdir {gone} && exec "$@"'
    for name, args in (("python3", ["-c", "pass"]), ("pip", ["--version"])):
        cmd = [*sh(shell), "-c", code, "sh", *sh(shell), str(world[0] / name), *args]
        r = subprocess.run(cmd, env=world[1], capture_output=True, text=True, timeout=20)
        assert r.returncode != 124 and "Traceback" not in r.stderr, r.stderr
        if name == "python3":
            assert r.stdout == f"{REAL} -c pass\n", r.stderr


@pytest.mark.parametrize("shell", SHELLS)
def test_a_link_to_the_shim_later_on_path_is_not_the_real_python(shell, world):
    bin_dir, _, tmp = world
    links = tmp / "links"
    links.mkdir()
    (links / "python3").symlink_to(bin_dir / "python3")
    path = f"{bin_dir}:{links}:{tmp / 'real'}:/usr/bin:/bin"
    r = shim(shell, world, "python3", "-c", "pass", env={"PATH": path})
    assert (r.returncode, r.stdout) == (0, f"{REAL} -c pass\n"), r.stderr


# what python_m_pip reads as `-m pip` (or not) is what the shim sends to pipshim (or to python)
FLAGS = [
    ["-m", "pip", "-V"],
    ["-mpip", "-V"],
    ["-Im", "pip", "-V"],
    ["-Impip", "-V"],
    ["-Xfrozen_modules=off", "-m", "pip", "-V"],
    ["-X", "importtime", "-m", "pip", "-V"],
    ["-Wignore::DeprecationWarning", "-m", "pip", "-V"],
    ["-W", "ignore", "-mpip", "-V"],
    ["-sXdev", "-m", "pip", "-V"],
    ["-X"],
    ["-c", "import pip"],
    ["-Ic", "import pip"],
    ["-m", "pipx"],
    ["-mpipx"],
    ["--version", "-m", "pip"],
    ["-", "pip"],
    ["script_pip.py"],
    ["-E", "-s", "-u", "-m", "pip", "-V"],
    ["-Xcmd", "-m", "pip"],
]


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("argv", FLAGS, ids=[" ".join(a) for a in FLAGS])
def test_python_flags_are_read_as_python_reads_them(shell, world, argv):
    r = shim(shell, world, "python3", *argv, env={"PIPSHIM_EXPLAIN": "1"})
    to_pipshim = cli.python_m_pip(list(argv)) is not None
    assert (REAL not in r.stdout) == to_pipshim, (r.stdout, r.stderr)


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("oldpwd", ["/tmp", None], ids=["set", "unset"])
def test_oldpwd_is_what_it_was(shell, world, oldpwd):
    """The shims learn the physical cwd with cd -P and back: OLDPWD, which is exported to what
    they run, stays what the shell itself would pass on (bash keeps only an existing directory)."""
    bin_dir, env, tmp = world
    env = {k: v for k, v in env.items() if k != "PATH"} | {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    if oldpwd:
        env["OLDPWD"] = oldpwd
    code = "import os; print(os.environ.get('OLDPWD'))"
    runs = [[str(bin_dir / "python3"), "-c", code], ["-c", 'exec "$0" "$@"', PYTHON, "-c", code]]
    out = [
        subprocess.run([*sh(shell), *argv], cwd=tmp, env=env, capture_output=True, text=True).stdout for argv in runs
    ]
    assert out[0] == out[1] == f"{oldpwd}\n"


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("value", [" 1", "1 ", "\t1", "yes\n"])
def test_words_with_spaces_mean_what_pipshim_says(shell, world, value):
    """PIPSHIM_DISABLE=" 1" is no word pip's strtobool knows: not disabled, for the shim as for explain."""
    bin_dir, env, tmp = world
    venv = tmp / "proj" / ".venv"
    subprocess.run([PYTHON, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    r = shim(shell, world, "python3", "-c", "import sys; print(sys.prefix)", cwd=venv.parent,
             env={"PIPSHIM_DISABLE": value})  # fmt: skip
    assert r.stdout == f"{venv}\n", r.stderr
    r = subprocess.run([str(bin_dir / "pipshim"), "explain", "--", "pip", "list"], cwd=venv.parent,
                       env={**env, "PIPSHIM_DISABLE": value}, capture_output=True, text=True)  # fmt: skip
    assert "PIPSHIM_DISABLE" not in r.stdout and str(venv) in r.stdout, r.stdout


def _function(text: str, name: str) -> str:
    m = re.search(rf"^{name}\(\) {{\n.*?^}}\n", text, re.S | re.M)
    assert m, f"{name} is not in the shim"
    return m.group(0)


@pytest.mark.parametrize("shell", SHELLS)
def test_no_proc_says_nothing_and_is_a_host(shell, world):
    """macOS has no /proc: in_container reads three of its files; none may print an error."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare: an empty /proc in a mount namespace of its own")
    text = (world[0] / "python3").read_text()
    lines = [line for line in text.splitlines() if line.startswith(("is_true()", "is_false()", "INIT_SYSTEMS=",
                                                                     "CONTAINER_CGROUPS="))]  # fmt: skip
    script = "\n".join([*lines, f"CONTAINER_FILES={world[2] / 'no-such-file'}", _function(text, "in_container"),
                        "if in_container; then echo container; else echo host; fi"])  # fmt: skip
    inner = f'mount -t tmpfs none /proc && exec {" ".join(sh(shell))} -c "$0"'
    r = subprocess.run(["unshare", "-m", "--propagation", "private", "/bin/sh", "-c", inner, script],
                       env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=20)  # fmt: skip
    if r.returncode != 0 and r.stderr.startswith(("unshare:", "mount:")):  # a chroot: / is no mount point
        pytest.skip(f"no mount namespace with its own /proc here: {r.stderr.strip()}")
    assert (r.stdout, r.stderr) == ("host\n", "")


def test_root_is_who_owns_slash(monkeypatch):
    """Python's root test is the shims' ``[ -O / ]``: the mapped root of a user namespace over the
    host's files (/ owned by nobody there) is not root."""
    from pipshim import facts

    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(os, "stat", lambda p, *a, **k: os.stat_result((0o40755, 0, 0, 0, 65534, 65534, 0, 0, 0, 0)))
    assert facts.owns_root() is False
    monkeypatch.setattr(os, "stat", lambda p, *a, **k: os.stat_result((0o40755, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
    assert facts.owns_root() is True
