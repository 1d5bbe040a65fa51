//! Values a letter states without a label: the unit in a sentence, a signature or the
//! subject; a date, time, count or event inside a sentence; the writer under a signature;
//! and the guards that keep such guesses from becoming wrong values.

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

const WEBSERVICE_DATA: &str = "Nama : Rahmi Yusnita, S.Kom.\nNIP : 19890412 201504 2 003\n\
                               No. HP : 0852-1100-3344\nEmail : rahmi.y@usk.ac.id\n\
                               Jenis data : Data mahasiswa lulusan per semester\n";

#[test]
fn a_unit_that_asks_in_a_sentence_is_the_unit() {
    let body = format!(
        "Yth. Kepala UPT Teknologi Informasi dan Komunikasi\n\nDengan hormat,\n\
         Dalam rangka penyusunan laporan akreditasi, Pusat Karier dan Alumni membutuhkan \
         akses webservice data lulusan. Penanggung jawab akun:\n{WEBSERVICE_DATA}\nSalam,\nRahmi"
    );
    let ex = extract_as(
        "webservice",
        &letter("karier@usk.ac.id", "Akun webservice", &body, &[]),
    );
    // Not the addressee, UPT Teknologi Informasi dan Komunikasi.
    assert_eq!(value(&ex, "unit"), Some("Pusat Karier dan Alumni"));
    assert_eq!(source(&ex, "unit"), Some(ValueSource::Body));
    assert!(ex.is_complete(), "{ex:?}");

    // "kami dari …", a study programme under a faculty's letterhead: the more specific.
    let pdf = format!(
        "UNIVERSITAS SYIAH KUALA\nFAKULTAS PERTANIAN\nJalan Tgk. Hasan Krueng Kalee\n\
         Kami dari Program Studi Agribisnis bermaksud mengajukan akun webservice.\n\
         {WEBSERVICE_DATA}"
    );
    let ex = extract_as(
        "webservice",
        &letter(
            "fp@usk.ac.id",
            "Surat",
            "Terlampir.",
            &[("surat.pdf", &pdf)],
        ),
    );
    assert_eq!(value(&ex, "unit"), Some("Program Studi Agribisnis"));
}

#[test]
fn a_unit_in_a_signature_or_the_subject() {
    let body = format!(
        "Selamat siang,\nmohon dibuatkan akun webservice untuk aplikasi tracer study.\n\
         {WEBSERVICE_DATA}\nTerima kasih.\n\nHormat saya,\nRahmi Yusnita\n\
         Operator Sistem Informasi, Sekolah Pascasarjana USK\n"
    );
    let ex = extract_as(
        "webservice",
        &letter("sps@usk.ac.id", "Akun webservice", &body, &[]),
    );
    assert_eq!(value(&ex, "unit"), Some("Sekolah Pascasarjana USK"));

    let body = format!("Mohon akun webservice.\n{WEBSERVICE_DATA}");
    let ex = extract_as(
        "webservice",
        &letter(
            "lpm@usk.ac.id",
            "Re: Permohonan akun webservice – Lembaga Penjaminan Mutu",
            &body,
            &[],
        ),
    );
    assert_eq!(value(&ex, "unit"), Some("Lembaga Penjaminan Mutu"));
    assert_eq!(source(&ex, "unit"), Some(ValueSource::Subject));
}

#[test]
fn the_clerk_who_sends_a_cover_email_is_not_the_unit() {
    let body = "Yth. Helpdesk,\nTerlampir surat permohonan lisensi.\n\nSalam,\n\
                Subbagian Umum dan Perlengkapan FH";
    let pdf = "UNIVERSITAS BRAWIJAYA\nFAKULTAS HUKUM\nJalan MT. Haryono 169\n\
               Nama : Laras Wening, S.H., M.H.\nNIP : 199003152019032021\n\
               Email : laras.w@ub.ac.id\n";
    let ex = extract_as(
        "office365",
        &letter("umum.fh@ub.ac.id", "Surat", body, &[("surat.pdf", pdf)]),
    );
    assert_eq!(value(&ex, "unit"), Some("Fakultas Hukum"));
    assert_eq!(value(&ex, "fakultas"), Some("Fakultas Hukum"));
}

#[test]
fn a_faculty_named_in_the_labelled_unit() {
    let body = "Nama : Wahyu Prasetyo\nNIP : 198702142014041002\n\
                Unit Kerja : Bagian Keuangan, Fakultas Kedokteran\nEmail : wahyu.p@ub.ac.id\n";
    let ex = extract_as(
        "office365",
        &letter("wahyu.p@ub.ac.id", "Lisensi Office 365", body, &[]),
    );
    assert_eq!(
        value(&ex, "unit"),
        Some("Bagian Keuangan, Fakultas Kedokteran")
    );
    assert_eq!(value(&ex, "fakultas"), Some("Fakultas Kedokteran"));
}

#[test]
fn units_that_are_not_the_requesters_are_left_alone() {
    // The addressee, a recommender, a place, a reply's quoted original: no unit.
    let body = "Kepada Yth. Direktur Direktorat Sistem Informasi,\n\
                Mohon dibuatkan akun webservice. Surat rekomendasi dari Biro Akademik \
                terlampir. Server kami ada di Gedung Fakultas Hukum.\n\
                Nama: Andi\nNIP: 198005122005011003\nNo HP: 081260123456\nJenis data: Data dosen\n\n\
                ________________________________\nFrom: Helpdesk\n\nHormat kami,\n\
                Helpdesk\nUPT Teknologi Informasi dan Komunikasi";
    let ex = extract_as(
        "webservice",
        &letter("andi@usk.ac.id", "RE: Akun webservice", body, &[]),
    );
    assert_eq!(value(&ex, "unit"), None, "{ex:?}");
    assert_eq!(ex.missing, ["unit"]);
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
    assert_eq!(value(&ex, "unit"), Some("Unit Kegiatan Mahasiswa Robotika"));
    assert!(ex.missing.is_empty(), "{ex:?}");

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
fn a_senders_role_is_no_name_the_signature_is() {
    // Forwarded by an office: the name under the letter, not "Sekretariat Prodi".
    let body = "Yth. BPTI, mohon diproses.\n\n---------- Forwarded message ---------\n\
                From: Wulan <wulan@uhamka.ac.id>\n\nSaya bermaksud meminjam Lab ICT 1.\n\
                Hari/Tanggal : Selasa, 10 Maret 2026\nWaktu : 10.00 - 12.00\n\
                Keperluan : Ujian praktik basis data\n\nTerima kasih,\nWulan Sari, M.Kom.\n\
                Dosen Sistem Informasi";
    let mut l = letter("sekretariat.si@uhamka.ac.id", "Fwd: Pinjam lab", body, &[]);
    l.from_name = "Sekretariat Prodi SI";
    let ex = extract_as("lab-ict", &l);
    assert_eq!(value(&ex, "nama"), Some("Wulan Sari, M.Kom."));
    assert_eq!(source(&ex, "nama"), Some(ValueSource::Body));

    // No name under the letter: asked for, rather than the office's name.
    let mut l = letter(
        "keuangan@uhamka.ac.id",
        "Pelatihan",
        "Mohon pelatihan Excel.",
        &[],
    );
    l.from_name = "Biro Keuangan UHAMKA";
    let ex = extract_as("diklat-it", &l);
    assert_eq!(value(&ex, "nama"), None);
    assert!(ex.missing.contains(&"nama".to_string()), "{ex:?}");

    // A person's display name is still the name.
    let mut l = letter(
        "rina@uhamka.ac.id",
        "Pelatihan",
        "Mohon pelatihan Excel.",
        &[],
    );
    l.from_name = "Rina Marlina";
    assert_eq!(
        value(&extract_as("diklat-it", &l), "nama"),
        Some("Rina Marlina")
    );
}

#[test]
fn a_reporter_is_the_name_of_a_complaint() {
    let body = "Printer jaringan di ruang dosen tidak terdeteksi sejak pagi.\n\
                Pelapor : Hendri Kurniawan, S.T. (Laboran FT)\nNo. HP : 0819-3030-4040";
    let ex = extract_as(
        "pengaduan-tik",
        &letter("hendri@uhamka.ac.id", "Printer tidak terdeteksi", body, &[]),
    );
    assert_eq!(value(&ex, "nama"), Some("Hendri Kurniawan, S.T."));
}

#[test]
fn an_ormawa_letter_gives_its_date_on_the_waktu_line() {
    let pdf = "Nama Ormawa : HIMATIKA FMIPA UNS\nFakultas : Matematika dan Ilmu Pengetahuan Alam\n\
               Kegiatan : Olimpiade Matematika\nWaktu : Minggu, 8 Maret 2026, 07.30 WIB\n\
               Email Zoom : him@student.uns.ac.id\nNo. WhatsApp : 0812-7000-1000";
    let ex = extract_as(
        "zoom-ormawa",
        &letter(
            "him@student.uns.ac.id",
            "Zoom",
            "Terlampir.",
            &[("s.pdf", pdf)],
        ),
    );
    assert_eq!(value(&ex, "tanggal"), Some("2026-03-08"));
    // A time without a day is no date.
    let body = "Nama Ormawa : HIMATIKA\nWaktu : 07.30 - 12.00 WIB";
    let ex = extract_as(
        "zoom-ormawa",
        &letter("him@student.uns.ac.id", "Zoom", body, &[]),
    );
    assert_eq!(value(&ex, "tanggal"), None);
}
