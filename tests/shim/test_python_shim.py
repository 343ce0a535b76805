"""The python shim (shims/python) runs the environment `pipshim explain` names, under dash and bash.

Every case builds directories and venvs in tmp, then runs (a) the python shim printing
sys.prefix and (b) `pipshim explain --json -- pip list` in the same directory with the
same environment: a "venv" route must be the shim's sys.prefix, "passthrough" the real
/usr/bin/python3's, and "refuse" an exit with the same status and a `pipshim:` line.
PIPSHIM_ROOT and PIPSHIM_CONTAINER are always given (they override detection); HOME
and the user environment are always in tmp.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import pipshim_lines
from sut import SUT

from pipshim import shims

SYSTEM_PYTHON = "/usr/bin/python3"
SHELLS = ("/bin/dash", "/bin/bash")
PRINT_PREFIX = "import sys; print(sys.prefix)"
# tests that start a real pip (hundreds of ms each) run under dash in `make test` and under bash
# too in `make check`; test_shim_agreement runs the shim under every shell in `make test`
SHELLS_REAL_PIP = [pytest.param(SHELLS[0], id="dash")] + [
    pytest.param(s, id=os.path.basename(s), marks=pytest.mark.exhaustive) for s in SHELLS[1:]
]
INCOMPLETE = ".pipshim-incomplete"


def _real_prefix() -> str:
    out = subprocess.run([SYSTEM_PYTHON, "-c", PRINT_PREFIX], capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.fixture(scope="session", autouse=True)
def needs():
    """No skips: without what these tests exercise they fail, saying what is missing."""
    for exe in (SYSTEM_PYTHON, *SHELLS):
        if not os.access(exe, os.X_OK):
            pytest.fail(f"the python shim tests need {exe}")


@pytest.fixture(scope="session")
def real_prefix(needs) -> str:
    prefix = _real_prefix()
    assert prefix == "/usr", f"{SYSTEM_PYTHON} is expected to be Debian's, prefix /usr, not {prefix}"
    return prefix


@pytest.fixture(scope="session")
def other_uid(other_user) -> int:
    """The second, non-root user of tests/conftest.py."""
    return other_user[0]


def make_venv(path: Path) -> Path:
    """A real venv on the system Python, without pip (fast), mode 0755 whatever the umask."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--without-pip", str(path)], check=True, capture_output=True)
    path.chmod(0o755)
    return path


SHARED_GID = 100  # Debian's `users`: not named after anyone, so never a private group


def shared_group(path: Path) -> Path:
    """Group-writable by a group that is not the owner's private one (umask 002 is fine otherwise)."""
    path.chmod(0o775)
    os.chown(path, -1, SHARED_GID)
    return path


def make_broken_venv(path: Path) -> Path:
    """pyvenv.cfg present, bin/python a dangling link (the system Python was upgraded away)."""
    (path / "bin").mkdir(parents=True)
    path.chmod(0o755)
    (path / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.9.2\n")
    (path / "bin" / "python").symlink_to(path.parent / "gone" / "python3.9")
    return path


class World:
    """tmp_path laid out for one case: HOME, a shim bin dir, XDG_DATA_HOME for the user env."""

    def __init__(self, tmp: Path, bin_dir: Path):
        self.tmp = tmp
        self.home = tmp / "home"
        self.home.mkdir(exist_ok=True)
        self.home.chmod(0o755)
        self.bin = bin_dir
        self.data = tmp / "data"
        self.cache = self.home / ".cache"  # no XDG_CACHE_HOME: pipshim's cache is under HOME

    def dir(self, rel: str, mode: int = 0o755) -> Path:
        d = self.tmp / rel
        d.mkdir(parents=True, exist_ok=True)
        d.chmod(mode)
        return d

    def project(self, rel: str, marker: str = "pyproject.toml") -> Path:
        d = self.dir(rel)
        (d / marker).write_text('[project]\nname = "p"\nversion = "0"\n' if marker == "pyproject.toml" else "")
        return d

    def user_env(self) -> Path:
        """The default user environment under XDG_DATA_HOME."""
        return make_venv(self.data / "pipshim" / "venv")

    def env(self, cwd: Path, extra: dict | None = None) -> dict[str, str]:
        env = {
            "PATH": f"{self.bin}:/usr/bin:/bin",
            "HOME": str(self.home),
            "PWD": str(cwd),
            "LANG": "C.UTF-8",
            "XDG_DATA_HOME": str(self.data),
            "XDG_CONFIG_HOME": str(self.tmp / "config"),
            "PIPSHIM_ROOT": "0",
            "PIPSHIM_CONTAINER": "0",
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
        env.update(extra or {})
        return {k: v for k, v in env.items() if v is not None}


@pytest.fixture
def world(tmp_path, shim_bin, hermetic_env) -> World:
    return World(tmp_path, shim_bin)


def run(cmd, cwd: Path, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=str(cwd), env=env, capture_output=True, text=True, timeout=timeout)


def run_shim(shell: str, w: World, cwd: Path, env: dict[str, str], *args: str, name: str = "python3"):
    return run([shell, w.bin / name, *args], cwd, env)


def explain(w: World, cwd: Path, env: dict[str, str], *pip_args: str) -> dict:
    out = run([w.bin / "pipshim", "explain", "--json", "--", "pip", *(pip_args or ("list",))], cwd, env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


# ---------------------------------------------------------------------------------------
# The decision table. Each case builds its world and returns (cwd, extra env, expected),
# expected being ("venv", path), ("passthrough", None) or ("refuse", path named).

PASS = ("passthrough", None)
CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


@case
def nothing(w, uid):
    return w.dir("empty"), {}, PASS


@case
def active_virtualenv(w, uid):
    active = make_venv(w.tmp / "envs" / "active")
    proj = w.project("proj")
    make_venv(proj / ".venv")
    return proj, {"VIRTUAL_ENV": str(active)}, ("venv", active)


@case
def active_virtualenv_missing(w, uid):
    proj = w.project("proj")
    venv = make_venv(proj / ".venv")
    return proj, {"VIRTUAL_ENV": str(w.tmp / "envs" / "gone")}, ("venv", venv)


@case
def active_virtualenv_broken(w, uid):
    broken = make_broken_venv(w.tmp / "envs" / "broken")
    proj = w.project("proj")
    make_venv(proj / ".venv")
    return proj, {"VIRTUAL_ENV": str(broken)}, ("refuse", broken)


@case
def active_virtualenv_group_writable(w, uid):
    active = shared_group(make_venv(w.tmp / "envs" / "shared"))
    proj = w.project("proj")
    venv = make_venv(proj / ".venv")
    return proj, {"VIRTUAL_ENV": str(active)}, ("venv", venv)


@case
def project_dotvenv(w, uid):
    proj = w.project("proj")
    return proj, {}, ("venv", make_venv(proj / ".venv"))


@case
def project_subdir(w, uid):
    proj = w.project("proj")
    venv = make_venv(proj / ".venv")
    return w.dir("proj/src/pkg"), {}, ("venv", venv)


@case
def project_only_venv(w, uid):
    proj = w.project("proj", "setup.py")
    return proj, {}, ("venv", make_venv(proj / "venv"))


@case
def dotvenv_wins_over_venv(w, uid):
    proj = w.project("proj")
    make_venv(proj / "venv")
    return proj, {}, ("venv", make_venv(proj / ".venv"))


@case
def cwd_is_a_venv(w, uid):
    venv = make_venv(w.tmp / "somewhere" / "env")
    return venv, {}, ("venv", venv)


@case
def cwd_inside_a_venv(w, uid):
    venv = make_venv(w.tmp / "somewhere" / "env")
    return venv / "lib", {}, ("venv", venv)


@case
def project_without_venv_user_env_exists(w, uid):
    w.user_env()
    return w.project("proj", "requirements-dev.txt"), {}, PASS


@case
def project_empty_dotvenv(w, uid):
    w.user_env()
    proj = w.project("proj")
    w.dir("proj/.venv")
    return proj, {}, PASS


@case
def nested_project_outer_venv(w, uid):
    outer = w.project("outer")
    venv = make_venv(outer / ".venv")
    return w.project("outer/libs/inner", "setup.cfg"), {}, ("venv", venv)


@case
def incomplete_dotvenv(w, uid):
    w.user_env()
    proj = w.project("proj")
    venv = make_venv(proj / ".venv")
    (venv / INCOMPLETE).write_text("")
    return proj, {}, PASS


@case
def incomplete_dotvenv_below_a_project_venv(w, uid):
    """An interrupted creation stops the walk: the outer project's venv is not used either."""
    outer = w.project("outer")
    make_venv(outer / ".venv")
    inner = w.dir("outer/scratch")
    (make_venv(inner / ".venv") / INCOMPLETE).write_text("")
    return inner, {}, PASS


@case
def broken_dotvenv(w, uid):
    proj = w.project("proj")
    return proj, {}, ("refuse", make_broken_venv(proj / ".venv"))


@case
def group_writable_dotvenv(w, uid):
    user = w.user_env()
    proj = w.project("proj")
    shared_group(make_venv(proj / ".venv"))
    return proj, {}, ("venv", user)


@case
def group_writable_project_dir(w, uid):
    user = w.user_env()
    proj = shared_group(w.project("proj"))
    return proj, {}, ("venv", user)


@case
def foreign_owned_dotvenv(w, uid):
    outer = w.project("outer")
    venv = make_venv(outer / ".venv")
    inner = w.dir("outer/inner")
    theirs = make_venv(inner / ".venv")
    for root, dirs, files in os.walk(theirs):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, uid)
    os.chown(theirs, uid, uid)
    return inner, {}, ("venv", venv)


@case
def dotvenv_is_a_file(w, uid):
    proj = w.project("proj")
    (proj / ".venv").write_text("VIRTUAL_ENV=elsewhere\n")
    return proj, {}, ("refuse", proj / ".venv")


@case
def dotvenv_without_pyvenv_cfg(w, uid):
    proj = w.project("proj")
    (w.dir("proj/.venv") / "notes.txt").write_text("not a venv\n")
    return proj, {}, ("refuse", proj / ".venv")


@case
def no_project_user_env(w, uid):
    return w.dir("empty"), {}, ("venv", w.user_env())


@case
def no_project_user_env_missing(w, uid):
    return w.dir("empty"), {}, PASS


@case
def no_project_user_env_default_path(w, uid):
    user = make_venv(w.home / ".local" / "share" / "pipshim" / "venv")
    return w.dir("empty"), {"XDG_DATA_HOME": None}, ("venv", user)


@case
def user_env_from_config_file(w, uid):
    user = make_venv(w.home / "envs" / "mine")
    w.user_env()  # the default location, to show the setting wins over it
    cfg = w.home / ".config" / "pipshim"
    cfg.mkdir(parents=True)
    (cfg / "config.toml").write_text('# pipshim\nquiet = false\nuser_venv = "~/envs/mine"\n')
    _a_pip_call(w, w.dir("empty"), {"XDG_CONFIG_HOME": None})
    return w.dir("empty"), {"XDG_CONFIG_HOME": None}, ("venv", user)


@case
def user_env_broken(w, uid):
    broken = make_broken_venv(w.data / "pipshim" / "venv")
    return w.dir("empty"), {}, ("refuse", broken)


@case
def user_env_is_a_file(w, uid):
    (w.data / "pipshim").mkdir(parents=True)
    (w.data / "pipshim" / "venv").write_text("")
    return w.dir("empty"), {}, ("refuse", w.data / "pipshim" / "venv")


@case
def root_outside_container(w, uid):
    w.user_env()
    return w.dir("empty"), {"PIPSHIM_ROOT": "1", "PIPSHIM_CONTAINER": "0"}, PASS


@case
def root_outside_container_user_venv_set(w, uid):
    mine = make_venv(w.tmp / "envs" / "root-env")
    env = {"PIPSHIM_ROOT": "1", "PIPSHIM_CONTAINER": "0", "PIPSHIM_USER_VENV": str(mine)}
    return w.dir("empty"), env, PASS


@case
def root_in_container_default_opt_venv(w, uid):
    """Root in a container uses /opt/venv (not the XDG one); this machine's /opt/venv is left alone."""
    w.user_env()
    opt = Path("/opt/venv")
    expected = ("venv", opt) if (opt / "pyvenv.cfg").is_file() else PASS
    return w.dir("workdir"), {"PIPSHIM_ROOT": "1", "PIPSHIM_CONTAINER": "1"}, expected


@case
def root_in_container(w, uid):
    opt = make_venv(w.tmp / "opt" / "venv")
    w.user_env()
    env = {"PIPSHIM_ROOT": "1", "PIPSHIM_CONTAINER": "1", "PIPSHIM_USER_VENV": str(opt)}
    return w.dir("workdir"), env, ("venv", opt)


@case
def root_in_container_project(w, uid):
    opt = make_venv(w.tmp / "opt" / "venv")
    proj = w.project("app", "requirements.txt")
    venv = make_venv(proj / ".venv")
    env = {"PIPSHIM_ROOT": "1", "PIPSHIM_CONTAINER": "1", "PIPSHIM_USER_VENV": str(opt)}
    return proj, env, ("venv", venv)


@case
def disabled(w, uid):
    w.user_env()
    proj = w.project("proj")
    make_venv(proj / ".venv")
    return proj, {"PIPSHIM_DISABLE": "1"}, PASS


@case
def reentered_from_pipshim(w, uid):
    """PIPSHIM_ACTIVE: set by pipshim for its children, so a python they start is the real one."""
    proj = w.project("proj")
    make_venv(proj / ".venv")
    return proj, {"PIPSHIM_ACTIVE": "1"}, PASS


@case
def home_has_pyproject(w, uid):
    user = w.user_env()
    (w.home / "pyproject.toml").write_text("[tool.black]\n")
    return w.home, {}, ("venv", user)


@case
def below_home_with_pyproject(w, uid):
    user = w.user_env()
    (w.home / "pyproject.toml").write_text("[tool.black]\n")
    sub = w.home / "notes" / "2024"
    sub.mkdir(parents=True)
    return sub, {}, ("venv", user)


@case
def home_through_symlink(w, uid):
    user = w.user_env()
    (w.home / "setup.cfg").write_text("")
    link = w.tmp / "home-link"
    link.symlink_to(w.home)
    return w.home, {"HOME": str(link)}, ("venv", user)


@case
def symlinked_cwd(w, uid):
    """cd through a link: the walk is over the physical path, not the logical one."""
    proj = w.project("real/proj")
    venv = make_venv(proj / ".venv")
    target = w.dir("real/proj/pkg")
    links = w.dir("links")
    make_venv(links / ".venv")  # a decoy on the logical path only
    (links / "pkg").symlink_to(target)
    return links / "pkg", {}, ("venv", venv)


@case
def dotvenv_is_a_symlink(w, uid):
    elsewhere = make_venv(w.tmp / "envs" / "kept")
    proj = w.project("proj")
    (proj / ".venv").symlink_to(elsewhere)
    return proj, {}, ("venv", proj / ".venv")


@case
def dotvenv_is_a_dangling_symlink(w, uid):
    """pipshim makes no venv through a link, nor removes it: refused, as a .venv file is."""
    proj = w.project("proj")
    (proj / ".venv").symlink_to(w.tmp / "envs" / "gone")
    return proj, {}, ("refuse", proj / ".venv")


@case
def dotvenv_is_a_symlink_to_an_empty_dir(w, uid):
    proj = w.project("proj")
    (proj / ".venv").symlink_to(w.dir("envs/empty"))
    return proj, {}, ("refuse", proj / ".venv")


@case
def group_writable_dotvenv_then_venv(w, uid):
    proj = w.project("proj")
    make_venv(proj / ".venv").chmod(0o757)
    return proj, {}, ("venv", make_venv(proj / "venv"))


@case
def active_virtualenv_trailing_slash(w, uid):
    active = make_venv(w.tmp / "envs" / "active")
    return w.dir("empty"), {"VIRTUAL_ENV": f"{active}/"}, ("venv", active)


@case
def user_env_relative_variable(w, uid):
    """A relative PIPSHIM_USER_VENV is ignored: never "the user environment" under the cwd."""
    cwd = w.dir("work")
    make_venv(cwd / "envs" / "rel")
    return cwd, {"PIPSHIM_USER_VENV": "envs/rel"}, ("venv", w.user_env())


# Cases where the shim and explain are known to disagree (see the reasons).


@case
def user_env_tilde_in_variable(w, uid):
    user = make_venv(w.home / "envs" / "tilde")
    return w.dir("empty"), {"PIPSHIM_USER_VENV": "~/envs/tilde"}, ("venv", user)


@case
def dangling_marker(w, uid):
    w.user_env()
    proj = w.dir("proj")
    (proj / "pyproject.toml").symlink_to(w.tmp / "gone.toml")
    return proj, {}, PASS


def _a_pip_call(w: World, cwd: Path, extra: dict | None = None) -> None:
    """The python shim reads no TOML: a config.toml's user_venv reaches it through the user-env
    file that pipshim writes when it acts (a pip call), never for explain."""
    out = run([w.bin / "pip", "--version"], cwd, w.env(cwd, extra or {}))
    assert out.returncode == 0, out.stderr


def _config(w: World, text: str) -> Path:
    cfg = w.dir("config/pipshim")
    (cfg / "config.toml").write_text(text)
    _a_pip_call(w, w.dir("empty"))
    return cfg


@case
def user_env_config_indented_key(w, uid):
    user = make_venv(w.tmp / "envs" / "cfg")
    _config(w, f'apps = ["x"]\n  user_venv = "{user}"\n')
    return w.dir("empty"), {}, ("venv", user)


@case
def user_env_config_comment_with_quote(w, uid):
    user = make_venv(w.tmp / "envs" / "cfg")
    _config(w, f'user_venv = "{user}"  # not "mine"\n')
    return w.dir("empty"), {}, ("venv", user)


@case
def root_unreadable_word(w, uid):
    w.user_env()
    return w.dir("empty"), {"PIPSHIM_ROOT": "maybe", "PIPSHIM_CONTAINER": "0"}, PASS


def _params():
    for name, build in CASES.items():
        yield pytest.param(build, id=name)


def build(w: World, builder, uid: int):
    cwd, extra, expected = builder(w, uid)
    return cwd, w.env(cwd, extra), expected


# These named worlds run a real `pipshim explain` and the shim per case: `make check`. In `make
# test` the generated test_shim_agreement covers every state x source x rule context.
@pytest.mark.exhaustive
@pytest.mark.parametrize("shell", SHELLS, ids=os.path.basename)
@pytest.mark.parametrize("builder", list(_params()))
def test_shim_runs_what_explain_names(builder, shell, world, other_uid, real_prefix):
    cwd, env, expected = build(world, builder, other_uid)
    route = explain(world, cwd, env)
    shim = run_shim(shell, world, cwd, env, "-c", PRINT_PREFIX)
    where = f"explain: {json.dumps(route)}\nshim rc={shim.returncode} out={shim.stdout!r} err={shim.stderr!r}"
    if route["route"] == "venv":
        assert (shim.returncode, shim.stdout.strip()) == (0, os.path.normpath(route["venv"])), where
    elif route["route"] == "passthrough":
        assert (shim.returncode, shim.stdout.strip()) == (0, real_prefix), where
    else:
        assert route["route"] == "refuse", where
        assert shim.returncode == route["exit_code"], where
        assert shim.stdout == "", where
        lines = pipshim_lines(shim.stderr)
        assert len(lines) == 1, where
        if expected[0] == "refuse":
            assert str(expected[1]) in lines[0], where


@pytest.mark.exhaustive
@pytest.mark.parametrize("builder", [pytest.param(b, id=n) for n, b in CASES.items()])
def test_case_routes_as_designed(builder, world, other_uid):
    """Each row exercises the rule it is named after: explain's route is the one DESIGN.md gives."""
    cwd, env, (kind, path) = build(world, builder, other_uid)
    route = explain(world, cwd, env)
    assert route["route"] == kind, route
    if kind == "venv":
        assert os.path.normpath(route["venv"]) == str(path), route
        assert route["mutating"] is False, route
        assert route["create"] is False, route
    if kind == "refuse":
        assert route["exit_code"] == 2, route
        assert str(path) in route["message"], route


def test_table_is_big_enough():
    assert len(CASES) >= 15


# ---------------------------------------------------------------------------------------
# Other behaviour of the shim.

SHOW_PIDS = "import os; print(os.getpid(), os.getppid())"


@pytest.mark.parametrize("shell", SHELLS, ids=os.path.basename)
@pytest.mark.parametrize("where", ["venv", "real"])
def test_shim_execs_no_extra_process(shell, where, world):
    cwd = world.dir("empty")
    if where == "venv":
        cwd = world.project("proj")
        make_venv(cwd / ".venv")
    env = world.env(cwd)
    proc = subprocess.Popen(
        [shell, str(world.bin / "python3"), "-c", SHOW_PIDS], cwd=cwd, env=env, stdout=subprocess.PIPE, text=True
    )
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert out.split() == [str(proc.pid), str(os.getpid())]


def test_shim_execs_when_run_directly(world):
    """Without naming a shell: the kernel runs #!/bin/sh, and python replaces it."""
    cwd = world.project("proj")
    make_venv(cwd / ".venv")
    code = SHOW_PIDS + "; import sys; print(sys.prefix)"
    proc = subprocess.Popen(
        [str(world.bin / "python"), "-c", code], cwd=cwd, env=world.env(cwd), stdout=subprocess.PIPE, text=True
    )
    out, _ = proc.communicate(timeout=60)
    assert out.split() == [str(proc.pid), str(os.getpid()), str(cwd / ".venv")]


ODD_ARGS = ["a b", "", "  ", "'single'", '"double"', "$HOME", "*", "?", "a\\nb", "x\ny", "-m", "pip", "--", "ünï", ":"]
PRINT_ARGV = "import json, sys; print(json.dumps(sys.argv[1:]))"


@pytest.mark.parametrize("shell", SHELLS, ids=os.path.basename)
@pytest.mark.parametrize("where", ["venv", "real"])
def test_arguments_pass_verbatim(shell, where, world):
    cwd = world.dir("empty")
    if where == "venv":
        cwd = world.project("proj")
        make_venv(cwd / ".venv")
    (cwd / "a-file").write_text("")  # something for a stray glob to match
    out = run_shim(shell, world, cwd, world.env(cwd), "-c", PRINT_ARGV, *ODD_ARGS)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == ODD_ARGS


@pytest.mark.parametrize("shell", SHELLS, ids=os.path.basename)
@pytest.mark.parametrize("name", ["python", "python3", f"python{SUT.version}"])
def test_own_name_picks_that_interpreter_in_the_env(shell, name, world):
    proj = world.project("proj")
    venv = make_venv(proj / ".venv")
    code = "import sys; print(sys.executable, sys.prefix, '%d.%d' % sys.version_info[:2])"
    out = run_shim(shell, world, proj, world.env(proj), "-c", code, name=name)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [str(venv / "bin" / name), str(venv), SUT.version]


@pytest.mark.parametrize("shell", SHELLS, ids=os.path.basename)
@pytest.mark.parametrize("name", ["python", "python3", f"python{SUT.version}"])
def test_own_name_picks_that_interpreter_on_path(shell, name, world):
    """Debian has no /usr/bin/python without python-is-python3: the names live in a dir of links."""
    cwd = world.dir("empty")
    sysbin = world.dir("sysbin")
    for each in ("python", "python3", f"python{SUT.version}"):
        (sysbin / each).symlink_to(SYSTEM_PYTHON)
    env = world.env(cwd, {"PATH": f"{world.bin}:{sysbin}:/usr/bin:/bin"})
    code = "import sys; print(sys.executable, sys.prefix)"
    out = run_shim(shell, world, cwd, env, "-c", code, name=name)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [str(sysbin / name), "/usr"]


@pytest.fixture
def fake_python399(world) -> Path:
    """A python3.99 shim in the bin dir, and a 'real' python3.99 (it echoes) later on PATH."""
    assert shims.install(str(world.bin), sys.executable, ["python3.99"]) == 0
    other = world.dir("other-bin")
    fake = other / "python3.99"
    fake.write_text('#!/bin/sh\necho "fake python3.99:" "$@"\n')
    fake.chmod(0o755)
    return other


@pytest.mark.parametrize("shell", SHELLS, ids=os.path.basename)
def test_env_without_that_name_falls_back_to_path(shell, world, fake_python399):
    proj = world.project("proj")
    make_venv(proj / ".venv")
    env = world.env(proj, {"PATH": f"{world.bin}:/usr/bin:/bin:{fake_python399}"})
    out = run_shim(shell, world, proj, env, "-c", "pass", name="python3.99")
    assert (out.returncode, out.stdout) == (0, "fake python3.99: -c pass\n"), out.stderr


@pytest.mark.parametrize("shell", SHELLS, ids=os.path.basename)
def test_no_such_python_anywhere_is_127(shell, world, fake_python399):
    cwd = world.dir("empty")
    out = run_shim(shell, world, cwd, world.env(cwd), "-c", "pass", name="python3.99")
    assert out.returncode == 127
    assert out.stdout == ""
    lines = pipshim_lines(out.stderr)
    assert len(lines) == 1 and "python3.99" in lines[0], out.stderr


@pytest.mark.parametrize("shell", SHELLS, ids=os.path.basename)
def test_no_real_python_on_path_is_127(shell, world):
    cwd = world.dir("empty")
    env = world.env(cwd, {"PATH": f"{world.bin}:{world.tmp / 'nowhere'}"})
    out = run_shim(shell, world, cwd, env, "-c", "pass")
    assert out.returncode == 127
    lines = pipshim_lines(out.stderr)
    assert len(lines) == 1 and "no python3 found on PATH" in lines[0], out.stderr


@pytest.mark.parametrize("shell", SHELLS, ids=os.path.basename)
def test_real_python_search_skips_own_dir_listed_twice(shell, world, real_prefix):
    cwd = world.dir("empty")
    link = world.tmp / "bin-link"
    link.symlink_to(world.bin)
    path = f"{world.bin}:{world.bin}/:{link}:{world.bin}:/usr/bin:/bin"
    out = run(["timeout", "20", shell, world.bin / "python3", "-c", PRINT_PREFIX], cwd, world.env(cwd, {"PATH": path}))
    assert (out.returncode, out.stdout.strip()) == (0, real_prefix), out.stderr


@pytest.mark.parametrize("shell", SHELLS, ids=os.path.basename)
def test_real_python_search_skips_another_copy_of_the_shims(shell, world, real_prefix):
    cwd = world.dir("empty")
    second = world.tmp / "bin2"
    assert shims.install(str(second), sys.executable, shims.default_names(SUT.version)) == 0
    for first, then in ((world.bin, second), (second, world.bin)):
        env = world.env(cwd, {"PATH": f"{first}:{then}:/usr/bin:/bin"})
        out = run(["timeout", "20", shell, first / "python3", "-c", PRINT_PREFIX], cwd, env)
        assert (out.returncode, out.stdout.strip()) == (0, real_prefix), out.stderr


# ---------------------------------------------------------------------------------------
# python -m pip goes through pipshim's resolver.


@pytest.fixture(scope="session")
def app_data(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("virtualenv-app-data")


def seeded_venv(path: Path, app_data: Path) -> Path:
    """A venv with pip in it (virtualenv's embedded wheels: offline)."""
    subprocess.run(
        [sys.executable, "-m", "virtualenv", "-q", "--no-setuptools", "--no-wheel", "-p", SYSTEM_PYTHON, str(path)],
        check=True,
        capture_output=True,
        env={**os.environ, "VIRTUALENV_OVERRIDE_APP_DATA": str(app_data)},
    )
    path.chmod(0o755)
    return path


@pytest.mark.parametrize("shell", SHELLS_REAL_PIP)
def test_python_m_pip_in_project_runs_the_venvs_pip(shell, world, app_data):
    proj = world.project("proj")
    venv = seeded_venv(proj / ".venv", app_data)
    direct = run([venv / "bin" / "python", "-m", "pip", "--version"], proj, world.env(proj))
    assert direct.returncode == 0 and str(venv) in direct.stdout, direct
    out = run_shim(shell, world, proj, world.env(proj), "-m", "pip", "--version")
    assert out.returncode == 0, out.stderr
    assert out.stdout == direct.stdout
    assert not out.stdout.startswith(f"pip {SUT.pip_version} from {SUT.pip_dir}")
    assert pipshim_lines(out.stderr) == ["pipshim: → ./.venv (project venv; pip)"], out.stderr


@pytest.mark.parametrize("shell", SHELLS_REAL_PIP)
def test_python_m_pip_outside_projects_runs_the_system_pip(shell, world):
    cwd = world.dir("empty")
    out = run_shim(shell, world, cwd, world.env(cwd), "-m", "pip", "--version")
    assert out.returncode == 0, out.stderr
    direct = run([SYSTEM_PYTHON, "-m", "pip", "--version"], cwd, world.env(cwd))
    assert out.stdout == direct.stdout
    assert out.stdout.startswith(f"pip {SUT.pip_version} from {SUT.pip_dir} "), out.stdout


@pytest.mark.parametrize("shell", SHELLS_REAL_PIP)
def test_python_m_pip_disabled_runs_the_real_pip(shell, world):
    proj = world.project("proj")
    make_venv(proj / ".venv")
    out = run_shim(shell, world, proj, world.env(proj, {"PIPSHIM_DISABLE": "1"}), "-m", "pip", "--version")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"pip {SUT.pip_version} from {SUT.pip_dir} "), out.stdout
    assert pipshim_lines(out.stderr) == []


def _private_gid() -> int:
    """The caller's primary group, if it is their private group (named after them, no other
    member: what useradd makes on Debian, Ubuntu and Fedora); else the test cannot say."""
    import grp
    import pwd

    name = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid())
    if group.gr_name != name or set(group.gr_mem) - {name}:
        pytest.skip(f"the primary group {group.gr_name} is not {name}'s private group")
    return group.gr_gid


@pytest.mark.parametrize("shell", SHELLS, ids=os.path.basename)
@pytest.mark.parametrize("where", ["user env", "project venv"])
def test_umask_002_environments_are_the_users_own(shell, world, where):
    """Made under umask 002 (mode 775, group: the user's private group), an environment is ours:
    the shim runs it, and agrees with pip (the same check, pure sh: the user env's path must
    survive it)."""
    gid = _private_gid()
    if where == "user env":
        cwd, venv = world.dir("empty"), world.user_env()
    else:
        cwd = world.project("proj", "requirements.txt")
        venv = make_venv(cwd / ".venv")
        cwd.chmod(0o775)
    os.chown(venv, -1, gid)
    venv.chmod(0o775)
    out = run_shim(shell, world, cwd, world.env(cwd), "-c", PRINT_PREFIX)
    assert (out.returncode, out.stdout.strip()) == (0, str(venv)), out.stderr
    assert explain(world, cwd, world.env(cwd), "install", "x")["venv"] == str(venv)


# ---------------------------------------------------------------------------------------
# The rendered shim is plain POSIX sh.


def test_rendered_shim_parses_under_dash_and_has_no_placeholders(tmp_path):
    path = tmp_path / "python3"
    text = shims.render("/opt/it's/python", "python", "/home/o'brien/bin")
    path.write_text(text)
    assert "@PIPSHIM_" not in text
    assert text.splitlines()[1].startswith("# pipshim-shim")
    for shell in ("dash", "bash"):
        out = subprocess.run([shell, "-n", str(path)], capture_output=True, text=True)
        assert (out.returncode, out.stderr) == (0, ""), shell
    posix = subprocess.run(["bash", "--posix", "-n", str(path)], capture_output=True, text=True)
    assert (posix.returncode, posix.stderr) == (0, "")


@pytest.mark.parametrize("shell", SHELLS_REAL_PIP)
def test_bin_dir_with_space_and_quote(shell, world, real_prefix):
    odd = world.tmp / "o'brien bin"
    assert shims.install(str(odd), sys.executable, shims.default_names(SUT.version)) == 0
    proj = world.project("proj")
    venv = make_venv(proj / ".venv")
    empty = world.dir("empty")
    for cwd, want in ((proj, str(venv)), (empty, real_prefix)):
        env = world.env(cwd, {"PATH": f"{odd}:/usr/bin:/bin"})
        out = run(["timeout", "20", shell, odd / "python3", "-c", PRINT_PREFIX], cwd, env)
        assert (out.returncode, out.stdout.strip()) == (0, want), out.stderr
    env = world.env(empty, {"PATH": f"{odd}:/usr/bin:/bin"})
    out = run([shell, odd / "python3", "-m", "pip", "--version"], empty, env)
    assert out.stdout.startswith(f"pip {SUT.pip_version} "), out.stderr


def test_installed_shim_knows_its_python_and_bin_dir(shim_bin):
    text = (shim_bin / "python3").read_text()
    assert f"PIPSHIM_PYTHON='{sys.executable}'" in text
    assert f"PIPSHIM_BIN_DIR='{shim_bin}'" in text
    assert shutil.which("python3", path=str(shim_bin)) == str(shim_bin / "python3")


def _logging_ls(w: World) -> tuple[Path, Path]:
    """A dir holding an `ls` that logs each call (owner_ok's one fork) and runs the real one."""
    d, log = w.dir("fake-ls"), w.tmp / "ls.log"
    (d / "ls").write_text(f'#!/bin/sh\necho "$*" >>{shlex.quote(str(log))}\nexec /bin/ls "$@"\n')
    (d / "ls").chmod(0o755)
    return d, log


def _forks(log: Path) -> list[str]:
    lines = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return lines


@pytest.mark.parametrize("shell", SHELLS, ids=os.path.basename)
@pytest.mark.parametrize("mode", [0o755, 0o775], ids=["umask-022", "umask-002"])
def test_a_venv_pipshim_checked_costs_no_fork_until_it_changes(shell, mode, world):
    """A venv pipshim's Python side found usable and the user's own is marked: the python shim
    then runs it with no fork (one `[ -O ]` per mark, whatever the number of marks). Made
    world-writable afterwards, the next pip call drops the mark and the shim refuses it."""
    from pipshim import shimtrust
    from pipshim.discovery import _private_group

    proj = world.project("proj")
    venv = make_venv(proj / ".venv")
    venv.chmod(mode)
    fake, log = _logging_ls(world)
    env = world.env(proj, {"PATH": f"{world.bin}:{fake}:/usr/bin:/bin"})
    top = world.cache / "pipshim" / "trusted"
    top.mkdir(parents=True)
    for d in (top.parent, top):
        d.chmod(0o700)  # as pipshim makes them, whatever the umask
    for i in range(50):  # other projects' marks cost nothing here
        (top / "elsewhere" / str(i)).mkdir(parents=True)
        (top / "elsewhere" / str(i) / f".venv{shimtrust.MARK}").touch()

    first = run_shim(shell, world, proj, env, "-c", PRINT_PREFIX)
    assert first.stdout.strip() == str(venv), first.stderr
    # not marked yet: checked with ls, the directory holding it too (no one else may swap it);
    # umask 002 needs private_group, which the shim reads late: that pass runs twice
    assert set(_forks(log)) == {f"-ldnL -- {venv}", f"-ldnL -- {proj}"}

    run([world.bin / "pip", "--version"], proj, env)  # pipshim looks at the venv: marks it
    _forks(log)  # the pip shim's own selection
    ours = mode == 0o755 or _private_group(venv.stat().st_gid, os.getuid())
    mark = Path(shimtrust.mark(str(top), str(venv)))
    assert mark.exists() == ours
    again = run_shim(shell, world, proj, env, "-c", PRINT_PREFIX)
    assert again.stdout.strip() == str(venv), again.stderr
    assert _forks(log) == ([] if ours else [f"-ldnL -- {venv}"])

    venv.chmod(0o777)
    run([world.bin / "pip", "--version"], proj, env)  # the next pip call drops the mark
    _forks(log)
    assert not mark.exists()
    refused = run_shim(shell, world, proj, env, "-c", PRINT_PREFIX)
    assert refused.stdout.strip() == "/usr", refused.stderr
    assert f"-ldnL -- {venv}" in _forks(log)


@pytest.mark.parametrize("shell", SHELLS, ids=os.path.basename)
def test_a_project_with_no_venv_yet_costs_no_fork_once_pip_has_looked_at_it(shell, world, real_prefix):
    """Rule 6 checks the project root's owner on every start there; a pip call marks it."""
    proj = world.project("proj")
    fake, log = _logging_ls(world)
    env = world.env(proj, {"PATH": f"{world.bin}:{fake}:/usr/bin:/bin"})
    first = run_shim(shell, world, proj, env, "-c", PRINT_PREFIX)
    assert first.stdout.strip() == real_prefix, first.stderr
    assert _forks(log) == [f"-ldnL -- {proj}"]
    assert run([world.bin / "pip", "--version"], proj, env).returncode == 0
    _forks(log)
    again = run_shim(shell, world, proj, env, "-c", PRINT_PREFIX)
    assert again.stdout.strip() == real_prefix, again.stderr
    assert _forks(log) == []
    assert not (proj / ".venv").exists()


@pytest.mark.parametrize("shell", SHELLS, ids=os.path.basename)
def test_a_mark_that_is_a_link_is_not_trusted_and_the_next_pip_call_makes_it_a_file(shell, world):
    """A link to any file of the user's passes [ -O ]: the shim takes only a file for a mark."""
    from pipshim import shimtrust

    proj = world.project("proj")
    venv = make_venv(proj / ".venv")
    fake, log = _logging_ls(world)
    env = world.env(proj, {"PATH": f"{world.bin}:{fake}:/usr/bin:/bin"})
    run([world.bin / "pip", "--version"], proj, env)  # marks the venv
    mark = Path(shimtrust.mark(str(world.cache / "pipshim" / "trusted"), str(venv)))
    assert mark.is_file()
    mark.unlink()
    mark.symlink_to(proj / "pyproject.toml")  # a file of ours
    _forks(log)
    linked = run_shim(shell, world, proj, env, "-c", PRINT_PREFIX)
    assert linked.stdout.strip() == str(venv), linked.stderr
    assert _forks(log) == [f"-ldnL -- {venv}"], "a linked mark is no mark"
    run([world.bin / "pip", "--version"], proj, env)
    assert mark.is_file() and not mark.is_symlink()
    _forks(log)
    again = run_shim(shell, world, proj, env, "-c", PRINT_PREFIX)
    assert again.stdout.strip() == str(venv) and _forks(log) == []


# ---------------------------------------------------------------------------------------
# dash reads a script only as far as it has run: the common cases exec before the parts they
# do not need are read (what keeps the shim's own cost near the floor of any sh shim).

TOO_FAR = 97


def cut_shim(w: World, at: str) -> Path:
    """A copy of the python3 shim that stops, exit TOO_FAR, where the block `at` starts."""
    text = (w.bin / "python3").read_text()
    head, sep, _ = text.partition(f"# start rendered: {at}\n")
    assert sep, f"no block {at!r} in the python shim"
    path = w.dir("cut") / "python3"
    path.write_text(head + f'echo "read as far as the {at} block" >&2; exit {TOO_FAR}\n')
    path.chmod(0o755)
    return path


@pytest.mark.parametrize("shell", SHELLS, ids=os.path.basename)
def test_the_common_cases_exec_before_the_rest_of_the_shim_is_read(shell, world, real_prefix):
    proj = world.project("proj")
    venv = make_venv(proj / ".venv")
    empty = world.dir("empty")
    near = cut_shim(world, "far")  # a venv from here upward: nothing after the first pass is read
    for cwd, extra in ((proj, {}), (proj / "sub", {}), (empty, {"VIRTUAL_ENV": str(venv)})):
        cwd.mkdir(exist_ok=True)
        out = run([shell, near, "-c", PRINT_PREFIX], cwd, world.env(cwd, extra))
        assert (out.returncode, out.stdout.strip(), out.stderr) == (0, str(venv), ""), cwd
    far = cut_shim(world, "shim")  # none: the second pass ends it, the messages are never read
    out = run([shell, far, "-c", PRINT_PREFIX], empty, world.env(empty))
    assert (out.returncode, out.stdout.strip(), out.stderr) == (0, real_prefix, "")
    user = world.user_env()
    out = run([shell, far, "-c", PRINT_PREFIX], empty, world.env(empty))
    assert (out.returncode, out.stdout.strip(), out.stderr) == (0, str(user), "")


@pytest.mark.parametrize("shell", SHELLS, ids=os.path.basename)
def test_a_call_that_needs_a_part_not_read_yet_goes_on_to_the_whole_flow(shell, world):
    """A stub stands in for what the first passes have not read (the error messages, pick_far):
    a call that needs one must reach the end of the shim, never act on the stub's answer."""
    proj = world.project("proj")
    make_broken_venv(proj / ".venv")
    far = cut_shim(world, "shim")
    out = run([shell, far, "-c", PRINT_PREFIX], proj, world.env(proj))
    assert out.returncode == TOO_FAR and out.stdout == "", out.stderr
    full = run_shim(shell, world, proj, world.env(proj), "-c", PRINT_PREFIX)
    assert full.returncode == 2 and "pipshim venv --recreate" in full.stderr, full.stderr
    near = cut_shim(world, "far")
    waiting = world.project("waiting")  # its .venv still being made: the real python (real_one's stub)
    (make_venv(waiting / ".venv") / INCOMPLETE).touch()
    empty = world.dir("empty")  # no venv here: pick_far's stub; or `-m pip`
    for cwd, args in ((waiting, ["-c", PRINT_PREFIX]), (empty, ["-c", PRINT_PREFIX]), (empty, ["-m", "pip"])):
        out = run([shell, near, *args], cwd, world.env(cwd))
        assert out.returncode == TOO_FAR and out.stdout == "", (cwd, args, out.stderr)
