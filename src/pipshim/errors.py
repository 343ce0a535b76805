"""Exit codes, pipshim's one error type, and the table of every message a user reads.

The words shared by several places (why a candidate is not used, refusals, broken
environments) and every text a shim prints live in MESSAGES, so a wording lives in one
place; the shims get theirs rendered in at install time (shimrender.py), and
tests/unit/test_messages.py holds every ``msg()`` call to the table's fields. Lines said
in one place only are written there.
"""

from __future__ import annotations

import sys


class Exit:
    """pipshim's own exit statuses; pip's stay pip's.

    Plain ints, not an IntEnum: nothing reads them as anything else, and an enum class costs
    the pip shim's in-process path (boot.py) about as much to create as five plain classes.
    """

    OK = 0
    REFUSED = 1  # pipshim will not do this (root on a host, a foreign environment …)
    BROKEN = 2  # a broken environment, a bad setting, or usage
    BUG = 3  # an unexpected error in pipshim itself (fails closed, writes a crash log)
    NO_PIP = 127  # no real pip (or python) found on PATH
    INTERRUPTED = 130  # ^C


MESSAGES = {
    # discovery: why a candidate is not used (see discovery.State)
    "missing": "does not exist",
    "not-dir": "is not a directory",
    "no-cfg": "has no pyvenv.cfg",
    "bad-cfg": "has an unreadable pyvenv.cfg",
    "incomplete": "its creation was interrupted",
    "python-gone": "its interpreter {python} no longer exists",
    "python-fails": "its interpreter {python} no longer runs",
    "other-python": "it was made for another Python than {python}",
    "pip-fails": "its pip does not load ({cause})",
    "link-dangling": "is a symlink to {target}, which does not exist",
    "link-not-venv": "is a symlink to {target}, which is not a venv",
    "owner": "owned by uid {uid}",
    "writable": "writable by {who} ({mode})",
    "project-foreign": "project {root} is {problem}",
    "colon-path": "{path} has a ':' in its path, which PATH cannot hold: run its bin/ commands by their path",
    "holder-foreign": "{holder}, which holds it, is {problem}: its owner or group could swap it",
    # refusals and broken environments
    "broken": "{path} is broken: {detail}; run `pipshim venv --recreate` in {where}",
    "broken-version": "{path} is broken: {detail}; run `PIP_PYTHON={python} pipshim venv --recreate`",
    "not-venv": "{path} exists but is not a virtual environment ({detail}); move it away",
    "link": "{path} {detail}; pipshim makes no venv through a symlink: remove the link, or make {target} a venv",
    "user-env-unusable": "the user environment {path} {detail}; set PIPSHIM_USER_VENV or move it away",
    "root-host": (
        "refusing to install libraries into {python} as root outside a container (it is externally "
        "managed): use the distribution's package (apt install python3-NAME), a project venv (run pip "
        "inside a project directory), pipx for applications, or --break-system-packages if you mean it"
    ),
    "root-host-uninstall": (
        "refusing to uninstall from {python} as root outside a container (it is externally managed): "
        "remove the distribution's package (apt remove python3-NAME), or add --break-system-packages "
        "if you mean it"
    ),
    "no-pip": "no real {names} found on PATH outside {shim_dir}; install your distribution's python3-pip",
    "create-failed": "could not create {path} from {python}: {cause}",
    "no-place": "cannot create {path}: {cause}; choose a directory of your own (PIPSHIM_USER_VENV, or HOME)",
    "removed-again": "removed {path} again: the install that created it failed",
    "removed-interrupted": "removed {path} again: the install that created it was interrupted",
    "waiting": "waiting for another pip run on {path} to finish",
    "nothing-to-uninstall": "nothing to uninstall: {path} does not exist yet",
    "no-venv-yet": "{path} does not exist yet: pip {command} reads {python}'s packages instead",
    "own-pip": (
        "nothing to upgrade: {python}'s pip belongs to the distribution (apt), "
        "and every environment pipshim makes has its own"
    ),
    "config": "ignoring {path}: {cause}",
    "bug": "unexpected error ({cause}); details in {log}; PIPSHIM_DISABLE=1 bypasses pipshim",
    "usage-explain": "usage: pipshim explain [--json] -- pip ARGS…",
    "shim-missing": "{python} is missing or cannot be run by you; run 'make install' again, or delete {shim}",
    "no-python": "no {name} found on PATH outside {shim_dir}",
}


def msg(key: str, **fields: object) -> str:
    return MESSAGES[key].format(**fields)


class PipshimError(Exception):
    """A failure of pipshim itself: one line for the user, and the exit status."""

    def __init__(self, message: str, exit_code: int = Exit.BROKEN) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = int(exit_code)


def say(message: str) -> None:
    """One ``pipshim:`` line on stderr; a closed stderr is not an error worth dying for."""
    try:
        sys.stderr.write(f"pipshim: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
