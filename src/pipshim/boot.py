"""One interpreter start per pip call: the environment's own Python decides, then runs pip.

When the shims' sh selection (shims/select.sh) finds an existing environment ENV, the
shim runs ``ENV's python -c SNIPPET TOOLPY SITE SHIM ARGS…``: the python that ENV's pip
script names in its ``#!`` line (``ENV/bin/python`` for ``python -m pip``), with no flags,
so PYTHONPATH and the rest count exactly as they count for pip's own script. SNIPPET
drops the ``-c`` entry of ``sys.path`` (the cwd) before anything is imported, loads the
``pipshim`` package from SITE (pipshim's tool environment) without putting SITE on
``sys.path``, and calls main().

main() makes the very decision the resolver makes (cli.decide_plan: facts.gather,
rules.decide, plan.plan). If the plan runs a pip script whose ``#!`` is this interpreter
(``sys.executable``), or ``THIS_PYTHON -m pip``, pip runs in this process:

- pipshim leaves no trace first: its modules leave ``sys.modules``, its import guard
  leaves ``sys.meta_path``; ``sys.path[0]`` becomes what pip's own start would have made it
  (the script's directory; the cwd for ``-m pip``; nothing under ``-P``/PYTHONSAFEPATH);
  ``sys.argv`` and ``os.environ`` are the plan's;
- a mutating call holds the environment's lock (venvs.EnvLock), the environment is
  classified again under it, and the user environment's new commands are linked
  afterwards, as execute.run does;
- the garbage collector is paused while pipshim decides (its objects all live until pip
  starts) and is on again before pip or any other command runs.

Anything else goes as the resolver would do it: a plain exec of the plan's command (execute.run), or
the resolver itself (``TOOLPY -I -c cli.ENTRY --shim SHIM ARGS``) for creations, pipx,
hints, explain, and whenever the decision needs a module this Python lacks or must not
import here (packaging, virtualenv, filelock, tomli on Python < 3.11): the import guard
turns any such import into that fallback, never into a different decision.
"""

from __future__ import annotations

import gc
import os
import sys

from pipshim.cli import ENTRY  # the resolver's: ``TOOLPY -I -c ENTRY --shim SHIM ARGS…``

# for annotations only: nothing on this path imports typing (about 5 ms)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from pipshim.facts import Facts
    from pipshim.plan import Plan

# what the shims run with ``python -c`` (rendered into them by shimrender); argv: TOOLPY SITE SHIM ARGS…
# A python that cannot load pipshim.boot (3.6 lacks ``from __future__ import annotations``; 2.7
# lacks importlib's frozen modules) hands the call to the resolver: the snippet itself is
# written so that even Python 2 runs it.
SNIPPET = (
    "import sys\n"
    "getattr(sys.flags, 'safe_path', 0) or sys.path.pop(0)\n"
    "try:\n"
    "    import _frozen_importlib as b, _frozen_importlib_external as e\n"
    "    s = e.PathFinder.find_spec('pipshim', [sys.argv[2]])\n"
    "    m = b.module_from_spec(s)\n"
    "    sys.modules['pipshim'] = m\n"
    "    s.loader.exec_module(m)\n"
    "    from pipshim.boot import main\n"
    "except Exception:\n"
    "    import os\n"
    f"    os.execv(sys.argv[1], [sys.argv[1], '-I', '-c', {ENTRY!r}, '--shim'] + sys.argv[3:])\n"
    "main(sys.argv[1:])\n"
)

# third-party modules the tool environment has and this path must never import
FORBIDDEN = frozenset(("packaging", "virtualenv", "filelock", "platformdirs", "distlib", "tomli", "pipx"))
# stdlib modules the decision may need that an older Python lacks (tomllib: 3.11+)
NEWER_STDLIB = frozenset(("tomllib",))


class NeedResolver(BaseException):
    """The decision needs what only the resolver (pipshim's own Python) has: fall back to it."""


class _Guard:
    """A meta path finder: first in line it refuses FORBIDDEN; last in line (nothing else found
    the module) it turns a missing NEWER_STDLIB module into the fallback, not an ImportError."""

    def __init__(self, last: bool) -> None:
        self.names = NEWER_STDLIB if last else FORBIDDEN

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in self.names:
            raise NeedResolver(name)
        return None


def resolver(toolpy: str, shim: str, args: list[str]) -> None:
    """The fallback: pipshim's resolver (its own Python) decides again, and acts."""
    os.execv(toolpy, [toolpy, "-I", "-c", ENTRY, "--shim", shim, *args])


def shebang(script: str) -> str | None:
    try:
        with open(script, "rb") as fh:
            line = fh.readline(4096)
    except OSError:
        return None
    return line[2:].rstrip(b"\r\n").decode("utf-8", "surrogateescape") if line.startswith(b"#!") else None


def in_process_form(cmd: tuple) -> str | None:
    """ "script" or "module" if ``cmd`` is what this interpreter would run; else None."""
    if cmd[0] == sys.executable and tuple(cmd[1:3]) == ("-m", "pip"):
        return "module"
    if shebang(cmd[0]) == sys.executable:
        return "script"
    return None


def main(argv: list[str]) -> None:
    toolpy, _site, shim, *args = argv
    environ = dict(os.environ)
    if environ.get("PIPSHIM_EXPLAIN") == "1" or os.path.basename(shim) == "pipshim":
        resolver(toolpy, shim, args)
    shim_path = os.path.abspath(shim)
    name, shim_dir = os.path.basename(shim_path), os.path.dirname(shim_path)
    # pipshim's own objects live until pip starts, and collecting them meanwhile is wasted
    # time (about 2 ms here); pip itself runs with the collector on, as in its own start
    gc.disable()
    guards = (_Guard(False), _Guard(True))
    sys.meta_path.insert(0, guards[0])
    sys.meta_path.append(guards[1])
    try:
        from pipshim import cli
        from pipshim.errors import PipshimError, say

        pip_args = args
        if name.startswith("python"):
            split = cli.python_m_pip(args)
            if split is None or split[0]:  # interpreter flags: the resolver passes them on
                raise NeedResolver("python flags")
            pip_args = split[1]
        try:
            _rule, p, f = cli.decide_plan(name, pip_args, environ, shim_dir)
        except PipshimError as exc:
            say(exc.message)
            raise SystemExit(exc.exit_code) from None
        if p.route.kind == "pipx":  # its command names pipshim's own python (plan.py: sys.executable)
            raise NeedResolver("pipx")
        form = None
        if p.exit_code is None and p.fallback is None and p.create is None and len(p.commands) == 1:
            form = in_process_form(p.commands[0])
        if form is None:
            if p.exit_code is not None or not p.waits:  # a refusal or a plain exec: as execute.run does
                from pipshim import execute

                execute.before(f)
                gc.enable()
                raise SystemExit(execute.run(p, f))
            raise NeedResolver("plan")
        post = prepare(p, f)
    except NeedResolver:
        _unguard(guards)
        resolver(toolpy, shim, args)
        raise AssertionError("not reached") from None
    except SystemExit:
        raise
    except Exception:  # an unexpected error before anything ran: the resolver reports it as it does
        _unguard(guards)
        resolver(toolpy, shim, args)
        raise
    _unguard(guards)
    gc.enable()
    run_pip(p.commands[0], form, p.env, post, environ)


def _unguard(guards) -> None:
    for g in guards:
        if g in sys.meta_path:
            sys.meta_path.remove(g)


def prepare(p: Plan, f: Facts) -> Callable[[], None]:
    """Before pip runs: the lock (classified again under it), execute.before, the line.
    Returns the function to call once pip is done, however it ended (links, lock release)."""
    from pipshim.errors import say

    lock = None
    if p.lock:
        from pipshim import venvs
        from pipshim.discovery import Source, State, classify

        lock = venvs.EnvLock(p.lock, f.quiet)
        lock.__enter__()
        if classify(p.lock, Source.PROJECT, os.getuid()).state is not State.OK:  # gone meanwhile: make it again
            lock.__exit__()
            raise NeedResolver("vanished")
    from pipshim import execute

    execute.before(f)
    if p.line and not f.quiet:
        say(p.line)
    link = None
    if p.link_into:
        from pipshim import links

        before = links.scripts(p.lock)

        def link() -> None:
            links.update(p.lock, before, p.link_into, f.quiet, p.link_over)

    def post() -> None:
        try:
            if link is not None:
                link()
        finally:
            if lock is not None:
                lock.__exit__()

    return post


def run_pip(
    cmd: tuple[str, ...], form: str, env: Mapping[str, str], post: Callable[[], None], was: Mapping[str, str]
) -> None:
    """Run pip here, as its own start would: nothing of pipshim in sys.modules or sys.path.
    ``was``: os.environ as main() read it (nothing of pipshim's changes it meanwhile)."""
    broken_pip = _broken_pip_reporter()
    for mod in [m for m in sys.modules if m == "pipshim" or m.startswith("pipshim.")]:
        del sys.modules[mod]
    # os.environ becomes the plan's by what differs (the guard, PIP_USER): every item set or
    # deleted is a putenv or unsetenv, and clearing it first cost that for every variable.
    # The order comes out as clear() and update(env) leave it: env keeps was's order.
    for key in was.keys() - env.keys():
        del os.environ[key]
    for key, value in env.items():
        if was.get(key) != value:
            os.environ[key] = value
    safe = getattr(sys.flags, "safe_path", False)
    if form == "module":
        if not safe:
            sys.path.insert(0, os.getcwd())
        sys.argv = [cmd[0], *cmd[3:]]  # runpy puts pip's __main__.py in argv[0], as `python -m pip` does
    else:
        if not safe:
            sys.path.insert(0, os.path.dirname(os.path.realpath(cmd[0])))
        sys.argv = list(cmd)
    code: object = 0
    try:
        if form == "module":
            import runpy

            runpy.run_module("pip", run_name="__main__", alter_sys=True)
        else:
            _run_script(cmd[0])
    except SystemExit as exc:
        code = exc.code
    except KeyboardInterrupt:
        post()
        raise
    except BaseException as exc:
        post()
        if _import_failure(exc):  # pip itself cannot load: the environment is damaged, not pip wrong
            broken_pip(exc)
        raise
    post()
    raise SystemExit(code)


def _import_failure(exc: BaseException) -> bool:
    """Raised by the import system itself (a truncated .pyc after a full disk, a module file
    gone): pip never got to run, so this is not one of pip's errors."""
    tb = exc.__traceback__
    if tb is None or not isinstance(exc, (ImportError, EOFError, ValueError, SyntaxError)):
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_filename.startswith("<frozen importlib")


def _broken_pip_reporter():
    """Bound before pipshim's modules leave sys.modules: nothing of pipshim is imported again
    once pip runs (a planted ``pipshim`` on pip's sys.path must never load)."""
    from pipshim.errors import Exit, msg, say

    def report(exc: BaseException) -> None:
        detail = msg("pip-fails", cause=f"{type(exc).__name__}: {exc}")
        say(msg("broken", path=sys.prefix, detail=detail, where=os.path.dirname(sys.prefix)))
        raise SystemExit(Exit.BROKEN)

    return report


def _run_script(path: str) -> None:
    """What ``python SCRIPT`` does with the script: compile it and run it as __main__."""
    import io

    with io.open_code(path) as fh:
        source = fh.read()
    main = type(sys)("__main__")
    main.__file__ = path
    main.__cached__ = None
    main.__builtins__ = __builtins__
    sys.modules["__main__"] = main
    exec(compile(source, path, "exec"), main.__dict__)
