"""Build tiny pure-Python wheels by hand: fast, deterministic, no build backend, no network."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def make_wheel(
    dest: Path,
    name: str,
    version: str = "1.0",
    requires: tuple[str, ...] = (),
    scripts: dict[str, str] | None = None,
    extras: tuple[str, ...] = (),
) -> Path:
    """A wheel for ``name`` whose module ``name`` has ``VERSION``; ``scripts`` maps command -> module:func."""
    module = name.replace("-", "_")
    dist = f"{module}-{version}.dist-info"
    files: dict[str, bytes] = {
        f"{module}/__init__.py": (f'VERSION = "{version}"\n\n\ndef main():\n    print("{name} {version}")\n').encode(),
        f"{dist}/METADATA": (
            "Metadata-Version: 2.1\n"
            f"Name: {name}\nVersion: {version}\nSummary: pipshim test package\n"
            + "".join(f"Provides-Extra: {e}\n" for e in extras)
            + "".join(f"Requires-Dist: {r}\n" for r in requires)
        ).encode(),
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: pipshim-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    if scripts:
        lines = "".join(f"{cmd} = {target}\n" for cmd, target in scripts.items())
        files[f"{dist}/entry_points.txt"] = f"[console_scripts]\n{lines}".encode()
    record = [_record_line(n, d) for n, d in files.items()] + [f"{dist}/RECORD,,"]
    files[f"{dist}/RECORD"] = ("\n".join(record) + "\n").encode()
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for n, d in files.items():
            info = zipfile.ZipInfo(n, date_time=(2020, 1, 1, 0, 0, 0))
            zf.writestr(info, d)
    return path


def build_wheelhouse(dest: Path) -> Path:
    """The packages the integration tests install."""
    make_wheel(dest, "demo-lib", "1.0")
    make_wheel(dest, "demo-lib", "2.0")
    make_wheel(dest, "demo-dep", "1.0")
    make_wheel(dest, "demo-needs-dep", "1.0", requires=("demo-dep",))
    make_wheel(dest, "demo-app", "1.0", scripts={"demo-app": "demo_app:main"})
    make_wheel(dest, "attrs", "99.0")  # the README's example, served locally
    return dest
