#!/usr/bin/env bash
# Reset mail between tests.
#
#   reset.sh                          empty every mailbox of every user: all messages expunged,
#                                     every folder but INBOX deleted, Postfix's queue emptied.
#                                     Running stack: UIDVALIDITY stays, UIDs go on counting.
#                                     Stopped stack: the Maildirs are deleted (new UIDVALIDITY).
#   reset.sh uidvalidity USER [MBOX]  give MBOX (default INBOX) a new UIDVALIDITY (old + 1),
#                                     keeping its messages: what a client sees after a server
#                                     rebuilt its index. Prints the new value. Needs Dovecot up.
#   reset.sh recreate USER MBOX       delete and create MBOX again: empty, new UIDVALIDITY
#                                     (INBOX cannot be deleted: it is emptied and gets a new
#                                     UIDVALIDITY). Needs Dovecot up.
set -euo pipefail
MS_SELF=reset.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ms_need_root
DA=(/usr/bin/doveadm -c "$DC_CONF")

need_dovecot() { ms_recorded dovecot >/dev/null || ms_die "dovecot is not running (start.sh dovecot)"; }
uidvalidity() { "${DA[@]}" -f flow mailbox status -u "$1" uidvalidity "$2" | sed 's/.*uidvalidity=//'; }
new_uidvalidity() {
    local v
    v=$(( $(uidvalidity "$1" "$2") + 1 ))
    "${DA[@]}" mailbox update -u "$1" --uid-validity "$v" "$2"
    echo "$v"
}

case "${1:-}" in
    uidvalidity)
        [ $# -ge 2 ] || ms_die "usage: reset.sh uidvalidity USER [MAILBOX]"
        need_dovecot
        new_uidvalidity "$2" "${3:-INBOX}"
        exit 0 ;;
    recreate)
        [ $# -eq 3 ] || ms_die "usage: reset.sh recreate USER MAILBOX"
        need_dovecot
        if [ "${3^^}" = INBOX ]; then
            "${DA[@]}" expunge -u "$2" mailbox INBOX all
            new_uidvalidity "$2" INBOX
        else
            "${DA[@]}" mailbox delete -u "$2" -s "$3" 2>/dev/null || true
            "${DA[@]}" mailbox create -u "$2" -s "$3"
            uidvalidity "$2" "$3"
        fi
        exit 0 ;;
    "") ;;
    *) echo "usage: reset.sh [uidvalidity USER [MAILBOX] | recreate USER MAILBOX]" >&2; exit 2 ;;
esac

[ -d "$MS_DIR" ] || { ms_say "nothing to reset ($MS_DIR does not exist)"; exit 0; }

if ms_recorded postfix >/dev/null; then
    "$PF_SBIN/postsuper" -c "$PF_CONF" -d ALL 2>&1 | grep -v '^postsuper: Deleted: 0 messages' || true
else
    # (postsuper without the master would try to write the root-owned log file as user postfix)
    for q in maildrop incoming active deferred hold corrupt defer bounce trace flush; do
        [ -d "$PF_QUEUE/$q" ] && find "$PF_QUEUE/$q" -type f -delete
    done
fi

if ms_recorded dovecot >/dev/null; then
    for u in $MS_USERS; do
        "${DA[@]}" expunge -u "$u" mailbox '*' all
        # deepest first: a parent may only be deleted after its children
        "${DA[@]}" mailbox list -u "$u" | { grep -vx INBOX || true; } | awk -F/ '{ print NF "\t" $0 }' | sort -rn | cut -f2- |
            while IFS= read -r mb; do
                # an implicit parent (\Noselect) is gone with its last child: "doesn't exist" is fine
                "${DA[@]}" mailbox delete -u "$u" -s "$mb" 2>/dev/null || true
            done
    done
    ms_say "emptied every mailbox"
else
    for d in $MS_DOMAINS; do
        [ -d "$MAIL_ROOT/$d" ] && find "$MAIL_ROOT/$d" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
    done
    ms_say "dovecot not running: deleted every Maildir"
fi
