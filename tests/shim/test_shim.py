"""The real shim template (shims/pip), run under dash and bash and as a #!/bin/sh executable.

A fake interpreter stands in for pipshim's Python (rbenv's test "echo" commands, uv's
mock interpreters): a sh script that prints its pid and every argument it got, each
ended by a NUL byte, so even arguments holding newlines come back exactly.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sut import SUT

from pipshim import discovery, shimrender, shims
from pipshim.cli import ENTRY
from pipshim.realpip import SHIM_ID

# the pip names pipshim installs for the system Python: pip, pip3, pip3.N
PIP_NAMES = list(SUT.pip_shim_names)
TEMPLATE = Path(shims.template_path("pip"))
# How a shim is started: by a named shell, or executed directly (its #! says /bin/sh).
INVOCATIONS = ["dash", "bash", "exec"]
NASTY_ARGS = [
    "with space",
    "  leading and trailing  ",
    "it's",
    '"double"',
    "$HOME",
    "${PATH}",
    "$(echo substituted)",
    "`echo substituted`",
    "*",
    "a*",
    "?",
    "[a]",
    "~",
    "line one\nline two",
    "",
    "tab\there",
    "back\\slash \\n",
    "-n",
    "-e",
    "--",
    "a;b|c&d>e<f",
    "!",
    "é ü 日本",
]


def shell_path(name: str) -> str:
    path = shutil.which(name, path="/usr/bin:/bin")
    assert path, f"{name} is needed to test the shim under it"
    return path


def command(invocation: str, shim: Path, args: list[str]) -> list[str]:
    if invocation == "exec":
        return [str(shim), *args]
    return [shell_path(invocation), str(shim), *args]


def write_fake_python(path: Path, exit_code: int = 0, body: str = "") -> Path:
    """A stand-in interpreter: prints its pid, then each argument, each ended by NUL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\nprintf \'%s\\0\' "$$" "$@"\n{body}exit {exit_code}\n')
    path.chmod(0o755)
    return path


def write_shim(path: Path, python: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(shims.render(python))
    path.chmod(0o755)
    return path


class Result:
    def __init__(self, pid: int, returncode: int, stdout: bytes, stderr: str) -> None:
        self.pid = pid
        self.returncode = returncode
        fields = stdout.decode("utf-8", "surrogateescape").split("\0")
        assert fields[-1] == "", f"output not NUL-terminated: {stdout!r}"
        self.printed_pid = int(fields[0]) if fields[0] else None
        self.argv = fields[1:-1]
        self.stderr = stderr


def start(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> Result:
    env = env if env is not None else {"PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=60)
    return Result(proc.pid, proc.returncode, out, err.decode())


@pytest.fixture
def fake_python(tmp_path) -> Path:
    return write_fake_python(tmp_path / "tool" / "bin" / "python")


@pytest.fixture
def shim(tmp_path, fake_python) -> Path:
    return write_shim(tmp_path / "bin" / "pip", str(fake_python))


@pytest.fixture
def workdir(tmp_path) -> Path:
    """A cwd where an unquoted glob would expand (a1, a2 match `a*` and `*`)."""
    d = tmp_path / "work"
    d.mkdir()
    for name in ("a1", "a2", "a"):
        (d / name).write_text("")
    return d


# --- the exec line -----------------------------------------------------------------


@pytest.mark.parametrize("invocation", INVOCATIONS)
def test_the_interpreter_gets_dash_I_dash_m_pipshim_shim_path_then_the_arguments(invocation, shim, workdir):
    r = start(command(invocation, shim, ["install", "demo-lib"]), workdir)
    assert r.returncode == 0, r.stderr
    assert r.argv == ["-I", "-c", ENTRY, "--shim", str(shim), "install", "demo-lib"]
    assert r.stderr == ""


@pytest.mark.parametrize("invocation", INVOCATIONS)
def test_no_arguments_gives_no_extra_arguments(invocation, shim, workdir):
    r = start(command(invocation, shim, []), workdir)
    assert r.argv == ["-I", "-c", ENTRY, "--shim", str(shim)]


@pytest.mark.parametrize("invocation", INVOCATIONS)
def test_awkward_arguments_reach_the_interpreter_verbatim(invocation, shim, workdir):
    r = start(command(invocation, shim, NASTY_ARGS), workdir)
    assert r.returncode == 0, r.stderr
    assert r.argv[5:] == NASTY_ARGS


@pytest.mark.parametrize("invocation", INVOCATIONS)
def test_the_shim_execs_so_the_interpreter_keeps_the_shims_pid(invocation, shim, workdir):
    r = start(command(invocation, shim, ["list"]), workdir)
    assert r.printed_pid == r.pid


@pytest.mark.parametrize("invocation", INVOCATIONS)
def test_the_interpreters_exit_code_is_the_shims(invocation, tmp_path, workdir):
    python = write_fake_python(tmp_path / "tool42" / "python", exit_code=42)
    r = start(command(invocation, write_shim(tmp_path / "bin42" / "pip", str(python)), ["install", "x"]), workdir)
    assert r.returncode == 42


@pytest.mark.parametrize("invocation", INVOCATIONS)
def test_a_signal_that_kills_the_interpreter_kills_the_shims_process(invocation, tmp_path, workdir):
    python = write_fake_python(tmp_path / "tool-term" / "python", body='kill -TERM "$$"\n')
    r = start(command(invocation, write_shim(tmp_path / "bin-term" / "pip", str(python)), []), workdir)
    assert r.returncode == -15  # no shell left waiting that would turn it into exit 143


# --- the name it was called by ---------------------------------------------------------


@pytest.mark.parametrize("invocation", INVOCATIONS)
@pytest.mark.parametrize("name", PIP_NAMES)
def test_each_installed_copy_passes_its_own_name(invocation, name, tmp_path, fake_python, workdir):
    bin_dir = tmp_path / "names"
    assert shims.install(str(bin_dir), str(fake_python), PIP_NAMES) == 0
    r = start(command(invocation, bin_dir / name, ["--version"]), workdir)
    assert r.argv[3:5] == ["--shim", str(bin_dir / name)]
    assert r.argv[4].endswith(f"/{name}")


@pytest.mark.parametrize("shell", ["dash", "bash"])
@pytest.mark.parametrize("name", PIP_NAMES)
def test_a_copy_found_on_path_passes_the_path_it_was_found_at(shell, name, tmp_path, fake_python, workdir):
    bin_dir = tmp_path / "names"
    assert shims.install(str(bin_dir), str(fake_python), PIP_NAMES) == 0
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    r = start([shell_path(shell), "-c", f'{name} "$@"', "sh", "a b", ""], workdir, env)
    assert r.argv == ["-I", "-c", ENTRY, "--shim", str(bin_dir / name), "a b", ""]


@pytest.mark.parametrize("shell", ["dash", "bash"])
def test_a_relative_invocation_is_passed_as_is_for_the_resolver_to_make_absolute(shell, tmp_path, fake_python):
    bin_dir = tmp_path / "names"
    assert shims.install(str(bin_dir), str(fake_python), ["pip3"]) == 0
    r = start([shell_path(shell), "./pip3", "x"], bin_dir)
    assert r.argv[3:] == ["--shim", "./pip3", "x"]


# --- a missing interpreter, odd paths --------------------------------------------------


@pytest.mark.parametrize("invocation", INVOCATIONS)
@pytest.mark.parametrize("missing", ["/nonexistent/bin/python", "/no such dir/it's/python"])
def test_a_missing_interpreter_exits_127_with_one_pipshim_line(invocation, missing, tmp_path, workdir):
    shim = write_shim(tmp_path / "bin" / "pip", missing)
    r = start(command(invocation, shim, ["install", "x"]), workdir)
    assert r.returncode == 127
    assert r.argv == []
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pipshim: "), r.stderr
    assert missing in lines[0] and str(shim) in lines[0]


@pytest.mark.parametrize("invocation", INVOCATIONS)
def test_an_interpreter_path_with_quotes_and_shell_characters_is_quoted(invocation, tmp_path, workdir):
    odd = tmp_path / 'it\'s "odd" $HOME `x` * \\ dir' / "python"
    shim = write_shim(tmp_path / "bin" / "pip", str(write_fake_python(odd)))
    assert f"PIPSHIM_PYTHON='{shims._sh_quote(str(odd))}'" in shim.read_text()
    r = start(command(invocation, shim, ["x"]), workdir)
    assert r.returncode == 0, r.stderr
    assert r.argv == ["-I", "-c", ENTRY, "--shim", str(shim), "x"]
    assert r.printed_pid == r.pid


# --- the template itself ---------------------------------------------------------------


@pytest.mark.parametrize("checker", [["dash", "-n"], ["sh", "-n"], ["bash", "--posix", "-n"]])
def test_the_template_and_a_rendered_shim_parse_as_posix_sh(checker, tmp_path):
    rendered = write_shim(tmp_path / "pip", "/opt/it's here/python")
    for path in (TEMPLATE, rendered):
        out = subprocess.run([shell_path(checker[0]), *checker[1:], str(path)], capture_output=True, text=True)
        assert out.returncode == 0 and out.stderr == "", f"{path}: {out.stderr}"


def test_the_template_is_a_bin_sh_script_with_our_id_and_at_most_15_lines_of_code():
    lines = TEMPLATE.read_text().splitlines()
    assert lines[0] == "#!/bin/sh"
    assert SHIM_ID in lines[1]
    code = [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    assert len(code) <= 15, code


def test_rendering_fills_in_the_interpreter_and_the_shared_selection_and_nothing_else(fake_python):
    from pipshim.shimrender import render_blocks

    template = TEMPLATE.read_text()
    rendered = shims.render(str(fake_python))
    assert shims.PLACEHOLDER in template and shims.PLACEHOLDER not in rendered
    filled = template.replace(shims.PLACEHOLDER, str(fake_python)).replace(shims.BIN_PLACEHOLDER, "")
    assert rendered == render_blocks(filled, "")


# --- install / uninstall ---------------------------------------------------------------

FOREIGN = '#!/bin/sh\n# the user\'s own pip wrapper\nexec /usr/bin/pip "$@"\n'


def snapshot(path: Path) -> tuple:
    st = path.lstat()
    body = os.readlink(path) if path.is_symlink() else path.read_bytes()
    return body, stat.S_IMODE(st.st_mode), st.st_mtime_ns, st.st_ino


def test_install_never_overwrites_a_foreign_pip(tmp_path, fake_python, capsys):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    foreign = bin_dir / "pip"
    foreign.write_text(FOREIGN)
    foreign.chmod(0o755)
    before = snapshot(foreign)
    assert shims.install(str(bin_dir), str(fake_python), ["pip", "pip3"]) == 1
    assert snapshot(foreign) == before
    assert (bin_dir / "pip3").read_text() == shims.render(str(fake_python), "pip", str(bin_dir))  # still placed
    assert sorted(os.listdir(bin_dir)) == ["pip", "pip3"]
    assert f"left {foreign} alone" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["symlink to a foreign script", "dangling symlink"])
def test_install_never_replaces_a_foreign_symlink(kind, tmp_path, fake_python):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    target = tmp_path / "elsewhere" / "pip"
    if kind == "symlink to a foreign script":
        target.parent.mkdir()
        target.write_text(FOREIGN)
    (bin_dir / "pip").symlink_to(target)
    before = snapshot(bin_dir / "pip")
    assert shims.install(str(bin_dir), str(fake_python), ["pip"]) == 1
    assert snapshot(bin_dir / "pip") == before
    assert not target.exists() or target.read_text() == FOREIGN


def test_installing_again_over_our_own_shims_is_idempotent_and_follows_a_new_interpreter(tmp_path, fake_python):
    bin_dir = tmp_path / "bin"
    names = PIP_NAMES
    assert shims.install(str(bin_dir), str(fake_python), names) == 0
    first = {n: (bin_dir / n).read_bytes() for n in names}
    assert shims.install(str(bin_dir), str(fake_python), names) == 0
    assert {n: (bin_dir / n).read_bytes() for n in names} == first
    assert sorted(os.listdir(bin_dir)) == sorted(names)  # no temp files left behind
    newer = write_fake_python(tmp_path / "newer" / "python")
    assert shims.install(str(bin_dir), str(newer), names) == 0
    for n in names:
        assert (bin_dir / n).read_text() == shims.render(str(newer), "pip", str(bin_dir))
        assert os.access(bin_dir / n, os.X_OK)


def test_uninstall_removes_only_files_carrying_the_shim_id(tmp_path, fake_python):
    bin_dir = tmp_path / "bin"
    assert shims.install(str(bin_dir), str(fake_python), ["pip", "pip3"]) == 0
    keep = {
        f"pip{SUT.version}": FOREIGN,  # someone else's pip
        "notes.txt": f"{SHIM_ID} mentioned in a text file that is not a script\n",
        "late-mention": "#!/bin/sh\n" + "#\n" * 300 + f"# {SHIM_ID}\n",  # past the header
    }
    for name, text in keep.items():
        (bin_dir / name).write_text(text)
    (bin_dir / "pip-link").symlink_to(bin_dir / "pip3")
    before = {name: snapshot(bin_dir / name) for name in [*keep, "pip-link"]}
    assert shims.uninstall(str(bin_dir), [f"pip{SUT.version}", "notes.txt"]) == []
    removed = shims.uninstall(str(bin_dir))
    assert sorted(removed) == [str(bin_dir / "pip"), str(bin_dir / "pip3")]
    assert sorted(os.listdir(bin_dir)) == sorted([*keep, "pip-link"])
    assert {name: snapshot(bin_dir / name) for name in before} == before
    assert shims.uninstall(str(tmp_path / "no-such-dir")) == []


# --- end to end: the real resolver, the real Debian pip --------------------------------


@pytest.fixture
def real_shims(tmp_path) -> Path:
    bin_dir = tmp_path / "bin"
    assert shims.install(str(bin_dir), sys.executable, shims.default_names(SUT.version)) == 0
    return bin_dir


@pytest.fixture
def user_env(tmp_path, hermetic_env) -> dict[str, str]:
    """An ordinary user on a host, whoever runs the tests (root in a container would read /opt/venv)."""
    return {
        "HOME": str(hermetic_env),
        "LANG": "C.UTF-8",
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIPSHIM_ROOT": "0",
        "PIPSHIM_CONTAINER": "0",
    }


def not_a_project(tmp_path: Path) -> Path:
    d = tmp_path / "not-a-project"
    d.mkdir()
    return d


def system_pip(name: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``--version`` of the system pip that a shim called ``name`` stands for: the same name in
    /usr/bin, else pip3, else pip (Debian 13 ships no pip3.N)."""
    real = next(n for n in (name, "pip3", "pip") if n in SUT.pip_names)
    env = {**env, "PATH": "/usr/bin:/bin"}
    out = subprocess.run([str(Path(SUT.bin_dir) / real), "--version"], cwd=cwd, env=env, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("pip "), out
    return out


def version_cases():
    """Every invocation × every pip name; `make test` runs a diagonal that has each invocation and
    each name at least once (the invocations are covered one by one with the fake interpreter)."""
    invocations = [*INVOCATIONS, "dash via PATH", "bash via PATH"]
    out = []
    for i, invocation in enumerate(invocations):
        for j, name in enumerate(PIP_NAMES):
            quick = j == i % len(PIP_NAMES)
            marks = () if quick else (pytest.mark.exhaustive,)
            out.append(pytest.param(invocation, name, marks=marks, id=f"{name}-{invocation}"))
    return out


@pytest.mark.integration
@pytest.mark.parametrize(("invocation", "name"), version_cases())
def test_pip_version_through_the_shim_is_exactly_the_system_pips(invocation, name, tmp_path, real_shims, user_env):
    cwd = not_a_project(tmp_path)
    env = {**user_env, "PATH": f"{real_shims}:/usr/bin:/bin"}
    if invocation.endswith("via PATH"):
        cmd = [shell_path(invocation.split()[0]), "-c", f"{name} --version"]
    else:
        cmd = command(invocation, real_shims / name, ["--version"])
    got = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    want = system_pip(name, cwd, user_env)
    assert (got.returncode, got.stdout, got.stderr) == (0, want.stdout, want.stderr)


@pytest.mark.integration
def test_the_shim_dir_twice_on_path_and_a_second_copy_do_not_loop(tmp_path, real_shims, user_env):
    cwd = not_a_project(tmp_path)
    other = tmp_path / "other-bin"  # another directory holding our shims, e.g. an older install
    assert shims.install(str(other), sys.executable, ["pip"]) == 0
    env = {**user_env, "PATH": f"{real_shims}:{other}:{real_shims}:/usr/bin:/bin"}
    got = subprocess.run(
        [str(real_shims / "pip"), "--version"], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    want = system_pip("pip", cwd, user_env)
    assert (got.returncode, got.stdout, got.stderr) == (0, want.stdout, want.stderr)


@pytest.mark.integration
def test_no_real_pip_on_path_exits_127_with_one_pipshim_line(tmp_path, real_shims, user_env):
    cwd = not_a_project(tmp_path)
    env = {**user_env, "PATH": str(real_shims)}
    got = subprocess.run(
        [shell_path("dash"), str(real_shims / "pip"), "--version"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert got.returncode == 127
    assert got.stdout == ""
    lines = got.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pipshim: no real pip"), got.stderr


@pytest.mark.parametrize("shell", ["dash", "bash"])
def test_the_owner_check_of_the_shell_hook_refuses_a_directory_others_may_write(tmp_path, shell):
    own, shared = tmp_path / "own", tmp_path / "shared"
    own.mkdir(mode=0o755)
    shared.mkdir()
    shared.chmod(0o757)
    script = shimrender.owner_check()
    env = {"PATH": "/usr/bin:/bin"}
    rcs = [subprocess.run([shell, "-c", script, "_", str(d)], env=env).returncode for d in (own, shared)]
    assert rcs == [0, 1]


# names a project directory may hold, markers or not: each is tested alone in its own directory
MARKER_CANDIDATES = [
    *discovery.PROJECT_MARKERS,
    "requirements.txt",
    "requirements-dev.txt",
    "requirements.in",
    "pytest.ini",
    "setup.txt",
    "Pipfile.lock",
    "pyproject.toml.orig",
    "sequirements.txt",
    "[Pprs][eiy][pqt]*",  # the glob's own text, as a file name: not a marker
]


@pytest.mark.parametrize("shell", ["dash", "bash"])
def test_the_shims_marker_check_finds_a_marker_where_discovery_does(tmp_path, shell):
    """Rule 6's project markers: the one glob the rendered marker_in reads each directory with
    finds a marker exactly where discovery.project_marker's listing does (a dangling link too)."""
    script = shimrender._marker_in() + '\nmarker_in "$1"\n'
    env = {"PATH": "/usr/bin:/bin"}
    cases = []
    for i, name in enumerate(MARKER_CANDIDATES):
        for kind in ("file", "dangling-link"):
            d = tmp_path / f"{i}-{kind}"
            d.mkdir()
            if kind == "file":
                (d / name).write_text("")
            else:
                (d / name).symlink_to(tmp_path / "gone")
            cases.append((name, kind, d))
    got = {(n, k): subprocess.run([shell, "-c", script, "_", str(d)], env=env).returncode == 0 for n, k, d in cases}
    want = {(n, k): discovery.project_marker(str(d)) is not None for n, k, d in cases}
    assert got == want
    assert sum(want.values()) == 2 * (len(discovery.PROJECT_MARKERS) + 2)  # the test holds markers and non-markers
