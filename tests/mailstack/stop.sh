#!/usr/bin/env bash
# Stop what start.sh started in $SURATD_MAILSTACK_DIR, and nothing else.
#
#   stop.sh [all|dovecot|postfix]      (default all)
#
# Only the masters recorded by start.sh (pid + start time, so a reused pid never matches) and
# their descendants are touched; nothing is matched by name. SIGTERM to each master, wait until
# every one of those processes is gone, SIGKILL the exact survivors after
# SURATD_MAILSTACK_STOP_TIMEOUT seconds (default 10). rc 0 when none is left, also when nothing ran.
# Safe as a trap handler:  trap 'tests/mailstack/stop.sh' EXIT
set -uo pipefail
MS_SELF=stop.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
trap '' INT   # a second Ctrl-C must not leave the stack half stopped

WHAT=${1:-all}
case "$WHAT" in
    all) names="postfix dovecot" ;;   # Postfix first: it delivers into Dovecot
    dovecot|postfix) names=$WHAT ;;
    *) echo "usage: stop.sh [all|dovecot|postfix]" >&2; exit 2 ;;
esac
ms_need_root

procs=()      # "pid:start" of every process to wait for
stopped=""
for n in $names; do
    if r=$(ms_recorded "$n"); then
        mapfile -t tree < <(ms_tree "${r% *}")
        procs+=("${tree[@]}")
        # Both masters stop their children on SIGTERM (Postfix signals its process group).
        kill -TERM "${r% *}" 2>/dev/null
        stopped="$stopped $n(${r% *}, ${#tree[@]} processes)"
    fi
done
if [ -z "$stopped" ]; then
    ms_say "not running: $names"
    for n in $names; do rm -f "$PID_DIR/$n"; done
    exit 0
fi

left() {
    local t
    alive=()
    for t in "${procs[@]}"; do ms_same "${t%%:*}" "${t#*:}" && alive+=("$t"); done
    [ ${#alive[@]} -gt 0 ]
}
deadline=$((SECONDS + ${SURATD_MAILSTACK_STOP_TIMEOUT:-10}))
while left && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
if left; then
    echo "$MS_SELF: still running after ${SURATD_MAILSTACK_STOP_TIMEOUT:-10} s, SIGKILL: ${alive[*]%%:*}" >&2
    for t in "${alive[@]}"; do ms_same "${t%%:*}" "${t#*:}" && kill -KILL "${t%%:*}" 2>/dev/null; done
    for _ in $(seq 40); do left || break; sleep 0.05; done
    if left; then ms_die "survived SIGKILL: ${alive[*]%%:*}"; fi
fi
for n in $names; do rm -f "$PID_DIR/$n"; done
ms_say "stopped$stopped"
