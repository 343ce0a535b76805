"""Environmental trouble that once ended in a traceback or pipshim's crash line (exit 3): paths
that are not UTF-8 (twice in a row, and on a strict UTF-8 stdout, as under en_US.UTF-8),
closed or full streams, damaged caches and metadata, and files pipshim may not change.
Each ends in the work done, in pip's own words, or in one ``pipshim:`` line and exit 2."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import pipshim_lines, run

from integration.support import SITE, assert_imports_from_venv

pytestmark = pytest.mark.integration
NON_UTF8 = b"na\xefve"


def call(argv, env, cwd, **kw) -> subprocess.CompletedProcess:
    """Like helpers.run, with bytes kept as bytes (paths that are not UTF-8)."""
    r = subprocess.run([os.fsencode(a) if isinstance(a, Path) else a for a in argv], env=env, cwd=cwd,
                       capture_output=True, **kw)  # fmt: skip
    r.stdout, r.stderr = os.fsdecode(r.stdout), r.stderr.decode("utf-8", "replace")
    return r


def assert_no_crash(r) -> None:
    assert r.returncode != 3 and "Traceback" not in r.stderr and "unexpected error" not in r.stderr, r.stderr


@pytest.fixture
def odd_project(tmp_path) -> bytes:
    d = os.fsencode(tmp_path) + b"/" + NON_UTF8
    os.mkdir(d)
    with open(d + b"/pyproject.toml", "w") as fh:
        fh.write('[project]\nname = "x"\nversion = "0"\n')
    return d


def test_a_venv_under_a_path_that_is_not_utf8_is_reused(shim_bin, shim_env, odd_project):
    """The interpreter's answers (its prefix) are bytes; read as strict UTF-8 they made the venv
    look 'broken' from the second call on, and --recreate could not mend it."""
    for req in ("demo-lib", "demo-dep"):
        r = call([shim_bin / "pip", "install", req], shim_env, odd_project)
        assert r.returncode == 0, r.stderr
        assert "broken" not in r.stderr, r.stderr
    venv = Path(os.fsdecode(odd_project)) / ".venv"
    for module in ("demo_lib", "demo_dep"):
        assert (venv / SITE / module).is_dir()
    r = call([shim_bin / "pipshim", "venv", "--recreate"], shim_env, odd_project)
    assert r.returncode == 0, r.stderr
    code = "import demo_lib, demo_dep, sys; print(sys.prefix)"
    r = call([venv / "bin" / "python", "-c", code], shim_env, odd_project)
    assert (r.returncode, r.stdout) == (0, f"{venv}\n"), r.stderr


# a strict UTF-8 stdout, as Python has under a real UTF-8 locale (this machine has only C.UTF-8,
# where Python's stdout already escapes): pipshim's own entry point, in its own process
STRICT = (
    "import io, sys; sys.stdout = io.TextIOWrapper(sys.stdout.buffer, 'utf-8', 'strict'); "
    "from pipshim.cli import main; sys.exit(main(sys.argv[1:]))"
)


@pytest.mark.parametrize(
    "argv",
    [["venv"], ["explain", "--", "pip", "install", "demo-lib"], ["explain", "--json", "--", "pip", "install", "x"]],
    ids=["venv", "explain", "explain-json"],
)
def test_paths_that_are_not_utf8_print_as_their_bytes(shim_bin, shim_env, odd_project, argv):
    env = dict(shim_env, PIPSHIM_BIN_DIR=str(shim_bin))
    r = subprocess.run([sys.executable, "-I", "-c", STRICT, *argv], env=env, cwd=odd_project, capture_output=True)
    assert r.returncode == 0, r.stderr
    assert odd_project + b"/.venv" in r.stdout or (argv[1:2] == ["--json"] and b"\\udcef" in r.stdout), r.stdout


def test_install_shims_into_a_dir_that_is_not_utf8(shim_bin, shim_env, tmp_path):
    bin_dir = os.fsencode(tmp_path) + b"/bin-\xff"
    r = call([shim_bin / "pipshim", "install-shims", "--bin-dir", bin_dir], shim_env, tmp_path)
    assert r.returncode == 0, r.stderr
    assert sorted(os.listdir(os.fsdecode(bin_dir))) == sorted(os.listdir(shim_bin))
    r = call([bin_dir + b"/pip", "--version"], dict(shim_env, PATH=f"{shim_bin}:/usr/bin:/bin"), tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("pip "), r.stderr


# --- closed and full streams -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "redirect"),
    [
        (["pipshim", "run", "true"], ">&-"),
        (["pipshim", "run", "true"], "2>&-"),
        (["pipshim", "shell-init", "bash"], ">&-"),
        (["pipshim", "shell-init", "zsh", "--rc-line"], ">&-"),
        (["pipshim", "explain", "--", "pip", "install", "x"], ">&-"),
    ],
    ids=["run-stdout", "run-stderr", "shell-init", "rc-line", "explain"],
)
def test_a_closed_stream_is_no_crash(shim_bin, shim_env, work, argv, redirect):
    r = run(["/bin/sh", "-c", f'"$0" "$@" {redirect}', shim_bin / argv[0], *argv[1:]], shim_env, work)
    assert_no_crash(r)
    assert r.returncode == 0, r.stderr


def test_a_full_stdout_is_one_line_and_exit_2(shim_bin, shim_env, work):
    r = run(["/bin/sh", "-c", '"$0" "$@" >/dev/full', shim_bin / "pipshim", "shell-init", "bash"], shim_env, work)
    assert r.returncode == 2, r.stderr
    assert r.stderr == "pipshim: cannot write the output: No space left on device\n"


def test_a_reader_that_goes_away_ends_the_output_quietly(shim_bin, shim_env, work):
    r = run(["/bin/sh", "-c", '"$0" "$@" | head -c 1', shim_bin / "pipshim", "shell-init", "bash"], shim_env, work)
    assert (r.returncode, r.stdout, r.stderr) == (0, "#", "")


@pytest.fixture
def app_env(shim_env) -> dict[str, str]:
    return dict(shim_env, PIPSHIM_APPS="demo-app")


@pytest.mark.parametrize(
    ("args", "redirect"),
    [
        (["install", "demo-app"], ">&-"),
        (["install", "-U", "demo-app"], ">&-"),
        (["uninstall", "-y", "demo-app"], ">&-"),
        (["uninstall", "demo-app"], "<&-"),
        (["uninstall", "demo-app"], "0>/dev/null"),
    ],
    ids=["install-stdout", "upgrade-stdout", "uninstall-stdout", "ask-stdin-closed", "ask-stdin-write-only"],
)
def test_the_pipx_route_with_a_closed_stream(shim_bin, app_env, work, args, redirect):
    if args[0] != "install" or "-U" in args:
        assert run([shim_bin / "pip", "install", "demo-app"], app_env, work).returncode == 0
    r = run(["/bin/sh", "-c", f'"$0" "$@" {redirect}', shim_bin / "pip", *args], app_env, work)
    assert_no_crash(r)
    if args[:2] == ["uninstall", "demo-app"]:  # no answer to pip's question: nothing removed
        assert r.returncode == 2 and "pass -y" in pipshim_lines(r.stderr)[-1], r.stderr
        assert (shim_bin / "demo-app").exists()
    else:
        assert r.returncode == 0, r.stderr
        assert (shim_bin / "demo-app").exists() == (args[0] == "install")


# --- damaged caches and metadata ---------------------------------------------------------------


def seed_dir(env) -> Path:
    return Path(env["HOME"]) / ".cache" / "pipshim" / "venvseed"


@pytest.mark.parametrize("damage", ["wheels-list", "manifest-empty", "manifest-files-wrong", "probe-info-list"])
def test_a_damaged_seed_cache_is_made_again(shim_bin, shim_env, project, damage):
    """Caches are disposable: a damaged entry is thrown away and rebuilt, never a dead end."""
    seeds = seed_dir(shim_env)
    if damage == "wheels-list":
        (seeds / "wheels.json").write_text("[]")
    elif damage.startswith("manifest"):
        (unit,) = [p for p in seeds.iterdir() if p.is_dir() and p.name.startswith("v")]
        text = "{}" if damage == "manifest-empty" else json.dumps({**json.loads((unit / "manifest.json").read_text()),
                                                                   "files": [["pip/x.py", "1", 2]]})  # fmt: skip
        (unit / "manifest.json").unlink()  # a copy of the warm cache's, but never write through a link
        (unit / "manifest.json").write_text(text)
    else:
        (probe,) = seeds.glob("interp-*.json")
        probe.write_text(json.dumps({"key": json.loads(probe.read_text())["key"], "info": ["exe"]}))
    r = run([shim_bin / "pip", "install", "demo-lib"], shim_env, project)
    assert r.returncode == 0, r.stderr
    assert_imports_from_venv(project / ".venv", "demo_lib", project)
    r = run([project / ".venv" / "bin" / "pip", "--version"], shim_env, project)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize(
    ("text", "cause"),
    [("a = " + "[" * 5000, "ignoring"), ('user_venv = "/tmp/x\\u0000y"', "`user_venv` must be a path")],
    ids=["nested", "nul-in-path"],
)
def test_a_config_that_cannot_be_used_is_a_warning(shim_bin, shim_env, work, text, cause):
    config = Path(shim_env["HOME"]) / ".config" / "pipshim" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(text + "\n")
    for args in (["--version"], ["install", "demo-lib"]):
        r = run([shim_bin / "pip", *args], shim_env, work)
        assert_no_crash(r)
        assert r.returncode == 0, r.stderr
        assert pipshim_lines(r.stderr)[0].startswith(f"pipshim: ignoring {config}:") and cause in r.stderr, r.stderr


def test_pipx_metadata_nested_beyond_reason_is_an_unreadable_app(shim_bin, shim_env, work):
    venv = Path(shim_env["HOME"]) / ".local" / "share" / "pipx" / "venvs" / "evil"
    venv.mkdir(parents=True)
    (venv / "pipx_metadata.json").write_text("[" * 200000)
    for args in (["list"], ["install", "demo-lib"]):
        r = run([shim_bin / "pip", *args], shim_env, work)
        assert_no_crash(r)
        assert r.returncode == 0, r.stderr


def test_recreate_with_a_direct_url_json_that_is_not_pips(shim_bin, shim_env, project):
    assert run([shim_bin / "pip", "install", "demo-lib"], shim_env, project).returncode == 0
    (dist,) = (project / ".venv" / SITE).glob("demo_lib-*.dist-info")
    (dist / "direct_url.json").write_text("[]")
    r = run([shim_bin / "pipshim", "venv", "--recreate"], shim_env, project)
    assert r.returncode == 0, r.stderr
    assert "; reinstalled 1: demo_lib==2.0" in r.stderr, r.stderr  # as if it had none


def test_doctor_with_a_pip_that_is_not_text(shim_bin, shim_env, work, tmp_path):
    other = tmp_path / "other-bin"
    shutil.copytree(shim_bin, other, symlinks=True)
    shutil.copy(shutil.which("true"), other / "pip")
    r = run([other / "pipshim", "doctor"], dict(shim_env, PATH=f"{other}:/usr/bin:/bin"), work)
    assert_no_crash(r)
    assert r.returncode == 1 and "✗ the shims in" in r.stdout, r.stdout + r.stderr


# --- files pipshim may not change (root is stopped only by the immutable flag) -------------------


@pytest.fixture
def immutable():
    """chattr +i on a path, undone afterwards; the test says why it cannot run without it."""
    if os.geteuid() != 0:
        pytest.skip("needs root: chattr +i (as an ordinary user, pipshim's own permission errors cover this)")
    chattr = shutil.which("chattr", path="/usr/bin:/bin:/usr/sbin:/sbin")
    if chattr is None:
        pytest.skip("needs chattr (e2fsprogs) to make a file that root cannot remove")
    made: list[Path] = []

    def make(path: Path) -> None:
        r = subprocess.run([chattr, "+i", str(path)], capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"the file system of {path} has no immutable flag: {r.stderr.strip()}")
        made.append(path)

    yield make
    for path in made:
        subprocess.run([chattr, "-i", str(path)], check=True)


def test_uninstall_shims_that_cannot_be_removed(shim_bin, shim_env, work, immutable):
    immutable(shim_bin / "pip")
    r = run([shim_bin / "pipshim", "uninstall-shims"], shim_env, work)
    assert r.returncode == 2, r.stderr
    assert pipshim_lines(r.stderr) == [
        f"pipshim: cannot remove {shim_bin / 'pip'}: Operation not permitted; run this as the owner of {shim_bin}"
    ]


def test_recreate_in_a_project_that_cannot_be_changed(shim_bin, shim_env, project, immutable):
    assert run([shim_bin / "pip", "install", "demo-lib"], shim_env, project).returncode == 0
    immutable(project)
    r = run([shim_bin / "pipshim", "venv", "--recreate"], shim_env, project)
    assert r.returncode == 2, r.stderr
    assert pipshim_lines(r.stderr)[-1].startswith(f"pipshim: cannot recreate {project / '.venv'}: "), r.stderr
    assert_imports_from_venv(project / ".venv", "demo_lib", project)
