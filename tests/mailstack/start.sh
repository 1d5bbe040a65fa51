#!/usr/bin/env bash
# Start the test mail stack: Dovecot (IMAP, IMAPS, LMTP) and Postfix (SMTP, submission) on
# 127.0.0.1, all config and state in $SURATD_MAILSTACK_DIR. Needs install.sh first; run as root.
#
#   start.sh [all|dovecot|postfix]      (default all)
#
# Idempotent: what already runs is left alone ("already running", rc 0).
# rc 1 with the reason on stderr if a port is taken or a daemon does not come up; when Postfix
# fails, the Dovecot this run started is stopped again, so no half stack is left behind.
set -euo pipefail
MS_SELF=start.sh
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"

WHAT=${1:-all}
case "$WHAT" in all|dovecot|postfix) ;; *) echo "usage: start.sh [all|dovecot|postfix]" >&2; exit 2 ;; esac
ms_need_root
for b in /usr/sbin/dovecot /usr/bin/doveconf "$PF_SBIN/postfix" "$PF_DAEMON/master" /usr/bin/openssl; do
    [ -x "$b" ] || ms_die "$b not found: run $HERE/install.sh first"
done

STARTED_DOVECOT=""
fail() {
    echo "$MS_SELF: error: $*" >&2
    if [ -n "$STARTED_DOVECOT" ]; then
        echo "$MS_SELF: stopping the dovecot this run started" >&2
        "$HERE/stop.sh" dovecot >&2 || true
    fi
    exit 1
}

# wait_for SECONDS COMMAND... : poll COMMAND every 50 ms until it succeeds
wait_for() {
    local deadline=$((SECONDS + $1)); shift
    until "$@"; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.05
    done
}

check_ports_free() {
    local p
    for p in "$@"; do
        if ms_listening "$p"; then
            fail "port $p is already in use by another process (another mail stack? set SURATD_MAILSTACK_*_PORT, see README.md)"
        fi
    done
}

# ------------------------------------------------------------------ state dir, TLS, users
prepare() {
    umask 022
    mkdir -p "$MS_DIR" "$DC_BASE" "$MS_DIR/dovecot/state" "$PF_CONF" "$PF_QUEUE" \
        "$MS_DIR/postfix/data" "$MAIL_ROOT" "$LOG_DIR" "$PID_DIR" "$TLS_DIR"
    # The daemons' unprivileged users must be able to walk to their sockets and files.
    chmod 755 "$MS_DIR"
    # Postfix: the queue directory is root's, the data directory (master.lock) the postfix user's.
    chown postfix:postfix "$MS_DIR/postfix/data"; chmod 700 "$MS_DIR/postfix/data"
    local d
    chown "$MS_VMAIL:$MS_VMAIL" "$MAIL_ROOT"
    for d in $MS_DOMAINS; do mkdir -p "$MAIL_ROOT/$d"; chown "$MS_VMAIL:$MS_VMAIL" "$MAIL_ROOT/$d"; done

    # A test CA and a server certificate signed by it, made once and kept across restarts.
    if [ ! -s "$TLS_DIR/server.crt" ]; then
        ms_say "making the test CA and server certificate in $TLS_DIR"
        cat > "$TLS_DIR/x509.cnf" <<'EOF'
[ ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:localhost, IP:127.0.0.1, DNS:kampus.test, DNS:mail.kampus.test
EOF
        local t=$TLS_DIR
        openssl ecparam -name prime256v1 -genkey -noout -out "$t/ca.key"
        openssl req -new -key "$t/ca.key" -subj "/CN=suratd mailstack test CA" -out "$t/ca.csr"
        openssl x509 -req -in "$t/ca.csr" -signkey "$t/ca.key" -days 3650 -sha256 \
            -extfile "$t/x509.cnf" -extensions ca -out "$t/ca.crt" 2>/dev/null
        openssl ecparam -name prime256v1 -genkey -noout -out "$t/server.key.new"
        openssl req -new -key "$t/server.key.new" -subj "/CN=localhost" -out "$t/server.csr"
        openssl x509 -req -in "$t/server.csr" -CA "$t/ca.crt" -CAkey "$t/ca.key" -CAcreateserial \
            -days 3650 -sha256 -extfile "$t/x509.cnf" -extensions server -out "$t/server.crt.new" 2>/dev/null
        chmod 600 "$t/ca.key" "$t/server.key.new"; chmod 644 "$t/ca.crt" "$t/server.crt.new"
        mv "$t/server.key.new" "$t/server.key"
        mv "$t/server.crt.new" "$t/server.crt"   # last: its presence means "done"
        rm -f "$t"/*.csr
    fi
}

# ------------------------------------------------------------------ Dovecot
write_dovecot_conf() {
    local u
    # passwd-file, used as passdb and userdb: user:{PLAIN}password:uid:gid::home::
    for u in $MS_USERS; do
        echo "$u:{PLAIN}$SURATD_MAILSTACK_PASSWORD:$MS_VMAIL:$MS_VMAIL::$(ms_user_home "$u")::"
    done > "$MS_DIR/dovecot/users"
    # read by the auth process, which runs as user dovecot
    chown root:dovecot "$MS_DIR/dovecot/users"; chmod 640 "$MS_DIR/dovecot/users"

    cat > "$DC_CONF" <<EOF
# Written by start.sh on every start; standalone (nothing from /etc/dovecot).
protocols = imap lmtp
listen = 127.0.0.1
base_dir = $DC_BASE
state_dir = $MS_DIR/dovecot/state
instance_name = suratd-mailstack-$(echo "$MS_DIR" | cksum | cut -d' ' -f1)
hostname = mail.kampus.test
postmaster_address = postmaster@kampus.test
log_path = $LOG_DIR/dovecot.log
log_timestamp = "%Y-%m-%d %H:%M:%S "

ssl = yes
ssl_cert = <$TLS_DIR/server.crt
ssl_key = <$TLS_DIR/server.key
# test passwords on loopback: plain LOGIN is fine without TLS
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_username_format = %Lu
auth_failure_delay = ${SURATD_MAILSTACK_AUTH_FAILURE_DELAY:-0}

passdb {
  driver = passwd-file
  args = scheme=PLAIN $MS_DIR/dovecot/users
}
userdb {
  driver = passwd-file
  args = $MS_DIR/dovecot/users
}
# Postfix hands mail for any outside domain to LMTP unchanged; such a recipient is in no
# passwd-file, so it falls through to this userdb whose home is the catch-all's. The message
# keeps "Delivered-To: <original recipient>". Nobody can log in as such an address (no passdb).
userdb {
  driver = static
  args = uid=$MS_VMAIL gid=$MS_VMAIL home=$(ms_user_home "$MS_CATCHALL") allow_all_users=yes
}
first_valid_uid = 500
mail_location = maildir:~/Maildir
mail_max_userip_connections = 100
namespace inbox {
  inbox = yes
  separator = /
}

# plus-addressing: user+tag@dom is delivered to user, and Delivered-To keeps the +tag
recipient_delimiter = +
lmtp_save_to_detail_mailbox = no
lmtp_hdr_delivery_address = final

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $SURATD_MAILSTACK_IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $SURATD_MAILSTACK_IMAPS_PORT
    ssl = yes
  }
}
# Postfix's lmtp client and smtpd run as user postfix and connect to these sockets.
service lmtp {
  unix_listener lmtp {
    user = postfix
    group = postfix
    mode = 0660
  }
}
service auth {
  unix_listener auth-postfix {
    user = postfix
    group = postfix
    mode = 0660
  }
}
EOF
}

# record PIDFILE NAME : once PIDFILE names a live process, record "pid starttime" as NAME
record() {
    local pid st
    [ -r "$1" ] || return 1
    pid=$(tr -dc 0-9 < "$1")
    st=$(ms_proc "$pid") || return 1
    echo "$pid ${st#* }" > "$PID_DIR/$2"
}

dovecot_ready() { [ -S "$DC_BASE/lmtp" ] && [ -S "$DC_BASE/auth-postfix" ] && ms_listening $MS_PORTS_DOVECOT; }

start_dovecot() {
    local r
    if r=$(ms_recorded dovecot); then ms_say "dovecot already running (pid ${r% *})"; return 0; fi
    check_ports_free $MS_PORTS_DOVECOT
    prepare
    write_dovecot_conf
    rm -f "$DC_BASE/master.pid" "$PID_DIR/dovecot"
    # It checks the config, binds, daemonizes and writes base_dir/master.pid.
    /usr/sbin/dovecot -c "$DC_CONF" 2> "$LOG_DIR/dovecot-start.err" ||
        fail "dovecot did not start: $(cat "$LOG_DIR/dovecot-start.err") (log: $LOG_DIR/dovecot.log)"
    wait_for 10 record "$DC_BASE/master.pid" dovecot || fail "dovecot wrote no master.pid (log: $LOG_DIR/dovecot.log)"
    STARTED_DOVECOT=1
    wait_for 15 dovecot_ready || fail "dovecot did not come up within 15 s (log: $LOG_DIR/dovecot.log)"
    ms_say "dovecot started (pid $(cut -d' ' -f1 "$PID_DIR/dovecot"))"
    # Mail that Postfix deferred while Dovecot was down: deliver it now, not at the next retry.
    if ms_recorded postfix >/dev/null; then "$PF_SBIN/postqueue" -c "$PF_CONF" -f 2>/dev/null || true; fi
}

# ------------------------------------------------------------------ Postfix
write_postfix_conf() {
    local lmtp="lmtp:unix:$DC_BASE/lmtp" u
    cat > "$PF_CONF/main.cf" <<EOF
# Written by start.sh on every start. Run as: postfix -c $PF_CONF start
compatibility_level = 3.6
command_directory = $PF_SBIN
daemon_directory = $PF_DAEMON
meta_directory = $PF_META
shlib_directory = $PF_SHLIB
queue_directory = $PF_QUEUE
data_directory = $MS_DIR/postfix/data
mail_owner = postfix
setgid_group = postdrop
$([ -n "$PF_ROOT" ] && echo "# the master starts its children with a clean environment: keep the private library path
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME LD_LIBRARY_PATH=$PF_SHLIB")
# no syslog here: log to a file through the postlog service (master.cf)
maillog_file = $LOG_DIR/postfix.log
maillog_file_prefixes = $LOG_DIR

myhostname = mail.kampus.test
mydomain = kampus.test
myorigin = kampus.test
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
local_transport = error:5.1.1 no local delivery in the test mail stack
alias_maps =
alias_database =
biff = no
smtpd_banner = \$myhostname ESMTP suratd-mailstack
# no DNS: there is no network
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
lmtp_host_lookup = native
smtp_host_lookup = native

# The test domains: known users only (texthash needs no postmap), delivered to Dovecot by LMTP.
virtual_mailbox_domains = $(echo $MS_DOMAINS | sed 's/ /, /g')
virtual_mailbox_maps = texthash:$PF_CONF/vmailbox
virtual_transport = $lmtp
# empty, or it defaults to \$virtual_alias_maps and can shadow the mailbox domains
virtual_alias_maps =
virtual_alias_domains =
recipient_delimiter = +
# Every other domain also goes to Dovecot, which files it in the catch-all: nothing leaves.
default_transport = $lmtp
relay_transport = $lmtp
relay_domains =
# one recipient per LMTP transaction, or Dovecot writes no Delivered-To
lmtp_destination_recipient_limit = 1
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
# Dovecot 2.3's LMTP has no SMTPUTF8: do not offer it, rather than accept and bounce later.
smtputf8_enable = no
in_flow_delay = 0
# retry deferred mail (Dovecot stopped in a test) within seconds, not minutes
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 5s

smtpd_tls_cert_file = $TLS_DIR/server.crt
smtpd_tls_key_file = $TLS_DIR/server.key
smtpd_tls_security_level = may
smtp_tls_security_level = none
smtpd_sasl_type = dovecot
smtpd_sasl_path = $DC_BASE/auth-postfix
smtpd_sasl_auth_enable = no
EOF
    # chroot (5th column) is n everywhere: the sockets and certificates are outside the queue dir.
    cat > "$PF_CONF/master.cf" <<EOF
127.0.0.1:$SURATD_MAILSTACK_SMTP_PORT inet n - n - - smtpd
127.0.0.1:$SURATD_MAILSTACK_SUBMISSION_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
pickup     unix  n - n 60 1 pickup
cleanup    unix  n - n - 0 cleanup
qmgr       unix  n - n 300 1 qmgr
tlsmgr     unix  - - n 1000? 1 tlsmgr
rewrite    unix  - - n - - trivial-rewrite
bounce     unix  - - n - 0 bounce
defer      unix  - - n - 0 bounce
trace      unix  - - n - 0 bounce
verify     unix  - - n - 1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n - - proxymap
proxywrite unix  - - n - 1 proxymap
smtp       unix  - - n - - smtp
relay      unix  - - n - - smtp
showq      unix  n - n - - showq
error      unix  - - n - - error
retry      unix  - - n - - error
discard    unix  - - n - - discard
lmtp       unix  - - n - - lmtp
anvil      unix  - - n - 1 anvil
scache     unix  - - n - 1 scache
postlog    unix-dgram n - n - 1 postlogd
EOF
    for u in $MS_USERS; do echo "$u OK"; done > "$PF_CONF/vmailbox"
    # Postfix will not read a config file changed in the last 2 s: it sleeps in 300 ms steps
    # until the file is older (protection against half-written files). Backdate ours.
    touch -d '10 seconds ago' "$PF_CONF/main.cf" "$PF_CONF/master.cf" "$PF_CONF/vmailbox"
}

start_postfix() {
    local r
    if r=$(ms_recorded postfix); then ms_say "postfix already running (pid ${r% *})"; return 0; fi
    check_ports_free $MS_PORTS_POSTFIX
    prepare
    write_postfix_conf
    rm -f "$PF_QUEUE/pid/master.pid" "$PID_DIR/postfix"
    # 'postfix start' makes the queue directories, runs its checks, and returns once the
    # master is initialised (master -w). Never 'postfix set-permissions': it needs files that
    # only the package's postinst makes. The checks take ~2 s; once they passed in this dir,
    # postfix-script's own quick-start file skips them.
    [ -e "$MS_DIR/postfix/checked" ] && touch "$PF_QUEUE/quick-start"
    "$PF_SBIN/postfix" -c "$PF_CONF" start > "$LOG_DIR/postfix-start.out" 2>&1 ||
        fail "postfix did not start: $(grep -v 'not set-gid' "$LOG_DIR/postfix-start.out" | tail -5) (log: $LOG_DIR/postfix.log)"
    touch "$MS_DIR/postfix/checked"
    wait_for 10 record "$PF_QUEUE/pid/master.pid" postfix || fail "postfix wrote no master.pid (log: $LOG_DIR/postfix.log)"
    wait_for 15 ms_listening $MS_PORTS_POSTFIX || {
        "$HERE/stop.sh" postfix >&2 || true
        fail "postfix did not listen within 15 s (log: $LOG_DIR/postfix.log)"
    }
    ms_say "postfix started (pid $(cut -d' ' -f1 "$PID_DIR/postfix"))"
}

# ------------------------------------------------------------------
if [ "$WHAT" = all ] && ms_recorded dovecot >/dev/null && ms_recorded postfix >/dev/null; then
    ms_say "already running in $MS_DIR"
    exit 0
fi
# all: check every port first, so a conflict fails before anything starts
if [ "$WHAT" = all ]; then
    ms_recorded dovecot >/dev/null || check_ports_free $MS_PORTS_DOVECOT
    ms_recorded postfix >/dev/null || check_ports_free $MS_PORTS_POSTFIX
fi
case "$WHAT" in all|dovecot) start_dovecot ;; esac
case "$WHAT" in all|postfix) start_postfix ;; esac
if [ "$WHAT" = all ]; then
    ms_say "up in $MS_DIR: IMAP $SURATD_MAILSTACK_IMAP_PORT, IMAPS $SURATD_MAILSTACK_IMAPS_PORT, SMTP $SURATD_MAILSTACK_SMTP_PORT, submission $SURATD_MAILSTACK_SUBMISSION_PORT, CA $TLS_DIR/ca.crt"
fi
