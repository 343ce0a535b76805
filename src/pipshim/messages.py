"""pipshim's own output: one line on stderr, always starting ``pipshim:``."""

from __future__ import annotations

import sys


class PipshimError(Exception):
    """A failure of pipshim itself: one line for the user, and the exit status."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def say(message: str) -> None:
    sys.stderr.write(f"pipshim: {message}\n")
    sys.stderr.flush()
