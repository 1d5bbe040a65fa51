#!/bin/sh
# RUSTC_WRAPPER for `fuzz/run.sh smoke`: adds libFuzzer's coverage instrumentation to suratd
# (built with its `fuzzing` feature) and to the fuzz targets only. Every other crate is
# compiled exactly as the ordinary debug build compiles it, so a smoke run in a target dir
# that already holds that build (test.sh) rebuilds only these few crates.
rustc=$1
shift
case " $* " in
*" --crate-name suratd "*'feature="fuzzing"'* | *"/fuzz/src/lib.rs "* | *"/fuzz/fuzz_targets/"*)
    exec "$rustc" "$@" -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
        -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
        -Cllvm-args=-sanitizer-coverage-pc-table \
        -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing
    ;;
*) exec "$rustc" "$@" ;;
esac
