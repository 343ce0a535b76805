"""The shell-init hook in real interactive shells: bash (PROMPT_COMMAND), zsh (chpwd/precmd),
fish (--on-variable PWD): the nearest project venv is activated on ``cd`` and deactivated on
leaving, so a command typed in a project is the project's, never a user-environment link.

Each shell starts interactive with the rc line (``pipshim shell-init SHELL --rc-line``) in
its rc file and reads the commands on stdin, one per line, as a user types them. A
missing shell is a failure, never a skip (``make shells`` installs zsh and fish).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import run

from integration.support import pip
from pipshim import discovery, shimrender
from pipshim.commands import shell_init
from pipshim.discovery import owner_problem

SCRIPT = "demo-app"
HOOK_SHELLS = ("bash", "zsh", "fish")
# what bash -i says when its stdin is not a terminal: not ours
JOB_CONTROL = ("cannot set terminal process group", "no job control in this shell")


def shell_exe(shell: str) -> str:
    exe = shutil.which(shell, path="/usr/bin:/bin")
    if exe is None:
        pytest.fail(f"{shell} is not installed: run `make shells` (apt-get install -y zsh fish); tests need it")
    return exe


def rc_line(shim_bin: Path, env: dict, shell: str, *extra: str) -> str:
    r = run([shim_bin / "pipshim", "shell-init", shell, "--rc-line", *extra], env, "/")
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def interactive(shell: str, rc_text: str, lines: list[str], env: dict, cwd: Path, home: Path):
    """Run ``shell`` interactively with ``rc_text`` as its rc file; each probe prints ``@@value``."""
    env = dict(env, TERM="dumb")
    if shell == "bash":
        rc = home / ".bashrc"
        env.update(PS1="", PS2="")  # bash -i writes its prompt and the line read to stderr
        argv = [shell_exe("bash"), "--noediting", "-i"]
    elif shell == "zsh":
        rc = home / ".zshrc"
        env["ZDOTDIR"] = str(home)
        rc_text = "PS1= RPS1=; unsetopt prompt_sp prompt_cr\n" + rc_text  # zsh -i writes its prompt to stderr
        argv = [shell_exe("zsh"), "-i"]
    else:
        rc = home / ".config" / "fish" / "config.fish"
        env["XDG_CONFIG_HOME"] = str(home / ".config")
        # else fish's first prompt event starts a man-page scan into HOME that outlives the shell
        (home / ".local" / "share" / "fish" / "generated_completions").mkdir(parents=True, exist_ok=True)
        argv = [shell_exe("fish"), "-i"]
    rc.parent.mkdir(parents=True, exist_ok=True)
    rc.write_text(rc_text + "\n")
    r = subprocess.run(argv, input="\n".join(lines) + "\nexit\n", env=env, cwd=cwd, capture_output=True, text=True)
    values = [ln.split("@@", 1)[1] for ln in r.stdout.splitlines() if "@@" in ln]
    err = r.stderr.replace("(venv) ", "")  # the prompt prefix of a venv activated by hand
    stderr = "".join(
        ln for ln in err.splitlines(keepends=True) if ln != "exit\n" and not any(j in ln for j in JOB_CONTROL)
    )
    return values, stderr


def probe(shell: str, expr: str) -> str:
    """A line printing ``@@`` and the value of a shell expression (``command -v X``, ``$VAR``)."""
    if shell == "fish":
        if expr.startswith("$"):
            return f'echo "@@{expr}"'
        return f'set r ({expr}); or set r none; echo "@@$r"'
    if expr.startswith("$"):
        return f'echo "@@{expr}"'
    return f'r=$({expr} || echo none); echo "@@$r"'


def var(shell: str, name: str) -> str:
    return f"$(string join : ${name})" if shell == "fish" and name == "PATH" else f"${name}"


@pytest.fixture
def tree(shim_bin, shim_env, tmp_path):
    """work/ (not a project) holding proj/ whose .venv has the script, from a real `pip install`."""
    work = tmp_path / "work"
    proj = work / "proj"
    proj.mkdir(parents=True)
    (proj / "pyproject.toml").write_text('[project]\nname = "proj"\nversion = "0"\n')
    r = pip(shim_bin, shim_env, proj, "install", SCRIPT)
    assert r.returncode == 0, r.stderr
    return work, proj


@pytest.mark.parametrize("shell", HOOK_SHELLS)
def test_cd_into_a_project_activates_its_venv_and_leaving_deactivates(shell, shim_bin, shim_env, tree):
    work, proj = tree
    home = Path(shim_env["HOME"])
    path_probe = f'echo "@@{var(shell, "PATH")}"'
    lines = [
        path_probe,
        "cd proj",
        probe(shell, f"command -v {SCRIPT}"),
        probe(shell, "$VIRTUAL_ENV"),
        "cd ..",
        probe(shell, f"command -v {SCRIPT}"),
        probe(shell, "$VIRTUAL_ENV"),
        path_probe,
    ]
    values, stderr = interactive(shell, rc_line(shim_bin, shim_env, shell), lines, shim_env, work, home)
    assert stderr == ""
    before, inside, venv_in, outside, venv_out, after = values
    assert inside == str(proj / ".venv" / "bin" / SCRIPT)
    assert venv_in == str(proj / ".venv")
    assert outside == "none"
    assert venv_out == ""
    assert before == after  # deactivation removed exactly what activation added
    assert before.split(":")[0] == str(shim_bin)


@pytest.mark.parametrize("shell", HOOK_SHELLS)
def test_a_venv_others_could_swap_or_a_path_with_a_colon_is_never_activated(shell, shim_bin, shim_env, tree):
    """The directory holding the venv writable by all (anyone could swap it for theirs after the
    check), or a ':' in its path (PATH would split it into directories someone else may own)."""
    work, proj = tree
    home = Path(shim_env["HOME"])
    for name in ("shared", "a:b"):  # copies pipshim never marked as checked
        shutil.copytree(proj, work / name, symlinks=True)
    (work / "shared").chmod(0o777)
    lines = ["cd shared", probe(shell, "$VIRTUAL_ENV"), "cd ../a:b", probe(shell, "$VIRTUAL_ENV")]
    lines += ["cd ../proj", probe(shell, "$VIRTUAL_ENV")]
    values, stderr = interactive(shell, rc_line(shim_bin, shim_env, shell), lines, shim_env, work, home)
    assert (values, stderr) == (["", "", str(proj / ".venv")], "")


@pytest.mark.parametrize("shell", HOOK_SHELLS)
def test_a_user_environment_link_never_shadows_the_projects_command(shell, shim_bin, shim_env, tree):
    work, proj = tree
    r = pip(shim_bin, shim_env, work, "install", SCRIPT)  # outside projects: the user environment, linked
    assert r.returncode == 0, r.stderr
    assert (shim_bin / SCRIPT).is_symlink()
    lines = [
        probe(shell, f"command -v {SCRIPT}"),
        "cd proj/",
        probe(shell, f"command -v {SCRIPT}"),
        "cd ..",
        probe(shell, f"command -v {SCRIPT}"),
    ]
    home = Path(shim_env["HOME"])
    values, stderr = interactive(shell, rc_line(shim_bin, shim_env, shell), lines, shim_env, work, home)
    assert stderr == ""
    assert values == [str(shim_bin / SCRIPT), str(proj / ".venv" / "bin" / SCRIPT), str(shim_bin / SCRIPT)]


@pytest.mark.parametrize("shell", HOOK_SHELLS)
def test_hook_off_by_variable_or_flag(shell, shim_bin, shim_env, tree):
    work, _ = tree
    home = Path(shim_env["HOME"])
    lines = ["cd proj", probe(shell, f"command -v {SCRIPT}")]
    off = dict(shim_env, PIPSHIM_HOOK="0")
    values, stderr = interactive(shell, rc_line(shim_bin, shim_env, shell), lines, off, work, home)
    assert (values, stderr) == (["none"], "")
    no_hook = rc_line(shim_bin, shim_env, shell, "--no-hook")  # the rc line keeps the opt-out
    assert f"shell-init {shell} --no-hook" in no_hook, no_hook
    values, stderr = interactive(shell, no_hook, lines, shim_env, work, home)
    assert (values, stderr) == (["none"], "")


@pytest.mark.parametrize("shell", ("bash", "zsh"))
def test_a_venv_activated_by_hand_is_left_alone(shell, shim_bin, shim_env, tree, reference_venv):
    work, proj = tree
    home = Path(shim_env["HOME"])
    lines = [
        "VIRTUAL_ENV_DISABLE_PROMPT=1",  # activate's prompt would reach stderr in an interactive shell
        f". {reference_venv}/bin/activate",
        "cd proj",
        probe(shell, "$VIRTUAL_ENV"),
        probe(shell, f"command -v {SCRIPT}"),
        "deactivate",
        probe(shell, "$VIRTUAL_ENV"),  # the hook takes over again at the next prompt
        probe(shell, f"command -v {SCRIPT}"),
    ]
    values, stderr = interactive(shell, rc_line(shim_bin, shim_env, shell), lines, shim_env, work, home)
    assert stderr == ""
    assert values == [str(reference_venv), "none", str(proj / ".venv"), str(proj / ".venv" / "bin" / SCRIPT)]


def has_deactivate(shell: str) -> str:
    """A line printing ``@@yes`` when ``deactivate`` is a command in the shell, else ``@@no``."""
    if shell == "fish":
        return 'if type -q deactivate; echo "@@yes"; else; echo "@@no"; end'
    return 'if command -v deactivate >/dev/null; then echo "@@yes"; else echo "@@no"; fi'


def prompt(shell: str) -> str:
    """A line after which the shell has shown a prompt: fish with no terminal shows none, so
    its prompt event is sent by hand (bash and zsh show one after every line)."""
    return "emit fish_prompt" if shell == "fish" else "true"


@pytest.mark.parametrize("shell", HOOK_SHELLS)
def test_deactivate_turns_the_hooks_venv_off_until_the_project_is_left(shell, shim_bin, shim_env, tree):
    """`deactivate`, the habit from `source .venv/bin/activate`, undoes what the hook did, and
    the hook keeps that venv off while we stay in its project; another project, or this one
    visited again, is activated as usual. The command exists only while the hook's venv is on."""
    work, proj = tree
    other = work / "other" / ".venv"
    (other / "bin").mkdir(parents=True)
    (other / "pyvenv.cfg").write_text("home = /usr/bin\n")
    home = Path(shim_env["HOME"])
    path_probe = f'echo "@@{var(shell, "PATH")}"'
    lines = [path_probe, has_deactivate(shell), "cd proj", has_deactivate(shell), "deactivate"]
    lines += [probe(shell, "$VIRTUAL_ENV"), probe(shell, "$_OLD_VIRTUAL_PATH"), path_probe, has_deactivate(shell)]
    lines += [probe(shell, f"command -v {SCRIPT}"), prompt(shell), "mkdir sub", "cd sub", probe(shell, "$VIRTUAL_ENV")]
    lines += ["cd ../../other", probe(shell, "$VIRTUAL_ENV"), "deactivate", "cd ../proj", probe(shell, "$VIRTUAL_ENV")]
    lines += [probe(shell, f"command -v {SCRIPT}"), "cd ..", has_deactivate(shell), path_probe]
    values, stderr = interactive(shell, rc_line(shim_bin, shim_env, shell), lines, shim_env, work, home)
    assert stderr == ""
    before = values[0]
    venv, script = str(proj / ".venv"), str(proj / ".venv" / "bin" / SCRIPT)
    assert values == [
        *[before, "no", "yes"],  # `deactivate` only with the hook's venv on
        *["", "", before, "no", "none"],  # off: no _OLD_VIRTUAL_* left, PATH as it was, no command
        "",  # still off at the next prompt, and in a directory below
        *[str(other), venv, script],  # another project, then this one visited again: on
        *["no", before],  # left: the command goes with the venv
    ]


@pytest.mark.parametrize("shell", HOOK_SHELLS)
def test_deactivate_of_a_venv_activated_by_hand_stays_that_venvs_own(shell, shim_bin, shim_env, tree, reference_venv):
    """Activated by hand on top of the hook's venv, that venv's own `deactivate` is the one that
    runs, also after the rc file is read again; the hook takes over at the next prompt."""
    work, proj = tree
    home = Path(shim_env["HOME"])
    line = rc_line(shim_bin, shim_env, shell)
    # activate's prompt would reach stderr in an interactive shell
    if shell == "fish":
        lines, activate = ["set -gx VIRTUAL_ENV_DISABLE_PROMPT 1"], f"source {reference_venv}/bin/activate.fish"
    else:
        lines, activate = ["VIRTUAL_ENV_DISABLE_PROMPT=1"], f". {reference_venv}/bin/activate"
    lines += ["cd proj", activate, "deactivate", prompt(shell), probe(shell, "$VIRTUAL_ENV"), has_deactivate(shell)]
    lines += [activate, line, "cd ..", probe(shell, "$VIRTUAL_ENV"), "deactivate", probe(shell, "$VIRTUAL_ENV")]
    lines += [has_deactivate(shell), "cd proj", probe(shell, "$VIRTUAL_ENV"), has_deactivate(shell)]
    values, stderr = interactive(shell, line, lines, shim_env, work, home)
    assert stderr == ""
    venv = str(proj / ".venv")
    assert values == [venv, "yes", str(reference_venv), "", "no", venv, "yes"]


def test_other_venv_names_and_a_new_venv_are_found_at_the_next_prompt(shim_bin, shim_env, tmp_path):
    work = tmp_path / "w"
    proj = work / "p"
    (proj / "env" / "bin").mkdir(parents=True)
    (proj / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (proj / "env" / "bin" / "tool-x").write_text("#!/bin/sh\n")
    (proj / "env" / "bin" / "tool-x").chmod(0o755)
    lines = [
        "cd p",
        probe("bash", "command -v tool-x"),
        "mkdir -p .venv/bin && : > .venv/pyvenv.cfg && cp env/bin/tool-x .venv/bin/",
        probe("bash", "command -v tool-x"),
    ]
    home = Path(shim_env["HOME"])
    values, stderr = interactive("bash", rc_line(shim_bin, shim_env, "bash"), lines, shim_env, work, home)
    assert stderr == ""
    assert values == [str(proj / "env" / "bin" / "tool-x"), str(proj / ".venv" / "bin" / "tool-x")]


@pytest.mark.parametrize("shell", HOOK_SHELLS)
@pytest.mark.parametrize("mode", [0o755, 0o775, 0o757], ids=["own", "group-writable", "others-writable"])
def test_a_venv_pipshim_has_not_marked_is_activated_as_the_shims_use_it(shell, shim_bin, shim_env, tmp_path, mode):
    """Made by hand (no mark): the owner check decides, as discovery does. Group-writable is
    fine for the user's private group (umask 002); here root's group, which has no other member."""
    work = tmp_path / "w"
    venv = work / "p" / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (venv / "bin" / "tool-y").write_text("#!/bin/sh\n")
    (venv / "bin" / "tool-y").chmod(0o755)
    venv.chmod(mode)
    used = owner_problem(os.stat(venv), os.getuid()) is None
    if os.getuid() == 0:  # root's private group: the group-writable case is taken here
        assert used == (mode != 0o757)
    lines = ["cd p", probe(shell, "command -v tool-y"), probe(shell, "$VIRTUAL_ENV")]
    lines += ["true", probe(shell, "$_pipshim_no"), f"chmod {mode & 0o775:o} .venv", "cd ..", "cd p"]
    lines += [probe(shell, "$VIRTUAL_ENV")]
    home = Path(shim_env["HOME"])
    values, stderr = interactive(shell, rc_line(shim_bin, shim_env, shell), lines, shim_env, work, home)
    assert stderr == ""
    if used:
        assert values == [str(venv / "bin" / "tool-y"), str(venv), "", str(venv)]
    else:  # passed over, and the refusal remembered while we stay (no check at every prompt);
        # made private and visited again, it is checked again and used
        assert values == ["none", "", str(venv), str(venv)]


@pytest.mark.parametrize("shell", HOOK_SHELLS)
def test_a_venv_pipshim_marked_is_taken_from_its_mark(shell, shim_bin, shim_env, tree):
    """The mark stands for the owner check (as for the shims): no process on cd. A venv made
    writable by others after the fact keeps its mark until the next pip call drops it."""
    work, proj = tree
    (proj / ".venv").chmod(0o757)
    lines = ["cd proj", probe(shell, "$VIRTUAL_ENV")]
    home = Path(shim_env["HOME"])
    values, stderr = interactive(shell, rc_line(shim_bin, shim_env, shell), lines, shim_env, work, home)
    assert (values, stderr) == ([str(proj / ".venv")], "")
    r = pip(shim_bin, shim_env, proj, "install", "demo-lib")  # reaches pipshim's Python: the mark goes
    assert f"ignored {proj / '.venv'} (writable by others" in r.stderr, r.stderr
    values, stderr = interactive(shell, rc_line(shim_bin, shim_env, shell), lines, shim_env, work, home)
    assert (values, stderr) == ([""], "")


def test_prompt_command_is_appended_to_and_status_kept(shim_bin, shim_env, tmp_path):
    rc = (
        'PROMPT_COMMAND="echo @@mine;"\n'
        + rc_line(shim_bin, shim_env, "bash")
        + "\n"
        + rc_line(shim_bin, shim_env, "bash")
    )
    lines = ["false", 'echo "@@status $?"', 'echo "@@$PROMPT_COMMAND" | tr "\\n" " "']
    values, stderr = interactive("bash", rc, lines, shim_env, tmp_path, Path(shim_env["HOME"]))
    assert stderr == ""
    assert "status 1" in values
    assert values.count("mine") >= 3  # the user's own PROMPT_COMMAND still runs, every prompt
    shown = [v for v in values if "_pipshim_hook" in v]
    assert [v.split()[:3] for v in shown] == [
        ["echo", "@@mine;", "_pipshim_hook"]
    ]  # appended once, though evaluated twice


def test_the_hook_renders_rule_fives_names_and_starts_no_process_for_a_marked_venv(monkeypatch):
    for shell in HOOK_SHELLS:
        text = shell_init.hook(shell, "/c/pipshim/trusted")
        for name in (*discovery.VENV_NAMES, *discovery.OTHER_VENV_NAMES, discovery.INCOMPLETE):
            assert name in text
        # the one process: the owner check of a venv with no mark, after the mark's test
        check = shell_init.shlex.quote(shimrender.owner_check()) if shell != "fish" else None
        before, sep, after = text.partition("/bin/sh -c ")
        assert sep and "/bin/sh" not in after and "/c/pipshim/trusted" in before.split("_pipshim_ours", 1)[1]
        if check:
            assert after.startswith(check)
            after = after[len(check) :]
        else:
            after = after.split("' _ $argv[1]", 1)[1]
        assert "$(" not in before + after and "pipshim " not in (before + after).replace("# pipshim:", "")
    monkeypatch.setattr(discovery, "VENV_NAMES", (".venv", "venv", "renderedenv"))
    assert all("renderedenv" in shell_init.hook(s) for s in HOOK_SHELLS)
    assert "_pipshim_hook" not in shell_init.lines("sh", "/b", True)


@pytest.mark.parametrize("shell", ("bash", "zsh", "fish", "sh"))
def test_rc_line_does_nothing_once_pipshim_is_gone(shell, shim_bin, shim_env, tmp_path):
    line = rc_line(shim_bin, shim_env, shell)
    (shim_bin / "pipshim").unlink()
    if shell == "sh":
        r = run([shell_exe("dash"), "-c", line + "\necho @@ok"], shim_env, tmp_path)
        assert (r.stdout.strip(), r.stderr, r.returncode) == ("@@ok", "", 0)
        return
    values, stderr = interactive(shell, line, ['echo "@@ok"'], shim_env, tmp_path, Path(shim_env["HOME"]))
    assert (values, stderr) == (["ok"], "")


def test_rc_line_under_home_uses_tilde(shim_bin, shim_env):
    env = dict(shim_env, HOME=str(shim_bin.parent))
    assert rc_line(shim_bin, env, "bash") == 'if [ -x ~/bin/pipshim ]; then eval "$(~/bin/pipshim shell-init bash)"; fi'
    assert rc_line(shim_bin, env, "fish") == "if test -x ~/bin/pipshim; ~/bin/pipshim shell-init fish | source; end"
    assert os.path.isabs(rc_line(shim_bin, shim_env, "zsh").split()[3])


def test_readme_rc_lines_are_the_ones_shell_init_gives(hermetic_env):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    bin_dir = str(hermetic_env / ".local" / "bin")
    for shell in shell_init.SHELLS:
        line = shell_init.rc_line(shell, bin_dir, {"HOME": str(hermetic_env)})
        assert f"`{line.replace('|', chr(92) + '|')}`" in readme, line
