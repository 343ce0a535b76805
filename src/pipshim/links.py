"""Console scripts of the user environment (and, for root in a container, of a project's
venv: the image is one environment), linked into the shim's bin dir.

A link is ours when it is a symlink into the linked venv's bin dir; anything else in the
bin dir belongs to someone else and is never overwritten or removed, except a link into a
venv the plan names in ``over`` (a project's own command replaces the user environment's).
"""

from __future__ import annotations

import contextlib
import os

from pipshim.errors import say

# what a venv's bin dir has of its own: never linked onto PATH (pip-audit, pipdeptree are linked)
_VENV_OWN = frozenset(("python", "python3", "pip", "pip3", "deactivate", "easy_install", "wheel", "pydoc"))


def venv_own(name: str) -> bool:
    """python, python3.12, pip, pip3.12, activate*, easy_install-3.12 …: the venv's, not the user's."""
    base = name.split("-", 1)[0] if name.startswith("easy_install") else name
    stem = base.rstrip("0123456789.")
    return base in _VENV_OWN or stem in _VENV_OWN or name.startswith(("activate", "Activate"))


def scripts(venv: str) -> set[str]:
    bin_dir = os.path.join(venv, "bin")
    try:
        names = os.listdir(bin_dir)
    except OSError:
        return set()
    return {n for n in names if not venv_own(n) and os.access(os.path.join(bin_dir, n), os.X_OK)}


def _ours(link: str, venv: str) -> bool:
    """A symlink into ``venv``'s bin dir, dangling or not: the only kind ever replaced
    or removed (a user's own link, even one pointing nowhere, is theirs)."""
    return os.path.islink(link) and os.path.dirname(os.readlink(link)) == os.path.join(venv, "bin")


def _whose(link: str) -> str:
    """Why a file in the bin dir is not replaced, in words: a venv's own command (a project's,
    for root in a container: a user-environment link never shadows it), or someone else's file."""
    if os.path.islink(link):
        target_bin = os.path.dirname(os.path.join(os.path.dirname(link), os.readlink(link)))
        if os.path.isfile(os.path.join(os.path.dirname(target_bin), "pyvenv.cfg")):
            return f"it runs {os.path.dirname(target_bin)}'s own command"
    return "not pipshim's"


def link_new(venv: str, before: set[str], bin_dir: str, quiet: bool, over: tuple[str, ...] = ()) -> list[str]:
    """Link the scripts that appeared in venv/bin into bin_dir; returns the names linked.
    Our links into the venvs in ``over`` may be replaced too."""
    linked = []
    for name in sorted(scripts(venv) - before):
        dest = os.path.join(bin_dir, name)
        if os.path.lexists(dest) and not any(_ours(dest, v) for v in (venv, *over)):
            if not quiet:
                say(f"left {dest} alone ({_whose(dest)}); run {os.path.join(venv, 'bin', name)} directly")
            continue
        if os.path.lexists(dest):
            os.unlink(dest)
        os.symlink(os.path.join(venv, "bin", name), dest)
        linked.append(name)
    return linked


def prune(venv: str, bin_dir: str) -> list[str]:
    """Remove our links whose target is gone (after an uninstall); returns their names."""
    try:
        names = os.listdir(bin_dir)
    except OSError:
        return []
    gone = []
    for name in names:
        path = os.path.join(bin_dir, name)
        if _ours(path, venv) and not os.path.exists(path):
            os.unlink(path)
            gone.append(name)
    return gone


def update(venv: str, before: set[str], bin_dir: str, quiet: bool, over: tuple[str, ...] = ()) -> None:
    """After pip ran in ``venv``: link its new scripts, remove our links it no longer backs."""
    if not os.path.isdir(venv):
        return
    link_new(venv, before, bin_dir, quiet, over)
    for name in prune(venv, bin_dir):  # the command a project's own had replaced comes back
        for other in over:
            if name in scripts(other):
                with contextlib.suppress(OSError):  # something took the name meanwhile: it stays
                    os.symlink(os.path.join(other, "bin", name), os.path.join(bin_dir, name))
                break
