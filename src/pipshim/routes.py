"""What decide() returns: a value that says what to do and why, and nothing else.

plan.py turns a route into the exact commands; explain prints that plan and execute.py
runs it.
"""

from __future__ import annotations

from pipshim.discovery import Candidate
from pipshim.record import Record


class PassThrough(Record):
    """Run the real pip unchanged; ``note`` is said before it runs."""

    reason: str
    note: str | None = None
    extra_args: tuple = ()  # options added after pip's subcommand (--report for a --dry-run with no environment)
    kind = "passthrough"


class UseVenv(Record):
    """Run pip in ``env``, creating it first if ``create``.

    mutating: an install/uninstall that changes the environment (under its lock);
    user_env: the user environment (made with the system site-packages, its new
    console scripts linked into the shim's bin dir, ``--user`` dropped).
    """

    env: Candidate
    reason: str
    mutating: bool
    create: bool
    user_env: bool = False
    prompt: str = ""
    system_site: bool = False  # a new venv sees the distribution's packages (user env, Raspberry Pi, setting)
    note: str = ""  # said in the one line: "--user", "python3 here runs ./.venv" …
    layers: tuple[str, ...] = ()  # other venvs whose packages a new venv also sees (root in a container)
    kind = "venv"


class RouteToPipx(Record):
    """pip ``action`` (install/uninstall) of ``specs`` with pipx (``--global`` if global_).

    options: the pipx options the pip command line asks for; steps: what is done for
    each spec, with its own options (the route's, the app's own from the data file, and
    ``--force`` where pip would replace what is there). Empty steps: ``pipx ACTION
    OPTIONS SPEC`` for each spec. confirm: uninstall asks first, as pip does without -y.
    fallback: the route taken for the packages in which pipx finds no commands.
    """

    class Step(Record):
        """One spec. command: a pipx command (install, upgrade, uninstall), or "satisfied" (nothing runs)."""

        command: str
        spec: str  # the requirement as typed (install), or the venv's name (upgrade, uninstall)
        options: tuple = ()
        name: str = ""  # canonical name
        why: str = ""  # why not a plain install, in words ("replacing 1.0", "repairing: …")
        installed: str | None = None  # the version pipx holds now

    action: str
    specs: tuple
    options: tuple
    global_: bool
    reason: str
    fallback: Route | None = None
    steps: tuple = ()
    confirm: bool = False
    # uninstall of apps and libraries together: pipx takes the apps, then ``fallback`` runs pip
    # on the line without them (the argv indexes of their positionals)
    drop_at: frozenset = frozenset()
    kind = "pipx"

    @property
    def each(self) -> tuple:
        """The steps, or one ``pipx ACTION`` per spec when none were worked out."""
        return self.steps or tuple(RouteToPipx.Step(self.action, s, self.options) for s in self.specs)


class Refuse(Record):
    """Do nothing: print ``pipshim: <message>`` and exit with ``exit_code``."""

    message: str
    exit_code: int
    env: Candidate | None = None  # the environment refused, if any (`pipshim venv --recreate` takes it)
    kind = "refuse"


class Done(Record):
    """Nothing to run: print ``pipshim: <message>`` and exit 0, as pip would."""

    message: str
    exit_code = 0  # not a field: always success (a failure is a Refuse)
    kind = "done"


# an alias for annotations only (never tested against at run time): importing typing would
# cost the resolver about 5 ms per call here, and type checkers read the TYPE_CHECKING branch
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Union

    Route = Union[PassThrough, UseVenv, RouteToPipx, Refuse, Done]
else:
    Route = object
