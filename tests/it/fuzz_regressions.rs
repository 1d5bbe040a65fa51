//! Every input in tests/data/fuzz-regressions/TARGET/ (crashes the fuzzers found, and
//! hostile samples) goes through the same function its fuzz target calls: a crash fixed once
//! stays fixed under a plain `cargo test`. See fuzz/README.md.

#[path = "../../fuzz/src/lib.rs"]
mod harness;

use super::support::repo;

#[test]
fn every_fuzz_regression_input_passes_its_target() {
    let root = repo().join("tests/data/fuzz-regressions");
    let mut ran = 0;
    for (target, run) in harness::TARGETS {
        let Ok(dir) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        let mut files: Vec<_> = dir.flatten().map(|e| e.path()).collect();
        files.sort();
        for file in files {
            let data = std::fs::read(&file).expect("read regression input");
            eprintln!("{target}: {}", file.display());
            run(&data);
            ran += 1;
        }
    }
    assert!(ran > 0, "no regression inputs under {}", root.display());
}

#[test]
fn every_fuzz_target_has_a_regression_folder() {
    for (target, _) in harness::TARGETS {
        let dir = repo().join("tests/data/fuzz-regressions").join(target);
        assert!(dir.is_dir(), "no {}", dir.display());
    }
}

#[test]
fn every_hostile_sample_passes_parse_and_classify() {
    let dir = repo().join("tests/data/hostile");
    let mut n = 0;
    for e in std::fs::read_dir(&dir)
        .expect("tests/data/hostile")
        .flatten()
    {
        if e.path().extension().is_some_and(|x| x == "eml") {
            harness::parse_classify(&std::fs::read(e.path()).expect("read"));
            n += 1;
        }
    }
    assert!(n >= 4, "only {n} samples in {}", dir.display());
}
