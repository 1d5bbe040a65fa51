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

#[test]
fn a_booking_written_as_one_sentence() {
    let body = "Assalamu'alaikum, Bapak/Ibu BPTI. Kami Unit Kegiatan Mahasiswa Robotika \
                bermaksud meminjam Lab ICT 2 pada hari Kamis, 12 Maret 2026 pukul 13.00 - \
                16.00 WIB untuk kegiatan Workshop Arduino Dasar yang diikuti oleh 28 \
                peserta. Terima kasih.\n\nHormat kami,\nFarhan Akbar\nKetua UKM Robotika";
    let l = letter("ukm.robotika@uhamka.ac.id", "Pinjam lab", body, &[]);
    let ex = extract_as("lab-ict", &l);
    assert_eq!(value(&ex, "tanggal"), Some("2026-03-12"));
    assert_eq!(value(&ex, "waktu"), Some("13.00 - 16.00 WIB"));
    assert_eq!(value(&ex, "jumlah_peserta"), Some("28"));
    assert_eq!(value(&ex, "kegiatan"), Some("Workshop Arduino Dasar"));
    // No name: the sender gave none and the letter is signed by no one yet known.
    assert_eq!(ex.missing, ["nama"], "{ex:?}");

    // A labelled value beats the sentence, wherever it is.
    let pdf = "Hari/Tanggal : Jumat, 13 Maret 2026\nJumlah peserta : 30 orang";
    let ex = extract_as(
        "lab-ict",
        &letter("u@uhamka.ac.id", "Pinjam lab", body, &[("s.pdf", pdf)]),
    );
    assert_eq!(value(&ex, "tanggal"), Some("2026-03-13"));
    assert_eq!(value(&ex, "jumlah_peserta"), Some("30"));
}

#[test]
fn an_event_named_in_the_subject() {
    let body = "Mohon lisensi Zoom 300.\nNama Ormawa : UKM Paduan Suara\nFakultas : Teknik\n\
                Email Zoom : ketua.ps@student.uns.ac.id\nNo. WA : 0813-4455-6677";
    let l = letter(
        "ketua.ps@student.uns.ac.id",
        "Zoom untuk kegiatan Konser Amal Ramadhan",
        body,
        &[],
    );
    let ex = extract_as("zoom-ormawa", &l);
    assert_eq!(value(&ex, "kegiatan"), Some("Konser Amal Ramadhan"));
    assert_eq!(source(&ex, "kegiatan"), Some(ValueSource::Subject));
}
