# pipshim: the parts of the environment selection (select.sh, select_far.sh) that only rare
# cases need, rendered after both by shimrender.py: a group-writable directory pipshim has not
# marked (umask 002), a symlinked candidate that leads to no venv. The python shim reads this
# only after its first two passes, which end a common call in `exec`; until then, stubs stand
# in for these functions.

# the user's private group (umask 002): named after the user, no other member, nobody else's
# primary group (pure sh reads; sh has no local variables: every name here starts with pg_).
# select.sh's owner_ok calls it only where no mark of pipshim's vouches and the group may write
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

# state(), continued: $p is a symlink that leads to no venv, which pipshim never uses, creates
# through or removes; $target makes the not-venv and user-env-unusable lines the link's
# (shimrender.LINK_FIRST). The one fork, and only for such a link: its target, as ls shows it
link_state() {
    st=not-venv target=$(ls -ld -- "$p" 2>/dev/null)
    target=${target#*" $p -> "}
    if [ -e "$p" ]; then detail_link_not_venv; else detail_link_dangling; fi
}
