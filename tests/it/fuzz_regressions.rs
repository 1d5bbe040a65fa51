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

/// (name, version) of every package in a Cargo.lock.
fn locked(path: &std::path::Path) -> std::collections::BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(path).expect("read Cargo.lock");
    let mut out = std::collections::BTreeSet::new();
    for block in text.split("[[package]]").skip(1) {
        let field = |key: &str| {
            block
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{key} = \"")))
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or("")
                .to_string()
        };
        out.insert((field("name"), field("version")));
    }
    out
}

#[test]
fn the_fuzz_lock_file_pins_what_suratd_pins() {
    // The fuzz workspace builds with --locked: a dependency change in suratd must reach
    // fuzz/Cargo.lock too, with the same versions (the fuzzers test what ships).
    let main = locked(&repo().join("Cargo.lock"));
    let fuzz = locked(&repo().join("fuzz/Cargo.lock"));
    let differ: Vec<_> = fuzz
        .iter()
        .filter(|(name, _)| main.iter().any(|(n, _)| n == name))
        .filter(|p| !main.contains(*p))
        .collect();
    assert!(
        differ.is_empty(),
        "fuzz/Cargo.lock pins {differ:?}, suratd's Cargo.lock other versions; update it with: \
         cp Cargo.lock fuzz/ && (cd fuzz && cargo metadata --format-version 1 >/dev/null)"
    );
}
