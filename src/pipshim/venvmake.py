"""Create a venv with pip inside (placeholder: virtualenv's API; replaced by a faster builder)."""

from __future__ import annotations

import os
from collections.abc import Mapping


class VenvCreateError(Exception):
    """One line naming the cause."""


def create(
    path: str, base_python: str, *, prompt: str, system_site: bool = False, environ: Mapping[str, str] | None = None
) -> None:
    from virtualenv import cli_run

    args = [os.path.abspath(path), "--python", base_python, "--prompt", prompt, "--no-setuptools", "--quiet"]
    if system_site:
        args.append("--system-site-packages")
    env = {k: v for k, v in (environ or os.environ).items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    try:
        cli_run(args, setup_logging=False, env=env)
    except SystemExit as exc:
        raise VenvCreateError(f"virtualenv exited with {exc.code}") from None
    except Exception as exc:
        text = str(exc).strip().splitlines()
        raise VenvCreateError(text[-1] if text else type(exc).__name__) from None
