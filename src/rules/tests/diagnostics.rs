//! Diagnostics of broken rule files, asserted verbatim: every problem of every file comes
//! out of one load, at the right line and column, with its hint.

use super::context;
use crate::rules::load_dir;

const BROKEN: &str = r#"name = "Rusak"
sop = "Contoh"
threshold = "tinggi"
approver = "kasubdit"

[[condition]]
in = "subject"
any = ["zoom"]
wieght = 3

[[condition]]
in = "body"
regex = "(zoom"
weight = 2

[[field]]
name = "email"
type = "email"

[[field]]
name = "email"
type = "phone_number"

[[step]]
id = "verifikasi"
title = "Verifikasi"
kind = "verify"
actor = "helpdesk"
sla = "2 minggu"
template = "disposisi_zoom"
"#;

const SYNTAX: &str = r#"name = "Rusak"
threshold = 5
[[condition]
in = "body"
"#;

const EMPTY: &str = r#"name = "Kosong"
threshold = -1
"#;

const OTHER: &str = r#"name = "Lain"
sop = "Contoh"
threshold = 5
escalation = "pimpinan"
one_of = [["nim", "nipp"]]

[[condition]]
in = "subjek"
any = ["lab", 3]
weight = 1

[[field]]
name = "nim"
type = "choice"
required = "ya"

[[step]]
id = "cek"
title = "Cek"
kind = "verfy"
actor = "helpdsk"
sla = "1 x 24 jam hari kerja"
when = { field = "jenis", in = ["a"] }
"#;

#[test]
fn every_problem_of_every_file_from_one_load() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in [
        ("broken.toml", BROKEN),
        ("syntax.toml", SYNTAX),
        ("empty.toml", EMPTY),
        ("other.toml", OTHER),
        ("not-a-rule.txt", "ignored"),
    ] {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    let diags = match load_dir(dir.path(), &context()) {
        Ok(set) => panic!("loaded {} rules from broken files", set.rules.len()),
        Err(d) => d,
    };
    let prefix = format!("{}/", dir.path().display());
    let shown: Vec<String> = diags
        .iter()
        .map(|d| d.headline().replace(&prefix, ""))
        .collect();
    let expected = [
        r#"broken.toml:3:13: error: expected a number for "threshold", found a string "tinggi""#,
        r#"broken.toml:4:12: error: unknown role "kasubdit" (hint: roles are: helpdesk, kabag, kepala, pemohon, pimpinan, staf)"#,
        r#"broken.toml:6:1: error: missing key "weight" in [[condition]]"#,
        r#"broken.toml:9:1: error: unknown key "wieght" in [[condition]] (hint: did you mean `weight`?)"#,
        r#"broken.toml:13:9: error: bad regex "(zoom": unclosed group"#,
        r#"broken.toml:21:8: error: duplicate field name "email" (hint: first defined on line 17)"#,
        r#"broken.toml:22:8: error: unknown field type "phone_number" (hint: field types are: text, nip, nim, phone, email, date, number, choice)"#,
        r#"broken.toml:29:7: error: bad time standard "2 minggu": unknown unit "minggu" (hint: accepted forms: "5 menit", "2 jam", "3 hari", "30 menit kerja", "4 jam kerja", "1 hari kerja", "1 x 24 jam hari kerja", "30 minutes", "2 hours", "1 working day", or bare minutes such as "120")"#,
        r#"broken.toml:30:12: error: unknown template "disposisi_zoom" (hint: templates are in templates/: ack, aktivasi, arahan, balasan, disposisi, eskalasi, kelengkapan, pengingat, penolakan, selesai, tugas, umpan_balik)"#,
        r#"empty.toml:1:1: error: missing key "sop" in the top level"#,
        r#"empty.toml:1:1: error: the rule has no [[condition]] (hint: add at least one [[condition]] so that its letters can be recognised)"#,
        r#"empty.toml:1:1: error: the rule has no [[step]] (hint: list the SOP's steps as [[step]] tables: see docs/rules.md)"#,
        r#"empty.toml:2:13: error: threshold must be greater than 0, found -1 (hint: a letter is this SOP's when its conditions' weights add up to at least the threshold)"#,
        r#"other.toml:4:14: error: expected an array of strings for "escalation", found a string "pimpinan" (hint: write escalation = ["pimpinan"])"#,
        r#"other.toml:5:19: error: unknown field "nipp" in "one_of" (hint: fields are: nim)"#,
        r#"other.toml:8:6: error: unknown target "subjek" (hint: did you mean `subject`? targets are: subject, body, attachment, text, from, to)"#,
        r#"other.toml:9:15: error: expected a string in "any", found an integer 3"#,
        r#"other.toml:14:8: error: type "choice" needs a non-empty "choices" list (hint: add e.g. choices = ["mahasiswa", "dosen"])"#,
        r#"other.toml:15:12: error: expected true or false for "required", found a string "ya""#,
        r#"other.toml:20:8: error: unknown step kind "verfy" (hint: did you mean `verify`? step kinds are: submit, verify, disposition, work, notify, reply_letter, feedback, redirect, other)"#,
        r#"other.toml:21:9: error: unknown role "helpdsk" (hint: did you mean `helpdesk`? roles are: helpdesk, kabag, kepala, pemohon, pimpinan, staf)"#,
        r#"other.toml:23:18: error: unknown field "jenis" in "when" (hint: fields are: nim)"#,
        r#"syntax.toml:3:12: error: toml syntax error: invalid table header: expected `.`, `]]`"#,
    ];
    assert_eq!(shown, expected);

    // The full rendering: headline, source line, caret under the column.
    let wieght = diags
        .iter()
        .find(|d| d.message.contains("wieght"))
        .expect("the unknown key");
    assert_eq!(
        wieght.to_string().replace(&prefix, ""),
        "broken.toml:9:1: error: unknown key \"wieght\" in [[condition]] (hint: did you mean `weight`?)\n\
         9 | wieght = 3\n  \
         | ^\n"
    );
    let regex = diags
        .iter()
        .find(|d| d.message.starts_with("bad regex"))
        .expect("the bad regex");
    assert_eq!(
        regex.to_string().replace(&prefix, ""),
        "broken.toml:13:9: error: bad regex \"(zoom\": unclosed group\n\
         13 | regex = \"(zoom\"\n   \
         |         ^\n"
    );
}

#[test]
fn a_zero_weight_is_only_a_warning() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rule = r#"name = "Nol"
sop = "Contoh"
threshold = 1
[[condition]]
in = "body"
any = ["x"]
weight = 0
[[step]]
id = "a"
title = "A"
kind = "submit"
actor = "pemohon"
sla = "5 menit"
"#;
    std::fs::write(dir.path().join("nol.toml"), rule).expect("write");
    let (set, diags) = crate::rules::check_dir(dir.path(), &context());
    assert_eq!(set.rules.len(), 1);
    let prefix = format!("{}/", dir.path().display());
    let shown: Vec<String> = diags
        .iter()
        .map(|d| d.headline().replace(&prefix, ""))
        .collect();
    assert_eq!(
        shown,
        ["nol.toml:7:10: warning: weight 0: this condition counts for nothing"]
    );
    assert!(load_dir(dir.path(), &context()).is_ok());
}

#[test]
fn a_missing_directory_is_one_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("nope");
    let diags = load_dir(&missing, &context()).expect_err("no directory");
    assert_eq!(diags.len(), 1);
    assert!(diags[0]
        .message
        .starts_with("cannot read the rule directory: "));
}

const MORE: &str = r#"name = "Lagi"
sop = "Contoh"
threshold = 2
condition = [{ in = "body", any = ["a"], regex = "b", weight = 1 }, "x"]

[[field]]
name = "No HP"
choices = ["a"]

[[field]]
name = "jenis"
type = "choice"
choices = ["unit", "dosen"]
aliases = { unti = ["unit kerja"] }
must_match = "[a-"
fallback = "sender"

[[attachment]]
name = "surat"
kinds = ["pdf", "jpg"]

[[attachment]]
name = "surat"

[step]
id = "a"
"#;

const WHEN: &str = r#"name = "Kapan"
sop = "Contoh"
threshold = 1

[[condition]]
in = "body"
any = ["  "]
weight = 1

[[field]]
name = "jenis"
type = "choice"
choices = ["unit", "dosen"]

[[step]]
id = "arahan"
title = "Arahan"
kind = "redirect"
actor = "helpdesk"
sla = "5 menit"
template = "arahan"
when = { field = "jenis", in = ["mahasiswa"], unless = true }

[[step]]
id = "arahan"
title = "Lagi"
kind = "other"
actor = "staf"
sla = "1 x 24 jam hari kerja"
"#;

#[test]
fn more_checks_verbatim() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("more.toml"), MORE).expect("write");
    std::fs::write(dir.path().join("when.toml"), WHEN).expect("write");
    let diags = load_dir(dir.path(), &context()).expect_err("broken");
    let prefix = format!("{}/", dir.path().display());
    let shown: Vec<String> = diags
        .iter()
        .map(|d| d.headline().replace(&prefix, ""))
        .collect();
    let expected = [
        r#"more.toml:4:50: error: a condition has "any" or "regex", not both (hint: split it into two [[condition]] tables)"#,
        r#"more.toml:4:69: error: expected a table in "condition", found a string "x" (hint: write each one as a [[condition]] table)"#,
        r#"more.toml:7:8: error: bad field name "No HP" (hint: use lowercase letters, digits and _, e.g. `no_hp`)"#,
        r#"more.toml:8:1: error: "choices" is only for type "choice""#,
        r#"more.toml:14:13: error: alias for unknown choice "unti" (hint: did you mean `unit`? choices are: unit, dosen)"#,
        r#"more.toml:15:14: error: bad regex "[a-": unclosed character class"#,
        r#"more.toml:16:12: error: unknown fallback "sender" (hint: fallbacks are: sender_address, sender_name)"#,
        r#"more.toml:20:17: error: unknown attachment kind "jpg" (hint: attachment kinds are: pdf, docx, text, other)"#,
        r#"more.toml:23:8: error: duplicate attachment name "surat" (hint: first defined on line 19)"#,
        r#"more.toml:25:1: error: expected an array of tables for "step", found a table (hint: write [[step]], with double brackets)"#,
        r#"when.toml:7:8: error: empty phrase"#,
        r#"when.toml:22:33: error: "mahasiswa" is not a choice of "jenis" (hint: choices are: unit, dosen)"#,
        r#"when.toml:22:47: error: unknown key "unless" in "when" (hint: known keys: field, in)"#,
        r#"when.toml:25:6: error: duplicate step id "arahan" (hint: first defined on line 16)"#,
    ];
    assert_eq!(shown, expected);
}
