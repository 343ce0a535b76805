"""Place and remove the shims (``pipshim install-shims`` / ``uninstall-shims``).

Two templates, ``shims/pip`` (every pip name and ``pipshim``) and ``shims/python`` (the
python names; template_for picks), are written with the absolute path of pipshim's
interpreter filled in and their rendered parts (shimrender) in place (rbenv's rehash,
pre-commit's hook template). A file that does not carry our shim ID is never overwritten
or removed.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Container, Iterable, Mapping

from pipshim.errors import PipshimError, say
from pipshim.pip_argv import version_key
from pipshim.realpip import SHIM_ID, is_our_shim, minor_version, which

PLACEHOLDER = "@PIPSHIM_PYTHON@"
BIN_PLACEHOLDER = "@PIPSHIM_BIN_DIR@"


def template_path(name: str = "pip") -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    for candidate in (
        os.path.join(here, "shims", name),  # installed: force-included into the wheel
        os.path.join(here, os.pardir, os.pardir, "shims", name),  # a source checkout
    ):
        if os.path.isfile(candidate):
            return os.path.normpath(candidate)
    raise FileNotFoundError(f"shim template {name!r} not found next to {here}")


def _sh_quote(text: str) -> str:
    return text.replace("'", "'\\''")


def tool_site(python: str) -> str:
    """The directory holding the pipshim package ``python`` imports (rendered into the shims).

    The running interpreter's own when ``python`` is this environment's; else asked once.
    """
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    prefix = os.path.dirname(os.path.dirname(os.path.abspath(python)))
    if os.path.realpath(prefix) == os.path.realpath(sys.prefix):
        return here
    import subprocess

    code = (
        "import os, sys, pipshim; "
        "sys.stdout.buffer.write(os.fsencode(os.path.dirname(os.path.dirname(os.path.abspath(pipshim.__file__)))))"
    )
    try:
        out = subprocess.run([python, "-I", "-c", code], capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return ""
    site = os.fsdecode(out.stdout).strip() if out.returncode == 0 else ""
    return site if os.path.isabs(site) and os.path.isfile(os.path.join(site, "pipshim", "boot.py")) else ""


def render(python: str, template: str = "pip", bin_dir: str = "", site: str | None = None) -> str:
    with open(template_path(template), encoding="utf-8") as fh:
        text = fh.read()
    if SHIM_ID not in text.split("\n", 2)[1]:
        raise ValueError(f"{template_path(template)} lacks the {SHIM_ID} marker")
    from pipshim.shimrender import render_blocks

    text = text.replace(PLACEHOLDER, _sh_quote(python)).replace(BIN_PLACEHOLDER, _sh_quote(bin_dir))
    return render_blocks(text, tool_site(python) if site is None else site)


def default_names(version: str | None = None, python_shims: bool = True) -> list[str]:
    """pip, pip3, pip3.N, pipshim; and python, python3, python3.N unless python_shims is False."""
    version = version or f"{sys.version_info[0]}.{sys.version_info[1]}"
    major = version.split(".")[0]
    names = ["pip", f"pip{major}", f"pip{version}", "pipshim"]
    if python_shims:
        names += ["python", f"python{major}", f"python{version}"]
    return names


def side_by_side(environ: Mapping[str, str], skip_dirs: tuple[str, ...] = ()) -> dict[str, str]:
    """Every externally managed ``python3.N`` on ``environ``'s PATH (Interp.managed, as the
    rules have it): version -> the python PATH finds first (not one in ``skip_dirs`` nor one
    of our shims), as ``pip3.N`` would find it."""
    from pipshim import interp

    path_var = environ.get("PATH", "")
    found: dict[str, str] = {}
    seen: set[str] = set()
    for entry in path_var.split(os.pathsep):
        try:
            names = sorted(os.listdir(entry)) if entry else []
        except OSError:
            continue
        for name in names:
            version = minor_version(name, "python")
            if version is None or name in seen:
                continue
            seen.add(name)
            python = which(name, path_var, skip_dirs)
            info = interp.inspect(python, environ) if python else None
            if info is not None and info.managed:
                found[version] = python
    return found


def side_by_side_names(versions: Iterable[str], python_shims: bool = True) -> list[str]:
    """pip3.N (and python3.N) for each version."""
    names = []
    for version in sorted(versions, key=version_key):
        names += [f"pip{version}"] + ([f"python{version}"] if python_shims else [])
    return names


def stale_side_by_side(bin_dir: str, keep_versions: Container[str]) -> list[str]:
    """Our pip3.N/python3.N shims in bin_dir for versions not in ``keep_versions``: their interpreter went away."""
    try:
        entries = sorted(os.listdir(bin_dir))
    except OSError:
        return []
    stale = []
    for name in entries:
        version = minor_version(name, "pip") or minor_version(name, "python")
        if version is None or version in keep_versions:
            continue
        path = os.path.join(bin_dir, name)
        if os.path.isfile(path) and not os.path.islink(path) and is_our_shim(path):
            stale.append(name)
    return stale


def template_for(name: str) -> str:
    return "python" if name.startswith("python") else "pip"


def install(bin_dir: str, python: str, names: list[str]) -> int:
    """Write the shims; returns 1 if a foreign file stood in the way of one of them."""
    os.makedirs(bin_dir, exist_ok=True)
    site = tool_site(python)
    texts = {t: render(python, t, os.path.abspath(bin_dir), site) for t in {template_for(n) for n in names}}
    status = 0
    for name in names:
        text = texts[template_for(name)]
        dest = os.path.join(bin_dir, name)
        if os.path.lexists(dest) and not is_our_shim(dest):
            say(f"left {dest} alone: it is not a pipshim shim (move it away and run install-shims again)")
            status = 1
            continue
        tmp = f"{dest}.pipshim-tmp"
        try:
            # surrogateescape: paths (the bin dir, the tool's python) are bytes, UTF-8 or not
            with open(tmp, "w", encoding="utf-8", errors="surrogateescape") as fh:
                fh.write(text)
            os.chmod(tmp, 0o755)
            os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    return status


def uninstall(bin_dir: str, names: list[str] | None = None) -> list[str]:
    """Remove our shims from bin_dir (all of them if names is None); returns what was removed."""
    removed = []
    try:
        entries = sorted(os.listdir(bin_dir)) if names is None else names
    except OSError:
        return removed
    for name in entries:
        path = os.path.join(bin_dir, name)
        if os.path.isfile(path) and not os.path.islink(path) and is_our_shim(path):
            try:
                os.unlink(path)
            except OSError as exc:
                why = f"cannot remove {path}: {exc.strerror}; run this as the owner of {bin_dir}"
                raise PipshimError(why) from None
            removed.append(path)
    return removed


def on_path(bin_dir: str, path_var: str) -> bool:
    real = os.path.realpath(bin_dir)
    return any(os.path.realpath(p) == real for p in path_var.split(os.pathsep) if p)
