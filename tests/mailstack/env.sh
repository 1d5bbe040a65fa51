#!/usr/bin/env bash
# shellcheck disable=SC2034  # the SURATD_MAILSTACK_* values are read through ${!n}
# The connection settings of the test mail stack, for tests to read from the environment.
#
#   . tests/mailstack/env.sh            # sourced: exports them into this shell
#   eval "$(tests/mailstack/env.sh)"    # run: prints them as export lines
#
# SURATD_MAILSTACK_DIR          runtime dir (config, state, logs)
# SURATD_MAILSTACK_HOST         127.0.0.1 (the certificate also names localhost)
# SURATD_MAILSTACK_IMAP_PORT    IMAP, plain + STARTTLS
# SURATD_MAILSTACK_IMAPS_PORT   IMAP over TLS
# SURATD_MAILSTACK_SMTP_PORT    SMTP like an MX: no AUTH, accepts for every domain from 127.0.0.1
# SURATD_MAILSTACK_SUBMISSION_PORT  SMTP with AUTH (PLAIN/LOGIN) required, STARTTLS offered
# SURATD_MAILSTACK_CA           the test CA to trust (PEM)
# SURATD_MAILSTACK_PASSWORD     every user's password
# SURATD_MAILSTACK_BIN          this directory (start.sh, stop.sh, reset.sh, send.py, dump.py...)
if [ "${BASH_SOURCE[0]}" != "$0" ]; then
    # sourced: take the exports from a child, so lib.sh's helpers stay out of this shell
    eval "$(bash "${BASH_SOURCE[0]}")"
    return
fi
MS_SELF=env.sh
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
SURATD_MAILSTACK_HOST=127.0.0.1
SURATD_MAILSTACK_CA=$TLS_DIR/ca.crt
SURATD_MAILSTACK_BIN=$HERE
for v in DIR HOST IMAP_PORT IMAPS_PORT SMTP_PORT SUBMISSION_PORT CA PASSWORD BIN; do
    n=SURATD_MAILSTACK_$v
    printf 'export %s=%q\n' "$n" "${!n}"
done
