#!/usr/bin/env bash
# End-to-end check of the mail stack itself, with timings. Ends with the stack stopped;
# exit status non-zero on any failure.
#
#   tests/mailstack/selftest.sh            # uses $SURATD_MAILSTACK_DIR as it is
#   tests/mailstack/selftest.sh --clean    # deletes $SURATD_MAILSTACK_DIR first (new CA, new mail)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MS_SELF=selftest.sh
. "$HERE/lib.sh"
ms_need_root

passed=0
TIMES=()
t_start=$EPOCHREALTIME
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }
ok() { passed=$((passed + 1)); echo "  ok   $*"; }
fail() {
    echo "  FAIL $*" >&2
    echo "selftest: $passed passed, 1 failed"
    exit 1
}
timed() { TIMES+=("$(printf '%-48s %s s' "$1" "$2")"); }
# has FILE STRING: the JSON output in FILE contains STRING
has() { grep -qF -- "$2" "$1"; }

OUT=$(mktemp -d /tmp/suratd-selftest.XXXXXX)
# Always end stopped, also when a check fails: stop.sh is the trap handler.
cleanup() {
    "$HERE/stop.sh" >/dev/null
    SURATD_MAILSTACK_DIR=$MS_DIR-conflict "$HERE/stop.sh" >/dev/null
    rm -rf "$OUT" "$MS_DIR-conflict"
}
trap cleanup EXIT

ALL_PROCS=()   # pid:start of every process of every stack this test started
remember_procs() {
    local n r
    for n in dovecot postfix; do
        r=$(ms_recorded "$n") || continue
        mapfile -t -O ${#ALL_PROCS[@]} ALL_PROCS < <(ms_tree "${r% *}")
    done
}

echo "== install"
t=$(now); "$HERE/install.sh" > "$OUT/install.log" 2>&1 || { cat "$OUT/install.log" >&2; fail "install.sh"; }
timed "install.sh" "$(since "$t")"; ok "install.sh: $(tail -1 "$OUT/install.log")"

if [ "${1:-}" = --clean ]; then
    "$HERE/stop.sh" >/dev/null
    rm -rf "$MS_DIR"
    ok "deleted $MS_DIR"
fi

echo "== start"
# A taken port is a clear error before anything starts.
(   export SURATD_MAILSTACK_DIR=$MS_DIR-conflict SURATD_MAILSTACK_IMAPS_PORT=21993 \
        SURATD_MAILSTACK_SMTP_PORT=22525 SURATD_MAILSTACK_SUBMISSION_PORT=21587
    python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(30)' > "$OUT/port" &
    lpid=$!
    until [ -s "$OUT/port" ]; do sleep 0.02; done
    rc=0; SURATD_MAILSTACK_IMAP_PORT=$(cat "$OUT/port") "$HERE/start.sh" > "$OUT/conflict.out" 2>&1 || rc=$?
    kill "$lpid"
    [ "$rc" = 1 ] && grep -q "port $(cat "$OUT/port") is already in use" "$OUT/conflict.out" || { cat "$OUT/conflict.out" >&2; exit 1; }
) || fail "start.sh with a taken port"
ok "taken port: rc 1, \"$(grep -o 'port [0-9]* is already in use' "$OUT/conflict.out")\""
# Postfix failing to start (here: its SMTP port is the IMAP port Dovecot just took) must not
# leave behind the Dovecot this run started.
(   export SURATD_MAILSTACK_DIR=$MS_DIR-conflict SURATD_MAILSTACK_IMAP_PORT=21143 \
        SURATD_MAILSTACK_IMAPS_PORT=21993 SURATD_MAILSTACK_SMTP_PORT=21143 SURATD_MAILSTACK_SUBMISSION_PORT=21587
    rc=0; "$HERE/start.sh" > "$OUT/half.out" 2>&1 || rc=$?
    [ "$rc" = 1 ] && grep -q 'stopping the dovecot this run started' "$OUT/half.out" && grep -q 'stopped dovecot' "$OUT/half.out" &&
        ! ms_listening 21143 && ! ms_listening 21993 && ! ms_recorded dovecot >/dev/null || { cat "$OUT/half.out" >&2; exit 1; }
) || fail "start.sh when postfix fails"
rm -rf "$MS_DIR-conflict"
ok "postfix failing to start: rc 1, the dovecot started by that run is stopped again"

"$HERE/stop.sh" >/dev/null   # a stack left running by someone: start from stopped
t=$(now); "$HERE/start.sh" > "$OUT/start.out" 2>&1 || { cat "$OUT/start.out" >&2; fail "start.sh"; }
timed "start.sh$([ "${1:-}" = --clean ] && echo " (fresh dir: CA + cert)")" "$(since "$t")"
ms_listening $MS_PORTS_DOVECOT $MS_PORTS_POSTFIX && [ -S "$DC_BASE/lmtp" ] || fail "ports/LMTP socket after start.sh"
ok "start.sh: ports $MS_PORTS_DOVECOT $MS_PORTS_POSTFIX listening, LMTP socket there"
remember_procs
t=$(now); "$HERE/start.sh" > "$OUT/start2.out" 2>&1 || fail "second start.sh"
timed "start.sh when already running" "$(since "$t")"
grep -q 'already running' "$OUT/start2.out" || fail "second start.sh did not say already running"
ok "second start.sh: $(cat "$OUT/start2.out")"
"$HERE/reset.sh" >/dev/null

echo "== routing"
t=$(now)
"$HERE/send.py" --to helpdesk@kampus.test --cc kepala+a-tok123@kampus.test --bcc someone@gmail.com \
    --subject "Permohonan lisensi Zoom" > "$OUT/send.json" || fail "send.py"
for u in helpdesk kepala catchall; do
    "$HERE/dump.py" --user "$u@kampus.test" --wait 1 --timeout 10 > "$OUT/$u.json" || fail "nothing in $u's INBOX"
done
timed "SMTP send -> in 3 INBOXes (3 dump.py runs)" "$(since "$t")"
mid=$(grep -o '"message_id": "[^"]*"' "$OUT/send.json")
for u in helpdesk kepala catchall; do has "$OUT/$u.json" "$mid" || fail "$u got another message: $(cat "$OUT/$u.json")"; done
has "$OUT/helpdesk.json" '"delivered_to": "helpdesk@kampus.test"' || fail "helpdesk Delivered-To: $(cat "$OUT/helpdesk.json")"
ok "helpdesk@kampus.test: in its INBOX, Delivered-To helpdesk@kampus.test"
has "$OUT/kepala.json" '"delivered_to": "kepala+a-tok123@kampus.test"' || fail "plus tag lost: $(cat "$OUT/kepala.json")"
ok "kepala+a-tok123@kampus.test: in kepala's INBOX, Delivered-To keeps the +tag"
has "$OUT/catchall.json" '"delivered_to": "someone@gmail.com"' || fail "catch-all: $(cat "$OUT/catchall.json")"
ok "someone@gmail.com (Bcc): in catchall's INBOX, Delivered-To someone@gmail.com"
"$HERE/send.py" --to nobody@kampus.test > "$OUT/unknown.json" && fail "unknown user accepted"
has "$OUT/unknown.json" "User unknown" || fail "unknown user: $(cat "$OUT/unknown.json")"
ok "unknown user in a test domain: 550 at RCPT"
"$HERE/idle.py" --user mahasiswa@unit.kampus.test --send --poll > "$OUT/poll.json" || fail "delivery poll"
timed "SMTP send -> visible in IMAP (poll 10 ms)" "$(grep -o '"seconds": [0-9.]*' "$OUT/poll.json" | cut -d' ' -f2)"

echo "== TLS and AUTH"
"$HERE/dump.py" --user helpdesk@kampus.test --tls ssl > "$OUT/imaps.json" && has "$OUT/imaps.json" "$mid" ||
    fail "IMAPS with the test CA"
ok "IMAPS $SURATD_MAILSTACK_IMAPS_PORT: certificate verified against $TLS_DIR/ca.crt (127.0.0.1)"
"$HERE/dump.py" --user helpdesk@kampus.test --tls starttls > /dev/null || fail "IMAP STARTTLS"
ok "IMAP $SURATD_MAILSTACK_IMAP_PORT: STARTTLS verified"
python3 - "$SURATD_MAILSTACK_IMAPS_PORT" <<'EOF' || fail "the system CA store accepted the test certificate"
import socket, ssl, sys
try:
    ssl.create_default_context().wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="localhost")
except ssl.SSLCertVerificationError:
    sys.exit(0)
sys.exit(1)
EOF
ok "the system CA store rejects the certificate (negative control)"
"$HERE/send.py" --auth helpdesk@kampus.test --from helpdesk@kampus.test --to pemohon@unit.kampus.test \
    --subject "Tiket diterima" > /dev/null || fail "submission with AUTH"
"$HERE/dump.py" --user pemohon@unit.kampus.test --wait 1 > /dev/null || fail "submitted message not delivered"
ok "submission $SURATD_MAILSTACK_SUBMISSION_PORT: STARTTLS + AUTH, delivered"
python3 - "$SURATD_MAILSTACK_SUBMISSION_PORT" <<'EOF' || fail "submission accepted mail without AUTH"
import smtplib, sys
try:
    smtplib.SMTP("127.0.0.1", int(sys.argv[1])).sendmail("x@kampus.test", ["pemohon@unit.kampus.test"], "Subject: x\r\n\r\nx\r\n")
except smtplib.SMTPRecipientsRefused:
    sys.exit(0)
sys.exit(1)
EOF
ok "submission without AUTH: refused"

echo "== IDLE"
"$HERE/idle.py" --user helpdesk@kampus.test --send --timeout 5 > "$OUT/idle.json" || fail "no IDLE push"
idle_s=$(grep -o '"seconds": [0-9.]*' "$OUT/idle.json" | cut -d' ' -f2)
timed "IDLE push (send returned -> * N EXISTS)" "$idle_s"
ok "IDLE: * $(grep -o '"exists": [0-9]*' "$OUT/idle.json" | cut -d' ' -f2) EXISTS after $idle_s s"

echo "== restart postfix alone"
t=$(now); "$HERE/stop.sh" postfix > /dev/null || fail "stop.sh postfix"; timed "stop.sh postfix" "$(since "$t")"
ms_listening "$SURATD_MAILSTACK_SMTP_PORT" && fail "SMTP port still open after stop.sh postfix"
"$HERE/dump.py" --user helpdesk@kampus.test > /dev/null || fail "IMAP down after stop.sh postfix"
ok "postfix stopped, SMTP closed, IMAP still up"
t=$(now); "$HERE/start.sh" postfix > /dev/null || fail "start.sh postfix"; timed "start.sh postfix" "$(since "$t")"
remember_procs
"$HERE/idle.py" --user direktur@kampus.test --send --poll > /dev/null || fail "no delivery after restarting postfix"
ok "postfix started again, delivering"

echo "== restart dovecot alone"
t=$(now); "$HERE/stop.sh" dovecot > /dev/null || fail "stop.sh dovecot"; timed "stop.sh dovecot" "$(since "$t")"
ms_listening "$SURATD_MAILSTACK_IMAP_PORT" && fail "IMAP port still open after stop.sh dovecot"
"$HERE/send.py" --to staf@kampus.test --subject "while dovecot is down" > /dev/null || fail "postfix refused mail while dovecot is down"
ok "dovecot stopped, IMAP closed, SMTP still accepts (mail is deferred)"
t=$(now); "$HERE/start.sh" dovecot > /dev/null || fail "start.sh dovecot"; timed "start.sh dovecot" "$(since "$t")"
remember_procs
t=$(now)
"$HERE/dump.py" --user staf@kampus.test --wait 1 --timeout 15 > "$OUT/deferred.json" || fail "deferred mail not delivered after dovecot came back"
timed "deferred mail delivered after start.sh dovecot" "$(since "$t")"
has "$OUT/deferred.json" "while dovecot is down" || fail "deferred: $(cat "$OUT/deferred.json")"
ok "dovecot started again, the deferred message arrived"

echo "== UIDVALIDITY and reset"
old=$("$HERE/dump.py" --user helpdesk@kampus.test | head -1 | grep -o '"uidvalidity": [0-9]*' | cut -d' ' -f2)
new=$("$HERE/reset.sh" uidvalidity helpdesk@kampus.test)
"$HERE/dump.py" --user helpdesk@kampus.test > "$OUT/uv.json"
has "$OUT/uv.json" "\"uidvalidity\": $new," && [ "$new" != "$old" ] || fail "UIDVALIDITY $old -> $new: $(cat "$OUT/uv.json")"
ok "reset.sh uidvalidity: INBOX UIDVALIDITY $old -> $new, messages kept"
/usr/bin/doveadm -c "$DC_CONF" mailbox create -u helpdesk@kampus.test Processed
old=$(/usr/bin/doveadm -c "$DC_CONF" -f flow mailbox status -u helpdesk@kampus.test uidvalidity Processed | sed 's/.*=//')
new=$("$HERE/reset.sh" recreate helpdesk@kampus.test Processed)
[ -n "$new" ] && [ "$new" != "$old" ] || fail "recreate: UIDVALIDITY $old -> $new"
ok "reset.sh recreate: folder Processed UIDVALIDITY $old -> $new"
t=$(now); "$HERE/reset.sh" > /dev/null || fail "reset.sh"; timed "reset.sh (7 users)" "$(since "$t")"
for u in $MS_USERS; do
    [ -z "$("$HERE/dump.py" --user "$u")" ] || fail "$u not empty after reset.sh"
done
ok "reset.sh: every INBOX empty, Processed gone"

echo "== stop"
remember_procs
t=$(now); "$HERE/stop.sh" > "$OUT/stop.out" || fail "stop.sh"; timed "stop.sh" "$(since "$t")"
left=""
for p in "${ALL_PROCS[@]}"; do ms_same "${p%%:*}" "${p#*:}" && left="$left ${p%%:*}"; done
[ -z "$left" ] || fail "processes left after stop.sh:$left"
ms_listening "$SURATD_MAILSTACK_IMAP_PORT" || ms_listening "$SURATD_MAILSTACK_IMAPS_PORT" ||
    ms_listening "$SURATD_MAILSTACK_SMTP_PORT" || ms_listening "$SURATD_MAILSTACK_SUBMISSION_PORT" &&
    fail "a port is still open after stop.sh"
ok "stop.sh: none of the ${#ALL_PROCS[@]} processes started in this run is left, no port open"
"$HERE/stop.sh" | grep -q 'not running' || fail "stop.sh on a stopped stack"
ok "stop.sh again: not running, rc 0"

echo "== timings"
printf '  %s\n' "${TIMES[@]}"
echo "  total $(since "$t_start") s"
echo "selftest: $passed passed, 0 failed"
