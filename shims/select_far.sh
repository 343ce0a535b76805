# pipshim: the second half of the environment selection (select.sh), rendered after it by
# shimrender.py: what pick() does when no venv was found from the current directory upward,
# and the real python or pip next on PATH. The python shim reads it only when it gets there.

# the user's private group (umask 002): named after the user, no other member, nobody else's
# primary group (pure sh reads; sh has no local variables: every name here starts with pg_).
# select.sh's owner_ok calls it only where no mark of pipshim's vouches and the group may write
# (umask 002: a project directory without a venv yet, on every python call there)
private_group() { # $1 gid, $2 uid
    pg_user= pg_ok=1
    while IFS=: read -r pg_name _ pg_id pg_gid _; do
        if [ "$pg_id" = "$2" ]; then pg_user=$pg_name; elif [ "$pg_gid" = "$1" ]; then return 1; fi
    done </etc/passwd
    [ -n "$pg_user" ] || return 1
    while IFS=: read -r pg_name _ pg_id pg_members; do
        [ "$pg_id" = "$1" ] || continue
        [ "$pg_name" = "$pg_user" ] || return 1
        case ",$pg_members," in ,, | ,"$pg_user",) pg_ok=0 ;; esac
        return $pg_ok
    done </etc/group
    return 1
}

in_container() {
    if is_true "$PIPSHIM_CONTAINER"; then return 0; elif is_false "$PIPSHIM_CONTAINER"; then return 1; fi
    for c in $CONTAINER_FILES; do [ -e "$c" ] && return 0; done
    # { …; } 2>/dev/null: a file that cannot be opened (no /proc: macOS) says nothing
    r=; { read -r r </proc/sys/kernel/osrelease; } 2>/dev/null
    case $r in *[mM][iI][cC][rR][oO][sS][oO][fF][tT]*) return 1 ;; esac
    comm=; { read -r comm </proc/1/comm; } 2>/dev/null
    [ -n "$comm" ] || return 1
    { while IFS= read -r l; do
        for w in $CONTAINER_CGROUPS; do case $l in *"$w"*) return 0 ;; esac; done
    done </proc/1/cgroup; } 2>/dev/null
    for i in $INIT_SYSTEMS; do [ "$comm" = "$i" ] && return 1; done
    return 0
}

# H=the home as pipshim's Python takes it (paths.home): HOME if absolute, else the passwd
# entry's home (cron, systemd, env -i); learning the uid costs a fork, so only then
user_home() {
    H=$HOME
    case $H in /*) return ;; esac
    H= uh_id=$(id -u 2>/dev/null) || return 0
    while IFS=: read -r _ _ uh_uid _ _ uh_dir _; do
        [ "$uh_uid" = "$uh_id" ] && { case $uh_dir in /*) H=$uh_dir ;; esac; break; }
    done </etc/passwd
}

# pick(), continued: no venv from here upward (rules 6, 8, 9)
pick_far() {
    user_home
    d=$here
    # rule 6: a project whose .venv is to be made; never / nor $HOME itself (the same directory:
    # -ef); marker_in (rendered) reads the directory once, as discovery.project_marker lists it.
    # (A `case` costs dash a third of what a `[` does: this walk runs on every python call
    # outside projects.)
    while :; do
        case $d in /) break ;; esac
        case $H in /*) [ "$d" -ef "$H" ] && break ;; esac
        if marker_in "$d"; then
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
        d=${d%/*}; case $d in "") d=/ ;; esac
    done
    # rule 8: root outside a container has no user environment
    root=0
    if is_true "$PIPSHIM_ROOT"; then root=1; elif is_false "$PIPSHIM_ROOT"; then :; elif [ -O / ]; then root=1; fi
    if [ "$root" = 1 ] && ! in_container; then return; fi
    # rule 9: the user environment, if it exists (its path: the resolver's one-line file)
    u=
    case $PIPSHIM_USER_VENV in
        /*) u=$PIPSHIM_USER_VENV ;;
        "~") u=$H ;;
        "~/"*) case $H in /*) u=$H/${PIPSHIM_USER_VENV#??} ;; esac ;;
    esac
    case $u in /*) ;; *) u= ;; esac
    if [ -z "$u" ]; then
        data=
        case $XDG_DATA_HOME in /*) data=$XDG_DATA_HOME ;; *) case $H in /*) data=$H/@DATA_HOME_DEFAULT@ ;; esac ;; esac
        [ -n "$data" ] && [ -f "$data/@USER_ENV_FILE_IN_DATA@" ] && IFS= read -r u <"$data/@USER_ENV_FILE_IN_DATA@"
        case $u in /*) ;; *) u= ;; esac
        if [ -z "$u" ]; then
            if [ "$root" = 1 ]; then u=$ROOT_USER_VENV; elif [ -n "$data" ]; then u=$data/@USER_VENV_IN_DATA@; else unsure=1; return; fi
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

# state(), continued: $p is a symlink that leads to no venv, which pipshim never uses, creates
# through or removes; $target makes the not-venv and user-env-unusable lines the link's
# (shimrender.LINK_FIRST). The one fork, and only for such a link: its target, as ls shows it
link_state() {
    st=not-venv target=$(ls -ld -- "$p" 2>/dev/null)
    target=${target#*" $p -> "}
    if [ -e "$p" ]; then detail link-not-venv; else detail link-dangling; fi
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
        elif [ "$d/$1" -ef "$PIPSHIM_BIN_DIR/$1" ]; then
            continue # a link to this very shim (links elsewhere are not read: python3 -> an ELF file)
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
