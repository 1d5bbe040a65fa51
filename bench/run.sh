#!/usr/bin/env bash
# suratd benchmark: builds the release binary and the raw-fetch client (bench/rawfetch.rs,
# standard library only, compiled with rustc), starts its own mail
# stack (Dovecot + Postfix from tests/mailstack, own dir and ports), measures, stops the stack.
#
#   bench/run.sh            # full: N = 10,000 letters, 200 latency letters (~3 min)
#   bench/run.sh --quick    # N = 500, 20 latency letters (~1 min), for development
#
# Overrides: BENCH_N, BENCH_LATENCY_N, BENCH_ONLY=text,mix,big,latency,check,
# BENCH_OUT (work dir, default /tmp/suratd-bench), SURATD_BENCH_MS_DIR and
# SURATD_BENCH_{IMAP,IMAPS,SMTP,SUBMISSION}_PORT for the stack. Results: $BENCH_OUT/results.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_MODE=full
if [[ "${1:-}" == "--quick" ]]; then BENCH_MODE=quick; fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$(cd .. && pwd)/suratd-target}"
cargo build --release --locked --bin suratd
rustc --edition 2021 -O bench/rawfetch.rs -o "$CARGO_TARGET_DIR/release/rawfetch"
export BENCH_SURATD="${BENCH_SURATD:-$CARGO_TARGET_DIR/release/suratd}"
export BENCH_RAWFETCH="$CARGO_TARGET_DIR/release/rawfetch"
export BENCH_OUT="${BENCH_OUT:-/tmp/suratd-bench}"

# Not test.sh's stack: its own dir and ports.
export SURATD_MAILSTACK_DIR="${SURATD_BENCH_MS_DIR:-/tmp/suratd-bench-ms}"
export SURATD_MAILSTACK_IMAP_PORT="${SURATD_BENCH_IMAP_PORT:-41143}"
export SURATD_MAILSTACK_IMAPS_PORT="${SURATD_BENCH_IMAPS_PORT:-41993}"
export SURATD_MAILSTACK_SMTP_PORT="${SURATD_BENCH_SMTP_PORT:-42525}"
export SURATD_MAILSTACK_SUBMISSION_PORT="${SURATD_BENCH_SUBMISSION_PORT:-41587}"
tests/mailstack/install.sh
tests/mailstack/start.sh
trap 'tests/mailstack/stop.sh' EXIT
eval "$(tests/mailstack/env.sh)"
echo "machine: $(nproc) cores; $(free -m | awk '/Mem:/ {print $2 " MiB memory"}'); load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 bench/bench.py
