"""Carry out a pipx Plan: one pipx command per package, worded the way pip words it.

pipx runs from pipshim's own tool environment (a runtime dependency, never the
distro's old pipx), with ``PIPX_BIN_DIR`` = the shim's bin dir so the app's commands
land on PATH, and ``PIPX_DEFAULT_PYTHON`` = the interpreter the real pip runs on.

pipx's stderr is streamed as it comes (through a pseudo-terminal when ours is a
terminal, so pipx shows its spinner), except its "No apps associated…" error: a
package on the list that has no commands falls back to the user environment with one
``pipshim:`` line instead. An upgrade's result and an uninstall read as pip's would;
``pip uninstall`` asks ``Proceed (Y/n)?`` unless ``-y`` is given.

Every pipx command runs under pipx's lock (``locked``), with the steps worked out again
under it, as a venv's install runs under the venv's: of two concurrent ``pip install X``
the second waits, then finds X installed and says pip's "Requirement already satisfied".
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator

from pipshim import provision, venvs
from pipshim.apps import installed, recheck
from pipshim.errors import Exit, say
from pipshim.facts import Facts
from pipshim.pip_argv import truthy
from pipshim.plan import Create, Plan, plan
from pipshim.record import replace
from pipshim.routes import RouteToPipx, UseVenv

NO_APPS = "No apps associated with package"
_ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def _home(f: Facts, route: RouteToPipx) -> str:
    """The pipx home the route's commands work in: pipx --global's, or the user's."""
    return f.pipx.global_home if route.global_ else f.pipx.home


def ensure_shared_libs(f: Facts, route: RouteToPipx, env: dict[str, str]) -> None:
    """pipx's shared pip venv, made the way pipshim makes every venv when it is missing.

    pipx seeds it with ensurepip, which a Debian without python3-venv lacks.
    """
    home = _home(f, route)
    shared = (not route.global_ and env.get("PIPX_SHARED_LIBS")) or os.path.join(home, "shared")
    if os.path.isfile(os.path.join(shared, "bin", "pip")):
        return
    spec = Create(shared, f.interp.path, "shared", system_site=False)
    provision.transaction(shared, spec, env, True, lambda created: 0)


def lock(f: Facts, route: RouteToPipx) -> venvs.EnvLock:
    """The lock every pipx command pipshim runs is held under: an flock on pipx's venvs dir.

    One lock for the whole dir, not one per app: a lock with no lock file needs a directory
    that stays, and pipx itself makes, removes and makes again an app's venv (install
    --force, uninstall), so a waiter could hold the lock of a directory that is gone. The
    dir is also what an install shares with every other app: the bin dir's links (two apps
    may expose one command), pipx's shared venv and logs. Installing apps is rare and
    interactive, so serialising all of this user's (or pipx --global's) costs little.
    Made, if missing, as pipx makes it (umask's mode): other users run --global's apps.
    """
    home = _home(f, route)
    where = os.path.join(home, "venvs")
    return venvs.EnvLock(where, f.quiet, where, 0o777)


@contextlib.contextmanager
def locked(f: Facts, route: RouteToPipx) -> Iterator[Facts]:
    """Hold pipx's lock; gives the facts with pipx's apps read again under it (another call
    may have installed, repaired or removed one meanwhile)."""
    from pipshim.facts import pipx_facts

    with lock(f, route):
        yield f.replace(pipx=pipx_facts(f.environ, f.shim_dir))


class _Withhold:
    """Passes a byte stream on as it comes, but holds back everything from a line that starts
    with ``marker`` on (pipx's "No apps associated…" error, shown only if it is not handled)."""

    def __init__(self, marker: str) -> None:
        self.marker = marker.encode()
        self.pending = b""  # the start of a line, until it is known not to be the marker
        self.showing = False  # the current line is known not to be the marker
        self.held = b""

    def feed(self, data: bytes) -> bytes:
        out = bytearray()
        for piece in re.split(rb"([\r\n])", data):
            if not piece:
                continue
            if self.held:
                self.held += piece
            elif piece in (b"\r", b"\n"):
                out += self.pending + piece
                self.pending, self.showing = b"", False
            elif self.showing:
                out += piece
            else:
                self.pending += piece
                text = _ANSI.sub(b"", self.pending)
                if text.startswith(self.marker):
                    self.held, self.pending = self.pending, b""
                elif not self.marker.startswith(text):
                    out += self.pending
                    self.pending, self.showing = b"", True
        return bytes(out)

    def close(self) -> bytes:
        rest, self.pending = self.pending, b""
        if self.held:
            self.held += rest
            return b""
        return rest


def _write(stream, data: bytes) -> None:
    if not data:
        return
    try:
        stream.buffer.write(data)
        stream.flush()
    except (AttributeError, OSError, ValueError):
        pass  # a closed stream is not worth failing the install for


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _pty_for_stderr():
    """A pseudo-terminal the size of ours, so pipx animates as it would on our terminal."""
    try:
        import fcntl
        import pty
        import termios

        master, slave = pty.openpty()
        attrs = termios.tcgetattr(slave)
        attrs[1] &= ~termios.OPOST  # no \n -> \r\n: the bytes reach our terminal as pipx wrote them
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        try:
            size = fcntl.ioctl(sys.stderr.fileno(), termios.TIOCGWINSZ, b"\0" * 8)
            fcntl.ioctl(slave, termios.TIOCSWINSZ, size)
        except OSError:
            pass
        return master, slave
    except (ImportError, OSError):
        return None


def _spawn(cmd: tuple[str, ...], env: dict[str, str], capture_stdout: bool = False) -> tuple[int, str, str]:
    """Run pipx; its stderr streamed (all but a "no apps" error, returned), its stdout kept if asked."""
    import selectors

    tty = _pty_for_stderr() if _isatty(sys.stderr) else None
    stdout = subprocess.PIPE if capture_stdout else None
    stderr = tty[1] if tty else subprocess.PIPE
    try:
        proc = subprocess.Popen(list(cmd), env=env, stdout=stdout, stderr=stderr)
    finally:
        if tty:
            os.close(tty[1])
    err_fd = tty[0] if tty else proc.stderr.fileno()
    filt = _Withhold(NO_APPS)
    out = bytearray()
    sel = selectors.DefaultSelector()
    sel.register(err_fd, selectors.EVENT_READ, "err")
    if capture_stdout:
        sel.register(proc.stdout.fileno(), selectors.EVENT_READ, "out")
    open_fds = len(sel.get_map())
    while open_fds:
        for key, _ in sel.select():
            try:
                data = os.read(key.fd, 65536)
            except OSError:  # EIO: the pty's other end is closed
                data = b""
            if not data:
                sel.unregister(key.fd)
                open_fds -= 1
            elif key.data == "err":
                _write(sys.stderr, filt.feed(data))
            else:
                out += data
    sel.close()
    _write(sys.stderr, filt.close())
    if tty:
        os.close(tty[0])
    rc = proc.wait()
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()
    return rc, filt.held.decode("utf-8", "replace"), out.decode("utf-8", "replace")


def _run_pipx(cmd: tuple[str, ...], env: dict[str, str]) -> tuple[int, str]:
    """Run pipx with its stderr shown as it comes; returns its status and what was held back."""
    rc, held, _ = _spawn(cmd, env)
    return rc, held


def _out(line: str) -> None:
    """A line on stdout, where pip prints its results."""
    try:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except (OSError, ValueError, AttributeError):  # AttributeError: stdout closed (None)
        pass


def pip_words(out: str, venv: str = "") -> str | None:
    """pipx upgrade's result as pip says it, or None when it is not recognised.

    pipx wraps its text at the terminal's width, even inside a path: the venv is taken
    from the facts when known, else the location is read back without the line breaks.
    """
    text = " ".join(out.split())
    where = re.search(r"\(location:\s*([^)]+)\)", out)
    place = venv or (re.sub(r"\s*\n\s*", "", where.group(1).strip()) if where else "")
    m = re.search(r"upgraded package (\S+) from (\S+) to (\S+)", text)
    if m:
        return f"Successfully installed {m.group(1)}-{m.group(3)}"
    m = re.search(r"(\S+) is already at latest version (\S+)", text)
    if m:
        return f"Requirement already satisfied: {m.group(1)}{f' in {place}' if place else ''} ({m.group(2)})"
    return None


def run(p: Plan, f: Facts) -> int:
    """pipx's commands under pipx's lock, worked out again under it, then (still under it)
    the fallback plan for packages that have no commands; returns the status."""
    route: RouteToPipx = p.route
    if not p.commands:  # every app already satisfied: nothing changes, nothing to wait for
        _said(p, f)
        return install(p, f)[0]
    if route.action != "uninstall":
        ensure_shared_libs(f, route, dict(p.env))  # before pipx's lock: it takes the shared venv's own
    with locked(f, route) as now:
        if route.action == "uninstall":
            _said(p, now)
            rc, then = uninstall(p, now), p.fallback  # then: pip, for the libraries named with the apps
        else:
            p = plan(recheck(now, route), now)
            _said(p, now)
            rc, then = install(p, now)
        if then is None or rc != 0:
            return rc
        from pipshim import execute

        return execute.run(then, now)


def _said(p: Plan, f: Facts) -> None:
    if p.line and not f.quiet:
        say(p.line)


def install(p: Plan, f: Facts) -> tuple[int, Plan | None]:
    """Returns pipx's status, and the fallback plan still to run for packages that have no commands."""
    route: RouteToPipx = p.route
    steps = route.each
    commands = iter(p.commands)
    env = dict(p.env)
    _, known = installed(f, route.global_)
    progress = _isatty(sys.stderr) and not f.quiet and len(p.commands) > 1
    no_apps = []
    for step in steps:
        if step.command == "satisfied":
            app = known.get(step.name)
            if not f.quiet:
                place = f" in {app.venv}" if app is not None and app.venv else ""
                _out(f"Requirement already satisfied: {step.spec}{place} ({step.installed})")
            continue
        cmd = next(commands)
        if progress:
            say(f"{'upgrading' if step.command == 'upgrade' else 'installing'} {step.spec} with pipx…")
        if step.command == "upgrade":
            rc, held, out = _spawn(cmd, env, capture_stdout=True)
            app = known.get(step.name)
            words = pip_words(out, app.venv if app is not None else "") if rc == 0 else None
            if words is None:
                _write(sys.stdout, out.encode())
                _write(sys.stderr, held.encode())
            elif not f.quiet:
                _out(words)
            if rc != 0:
                return rc, None
            continue
        rc, held = _run_pipx(cmd, env)
        if rc != 0 and NO_APPS in held and p.fallback is not None:
            no_apps.append(step.spec)  # a library after all: installed below, with the others that are
            _write(sys.stderr, b"".join(_ANSI.findall(held.encode())))  # pipx's cursor back on, its text not
            continue
        _write(sys.stderr, held.encode())
        if rc != 0:
            return rc, None
    if not no_apps:
        return 0, None
    fallback = p.fallback
    if isinstance(fallback.route, UseVenv):
        done = set(route.specs) - set(no_apps)
        cmd = tuple(x for x in fallback.commands[0] if x not in done)
        fallback = replace(fallback, commands=(cmd,))
        where = "installing into the user environment instead"
    else:
        where = "and libraries are not installed for root outside a container"
    if not f.quiet:
        verb = "has" if len(no_apps) == 1 else "have"
        say(f"{', '.join(no_apps)} {verb} no commands, so not an application; {where}")
    return 0, fallback


PROCEED = "Proceed (Y/n)? "


def ask(message: str, options: tuple[str, ...]) -> str | None:
    """pip's utils.misc.ask: ask until the answer is one of ``options``; None if stdin gives none."""
    while True:
        try:
            response = input(message)
        except (EOFError, OSError, RuntimeError, UnicodeDecodeError):  # no stdin, a closed one, not text
            return None
        response = response.strip().lower()
        if response in options:
            return response
        _out(f"Your response ({response!r}) was not one of the expected responses: {', '.join(options)}")


def uninstall(p: Plan, f: Facts) -> int:
    """pip uninstall of pipx apps: pip's words, pip's question (unless -y), then pipx uninstall."""
    route: RouteToPipx = p.route
    managed, known = installed(f, route.global_)
    quiet = f.pip_quiet > 0  # pip's words, silenced as pip's -q (or PIP_QUIET) would
    env_no_input = f.environ.get("PIP_NO_INPUT")
    no_input = f.args.flag("--no-input") or bool(env_no_input and truthy(env_no_input) is not False)
    for step, cmd in zip(route.each, p.commands):
        if step.name and step.name not in managed:  # another call removed it while this one waited
            _write(sys.stderr, f"WARNING: Skipping {step.name} as it is not installed.\n".encode())
            continue
        app = known.get(step.name)
        version = app.version if app is not None and app.version else step.installed
        dist = f"{step.name or step.spec}-{version}" if version else step.name or step.spec
        if not quiet:
            _out(f"Found existing installation: {step.name or step.spec} {version or ''}".rstrip())
            _out(f"Uninstalling {dist}:")
        if route.confirm:
            if not quiet and app is not None:
                _out("  Would remove:")
                for path in (app.venv, *app.commands):
                    _out(f"    {path}")
            if no_input:
                say(f"no input allowed (--no-input, PIP_NO_INPUT) to answer {PROCEED.strip()!r}; pass -y to uninstall")
                return Exit.BROKEN
            answer = ask(PROCEED, ("y", "n", ""))
            if answer is None:
                _out("")
                say(f"no answer to {PROCEED.strip()!r} (stdin is closed); pass -y to uninstall without asking")
                return Exit.BROKEN
            if answer == "n":
                continue  # pip prints nothing more, and goes on to the next package
        rc, held, out = _spawn(cmd, dict(p.env), capture_stdout=True)
        if rc != 0:
            _write(sys.stdout, out.encode())
            _write(sys.stderr, held.encode())
            return rc
        if not quiet:
            _out(f"  Successfully uninstalled {dist}")
    return 0
