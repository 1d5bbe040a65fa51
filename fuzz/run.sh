#!/usr/bin/env bash
# Builds the fuzz targets on stable Rust and runs them with libFuzzer. See README.md.
#
#   fuzz/run.sh run TARGET [SECONDS]   # fuzz one target (default 600 s): every crate
#                                      # instrumented, release; crashes in fuzz/artifacts/
#   fuzz/run.sh build                  # only build that way
#   fuzz/run.sh smoke [SECONDS]        # every target a few seconds (default 5), test.sh's step
#   fuzz/run.sh seeds                  # (re)copy the seed corpora into fuzz/corpus/
#
# No nightly: the coverage instrumentation cargo-fuzz asks rustc for (LLVM's SanitizerCoverage
# pass: inline 8-bit counters, PC table, compare tracing) is reachable through the stable
# -C passes / -C llvm-args options, and libfuzzer-sys builds libFuzzer with the C++
# compiler. Only AddressSanitizer needs -Z flags: FUZZ_ASAN=1 adds -Zsanitizer=address under
# RUSTC_BOOTSTRAP=1 (safe Rust needs no ASan to find panics, overflows and aborts).
#
# `smoke` instruments only suratd and the targets (fuzz/instrument.sh as RUSTC_WRAPPER) in
# the debug profile, so in CARGO_TARGET_DIR beside test.sh's build it reuses most compiled
# dependencies; `build`/`run` use CARGO_TARGET_DIR/fuzz (or FUZZ_TARGET_DIR).
# FUZZ_JOBS=N runs N libFuzzer jobs in parallel for `run`.
set -euo pipefail
cd "$(dirname "$0")"
FUZZ_DIR=$(pwd)
TARGETS=(parse_classify reply_decision token rules_load config_load pdf_fast)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$FUZZ_DIR/target}"
host=$(rustc -vV | sed -n 's/^host: //p')

build_full() {
    local flags="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4"
    flags+=" -Cllvm-args=-sanitizer-coverage-inline-8bit-counters"
    flags+=" -Cllvm-args=-sanitizer-coverage-pc-table"
    flags+=" -Cllvm-args=-sanitizer-coverage-trace-compares"
    flags+=" --cfg fuzzing -Cdebug-assertions -Coverflow-checks -Cforce-frame-pointers"
    if [[ "${FUZZ_ASAN:-0}" == 1 ]]; then
        export RUSTC_BOOTSTRAP=1
        flags+=" -Zsanitizer=address"
    fi
    export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$CARGO_TARGET_DIR/fuzz}"
    # --target keeps RUSTFLAGS off build scripts and proc macros (as cargo-fuzz does).
    RUSTFLAGS="$flags" cargo build --locked --release --target "$host" --bins
    bin_dir="$CARGO_TARGET_DIR/$host/release"
}

build_smoke() {
    RUSTC_WRAPPER="$FUZZ_DIR/instrument.sh" cargo build --locked --bins
    bin_dir="$CARGO_TARGET_DIR/debug"
}

# fuzz TARGET SECONDS: runs one target from its corpus and the regression inputs.
fuzz() {
    local target=$1 secs=$2
    local corpus="$FUZZ_DIR/corpus/$target"
    local regressions="$FUZZ_DIR/../tests/data/fuzz-regressions/$target"
    [[ -d "$corpus" ]] || "$FUZZ_DIR/seeds.sh"
    mkdir -p "$FUZZ_DIR/artifacts/$target" "$regressions"
    local jobs=()
    if [[ "${FUZZ_JOBS:-1}" -gt 1 ]]; then
        # Parallel jobs write their output to fuzz-N.log in the current directory.
        jobs=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
    fi
    # New inputs go to the first dir (the corpus, ignored by git); the regressions are read.
    # Past 2 GB of memory or 20 s for one input is a bug too.
    "$bin_dir/$target" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=20 \
        -max_len=262144 -print_final_stats=1 "${jobs[@]}" \
        -artifact_prefix="$FUZZ_DIR/artifacts/$target/" "$corpus" "$regressions"
}

case "${1:-}" in
build) build_full ;;
seeds) "$FUZZ_DIR/seeds.sh" ;;
run)
    target=${2:?which target: ${TARGETS[*]}}
    build_full
    fuzz "$target" "${3:-600}"
    ;;
smoke)
    build_smoke
    "$FUZZ_DIR/seeds.sh"
    for t in "${TARGETS[@]}"; do
        log="$FUZZ_DIR/artifacts/$t.smoke.log"
        mkdir -p "$FUZZ_DIR/artifacts"
        if fuzz "$t" "${2:-5}" >"$log" 2>&1; then
            echo "fuzz $t: $(grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$log" |
                sed 's/^stat:://' | tr -s ' \n' ' ')"
        else
            tail -n 40 "$log"
            echo "fuzz $t CRASHED: the input is in fuzz/artifacts/$t/; add it to" \
                "tests/data/fuzz-regressions/$t/ with the fix"
            exit 1
        fi
    done
    ;;
*)
    sed -n '2,21p' "$0"
    exit 2
    ;;
esac
