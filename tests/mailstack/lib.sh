# shellcheck shell=bash disable=SC2034
# Settings and helpers shared by the mailstack scripts. Sourced, never run.
# Every setting can be overridden from the environment (see README.md).

SURATD_MAILSTACK_DIR=${SURATD_MAILSTACK_DIR:-/tmp/suratd-mailstack}
case "$SURATD_MAILSTACK_DIR" in /*) ;; *) SURATD_MAILSTACK_DIR="$PWD/$SURATD_MAILSTACK_DIR" ;; esac
SURATD_MAILSTACK_DIR=${SURATD_MAILSTACK_DIR%/}
SURATD_MAILSTACK_IMAP_PORT=${SURATD_MAILSTACK_IMAP_PORT:-11143}
SURATD_MAILSTACK_IMAPS_PORT=${SURATD_MAILSTACK_IMAPS_PORT:-11993}
SURATD_MAILSTACK_SMTP_PORT=${SURATD_MAILSTACK_SMTP_PORT:-12525}
SURATD_MAILSTACK_SUBMISSION_PORT=${SURATD_MAILSTACK_SUBMISSION_PORT:-11587}
SURATD_MAILSTACK_PASSWORD=${SURATD_MAILSTACK_PASSWORD:-secret}
# Where install.sh puts the private Postfix copy when the package cannot be installed.
SURATD_MAILSTACK_POSTFIX_ROOT=${SURATD_MAILSTACK_POSTFIX_ROOT:-/var/lib/suratd-mailstack/postfix-root}

MS_DIR=$SURATD_MAILSTACK_DIR
MS_USERS="helpdesk@kampus.test kepala@kampus.test direktur@kampus.test staf@kampus.test
pemohon@unit.kampus.test mahasiswa@unit.kampus.test catchall@kampus.test"
MS_DOMAINS="kampus.test unit.kampus.test"
MS_CATCHALL=catchall@kampus.test
# Owner of every mail file: no passwd entry needed; Dovecot refuses uid 0 and uids < 500.
MS_VMAIL=5000
MS_PORTS_DOVECOT="$SURATD_MAILSTACK_IMAP_PORT $SURATD_MAILSTACK_IMAPS_PORT"
MS_PORTS_POSTFIX="$SURATD_MAILSTACK_SMTP_PORT $SURATD_MAILSTACK_SUBMISSION_PORT"

DC_CONF=$MS_DIR/dovecot/dovecot.conf
DC_BASE=$MS_DIR/dovecot/run          # base_dir: master.pid and the sockets (lmtp, auth-postfix)
PF_CONF=$MS_DIR/postfix/etc          # postfix -c $PF_CONF
PF_QUEUE=$MS_DIR/postfix/queue       # queue_directory
MAIL_ROOT=$MS_DIR/mail
LOG_DIR=$MS_DIR/log
PID_DIR=$MS_DIR/pids
TLS_DIR=$MS_DIR/tls

# Postfix binaries: the private copy (install.sh private mode) if there is one, else the package.
if [ -f "$SURATD_MAILSTACK_POSTFIX_ROOT/.complete" ]; then
    PF_ROOT=$SURATD_MAILSTACK_POSTFIX_ROOT
    PF_META=$PF_ROOT/etc/postfix
    # The binaries have RUNPATH /usr/lib/postfix, which the private copy does not have.
    export LD_LIBRARY_PATH="$PF_ROOT/usr/lib/postfix${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
else
    PF_ROOT=""
    PF_META=/etc/postfix
fi
PF_SBIN=$PF_ROOT/usr/sbin
PF_DAEMON=$PF_ROOT/usr/lib/postfix/sbin
PF_SHLIB=$PF_ROOT/usr/lib/postfix

ms_die() { echo "$MS_SELF: error: $*" >&2; exit 1; }
ms_say() { echo "$MS_SELF: $*"; }

ms_need_root() { [ "$(id -u)" = 0 ] || ms_die "must run as root (the daemons drop privileges themselves)"; }

# Unix socket paths are limited to 108 bytes; the longest is $DC_BASE/auth-postfix-ish.
if [ ${#DC_BASE} -gt 80 ]; then
    echo "mailstack: SURATD_MAILSTACK_DIR is too long for unix socket paths: $MS_DIR" >&2
    exit 2
fi

# ms_listening PORT... : true if every PORT has a TCP socket in LISTEN state (any address).
# Reads /proc/net/tcp{,6} instead of connecting, so probes leave no noise in the daemons' logs.
ms_listening() {
    local want="" p files=(/proc/net/tcp)
    for p in "$@"; do want="$want $(printf '%04X' "$p")"; done
    [ -r /proc/net/tcp6 ] && files+=(/proc/net/tcp6)   # absent when IPv6 is off
    awk -v want="$want" '
        FNR > 1 && $4 == "0A" { n = split($2, a, ":"); up[a[n]] = 1 }
        END { n = split(want, w, " "); for (i = 1; i <= n; i++) if (!(w[i] in up)) exit 1 }
    ' "${files[@]}"
}

# ms_proc PID -> "STATE STARTTIME" from /proc/PID/stat (fails when the pid does not exist).
ms_proc() {
    local s
    { read -r s < "/proc/$1/stat"; } 2>/dev/null || return 1
    s=${s##*) }     # drop "pid (comm) ": comm may hold spaces
    set -- $s
    echo "$1 ${20}"
}

# ms_same PID START : true if PID is alive (not a zombie) and is the process that started at START
# (start time in clock ticks since boot, so a reused pid never matches).
ms_same() {
    local st
    st=$(ms_proc "$1") || return 1
    [ "${st#* }" = "$2" ] && [ "${st%% *}" != Z ] && [ "${st%% *}" != X ]
}

# ms_recorded NAME -> "PID START" of a daemon master recorded by start.sh, if it still runs.
ms_recorded() {
    local f=$PID_DIR/$1 pid start
    [ -r "$f" ] || return 1
    read -r pid start < "$f" || return 1
    ms_same "$pid" "$start" || return 1
    echo "$pid $start"
}

# ms_tree PID -> "PID:START" for PID and all its descendants, one per line.
ms_tree() {
    local root=$1 f s pid line
    local -A kids=()
    for f in /proc/[0-9]*/stat; do
        { read -r s < "$f"; } 2>/dev/null || continue
        pid=${s%% *}
        s=${s##*) }
        set -- $s
        kids[$2]="${kids[$2]:-} $pid"
    done
    local queue=("$root") p
    while [ ${#queue[@]} -gt 0 ]; do
        p=${queue[0]}; queue=("${queue[@]:1}")
        line=$(ms_proc "$p") || continue
        echo "$p:${line#* }"
        for pid in ${kids[$p]:-}; do queue+=("$pid"); done
    done
}

ms_user_home() { echo "$MAIL_ROOT/${1#*@}/${1%@*}"; }
