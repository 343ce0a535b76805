"""What ``make install`` prints last (``pipshim install-summary``): the rc line, and for root in a
container whose bin dir is not on PATH, what a Dockerfile needs instead (its RUN lines read no rc file)."""

from __future__ import annotations

import pytest

from pipshim.commands.lifecycle import install_summary

DOCKER_HINT = "In a Dockerfile, RUN reads no rc file"


def summary(tmp_path, capsys, bin_dir, **environ) -> str:
    bin_dir.mkdir(parents=True, exist_ok=True)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {"HOME": str(home), "SHELL": "/bin/bash", "PATH": "/usr/local/bin:/usr/bin:/bin", **environ}
    assert install_summary(str(bin_dir), str(tmp_path / "tool"), env) == 0
    return capsys.readouterr().out


def test_root_in_a_container_is_told_what_a_dockerfile_needs(tmp_path, capsys):
    bin_dir = tmp_path / "root" / ".local" / "bin"
    out = summary(tmp_path, capsys, bin_dir, PIPSHIM_ROOT="1", PIPSHIM_CONTAINER="1")
    assert "Add this line to ~/.bashrc" in out  # an interactive shell in the container reads it
    assert f"{DOCKER_HINT}: set ENV PATH={bin_dir}:$PATH," in out
    assert "make install PREFIX=/usr/local" in out


@pytest.mark.parametrize(
    ("root", "container", "on_path"),
    [("1", "1", True), ("1", "0", False), ("0", "1", False)],
    ids=["bin-dir-on-PATH", "root-on-a-host", "user-in-a-container"],
)
def test_no_dockerfile_hint_otherwise(tmp_path, capsys, root, container, on_path):
    bin_dir = tmp_path / "bin"
    path = f"{bin_dir}:/usr/bin:/bin" if on_path else "/usr/bin:/bin"
    out = summary(tmp_path, capsys, bin_dir, PIPSHIM_ROOT=root, PIPSHIM_CONTAINER=container, PATH=path)
    assert out.startswith("pipshim ") and DOCKER_HINT not in out


@pytest.mark.parametrize("on_path", [True, False], ids=["bin-dir-on-PATH", "bin-dir-not-on-PATH"])
def test_the_first_summary_says_this_shell_still_has_the_old_pip(tmp_path, capsys, on_path):
    bin_dir = tmp_path / "bin"
    path = f"{bin_dir}:/usr/bin:/bin" if on_path else "/usr/bin:/bin"
    lines = summary(tmp_path, capsys, bin_dir, PIPSHIM_ROOT="0", PATH=path).splitlines()
    after = lines[next(i for i, ln in enumerate(lines) if ln.startswith("Add this line")) + 2]
    assert after.startswith("  then open a new shell"), lines
    assert ("`hash -r`" in after) == on_path, after
