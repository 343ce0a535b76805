"""The system under test, probed once: the externally managed Python and its pip on this machine.

Tests never spell a Python or pip version, a ``lib/pythonX.Y`` path or a ``pipX.Y`` name: they
read them here, so the same suite runs on Debian 12, Debian 13 (3.13, pip 25.1.1, and no
``pip3.13`` in /usr/bin) and sid (3.14, pip 26.x), each with its own Python and pip.

    from sut import SUT

Fields of ``SUT`` (a frozen ``System``; every path is a ``str``):

python              the system interpreter the tests use: ``/usr/bin/python3``
python_real         where it resolves to (``/usr/bin/python3.13``)
version             ``"X.Y"`` of that interpreter (``"3.13"``)
version_full        ``"X.Y.Z"`` (``"3.13.5"``), as a venv's ``pyvenv.cfg`` records it
version_info        ``(X, Y)`` as ints
stdlib              ``sysconfig`` stdlib dir (``/usr/lib/python3.13``)
externally_managed  its ``EXTERNALLY-MANAGED`` file, or ``None`` when the Python is not marked
purelib             ``sysconfig`` purelib, where ``pip install`` into the system would write
                    (``/usr/local/lib/python3.13/dist-packages`` on Debian)
site_dirs           ``site.getsitepackages()``: every system site dir, in order
dist_packages       the distribution's shared dir that holds pip (``/usr/lib/python3/dist-packages``)
pip                 the system pip script the tests compare with: ``/usr/bin/pip``
pip_version         that pip's version (``"25.1.1"``)
pip_dir             that pip's package dir (``/usr/lib/python3/dist-packages/pip``)
pip_names           the ``pip``/``pipN``/``pipN.M`` names that exist in ``bin_dir``, sorted
                    (Debian 12: pip, pip3, pip3.N; Debian 13: pip, pip3)
python_names        the ``python``/``pythonN``/``pythonN.M`` names that exist in ``bin_dir``, sorted
bin_dir             ``/usr/bin``
has_ensurepip       whether ``python -m venv`` can seed pip (Debian's python3-venv is installed)

Derived names (properties):

pip_shim_names      the pip names pipshim installs for this Python: pip, pip3, pip3.N
venv_site           ``lib/pythonX.Y/site-packages``, relative to a venv made from this Python
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"
SYSTEM_PIP = "/usr/bin/pip"

_PROBE = r"""
import json, os, site, sys, sysconfig, importlib.util
stdlib = sysconfig.get_path("stdlib")
marker = os.path.join(stdlib, "EXTERNALLY-MANAGED")
spec = importlib.util.find_spec("pip")
pip_dir = os.path.dirname(spec.origin) if spec and spec.origin else None
version = None
if pip_dir:
    import pip
    version = pip.__version__
try:
    import ensurepip
    ensurepip_ok = bool(ensurepip.version())
except Exception:
    ensurepip_ok = False
print(json.dumps({
    "python_real": os.path.realpath(sys.executable),
    "version": "%d.%d" % sys.version_info[:2],
    "version_full": "%d.%d.%d" % sys.version_info[:3],
    "stdlib": stdlib,
    "externally_managed": marker if os.path.isfile(marker) else None,
    "purelib": sysconfig.get_path("purelib"),
    "site_dirs": site.getsitepackages(),
    "pip_dir": pip_dir,
    "pip_version": version,
    "has_ensurepip": ensurepip_ok,
}))
"""

_PIP_NAME = re.compile(r"pip(\d+(\.\d+)?)?")
_PYTHON_NAME = re.compile(r"python(\d+(\.\d+)?)?")


@dataclass(frozen=True)
class System:
    python: str
    python_real: str
    version: str
    version_full: str
    version_info: tuple[int, int]
    stdlib: str
    externally_managed: str | None
    purelib: str
    site_dirs: tuple[str, ...]
    dist_packages: str
    pip: str
    pip_version: str
    pip_dir: str
    pip_names: tuple[str, ...]
    python_names: tuple[str, ...]
    bin_dir: str
    has_ensurepip: bool

    @property
    def pip_shim_names(self) -> tuple[str, ...]:
        major = self.version.split(".")[0]
        return ("pip", f"pip{major}", f"pip{self.version}")

    @property
    def venv_site(self) -> Path:
        return Path("lib") / f"python{self.version}" / "site-packages"


def probe(python: str = SYSTEM_PYTHON, pip: str = SYSTEM_PIP) -> System:
    """Ask ``python`` about itself (isolated: no user site, no PYTHON* variables, no cwd)."""
    r = subprocess.run(
        [python, "-I", "-c", _PROBE],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        cwd="/",
    )
    if r.returncode != 0:
        raise RuntimeError(f"cannot probe {python}: {r.stderr.strip()}")
    got = json.loads(r.stdout)
    if not got["pip_dir"]:
        raise RuntimeError(f"{python} has no pip (the tests need the distribution's python3-pip)")
    bin_dir = os.path.dirname(python)
    names = sorted(os.listdir(bin_dir))
    major, minor = (int(n) for n in got["version"].split("."))
    return System(
        python=python,
        python_real=got["python_real"],
        version=got["version"],
        version_full=got["version_full"],
        version_info=(major, minor),
        stdlib=got["stdlib"],
        externally_managed=got["externally_managed"],
        purelib=got["purelib"],
        site_dirs=tuple(got["site_dirs"]),
        dist_packages=os.path.dirname(got["pip_dir"]),
        pip=pip,
        pip_version=got["pip_version"],
        pip_dir=got["pip_dir"],
        pip_names=tuple(n for n in names if _PIP_NAME.fullmatch(n)),
        python_names=tuple(n for n in names if _PYTHON_NAME.fullmatch(n)),
        bin_dir=bin_dir,
        has_ensurepip=got["has_ensurepip"],
    )


SUT = probe()

if __name__ == "__main__":
    print(json.dumps({**SUT.__dict__, "pip_shim_names": SUT.pip_shim_names, "venv_site": str(SUT.venv_site)}, indent=2))
