# pipshim: the environment selection shared by the pip and python shims, rendered into both
# between `# start rendered` and `# end rendered` by shimrender.py (never written twice).
# pick() follows pipshim's rules (src/pipshim/rules.py); each shim defines `fail [MSG]` and
# `broken PATH`: the python shim reports and exits, the pip shim leaves both to the resolver.

# the user's private group (umask 002): named after the user, no other member (pure sh reads)
# (sh has no local variables: every name here starts with pg_, so no caller's is overwritten)
private_group() { # $1 gid, $2 uid
    pg_user= pg_ok=1
    while IFS=: read -r pg_name _ pg_id _; do [ "$pg_id" = "$2" ] && { pg_user=$pg_name; break; }; done </etc/passwd
    [ -n "$pg_user" ] || return 1
    while IFS=: read -r pg_name _ pg_id pg_members; do
        [ "$pg_id" = "$1" ] || continue
        [ "$pg_name" = "$pg_user" ] || return 1
        case ",$pg_members," in ,, | ,"$pg_user",) pg_ok=0 ;; esac
        return $pg_ok
    done </etc/group
    return 1
}

# owned by us or root; not writable by others, nor by a group but our private one
owner_ok() {
    case $1 in */. | */./* | */.. | */../*) ;; *) # marked by pipshim (shimtrust.py) and still ours: no fork
        # (a mark is a file of ours, never a link: a link to any file of ours would pass -O)
        mk=$trust${1%/}$TRUST_MARK
        [ -n "$trust" ] && [ -O "$mk" ] && [ ! -h "$mk" ] && [ -O "$1" ] && return 0 ;;
    esac
    set -f
    # shellcheck disable=SC2046
    set -- $(ls -ldnL -- "$1" 2>/dev/null) # the one fork: POSIX ls, numeric ids, links followed
    set +f
    [ $# -ge 4 ] || { uid=?; detail_owner; return 1; }
    mode=$1 uid=$3 gid=$4
    if [ "$uid" != 0 ] && [ ! -O "$p" ]; then detail_owner; return 1; fi
    case $mode in ????????w*) who=others; detail_writable; return 1 ;; esac
    case $mode in ?????w*)
        if [ ! -O "$p" ] || ! private_group "$gid" "$uid"; then who="group $gid"; detail_writable; return 1; fi ;;
    esac
    return 0
}

# st=<state of the venv candidate $1>, as discovery.classify() says it; detail=why
state() {
    p=$1
    if [ ! -e "$p" ]; then st=missing; detail_missing; return; fi
    if [ ! -d "$p" ]; then st=not-venv; detail_not_dir; return; fi
    owner_ok "$p" || { st=foreign; return; }
    if [ -e "$p/$INCOMPLETE" ] || [ -h "$p/$INCOMPLETE" ]; then st=incomplete; detail_incomplete; return; fi
    if [ ! -f "$p/pyvenv.cfg" ]; then
        detail_no_cfg; st=empty
        for e in "$p"/* "$p"/.[!.]* "$p"/..?*; do [ -e "$e" ] || [ -h "$e" ] && { st=not-venv; break; }; done
        return
    fi
    for l in "$p"/lib/python3*; do
        [ -e "$l" ] || [ -h "$l" ] || continue
        python=python${l##*/python}
        # a venv made by Python <= 3.8 has no bin/python3.X at all: only a dangling one counts
        [ -e "$p/bin/$python" ] || [ -h "$p/bin/$python" ] || continue
        [ -x "$p/bin/$python" ] || { st=broken; detail_python_gone; return; }
    done
    python=$p/bin/python
    [ -x "$python" ] || { st=broken; detail_python_gone; return; }
    st=ok
}

in_container() {
    if is_true "$PIPSHIM_CONTAINER"; then return 0; elif is_false "$PIPSHIM_CONTAINER"; then return 1; fi
    for c in $CONTAINER_FILES; do [ -e "$c" ] && return 0; done
    r=; read -r r </proc/sys/kernel/osrelease 2>/dev/null
    case $r in *[mM][iI][cC][rR][oO][sS][oO][fF][tT]*) return 1 ;; esac
    comm=; read -r comm </proc/1/comm 2>/dev/null
    [ -n "$comm" ] || return 1
    while IFS= read -r l; do
        for w in $CONTAINER_CGROUPS; do case $l in *"$w"*) return 0 ;; esac; done
    done </proc/1/cgroup
    for i in $INIT_SYSTEMS; do [ "$comm" = "$i" ] && return 1; done
    return 0
}

# env=<venv whose python runs>, or empty for the real python (the order of rules.py), and
# src=active|nearest|user where it came from; pending=1 when a venv here is still to be made or
# finished (an install there creates it); skipped=1 when a candidate was passed over (rules.ignored
# names it); unsure=1 when sh could not look (no cwd, no home)
pick() {
    env= cache= pending= src= skipped= unsure=
    case $XDG_CACHE_HOME in /*) cache=$XDG_CACHE_HOME ;; *) case $HOME in /*) cache=$HOME/.cache ;; esac ;; esac
    cache=${cache:+$cache/pipshim}
    trust=${cache:+$cache/$TRUST_DIR}
    logical=$PWD here=
    if cd -P . 2>/dev/null; then here=$PWD; cd "$logical" 2>/dev/null; else unsure=1; fi
    case $VIRTUAL_ENV in /*) # rule 3
        state "$VIRTUAL_ENV"
        case $st in ok) env=$VIRTUAL_ENV src=active; return ;; broken) broken "$VIRTUAL_ENV"; return ;; esac
        skipped=1 ;;
    esac
    [ -n "$here" ] || return
    d=$here
    while :; do # rule 5: from the current directory upward
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
            case $st in ok) env=$v src=nearest; return ;; broken) broken "$v"; return ;; incomplete) pending=1; return ;; esac
            skipped=1
        done
        [ "$d" = / ] && break
        d=${d%/*}; [ -n "$d" ] || d=/
    done
    home=
    case $HOME in /*) [ -d "$HOME" ] && { logical=$PWD; cd -P -- "$HOME" && home=$PWD; cd "$logical"; } ;; esac
    d=$here
    while [ "$d" != / ] && [ "$d" != "$home" ]; do # rule 6: a project whose .venv is to be made
        found=
        for m in $PROJECT_MARKERS; do [ -e "$d/$m" ] || [ -h "$d/$m" ] && { found=1; break; }; done
        if [ -z "$found" ]; then
            for m in "$d/$MARKER_PREFIX"*"$MARKER_SUFFIX"; do [ -e "$m" ] || [ -h "$m" ] && { found=1; break; }; done
        fi
        if [ -n "$found" ]; then
            state "$d"
            if [ "$st" != foreign ]; then
                state "$d/.venv"
                case $st in
                    missing | empty | incomplete) pending=1; return ;;
                    not-venv) path=$d/.venv; fail not_venv; return ;;
                esac
            fi
            skipped=1 # a foreign project, or its foreign .venv
            break
        fi
        d=${d%/*}; [ -n "$d" ] || d=/
    done
    # rule 8: root outside a container has no user environment
    root=0
    if is_true "$PIPSHIM_ROOT"; then root=1; elif is_false "$PIPSHIM_ROOT"; then :; elif [ -O / ]; then root=1; fi
    if [ "$root" = 1 ] && ! in_container; then return; fi
    # rule 9: the user environment, if it exists (its path: the resolver's one-line file)
    u=
    case $PIPSHIM_USER_VENV in
        /*) u=$PIPSHIM_USER_VENV ;;
        "~") case $HOME in /*) u=$HOME ;; esac ;;
        "~/"*) case $HOME in /*) u=$HOME/${PIPSHIM_USER_VENV#??} ;; esac ;;
    esac
    case $u in /*) ;; *) u= ;; esac
    if [ -z "$u" ]; then
        data=
        case $XDG_DATA_HOME in /*) data=$XDG_DATA_HOME ;; *) case $HOME in /*) data=$HOME/.local/share ;; esac ;; esac
        [ -n "$data" ] && [ -f "$data/pipshim/user-env" ] && IFS= read -r u <"$data/pipshim/user-env"
        case $u in /*) ;; *) u= ;; esac
        if [ -z "$u" ]; then
            if [ "$root" = 1 ]; then u=$ROOT_USER_VENV; elif [ -n "$data" ]; then u=$data/pipshim/venv; else unsure=1; return; fi
        fi
    fi
    state "$u"
    case $st in
        ok) env=$u src=user ;;
        broken) broken "$u"; return ;;
        missing | empty | incomplete) ;;
        *) path=$u; fail user_env_unusable; return ;;
    esac
}

# real=<the next $1 on PATH that is not a pipshim shim>; no fork
real_one() {
    real=
    set -f
    IFS=:
    for d in $PATH; do
        [ -n "$d" ] && [ "$d" != "$PIPSHIM_BIN_DIR" ] && [ -f "$d/$1" ] && [ -x "$d/$1" ] || continue
        if [ ! -h "$d/$1" ]; then # our shims are regular files, never links
            l2=
            { IFS= read -r l1 && IFS= read -r l2; } <"$d/$1" 2>/dev/null
            case $l2 in *"$SHIM_ID"*) continue ;; esac
        fi
        real=$d/$1
        break
    done
    unset IFS
    set +f
    [ -n "$real" ]
}

# one interpreter start: python $1 runs pipshim.boot, which decides as the resolver does and
# runs pip in-process (or execs what the decision says); the shim's arguments follow
boot() {
    py=$1
    shift
    exec "$py" -c "$BOOT" "$PIPSHIM_PYTHON" "$PIPSHIM_SITE" "$0" "$@"
}
