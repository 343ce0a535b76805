"""``pipshim shell-init SHELL``: the lines for a shell rc file, like ``pyenv init -``.

They put the shim directory in front of PATH (once: evaluating them again changes
nothing) and make the shell forget the command paths it has cached. For bash, zsh and
fish they also add a hook (mise, direnv) that activates the nearest project venv when
the directory changes and deactivates it on leaving, so ``pytest`` or ``myapp`` typed in
a project runs the project's copy, never a user-environment link in the bin dir:

- it is shell code only (no Python start, and no fork for a venv pipshim marked): it walks
  up from ``$PWD`` looking for the directory itself being a venv, then the names rule 5 looks at
  (``discovery.VENV_NAMES`` + ``OTHER_VENV_NAMES``, rendered here, never written
  twice), each only with a ``pyvenv.cfg``, owned by the user (``test -O``), and not
  carrying the in-progress marker;
- a venv is the user's own as the shims take it (writable by nobody else, the user's
  private group aside): one ``[ -O ]`` of its mark (shimtrust.py) when pipshim marked it,
  else select.sh's owner_ok (rendered, never written twice) in one ``sh -c``; a venv it
  refuses is passed over as the shims pass it over, without a new check until the
  directory changes;
- activation puts ``VENV/bin`` in front of PATH and sets ``VIRTUAL_ENV``; deactivation
  removes exactly that entry and that variable; a venv activated by hand
  (``source .venv/bin/activate``: ``_OLD_VIRTUAL_PATH``, or a ``VIRTUAL_ENV`` the hook
  did not set) is left alone;
- while its venv is on, ``deactivate`` (unless the shell has one already: a hand
  activation's is never replaced or removed) deactivates it, and the walk passes that venv
  over (no check, no activation) until it finds another or none: the user's habit from
  ``activate`` works, and is not undone at the next prompt;
- ``PIPSHIM_HOOK=0`` switches it off at any time (what it added is removed), and
  ``--no-hook`` leaves it out. sh/dash gets PATH only.

The rc line (``rc_line``) only runs pipshim while it is there, so a shell starts clean
once pipshim has been uninstalled.
"""

from __future__ import annotations

import argparse
import os
import shlex
from collections.abc import Mapping

from pipshim import discovery, paths
from pipshim.errors import Exit

SHELLS = ("bash", "zsh", "sh", "fish")
HOOK_SHELLS = ("bash", "zsh", "fish")
# where the rc line goes, per shell (README "Shell integration")
RC_FILES = {
    "bash": "~/.bashrc",
    "zsh": "~/.zshrc",
    "fish": "~/.config/fish/config.fish",
    "sh": "~/.profile",
}
HOOK_VAR = "_PIPSHIM_VENV"  # the venv the hook activated (exported: a child shell can undo it)


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _candidates() -> tuple[str, ...]:
    """The directory itself, then rule 5's names, in rule 5's order."""
    return ("", *discovery.VENV_NAMES, *discovery.OTHER_VENV_NAMES)


def display_path(path: str, environ: Mapping[str, str]) -> str:
    """``path`` as a shell word: ``~/…`` under the home directory, quoted when it must be."""
    home = paths.home(environ)
    if home and home != "/" and path.startswith(home.rstrip("/") + "/"):
        rest = path[len(home.rstrip("/")) + 1 :]
        return "~/" + (rest if shlex.quote(rest) == rest else shlex.quote(rest))
    return shlex.quote(path)


def rc_line(shell: str, bin_dir: str, environ: Mapping[str, str], *, with_hook: bool = True) -> str:
    """The one line for the rc file; it does nothing, silently, once pipshim is gone."""
    exe = display_path(os.path.join(bin_dir, "pipshim"), environ)
    init = f"{exe} shell-init {shell}" + ("" if with_hook else " --no-hook")
    if shell == "fish":
        return f"if test -x {exe}; {init} | source; end"
    return f'if [ -x {exe} ]; then eval "$({init})"; fi'


# --- bash and zsh: one function body, plain POSIX constructs plus `local` ---------------------

_POSIX_HOOK = r"""# pipshim: activate the nearest project venv on cd, deactivate it on leaving (PIPSHIM_HOOK=0: off)
_pipshim_off() {
    [ -n "${_PIPSHIM_VENV:-}" ] || return 0
    local b="$_PIPSHIM_VENV/bin"
    case $PATH in
        "$b") PATH= ;;
        "$b":*) PATH=${PATH#"$b:"} ;;
        *:"$b":*) PATH=${PATH%%":$b:"*}:${PATH#*":$b:"} ;;
        *:"$b") PATH=${PATH%":$b"} ;;
    esac
    [ "${VIRTUAL_ENV:-}" = "$_PIPSHIM_VENV" ] && unset VIRTUAL_ENV
    unset _PIPSHIM_VENV
    # our `deactivate` goes with the activation; after `source X/bin/activate` it is X's
    [ -z "${_pipshim_dv:-}" ] || [ -n "${_OLD_VIRTUAL_PATH+set}" ] || unset -f deactivate 2>/dev/null
    _pipshim_dv=
}
_pipshim_deactivate() {
    # `deactivate` in a venv the hook activated: off, and kept off while the walk finds it
    _pipshim_skip=${_PIPSHIM_VENV:-}
    _pipshim_off
    @REHASH@
}
_pipshim_ours() {
    @MARKED@
    [ "$1" != "${_pipshim_no:-}" ] || return 1
    /bin/sh -c @CHECK@ _ "$1" && return 0
    _pipshim_no=$1 _pipshim_no_at=$PWD
    return 1
}
_pipshim_held() {
    # the directory holding venv $1 lets nobody else swap it (discovery.holder_problem)
    local h=${1%/*}
    [ -n "$h" ] || h=/
    { [ -k "$h" ] && [ ! -h "$1" ] && [ -O "$1" ]; } || _pipshim_ours "$h"
}
_pipshim_hook() {
    local ret=$? d v n found=
    # a venv activated by hand is left alone
    [ -z "${_OLD_VIRTUAL_PATH+set}" ] || return $ret
    [ -z "${VIRTUAL_ENV:-}" ] || [ "$VIRTUAL_ENV" = "${_PIPSHIM_VENV:-}" ] || return $ret
    [ "${_pipshim_no_at:-}" = "$PWD" ] || _pipshim_no= # a refusal holds while we stay here
    if [ "${PIPSHIM_HOOK:-1}" != 0 ]; then
        d=$PWD
        while [ -n "$d" ]; do
            for n in @NAMES@; do
                v=${d%/}${n:+/$n}
                [ -f "$v/pyvenv.cfg" ] && [ -d "$v/bin" ] && [ -O "$v" ] || continue
                case $v in *:*) continue ;; esac # PATH would split it: never put on PATH
                [ "$v" != "${_pipshim_skip:-}" ] || { found=$v; break 2; }
                [ "$v" = "${_PIPSHIM_VENV:-}" ] || { _pipshim_ours "$v" && _pipshim_held "$v"; } || continue
                [ -e "$v/@INCOMPLETE@" ] || found=$v
                break 2
            done
            [ "$d" = / ] && break
            d=${d%/*}; [ -n "$d" ] || d=/
        done
    fi
    # a `deactivate` holds while the walk finds that venv; anything else ends it
    case $found in "${_pipshim_skip:-}") found= ;; *) _pipshim_skip= ;; esac
    if [ "$found" = "${_PIPSHIM_VENV:-}" ] && [ "${VIRTUAL_ENV:-}" = "$found" ]; then
        return $ret
    fi
    _pipshim_off
    if [ -n "$found" ]; then
        PATH="$found/bin${PATH:+:$PATH}"
        VIRTUAL_ENV=$found
        _PIPSHIM_VENV=$found
        export PATH VIRTUAL_ENV _PIPSHIM_VENV
        # `deactivate`, as after `source VENV/bin/activate`, unless the user has one
        # (`function`: an alias of that name at rc time would break `deactivate() {`)
        command -v deactivate >/dev/null || { _pipshim_dv=1; function deactivate { _pipshim_deactivate; }; }
    fi
    @REHASH@
    return $ret
}
"""

_BASH_REGISTER = r"""case ${PROMPT_COMMAND:-} in
    *_pipshim_hook*) ;;
    *) PROMPT_COMMAND="${PROMPT_COMMAND:+$PROMPT_COMMAND
}_pipshim_hook" ;;
esac
"""

_ZSH_REGISTER = """autoload -Uz add-zsh-hook
add-zsh-hook chpwd _pipshim_hook
add-zsh-hook precmd _pipshim_hook
"""

_FISH_HOOK = r"""# pipshim: activate the nearest project venv on cd, deactivate it on leaving (PIPSHIM_HOOK=0: off)
function _pipshim_off
    set -q _PIPSHIM_VENV; or return 0
    if set -l i (contains -i -- "$_PIPSHIM_VENV/bin" $PATH)
        set -e PATH[$i]
    end
    test "$VIRTUAL_ENV" = "$_PIPSHIM_VENV"; and set -e VIRTUAL_ENV
    set -e _PIPSHIM_VENV
    # our `deactivate` goes with the activation; after `source X/bin/activate.fish` it is X's
    set -q _pipshim_dv; and not set -q _OLD_VIRTUAL_PATH; and functions -e deactivate
    set -e _pipshim_dv
end
function _pipshim_deactivate
    # `deactivate` in a venv the hook activated: off, and kept off while the walk finds it
    set -g _pipshim_skip $_PIPSHIM_VENV
    _pipshim_off
end
function _pipshim_ours
    @MARKED@
    test "$argv[1]" != "$_pipshim_no"; or return 1
    /bin/sh -c @CHECK@ _ $argv[1]; and return 0
    set -g _pipshim_no $argv[1]
    set -g _pipshim_no_at $PWD
    return 1
end
function _pipshim_held
    # the directory holding venv $argv[1] lets nobody else swap it (discovery.holder_problem)
    set -l h (string replace -r '/[^/]*$' '' -- $argv[1])
    test -n "$h"; or set h /
    if test -k "$h"; and not test -L "$argv[1]"; and test -O "$argv[1]"
        return 0
    end
    _pipshim_ours $h
end
function _pipshim_hook --on-variable PWD --on-event fish_prompt
    # a venv activated by hand is left alone
    if set -q _OLD_VIRTUAL_PATH; or begin; set -q VIRTUAL_ENV; and test "$VIRTUAL_ENV" != "$_PIPSHIM_VENV"; end
        return
    end
    set -l found ''
    test "$_pipshim_no_at" = "$PWD"; or set -g _pipshim_no '' # a refusal holds while we stay here
    if test "$PIPSHIM_HOOK" != 0
        set -l d $PWD
        while test -n "$d"
            set -l done 0
            for n in @NAMES@
                set -l v $d
                test -n "$n"; and set v (string trim -r -c / -- $d)/$n
                test -f "$v/pyvenv.cfg"; and test -d "$v/bin"; and test -O "$v"; or continue
                string match -q -- '*:*' $v; and continue # PATH would split it: never put on PATH
                if test "$v" = "$_pipshim_skip"
                    set found $v
                    set done 1
                    break
                end
                test "$v" = "$_PIPSHIM_VENV"; or begin; _pipshim_ours $v; and _pipshim_held $v; end; or continue
                test -e "$v/@INCOMPLETE@"; or set found $v
                set done 1
                break
            end
            test $done = 1; and break
            test "$d" = /; and break
            set d (string replace -r '/[^/]*$' '' -- $d)
            test -n "$d"; or set d /
        end
    end
    # a `deactivate` holds while the walk finds that venv; anything else ends it
    if test "$found" = "$_pipshim_skip"
        set found ''
    else
        set -g _pipshim_skip ''
    end
    if test "$found" = "$_PIPSHIM_VENV"; and test "$VIRTUAL_ENV" = "$found"
        return
    end
    _pipshim_off
    if test -n "$found"
        set -gx PATH "$found/bin" $PATH
        set -gx VIRTUAL_ENV $found
        set -gx _PIPSHIM_VENV $found
        # `deactivate`, as after `source VENV/bin/activate.fish`, unless the user has one
        if not type -q deactivate
            set -g _pipshim_dv 1
            function deactivate
                _pipshim_deactivate
            end
        end
    end
end
"""


def hook(shell: str, trust: str = "") -> str:
    """The hook for bash, zsh or fish, with rule 5's names, the owner check and the directory
    of pipshim's marks (``trust``: shimtrust.root, "" for none) rendered in."""
    from pipshim import shimrender, shimtrust

    incomplete = discovery.INCOMPLETE
    quote = _fish_quote if shell == "fish" else shlex.quote
    marked = "# no marks: every venv gets the owner check"
    if trust.startswith("/"):
        mark = f"{quote(trust)}{'$argv[1]' if shell == 'fish' else '$1'}{quote(shimtrust.MARK)}"
        if shell == "fish":
            marked = f'set -l mk {mark}; test -O "$mk"; and not test -L "$mk"; and return 0'
        else:
            marked = f'local mk; mk={mark}; [ -O "$mk" ] && [ ! -h "$mk" ] && return 0'
    names = " ".join(quote(n) for n in _candidates())
    text = _FISH_HOOK if shell == "fish" else _POSIX_HOOK
    text = text.replace("@MARKED@", marked).replace("@CHECK@", quote(shimrender.owner_check()))
    text = text.replace("@NAMES@", names).replace("@INCOMPLETE@", incomplete)
    if shell == "fish":
        return text
    text = text.replace("@REHASH@", "rehash" if shell == "zsh" else "hash -r 2>/dev/null")
    return text + (_ZSH_REGISTER if shell == "zsh" else _BASH_REGISTER)


def lines(shell: str, bin_dir: str, with_hook: bool = False, trust: str = "") -> str:
    with_hook = with_hook and shell in HOOK_SHELLS
    if shell == "fish":
        q = _fish_quote(bin_dir)
        text = f'# pipshim: its shims in front of PATH\nif test "$PATH[1]" != {q}\n    set -gx PATH {q} $PATH\nend\n'
        if with_hook:  # an activation inherited from a parent shell is undone first, then made again here
            head = hook(shell, trust)
            text = head + "_pipshim_off\n" + text + "_pipshim_hook\n"
        return text
    q = shlex.quote(bin_dir)
    text = (
        "# pipshim: its shims in front of PATH, then forget cached command paths\n"
        f'case ":${{PATH}}:" in\n    :{q}:*) ;;\n    *) PATH={q}"${{PATH:+:$PATH}}"; export PATH ;;\nesac\n'
        "hash -r 2>/dev/null || true\n"
    )
    if shell == "zsh":
        text += "rehash\n"
    if with_hook:
        text = hook(shell, trust) + "_pipshim_off\n" + text + "_pipshim_hook\n"
    return text


def run(args: argparse.Namespace, environ: Mapping[str, str], shim_dir: str) -> int:
    bin_dir = os.path.abspath(shim_dir or paths.default_bin_dir(environ))
    if getattr(args, "rc_line", False):  # print: a closed stdout (None) is no error
        print(rc_line(args.shell, bin_dir, environ, with_hook=not getattr(args, "no_hook", False)))
        return Exit.OK
    with_hook = not getattr(args, "no_hook", False) and environ.get("PIPSHIM_HOOK", "1") != "0"
    from pipshim import shimtrust

    print(lines(args.shell, bin_dir, with_hook, shimtrust.root(environ)), end="")
    return Exit.OK
