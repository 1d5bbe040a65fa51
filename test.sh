#!/usr/bin/env bash
# Runs the whole test suite: the corpus check, formatting, lints, and every test, the
# real-server ones against a Dovecot and a Postfix that this script installs (Debian
# packages), starts on 127.0.0.1 and stops again — by pid, also when a test fails.
#
# A CARGO_TARGET_DIR outside the clone lets repeated runs on one machine reuse the build.
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$(cd .. && pwd)/suratd-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

echo "== golden corpus matches its generator"
python3 tests/data/gen/make_corpus.py --check
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --all-targets --locked -- -D warnings

echo "== mail stack: Dovecot + Postfix on 127.0.0.1"
# Its own runtime dir and ports, so a stack someone else runs on this machine is never
# touched; stop.sh stops only the processes start.sh recorded in this dir.
export SURATD_MAILSTACK_DIR="${SURATD_MAILSTACK_DIR:-/tmp/suratd-test-ms}"
export SURATD_MAILSTACK_IMAP_PORT="${SURATD_MAILSTACK_IMAP_PORT:-31143}"
export SURATD_MAILSTACK_IMAPS_PORT="${SURATD_MAILSTACK_IMAPS_PORT:-31993}"
export SURATD_MAILSTACK_SMTP_PORT="${SURATD_MAILSTACK_SMTP_PORT:-32525}"
export SURATD_MAILSTACK_SUBMISSION_PORT="${SURATD_MAILSTACK_SUBMISSION_PORT:-31587}"
tests/mailstack/install.sh
tests/mailstack/start.sh
trap 'tests/mailstack/stop.sh' EXIT
eval "$(tests/mailstack/env.sh)"

echo "== cargo test"
cargo test --locked --all-targets
cargo test --locked --doc

# ---- reliability, short forms (tests/crash; long forms and figures: RELIABILITY.md) -----
# On the same stack, after the tests above (each script empties the mailboxes first).
echo "== crash test (short): SIGKILL at random moments while letters arrive"
SURATD_BIN="$CARGO_TARGET_DIR/debug/suratd" python3 tests/crash/crash.py --letters 200 --kills 8
echo "== outage test (short): Dovecot, then Postfix, down while letters arrive"
SURATD_BIN="$CARGO_TARGET_DIR/debug/suratd" python3 tests/crash/outage.py --down 5
# ---- end of reliability ------------------------------------------------------------------

# ---- fuzz smoke (issue 6; fuzz/README.md) -----------------------------------------------
# Every fuzz target for a few seconds, built beside the test build (only suratd and the
# targets are recompiled, instrumented). SURATD_FUZZ=0 skips it; SURATD_FUZZ_SECONDS sets
# the time per target. A crash fails the run and names the input.
if [[ "${SURATD_FUZZ:-1}" != 0 ]]; then
    echo "== fuzz smoke (${SURATD_FUZZ_SECONDS:-5} s per target)"
    fuzz/run.sh smoke "${SURATD_FUZZ_SECONDS:-5}"
fi
# ---- end fuzz smoke ----------------------------------------------------------------------
