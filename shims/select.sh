# pipshim: the environment selection shared by the pip and python shims, rendered into both by
# shimrender.py (never written twice). pick() follows pipshim's rules (src/pipshim/rules.py):
# the venvs from the current directory upward here (rules 3, 5), the rest in select_far.sh
# (pick_far: rules 6, 8, 9), which the python shim reads only when it gets that far. Each shim
# defines `fail [MSG]` and `broken PATH`: the python shim reports and exits, the pip shim leaves
# both to the resolver.

# owned by us or root; not writable by others, nor by a group but our private one
# (marked=1: taken from pipshim's mark, which for a venv also vouches for the directory holding it)
owner_ok() {
    marked=
    case $1 in */. | */./* | */.. | */../*) ;; *) # marked by pipshim (shimtrust.py) and still ours: no fork
        # (a mark is a file of ours, never a link: a link to any file of ours would pass -O)
        mk=$trust${1%/}$TRUST_MARK
        [ -n "$trust" ] && [ -O "$mk" ] && [ ! -h "$mk" ] && [ -O "$1" ] && marked=1 && return 0 ;;
    esac
    set -f
    # shellcheck disable=SC2046
    set -- $(ls -ldnL -- "$1" 2>/dev/null) # the one fork: POSIX ls, numeric ids, links followed
    set +f
    [ $# -ge 4 ] || { uid=?; detail owner; return 1; }
    mode=$1 uid=$3 gid=$4
    if [ "$uid" != 0 ] && [ ! -O "$p" ]; then detail owner; return 1; fi
    case $mode in ????????w*) who=others; detail writable; return 1 ;; esac
    case $mode in ?????w*)
        if [ ! -O "$p" ] || ! private_group "$gid" "$uid"; then who="group $gid"; detail writable; return 1; fi
        # a + after the mode: an ACL, whose named entries the group bits (its mask) let write
        case $mode in *+) who="an ACL entry"; detail writable; return 1 ;; esac ;;
    esac
    return 0
}

# the directory holding venv $1 lets nobody else swap it for theirs (discovery.holder_problem):
# ours by owner_ok, or sticky (/tmp) with our own directory in it (sh's -O follows a link: no link)
held() {
    hd=${1%/*}
    [ -k "${hd:=/}" ] && [ ! -h "$1" ] && [ -O "$1" ] || { p=$hd; owner_ok "$hd"; }
}

# st=<state of the venv candidate $1>, as discovery.classify() says it; detail=why
state() {
    p=$1 target=
    # a symlink is followed only to a venv (discovery._link_problem); else link_state (select_far.sh)
    [ -h "$p" ] && { [ ! -f "$p/pyvenv.cfg" ] || [ -e "$p/$INCOMPLETE" ] || [ -h "$p/$INCOMPLETE" ]; } && { link_state; return; }
    if [ ! -e "$p" ]; then st=missing; detail missing; return; fi
    if [ ! -d "$p" ]; then st=not-venv; detail not-dir; return; fi
    owner_ok "$p" || { st=foreign; return; }
    if [ -e "$p/$INCOMPLETE" ] || [ -h "$p/$INCOMPLETE" ]; then st=incomplete; detail incomplete; return; fi
    if [ ! -f "$p/pyvenv.cfg" ]; then
        detail no-cfg; st=empty
        for e in "$p"/* "$p"/.[!.]* "$p"/..?*; do [ -e "$e" ] || [ -h "$e" ] && { st=not-venv; break; }; done
        return
    fi
    for l in "$p"/lib/python3*; do
        [ -e "$l" ] || [ -h "$l" ] || continue
        python=python${l##*/python}
        # a venv made by Python <= 3.8 has no bin/python3.X at all: only a dangling one counts
        [ -e "$p/bin/$python" ] || [ -h "$p/bin/$python" ] || continue
        [ -x "$p/bin/$python" ] || { st=broken; detail python-gone; return; }
    done
    python=$p/bin/python
    [ -x "$python" ] || { st=broken; detail python-gone; return; }
    st=ok
}

# env=<venv whose python runs>, or empty for the real python (the order of rules.py), and
# src=active|nearest|user where it came from; pending=1 when a venv here is still to be made or
# finished (an install there creates it); skipped=1 when a candidate was passed over (rules.ignored
# names it); unsure=1 when sh could not look (no cwd, no home)
pick() {
    env= cache= pending= src= skipped= unsure=
    case $XDG_CACHE_HOME in /*) cache=$XDG_CACHE_HOME ;; *) case $HOME in /*) cache=$HOME/@CACHE_HOME_DEFAULT@ ;; esac ;; esac
    cache=${cache:+$cache/@APP@}
    trust=${cache:+$cache/$TRUST_DIR}
    # the physical cwd without a fork: cd -P and back (OLDPWD as it was: it is exported to what
    # runs); bash in a deleted directory makes PWD "." (dash fails the cd): sh cannot look
    logical=$PWD here= old=${OLDPWD-} had=${OLDPWD+1}
    if cd -P . 2>/dev/null; then case $PWD in /*) here=$PWD ;; *) unsure=1 ;; esac; cd "$logical" 2>/dev/null; else unsure=1; fi
    [ -n "$had" ] && OLDPWD=$old || unset OLDPWD
    case $VIRTUAL_ENV in /*) # rule 3
        state "$VIRTUAL_ENV"
        case $st in ok) env=$VIRTUAL_ENV src=active; return ;; broken) broken "$VIRTUAL_ENV"; return ;; esac
        skipped=1 ;;
    esac
    [ -n "$here" ] || return
    d=$here
    while :; do # rule 5: from the current directory upward
        # venv_here (rendered from the same names) is true when the loop below would look at one
        if venv_here "$d"; then
            set -f
            # shellcheck disable=SC2086
            set -- $VENV_NAMES $OTHER_VENV_NAMES
            set +f
            [ -f "$d/pyvenv.cfg" ] && set -- "" "$@"
            for name in "$@"; do
                v=${d%/}/$name; [ -n "$name" ] || v=$d
                case " $OTHER_VENV_NAMES " in *" $name "*) [ -f "$v/pyvenv.cfg" ] || continue ;; esac
                [ -z "$name" ] || [ -d "$v" ] || continue
                state "$v"
                case $st in ok | broken | incomplete) [ -n "$marked" ] || held "$v" || st=foreign ;; esac
                case $st in ok) env=$v src=nearest; return ;; broken) broken "$v"; return ;; incomplete) pending=1; return ;; esac
                skipped=1
            done
        fi
        case $d in /) break ;; esac # (a case costs dash a third of what a [ does)
        d=${d%/*}; case $d in "") d=/ ;; esac
    done
    pick_far
}
