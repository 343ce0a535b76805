"""Small helpers shared by the integration and shim tests."""

from __future__ import annotations

import subprocess

from sut import SUT


def run(cmd, env, cwd, **kw) -> subprocess.CompletedProcess:
    """Run a command (list) with text output captured."""
    return subprocess.run([str(c) for c in cmd], env=env, cwd=str(cwd), capture_output=True, text=True, **kw)


def pipshim_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith("pipshim:")]


def without_pipshim_lines(stderr: str) -> str:
    return "".join(ln for ln in stderr.splitlines(keepends=True) if not ln.startswith("pipshim:"))


def distro_module() -> str:
    """A module that only the distribution's site-packages has: apt_pkg (python3-apt) where it is
    installed, else wheel (python3-wheel, which python3-pip pulls in on Debian)."""
    for name in ("apt_pkg", "wheel"):
        probe = subprocess.run(
            [SUT.python, "-I", "-c", f"import {name}; print({name}.__file__)"], capture_output=True, text=True
        )
        if probe.returncode == 0 and probe.stdout.startswith(SUT.dist_packages + "/"):
            return name
    raise AssertionError(f"no distribution-only module (apt_pkg, wheel) found for {SUT.python}")


def destination(line: str, cwd, home) -> tuple[str, bool]:
    """A routed line `pipshim: → DEST (…)`: DEST as an absolute path, and whether it was new.

    DEST is shown as ./x under the cwd and ~/x under the home (plan.shown).
    """
    assert "→ " in line, line
    shown = line.split("→ ", 1)[1].split(" (", 1)[0]
    if shown.startswith("./"):
        shown = f"{cwd}/{shown[2:]}"
    elif shown.startswith("~/"):
        shown = f"{home}/{shown[2:]}"
    return shown, "(new" in line


def add_acl(path, uid: int) -> None:
    """``setfacl -m u:UID:rwx PATH`` without setfacl (not installed everywhere): the xattr in the
    kernel's format, mask rwx. Skips (with the reason) where the file system has no ACLs."""
    import os
    import stat
    import struct

    import pytest

    mode = stat.S_IMODE(os.stat(path).st_mode)

    def entry(tag: int, perm: int, qualifier: int = 0xFFFFFFFF) -> bytes:
        return struct.pack("<HHI", tag, perm, qualifier)

    user_obj, user, group_obj, mask, other = 0x01, 0x02, 0x04, 0x10, 0x20
    blob = struct.pack("<I", 2) + entry(user_obj, (mode >> 6) & 7) + entry(user, 7, uid)
    blob += entry(group_obj, (mode >> 3) & 7) + entry(mask, 7) + entry(other, mode & 7)
    try:
        os.setxattr(path, "system.posix_acl_access", blob)
    except (OSError, AttributeError) as exc:
        pytest.skip(f"no POSIX ACLs on the file system of {path}: {exc}")
