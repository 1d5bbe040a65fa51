#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints, and every test.
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
echo "== cargo test"
cargo test --locked --all-targets
cargo test --locked --doc
