"""Which machines are containers (root installs there) and which are hosts (sudo pip is refused);
and every spelling of `python -m pip` a user types."""

from __future__ import annotations

import pytest

from pipshim.cli import python_m_pip
from pipshim.facts import detect_container

V2_ROOT = "0::/\n"  # cgroup v2 inside BuildKit's RUN, podman, many CI containers: tells nothing


def machine(files=(), comm="", cgroup=V2_ROOT, osrelease="6.8.0-generic"):
    proc = {
        "/proc/1/comm": comm + "\n" if comm else "",
        "/proc/1/cgroup": cgroup,
        "/proc/sys/kernel/osrelease": osrelease,
    }
    return {"read": lambda p: proc.get(p, ""), "exists": lambda p: p in files}


CASES = {
    "docker run (/.dockerenv)": (machine(files=("/.dockerenv",), comm="bash"), True),
    "podman or buildah (/run/.containerenv)": (machine(files=("/run/.containerenv",), comm="systemd"), True),
    "BuildKit RUN: no file, cgroup v2 0::/, PID 1 is the step's shell": (machine(comm="sh"), True),
    "docker run --init (tini)": (machine(comm="docker-init"), True),
    "a Kubernetes pod (cgroup v1 names kubepods)": (
        machine(comm="pause", cgroup="12:pids:/kubepods/burstable/x\n"),
        True,
    ),
    "a CI job container named in cgroup v1": (machine(comm="node", cgroup="3:cpu:/docker/abc\n"), True),
    "a machine or VM booted with systemd": (machine(comm="systemd"), False),
    "sysvinit": (machine(comm="init"), False),
    "OpenRC": (machine(comm="openrc-init"), False),
    "runit": (machine(comm="runit"), False),
    "s6": (machine(comm="s6-svscan"), False),
    "an LXC system container (systemd, cgroup names lxc)": (
        machine(comm="systemd", cgroup="0::/lxc.payload.c1\n"),
        False,
    ),
    "systemd-nspawn (PID 1 systemd)": (machine(comm="systemd", cgroup="0::/machine.slice/x\n"), False),
    "WSL (its own init, a Microsoft kernel)": (machine(comm="init", osrelease="5.15.1-microsoft-standard-WSL2"), False),
    "WSL even with a non-init PID 1": (machine(comm="bash", osrelease="5.15-Microsoft"), False),
    "macOS: no /proc, launchd": (machine(), False),
}


@pytest.mark.parametrize(("probe", "container"), list(CASES.values()), ids=list(CASES))
def test_container_or_host(probe, container):
    assert detect_container(**probe) is container


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["-m", "pip", "install", "x"], ((), ["install", "x"])),
        (["-mpip", "list"], ((), ["list"])),
        (["-I", "-m", "pip", "-V"], (("-I",), ["-V"])),
        (["-E", "-s", "-u", "-m", "pip"], (("-E", "-s", "-u"), [])),
        (["-Im", "pip", "list"], (("-I",), ["list"])),
        (["-Impip", "list"], (("-I",), ["list"])),
        (["-X", "dev", "-m", "pip", "list"], (("-X", "dev"), ["list"])),
        (["-m", "pipx", "list"], None),
        (["-c", "import pip"], None),
        (["script.py", "-m", "pip"], None),
        (["-", "-m", "pip"], None),
        ([], None),
    ],
)
def test_python_m_pip_after_interpreter_flags(argv, expected):
    assert python_m_pip(argv) == expected
