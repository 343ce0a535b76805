# pipshim: the pip shim's own part of the selection, rendered into the pip shim only (after
# select.sh) by shimrender.py: the python a pip script names, the real pip's, and the reads
# routed in sh alone.

# before anything else is read: PIPSHIM_DISABLE=1 execs the real pip of this name as the
# resolver would (a call from inside pipshim is the resolver's: only Python tells our shims
# behind a link); without pipshim's interpreter, say so and exit 127
first_checks() {
    if [ "$n" != pipshim ] && [ -z "$PIPSHIM_ACTIVE" ] && is_true "$PIPSHIM_DISABLE" && real_one "$n"; then
        export "$GUARD=1"
        exec "$real" "$@"
    fi
    [ -x "$PIPSHIM_PYTHON" ] && return
    python=$PIPSHIM_PYTHON shim=$0
    msg_shim_missing
    exit "$EXIT_NO_PIP"
}

# py=<the interpreter named by the #! line of pip script $1 in $env/bin> (pip3.11, else pip),
# s=<that script>; no fork
pip_python() {
    py=
    s=$env/bin/$1
    [ -f "$s" ] || s=$env/bin/pip
    [ -f "$s" ] && IFS= read -r py <"$s"
    py=${py#\#!}
    case $py in /*) ;; *) return 1 ;; esac
    case ${py##*/} in python*) [ -x "$py" ] || return 1 ;; *) return 1 ;; esac
    # an interpreter changed since pipshim last checked this venv (replaced, upgraded) is
    # checked by the resolver first: it may no longer run, which only the resolver can say
    mk=$trust${env%/}$TRUST_MARK
    [ -n "$trust" ] && [ -O "$mk" ] && [ ! -h "$mk" ] && [ ! "$py" -nt "$mk" ]
}

# real=<the real pip $1>, py=<its interpreter>, when its first line is a plain #!/…/python…;
# anything else (env, a sh trampoline, none) is left to Python
real_pip_py() {
    py=
    real_one "$1" && IFS= read -r py <"$real"
    py=${py#\#!}
    case $py in /*/python*) ;; *) return 1 ;; esac
    case $py in *[[:space:]]* | */. | */./* | */.. | */../*) return 1 ;; esac
    [ -x "$py" ]
}

# as real_pip_py, for pipshim.boot to decide on: an interpreter pipshim has not probed since it
# last changed goes to the resolver. The decision is pipshim.boot's: this only picks its python.
real_pip_python() {
    real_pip_py "$1" && [ -n "$cache" ] && [ -O "$cache/$INTERP_CACHE" ] && [ ! "$py" -nt "$cache/$INTERP_CACHE" ]
}

# kind=<what pipshim last found the real pip's interpreter $py to be (shimtrust.py)>: managed
# (externally managed), plain or venv, and pfx=<a managed one's prefix> (empty in an older
# record); false when it has not looked since the interpreter changed, or the
# EXTERNALLY-MANAGED file has come or gone since (interp.inspect looks afresh)
real_kind() {
    v=$trust$py$PYTHON_MARK kind= pfx=
    [ -n "$trust" ] && [ -O "$v" ] && [ ! -h "$v" ] && [ ! "$py" -nt "$v" ] || return 1
    { IFS= read -r kind && { IFS= read -r pfx || :; }; } <"$v" || return 1
    stdlib=${kind#* } kind=${kind%% *}
    case $kind in
        venv) ;;
        managed) [ -f "$stdlib/$MANAGED_FILE" ] ;;
        plain) [ ! -f "$stdlib/$MANAGED_FILE" ] ;;
        *) return 1 ;;
    esac
}

# rd=<the command of a read whose route sh alone can tell>: pip's arguments are none,
# --version or -V alone, or a command that installs nothing with none of the options the
# decision reads (--python, --user, --quiet, --help, --isolated: anything like them) after it
read_args() {
    rd=
    case ${1-} in
        "") [ $# = 0 ]; return ;;
        --version | -V) [ $# = 1 ]; return ;;
    esac
    case " $READ_COMMANDS " in *" $1 "*) rd=$1 ;; *) return 1 ;; esac
    shift
    for a in "$@"; do
        case $a in -- | --[hpqui]* | -[hq]* | -[!-]*[hq]*) return 1 ;; esac
    done
}

# quiet=1 when pip counts PIP_QUIET above 0 (facts.pip_quiet: a true/false word, else an
# integer), else empty; status 2 for a value only Python's int() reads (" 1", "+1", "1_0"), or
# when pip may read quiet from elsewhere: another spelling (PIP_Quiet: pip takes the last one in
# the environment, which sh cannot see), or, PIP_QUIET empty, a pip config file (conf_quiet)
pip_quiet() {
    quiet=
    quiet_spelled && return 2
    [ -n "$PIP_QUIET" ] || ! conf_quiet || return 2
    case $PIP_QUIET in
        "") return 0 ;;
        *[!0-9]*) ;;
        *[1-9]*) quiet=1 && return 0 ;;
        *) return 0 ;;
    esac
    if is_true "$PIP_QUIET"; then quiet=1; elif ! is_false "$PIP_QUIET"; then return 2; fi
}

# true when a pip config file pip may read says quiet (in any case, anywhere: a comment too), or
# sh cannot tell: the files looked at are all pipconf.config_files may name for any command
# (more, never fewer), the prefix's from real_kind; an XDG_CONFIG_DIRS entry with ~ (which some
# pips expand), a file it cannot read, or no prefix recorded count as saying it
conf_quiet() {
    [ "${PIP_CONFIG_FILE-}" != /dev/null ] || return 1
    [ -n "$pfx" ] || return 0
    case $XDG_CONFIG_DIRS in *[![:space:]]*) dirs=$XDG_CONFIG_DIRS: ;; *) dirs=/etc/xdg: ;; esac
    case :$dirs in *:"~"*) return 0 ;; esac
    while [ -n "$dirs" ]; do
        d=${dirs%%:*} dirs=${dirs#*:}
        says_quiet "${d:+$d/}pip/pip.conf" && return # an empty entry: ./pip/pip.conf, as in pip
    done
    for f in /etc/pip.conf "$HOME/.pip/pip.conf" "$HOME/.config/pip/pip.conf" "$pfx/pip.conf"; do
        says_quiet "$f" && return
    done
    [ -z "${XDG_CONFIG_HOME-}" ] || ! says_quiet "$XDG_CONFIG_HOME/pip/pip.conf" || return 0
    [ -z "${PIP_CONFIG_FILE-}" ] || ! says_quiet "$PIP_CONFIG_FILE" || return 0
    return 1
}

# true when file $1 exists and mentions quiet in any case, or cannot be read as a file (pip reads
# only what exists, as does pipconf); a line at a time, with no fork
says_quiet() {
    [ -e "$1" ] || return 1
    [ -f "$1" ] && [ -r "$1" ] || return 0
    while IFS= read -r l || [ -n "$l" ]; do
        case $l in *[qQ][uU][iI][eE][tT]*) return 0 ;; esac
    done <"$1"
    return 1
}

# a read (rule 2: it runs where an install would, if that exists) that sh can route, exec'd
# as pipshim's Python would run it: the real pip, or the environment pick() found with the
# `pipshim:` line plan.venv_line says. Returns when anything is left to decide: then
# pipshim.boot (or the resolver) does, as before. PIP_PYTHON is pip's --python (facts._interpreter),
# in any spelling pip reads (python_spelled)
read_here() {
    [ -z "$bad$pending$skipped$unsure${PIP_PYTHON-}" ] && [ "$PIPSHIM_EXPLAIN" != 1 ] && ! python_spelled && read_args "$@" || return 0
    # config.toml may quiet the line or warn; a HOME the line's ~/ would not match as Python's
    case $HOME in /*/ | *//* | */./* | */../* | */. | */..) return ;; /*) ;; *) return ;; esac
    case $XDG_CONFIG_HOME in /*) cfg=$XDG_CONFIG_HOME ;; *) cfg=$HOME/@CONFIG_HOME_DEFAULT@ ;; esac
    [ -e "$cfg/@CONFIG_IN_CONFIG@" ] || [ -h "$cfg/@CONFIG_IN_CONFIG@" ] && return
    if [ -z "$env" ]; then # a pass-through: apps.read_note may add a line to list and show
        case $rd in list | show) return ;; esac
        real_one "$n" || return
    else
        real_pip_py "$n" && real_kind || return
        if [ "$kind" = managed ]; then
            case $rd in list | show) [ "$src" != user ] || return ;; esac
            case $env in *//* | */./* | */../* | */. | */.. | ?*/) return ;; esac
            pip_python "$n" || return
            [ "$s" = "$env/bin/$n" ] || { [ ! -e "$env/bin/$n" ] && [ ! -h "$env/bin/$n" ]; } || return
            # pipX.Y the user environment has no pip of: another version's, which may have its own (Facts.version_venv)
            case $src$s in user*/pip) case $n in pip | pip3) ;; *) return ;; esac ;; esac
            is_true "$PIPSHIM_QUIET" || pip_quiet || return
            if [ -z "$quiet" ] && ! is_true "$PIPSHIM_QUIET"; then
                shown=$env
                case $env in "${here%/}"/*) [ "$here" = / ] || [ "$here" = "$HOME" ] || shown=./${env#"${here%/}"/} ;; esac
                if [ "$shown" = "$env" ] && [ "$HOME" != / ]; then
                    case $env in "$HOME"/*) shown="~/${env#"$HOME"/}" ;; esac
                fi
                case $src in active) w=$WORDS_ACTIVE ;; nearest) w=$WORDS_NEAREST ;; *) w=$WORDS_USER ;; esac
                msg_read "$shown" "$w" "pip${rd:+ $rd}"
            fi
            [ "$src" != user ] || export PIP_USER=0
            real=$s
        fi
    fi
    export "$GUARD=1"
    exec "$real" "$@"
}
