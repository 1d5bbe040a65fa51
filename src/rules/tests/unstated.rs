//! Values a letter states without a label, and the guards that keep guesses from becoming
//! wrong values.

use super::{letter, shipped};
use crate::rules::{extract, Extraction, Letter, ValueSource};

fn extract_as(rule: &str, l: &Letter<'_>) -> Extraction {
    extract(shipped().get(rule).expect("a shipped rule"), l)
}

fn value<'e>(ex: &'e Extraction, field: &str) -> Option<&'e str> {
    ex.fields.get(field).map(|v| v.value.as_str())
}

fn source(ex: &Extraction, field: &str) -> Option<ValueSource> {
    ex.fields.get(field).map(|v| v.source.clone())
}

#[test]
fn a_list_of_participants_gives_no_one_value() {
    let docx = "Bersama ini kami daftarkan peserta sertifikasi:\n\
                Bidang sertifikasi\t: Oracle Database Foundations\n\
                Nama\tNIM\tEmail\n\
                Galih Pratama\t2203017001\tgalih@uhamka.ac.id\n\
                Intan Permatasari\t2203017015\tintan@uhamka.ac.id\n\
                Yoga Aditya\t2203017022\tyoga@uhamka.ac.id\n\n\
                Narahubung: Sari Dewi, M.Kom., telepon 0812-9000-1122.";
    let l = letter(
        "si@uhamka.ac.id",
        "Pendaftaran sertifikasi",
        "Terlampir.",
        &[("daftar.docx", docx)],
    );
    let ex = extract_as("sertifikasi-it", &l);
    assert_eq!(value(&ex, "nama"), Some("Sari Dewi, M.Kom."));
    assert_eq!(value(&ex, "nim"), None);
    // Not the first participant's address, found by its shape: the sender's.
    assert_eq!(value(&ex, "email"), Some("si@uhamka.ac.id"));
    assert_eq!(source(&ex, "email"), Some(ValueSource::Sender));

    // One data row is the person's.
    let one = "Nama\tNIM\tEmail\nGalih Pratama\t2203017001\tgalih@uhamka.ac.id\n";
    let ex = extract_as(
        "sertifikasi-it",
        &letter("galih@uhamka.ac.id", "Sertifikasi", one, &[]),
    );
    assert_eq!(value(&ex, "nim"), Some("2203017001"));
}
