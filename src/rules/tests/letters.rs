//! Realistic letters: which SOP wins, and what is extracted from them.

use super::{letter, shipped};
use crate::rules::{best, extract, Extraction, Letter, ValueSource};

/// The id of the winning rule.
fn winner(l: &Letter<'_>) -> Option<String> {
    best(shipped(), l).1.map(|r| r.id.0.clone())
}

fn extract_as(rule: &str, l: &Letter<'_>) -> Extraction {
    extract(shipped().get(rule).expect("a shipped rule"), l)
}

fn value<'e>(ex: &'e Extraction, field: &str) -> Option<&'e str> {
    ex.fields.get(field).map(|v| v.value.as_str())
}

fn source(ex: &Extraction, field: &str) -> Option<ValueSource> {
    ex.fields.get(field).map(|v| v.source.clone())
}

// ----- Office 365 (UB) -------------------------------------------------------------------

const O365_STUDENT: &str = "Yth. Helpdesk DTI UB,

Dengan hormat, saya mahasiswa Fakultas Ilmu Komputer bermaksud mengajukan lisensi
Microsoft Office 365 untuk akun email UB saya. Berikut data saya:

Nama : Budi Santoso
NIM : 215150200111001
Program Studi : Teknik Informatika
Fakultas : Ilmu Komputer
Email : Budi.Santoso@student.ub.ac.id
No. HP/WA : 0812-3456-7890

Terima kasih.
Hormat saya,
Budi Santoso
";

#[test]
fn office365_student_letter() {
    let l = letter(
        "budi.santoso@student.ub.ac.id",
        "Permohonan Lisensi Office 365",
        O365_STUDENT,
        &[],
    );
    assert_eq!(winner(&l).as_deref(), Some("office365"));
    let ex = extract_as("office365", &l);
    assert_eq!(value(&ex, "nama"), Some("Budi Santoso"));
    assert_eq!(value(&ex, "nim"), Some("215150200111001"));
    assert_eq!(value(&ex, "unit"), Some("Teknik Informatika"));
    assert_eq!(value(&ex, "fakultas"), Some("Ilmu Komputer"));
    assert_eq!(value(&ex, "email"), Some("budi.santoso@student.ub.ac.id"));
    assert_eq!(value(&ex, "no_hp"), Some("081234567890"));
    assert_eq!(source(&ex, "nama"), Some(ValueSource::Body));
    assert!(ex.is_complete(), "{ex:?}");
}

#[test]
fn office365_staff_letter_in_english_with_grouped_nip() {
    let body = "Dear DTI Helpdesk,

I would like to request a Microsoft 365 license for my account.

Name: Dr. Siti Aminah, M.Sc.
Employee ID: 19750819 199903 2 001
Department: Pusat Studi Lingkungan Hidup
Email: siti.aminah@ub.ac.id
Phone: +62 812 3456 7890

Best regards,
Siti";
    let l = letter(
        "siti.aminah@ub.ac.id",
        "Microsoft 365 license request",
        body,
        &[],
    );
    assert_eq!(winner(&l).as_deref(), Some("office365"));
    let ex = extract_as("office365", &l);
    assert_eq!(value(&ex, "nama"), Some("Dr. Siti Aminah, M.Sc."));
    assert_eq!(value(&ex, "nip"), Some("197508191999032001"));
    assert_eq!(value(&ex, "unit"), Some("Pusat Studi Lingkungan Hidup"));
    assert_eq!(value(&ex, "no_hp"), Some("081234567890"));
    assert!(ex.is_complete(), "{ex:?}");
}

#[test]
fn office365_letter_mentioning_email_is_not_email_institusi() {
    let body = "Dengan hormat,
Akun email UB saya sudah aktif, tetapi belum memiliki lisensi Office 365 sehingga tidak
bisa memasang aplikasi Word dan Excel. Mohon dibuatkan lisensi untuk akun email tersebut.
Nama: Rudi Hartono
NIP: 198801012015041001";
    let l = letter("rudi@ub.ac.id", "Permohonan lisensi", body, &[]);
    assert_eq!(winner(&l).as_deref(), Some("office365"));
}

#[test]
fn office365_missing_identity_is_reported_as_a_group() {
    let body = "Mohon lisensi Office 365.\nNama : Budi\n";
    let l = letter("budi@ub.ac.id", "Office 365", body, &[]);
    let ex = extract_as("office365", &l);
    assert_eq!(ex.missing, ["nim|nip"]);
    // The email falls back to the sender.
    assert_eq!(value(&ex, "email"), Some("budi@ub.ac.id"));
    assert_eq!(source(&ex, "email"), Some(ValueSource::Sender));
}

#[test]
fn office365_complaint_goes_to_pengaduan() {
    let body = "Selamat pagi, Office 365 saya tidak bisa login sejak kemarin, muncul error
'account locked'. Mohon bantuannya.
Nama: Budi
NIM: 215150200111001";
    let l = letter("budi@student.ub.ac.id", "Office 365 error", body, &[]);
    assert_eq!(winner(&l).as_deref(), Some("pengaduan-tik"));
}

// ----- Webservice (USK) --------------------------------------------------------------------

const WS_LETTER_DOCX: &str = "KEMENTERIAN PENDIDIKAN TINGGI, SAINS, DAN TEKNOLOGI
UNIVERSITAS SYIAH KUALA
FAKULTAS KEDOKTERAN HEWAN
Nomor\t: 123/UN11.1.14/TU/2026
Lampiran\t: -
Hal\t: Permohonan Akun Webservice

Yth. Kepala UPT TIK Universitas Syiah Kuala

Dengan hormat, sehubungan dengan pengembangan sistem informasi akademik fakultas, kami
mohon diberikan akses webservice dengan penanggung jawab sebagai berikut:

Nama Lengkap\tdr. Rahmat Hidayat, M.Si
NIP\t19800512 200501 1 003
No. Telp/WA\t0852 6012 3456
Email\trahmat.hidayat@usk.ac.id
Unit Kerja\tFakultas Kedokteran Hewan
Jenis data yang dibutuhkan\tData mahasiswa aktif dan data nilai

Demikian permohonan ini, atas perhatian Bapak kami ucapkan terima kasih.
Dekan,

Prof. Dr. drh. Teuku Armansyah
NIP 196505121990031002
";

#[test]
fn webservice_data_only_in_a_docx_table() {
    let body = "Bersama ini kami sampaikan surat permohonan akses webservice (terlampir).\n\
                Salam,\nTata Usaha FKH\nHP 0811 6800 1234";
    let name = "Surat Permohonan Webservice.docx";
    let l = letter(
        "tu.fkh@usk.ac.id",
        "Permohonan webservice",
        body,
        &[(name, WS_LETTER_DOCX)],
    );
    assert_eq!(winner(&l).as_deref(), Some("webservice"));
    let ex = extract_as("webservice", &l);
    assert_eq!(value(&ex, "nama"), Some("dr. Rahmat Hidayat, M.Si"));
    // The labelled NIP, not the dean's under the signature.
    assert_eq!(value(&ex, "nip"), Some("198005122005011003"));
    // The labelled number of the letter, not the "HP" of the email signature.
    assert_eq!(value(&ex, "no_hp"), Some("085260123456"));
    assert_eq!(value(&ex, "email"), Some("rahmat.hidayat@usk.ac.id"));
    assert_eq!(value(&ex, "unit"), Some("Fakultas Kedokteran Hewan"));
    assert_eq!(
        value(&ex, "jenis_data"),
        Some("Data mahasiswa aktif dan data nilai")
    );
    assert_eq!(
        source(&ex, "nip"),
        Some(ValueSource::Attachment(name.into()))
    );
    assert!(ex.is_complete(), "{ex:?}");
}

#[test]
fn webservice_header_row_tables_map_columns() {
    let tabbed = "Mohon dibuatkan akun webservice untuk penanggung jawab berikut.
Unit Kerja: Fakultas Teknik

No\tNama\tNIP\tNo. HP\tEmail\tJenis Data
1\tRahmat Hidayat\t198005122005011003\t081260123456\trahmat@usk.ac.id\tData dosen
";
    let l = letter(
        "ft@usk.ac.id",
        "Webservice",
        tabbed,
        &[("surat.pdf", "Surat permohonan")],
    );
    let ex = extract_as("webservice", &l);
    assert_eq!(value(&ex, "nama"), Some("Rahmat Hidayat"));
    assert_eq!(value(&ex, "nip"), Some("198005122005011003"));
    assert_eq!(value(&ex, "no_hp"), Some("081260123456"));
    assert_eq!(value(&ex, "email"), Some("rahmat@usk.ac.id"));
    assert_eq!(value(&ex, "jenis_data"), Some("Data dosen"));
    assert_eq!(value(&ex, "unit"), Some("Fakultas Teknik"));
    assert!(ex.is_complete(), "{ex:?}");

    // The data row is not read again as "label value" lines: "Data dosen" is a value.
    let l = letter(
        "ft@usk.ac.id",
        "Webservice",
        "No\tNama\tJenis Data\n1\tBudi\tData dosen\nNIP 198005122005011003\n",
        &[],
    );
    let ex = extract_as("webservice", &l);
    assert_eq!(value(&ex, "jenis_data"), Some("Data dosen"));
    assert_eq!(value(&ex, "nip"), Some("198005122005011003"));

    // The same table as PDF text lays it out: columns apart by runs of spaces.
    let pdf = "Penanggung jawab akun webservice:
No   Nama              NIP                  Email               Jenis Data
1    Rahmat Hidayat    198005122005011003   rahmat@usk.ac.id    Data dosen
";
    let l = letter(
        "ft@usk.ac.id",
        "Webservice",
        "Terlampir.",
        &[("permohonan.pdf", pdf)],
    );
    let ex = extract_as("webservice", &l);
    assert_eq!(value(&ex, "nama"), Some("Rahmat Hidayat"));
    assert_eq!(value(&ex, "nip"), Some("198005122005011003"));
    assert_eq!(value(&ex, "jenis_data"), Some("Data dosen"));
    assert_eq!(
        source(&ex, "email"),
        Some(ValueSource::Attachment("permohonan.pdf".into()))
    );
    assert_eq!(ex.missing, ["no_hp", "unit"]);
}

#[test]
fn webservice_letter_in_the_body_needs_no_attachment() {
    let body = "Mohon akses webservice.\nNama: A B\nNIP: 198005122005011003\nNo HP: 081260123456\n\
                Jenis data: data pegawai\nUnit kerja: Biro Umum";
    let l = letter("biro@usk.ac.id", "Webservice", body, &[]);
    let ex = extract_as("webservice", &l);
    assert!(ex.is_complete(), "{ex:?}");
}

// ----- Zoom Ormawa (UNS) -------------------------------------------------------------------

const ZOOM_BODY: &str = "Kepada Yth. Direktur DTIK UNS

Dengan hormat,
Kami dari Himpunan Mahasiswa Informatika (HIMASTER) FMIPA UNS bermaksud mengajukan
permohonan lisensi Zoom 300 participants untuk kegiatan Seminar Nasional Teknologi.

Nama Ormawa : HIMASTER FMIPA UNS
Fakultas : Matematika dan Ilmu Pengetahuan Alam
Email yang diajukan : himaster@student.uns.ac.id
Narahubung : Rina (WA 0813-2233-4455)

Terlampir surat permohonan dan surat rekomendasi dari Wakil Dekan 3.
Hormat kami,
Rina Wulandari";

fn zoom_attachments() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "Surat_Permohonan_Zoom_HIMASTER.pdf",
            "SURAT PERMOHONAN\nPerihal: Permohonan Lisensi Zoom Ormawa\nKetua HIMASTER\nPembina",
        ),
        (
            "WD3.pdf",
            "SURAT REKOMENDASI\nWakil Dekan Bidang Kemahasiswaan merekomendasikan HIMASTER",
        ),
    ]
}

#[test]
fn zoom_ormawa_complete_letter() {
    let atts = zoom_attachments();
    let l = letter(
        "himaster@student.uns.ac.id",
        "Permohonan Lisensi Zoom Ormawa",
        ZOOM_BODY,
        &atts,
    );
    assert_eq!(winner(&l).as_deref(), Some("zoom-ormawa"));
    let ex = extract_as("zoom-ormawa", &l);
    assert_eq!(value(&ex, "ormawa"), Some("HIMASTER FMIPA UNS"));
    assert_eq!(
        value(&ex, "fakultas"),
        Some("Matematika dan Ilmu Pengetahuan Alam")
    );
    assert_eq!(value(&ex, "email"), Some("himaster@student.uns.ac.id"));
    assert_eq!(value(&ex, "no_hp"), Some("081322334455"));
    assert!(ex.is_complete(), "{ex:?}");
}

#[test]
fn zoom_ormawa_email_outside_student_domain_is_invalid() {
    let body = ZOOM_BODY.replace("himaster@student.uns.ac.id", "himaster.uns@gmail.com");
    let atts = zoom_attachments();
    let l = letter(
        "himaster.uns@gmail.com",
        "Permohonan Lisensi Zoom Ormawa",
        &body,
        &atts,
    );
    assert_eq!(winner(&l).as_deref(), Some("zoom-ormawa"));
    let ex = extract_as("zoom-ormawa", &l);
    assert_eq!(value(&ex, "email"), Some("himaster.uns@gmail.com"));
    assert_eq!(ex.invalid.len(), 1);
    assert_eq!(ex.invalid[0].field, "email");
    assert_eq!(
        ex.invalid[0].message,
        "Email yang diajukan harus beralamat @student.uns.ac.id dan sudah terdaftar di Zoom Basic"
    );
    assert!(ex.missing.is_empty());
}

#[test]
fn zoom_ormawa_without_recommendation_letter() {
    let atts = vec![zoom_attachments()[0]];
    let l = letter(
        "himaster@student.uns.ac.id",
        "Zoom Ormawa",
        ZOOM_BODY,
        &atts,
    );
    let ex = extract_as("zoom-ormawa", &l);
    // The body's "surat rekomendasi" is not an attachment, and the one attachment is the
    // permohonan.
    assert_eq!(ex.missing, ["lampiran:surat_rekomendasi"]);
}

#[test]
fn zoom_for_a_lecturer_is_not_zoom_ormawa() {
    let body = "Yth. Direktur DTIK UNS,
Dengan hormat, saya dosen Program Studi Informatika mengajukan permohonan lisensi Zoom
300 participants untuk keperluan perkuliahan daring semester ini.
Nama: Dr. Andi Wijaya
NIP: 198203042008121002
Email: andi.wijaya@staff.uns.ac.id";
    let l = letter(
        "andi.wijaya@staff.uns.ac.id",
        "Permohonan Lisensi Zoom untuk Dosen",
        body,
        &[],
    );
    assert_ne!(winner(&l).as_deref(), Some("zoom-ormawa"));
    let scores = best(shipped(), &l).0;
    let zoom = scores
        .iter()
        .find(|s| s.rule.0 == "zoom-ormawa")
        .expect("scored");
    assert!(!zoom.passes(), "{zoom:?}");
}

// ----- E-mail institusi (UIN Malang) -------------------------------------------------------

#[test]
fn email_institusi_for_a_unit() {
    let body = "Assalamu'alaikum wr. wb.
Dengan hormat, kami mengajukan permohonan pembuatan email institusi untuk unit kami.
1. Nama : Ahmad Fauzi
2. NIP : 19870315 201903 1 008
3. No HP : 0813 3445 5667
4. Email : ahmad.fauzi87@gmail.com
5. Jenis Akun : Unit Kerja (Pusat Ma'had Al-Jami'ah)
6. Keperluan : email resmi unit untuk korespondensi
Wassalamu'alaikum wr. wb.";
    let l = letter(
        "ahmad.fauzi87@gmail.com",
        "Permohonan Pembuatan Email Institusi",
        body,
        &[],
    );
    assert_eq!(winner(&l).as_deref(), Some("email-institusi"));
    let ex = extract_as("email-institusi", &l);
    assert_eq!(value(&ex, "nama"), Some("Ahmad Fauzi"));
    assert_eq!(value(&ex, "nip"), Some("198703152019031008"));
    assert_eq!(value(&ex, "no_hp"), Some("081334455667"));
    assert_eq!(value(&ex, "jenis_akun"), Some("unit"));
    assert_eq!(
        value(&ex, "keperluan"),
        Some("email resmi unit untuk korespondensi")
    );
    assert!(ex.is_complete(), "{ex:?}");
    let rule = shipped().get("email-institusi").expect("shipped");
    let redirect = rule.steps.iter().find(|s| s.id == "arahan").expect("step");
    assert!(!redirect.when.as_ref().expect("when").holds(&ex));
}

#[test]
fn email_institusi_for_a_student_is_redirected() {
    let body = "Saya ingin membuat akun email institusi.
Nama\t: Dewi Lestari
NIM\t: 18650012
No. WA\t: 085712345678
Status\t: Mahasiswa aktif Fakultas Saintek";
    let l = letter("dewi.lestari@yahoo.com", "Pengajuan email baru", body, &[]);
    assert_eq!(winner(&l).as_deref(), Some("email-institusi"));
    let ex = extract_as("email-institusi", &l);
    assert_eq!(value(&ex, "jenis_akun"), Some("mahasiswa"));
    assert_eq!(value(&ex, "nim"), Some("18650012"));
    assert_eq!(value(&ex, "email"), Some("dewi.lestari@yahoo.com"));
    let rule = shipped().get("email-institusi").expect("shipped");
    let redirect = rule.steps.iter().find(|s| s.id == "arahan").expect("step");
    assert!(redirect.when.as_ref().expect("when").holds(&ex));
}

#[test]
fn email_that_does_not_log_in_is_a_complaint() {
    let body = "Selamat siang, email institusi saya tidak bisa login sejak kemarin, muncul
pesan password salah padahal tidak pernah diganti. Mohon bantuannya.
Nama: Dewi Lestari
NIM: 18650012";
    let l = letter("dewi@uin-malang.ac.id", "email tidak bisa login", body, &[]);
    assert_eq!(winner(&l).as_deref(), Some("pengaduan-tik"));
    let ex = extract_as("pengaduan-tik", &l);
    assert_eq!(value(&ex, "nama"), Some("Dewi Lestari"));
    assert_eq!(value(&ex, "email"), Some("dewi@uin-malang.ac.id"));
    assert!(ex.is_complete(), "{ex:?}");
}

#[test]
fn bad_choice_is_invalid_and_lists_the_choices() {
    let body = "Mohon pembuatan email institusi.\nNama: X Y\nNIP: 198703152019031008\n\
                No HP: 081334455667\nJenis akun: pribadi";
    let l = letter("x@gmail.com", "Email institusi", body, &[]);
    let ex = extract_as("email-institusi", &l);
    assert_eq!(ex.invalid.len(), 1);
    assert_eq!(ex.invalid[0].value, "pribadi");
    assert_eq!(
        ex.invalid[0].message,
        "pilih salah satu: mahasiswa, dosen, tendik, unit, subdomain, lainnya"
    );
}

// ----- UHAMKA ---------------------------------------------------------------------------------

#[test]
fn cbt_proposal() {
    let body = "Yth. Kepala BPTI UHAMKA,
Bersama ini kami mengajukan proposal pelaksanaan CBT (Computer Based Test) Ujian Masuk
Program Pascasarjana.
Nama Kegiatan : Ujian Masuk Pascasarjana Gelombang II
Hari/Tanggal : Sabtu, 14 Maret 2026
Waktu : 08.00 - 12.00 WIB
Jumlah Peserta : 120 orang
Penanggung Jawab : Dr. Hendra Gunawan
Unit : Sekolah Pascasarjana
No. HP : 0821-1234-5678";
    let l = letter(
        "sps@uhamka.ac.id",
        "Proposal CBT",
        body,
        &[("Proposal CBT SPS.pdf", "Proposal")],
    );
    assert_eq!(winner(&l).as_deref(), Some("cbt"));
    let ex = extract_as("cbt", &l);
    assert_eq!(
        value(&ex, "kegiatan"),
        Some("Ujian Masuk Pascasarjana Gelombang II")
    );
    assert_eq!(value(&ex, "tanggal"), Some("2026-03-14"));
    assert_eq!(value(&ex, "waktu"), Some("08.00 - 12.00 WIB"));
    assert_eq!(value(&ex, "jumlah_peserta"), Some("120"));
    assert_eq!(value(&ex, "nama"), Some("Dr. Hendra Gunawan"));
    assert!(ex.is_complete(), "{ex:?}");
}

#[test]
fn lab_ict_booking() {
    let body = "Dengan hormat,
Kami bermaksud meminjam Lab ICT BPTI untuk kegiatan praktikum statistik.
Tempat/Tanggal : Lab ICT 2 / 20 April 2026
Waktu : 13.00-16.00
Nama : Sari Puspita
Prodi : Pendidikan Matematika
Jumlah peserta : 35";
    let l = letter("sari@uhamka.ac.id", "Peminjaman Lab ICT", body, &[]);
    assert_eq!(winner(&l).as_deref(), Some("lab-ict"));
    let ex = extract_as("lab-ict", &l);
    assert_eq!(value(&ex, "ruangan"), Some("Lab ICT 2"));
    assert_eq!(value(&ex, "tanggal"), Some("2026-04-20"));
    assert_eq!(value(&ex, "unit"), Some("Pendidikan Matematika"));
    assert_eq!(value(&ex, "jumlah_peserta"), Some("35"));
    // Neither "Kegiatan :" nor "Keperluan :" is written: one of them is asked for.
    assert_eq!(ex.missing, ["kegiatan|keperluan"]);
}

#[test]
fn diklat_and_sertifikasi_are_told_apart() {
    let diklat = "Dengan hormat, Fakultas Ekonomi mengajukan permohonan pelatihan bidang IT
tentang pengolahan data dengan Microsoft Excel untuk tenaga kependidikan.
Unit: Fakultas Ekonomi dan Bisnis
Topik: Excel untuk pengolahan data
Perkiraan peserta: 40 orang";
    let l = letter("feb@uhamka.ac.id", "Permohonan Pelatihan IT", diklat, &[]);
    assert_eq!(winner(&l).as_deref(), Some("diklat-it"));
    let ex = extract_as("diklat-it", &l);
    assert_eq!(value(&ex, "bidang"), Some("Excel untuk pengolahan data"));
    assert_eq!(value(&ex, "jumlah_peserta"), Some("40"));

    let sertifikasi = "Dengan hormat, kami mengajukan permohonan sertifikasi Microsoft Office
Specialist (MOS) bagi mahasiswa tingkat akhir.
Skema sertifikasi: MOS Word dan Excel
Jumlah peserta: 60
Unit: Program Studi Informatika";
    let l = letter(
        "if@uhamka.ac.id",
        "Permohonan Sertifikasi IT",
        sertifikasi,
        &[],
    );
    assert_eq!(winner(&l).as_deref(), Some("sertifikasi-it"));
    let ex = extract_as("sertifikasi-it", &l);
    assert_eq!(value(&ex, "bidang"), Some("MOS Word dan Excel"));
}

#[test]
fn an_unrelated_letter_matches_nothing() {
    let body = "Dengan hormat, kami mengundang Bapak/Ibu untuk menghadiri rapat koordinasi
penerimaan mahasiswa baru pada hari Senin.";
    let l = letter("rektorat@kampus.ac.id", "Undangan Rapat", body, &[]);
    assert_eq!(winner(&l), None);
}

// ----- Label variants, one by one ------------------------------------------------------------

/// A rule with the usual fields, for extraction alone.
fn generic(body: &str) -> Extraction {
    let l = letter("pengirim@kampus.ac.id", "x", body, &[]);
    extract_as("pengaduan-tik", &l)
}

#[test]
fn label_variants() {
    let cases = [
        ("Nama : Budi Santoso", "Budi Santoso"),
        ("Nama: Budi Santoso.", "Budi Santoso"),
        ("Nama  Budi Santoso", "Budi Santoso"),
        ("Nama Lengkap\tBudi Santoso", "Budi Santoso"),
        ("Nama Lengkap Budi Santoso", "Budi Santoso"),
        ("1. Nama : Budi Santoso", "Budi Santoso"),
        ("a) Nama Lengkap: Budi Santoso", "Budi Santoso"),
        ("- Nama\t:\tBudi Santoso", "Budi Santoso"),
        ("NAMA          : Budi Santoso", "Budi Santoso"),
        ("Nama:\nBudi Santoso", "Budi Santoso"),
        ("Nama Pemohon = Budi Santoso", "Budi Santoso"),
        ("Name: Budi Santoso", "Budi Santoso"),
        ("1\tNama\t:\tBudi Santoso", "Budi Santoso"),
    ];
    for (text, want) in cases {
        let ex = generic(text);
        assert_eq!(value(&ex, "nama"), Some(want), "{text:?}");
    }
}

#[test]
fn phone_label_and_number_variants() {
    let cases = [
        "- No. HP/WA : 0812-3456-7890",
        "No HP: 0812 3456 7890",
        "Nomor HP : +62 812-3456-7890",
        "No. Telp/WA\t(+62) 812 3456 7890",
        "WhatsApp: 62812.3456.7890",
        "NoTelpon : 081234567890",
        "Phone number: +6281234567890",
    ];
    for text in cases {
        let ex = generic(text);
        assert_eq!(value(&ex, "no_hp"), Some("081234567890"), "{text:?}");
    }
}

#[test]
fn several_pairs_on_one_line_and_shared_labels() {
    let ex = generic("Nama: Budi Santoso NIM: M0520012, Email: budi@student.uns.ac.id");
    assert_eq!(value(&ex, "nama"), Some("Budi Santoso"));
    assert_eq!(value(&ex, "nim"), Some("M0520012"));
    assert_eq!(value(&ex, "email"), Some("budi@student.uns.ac.id"));

    let ex = generic("NIM/NIP : M0520012");
    assert_eq!(value(&ex, "nim"), Some("M0520012"));
    assert_eq!(value(&ex, "nip"), None);
    assert!(ex.invalid.is_empty(), "{ex:?}");

    let ex = generic("Nama / NIM : Budi / M0520012");
    assert_eq!(value(&ex, "nama"), Some("Budi"));
    assert_eq!(value(&ex, "nim"), Some("M0520012"));
}

#[test]
fn labelled_values_that_are_not_values_are_invalid_or_ignored() {
    let ex = generic("Nama: Budi\nNIP : 1975 0819\nNo HP: -\nNIM: belum ada");
    assert_eq!(ex.invalid.len(), 1, "{ex:?}");
    assert_eq!(ex.invalid[0].field, "nip");
    assert_eq!(ex.invalid[0].value, "1975 0819");
    assert_eq!(ex.invalid[0].message, "NIP harus 18 digit");
    assert_eq!(value(&ex, "no_hp"), None);
    assert_eq!(value(&ex, "nim"), None);
}

#[test]
fn unlabelled_values_are_found_by_shape_but_never_the_helpdesk_address() {
    let body = "Mohon bantuan, akun saya terkunci. Sudah saya kirim juga ke helpdesk@kampus.ac.id.
Bisa hubungi saya di 0857-1234-5678 atau dewi.l@gmail.com.
Dewi";
    let ex = generic(body);
    assert_eq!(value(&ex, "email"), Some("dewi.l@gmail.com"));
    assert_eq!(value(&ex, "no_hp"), Some("085712345678"));
    // A NIM is only taken when labelled.
    assert_eq!(value(&ex, "nim"), None);
}

#[test]
fn prose_is_not_a_label_line() {
    let ex = generic("Nama saya Budi dan saya ingin melapor.\nData yang hilang banyak sekali.");
    assert_eq!(value(&ex, "nama"), None);
    let body = "Tempat/Tanggal Lahir : Solo, 1 Mei 2000\nNomor : 12/UN/2026\nHal : Peminjaman";
    let ex = extract_as("lab-ict", &letter("a@b.id", "x", body, &[]));
    assert_eq!(value(&ex, "ruangan"), None);
    assert_eq!(value(&ex, "tanggal"), None);
    assert_eq!(value(&ex, "kegiatan"), None);
}

#[test]
fn quoted_text_is_skipped() {
    let ex = generic("> Nama: Orang Lain\nNama: Budi");
    assert_eq!(value(&ex, "nama"), Some("Budi"));
}

#[test]
fn the_value_after_a_label_is_cut_at_the_end_of_its_line() {
    let ex = generic("Keluhan: wifi di gedung B mati.\nSudah sejak pagi.");
    assert_eq!(value(&ex, "keperluan"), Some("wifi di gedung B mati"));
}

#[test]
fn a_label_whose_value_line_holds_another_label_ends() {
    // Regression: the rest of a value taken from the next line was read again and again.
    let ex = generic("Nama:\nBudi NIM: M0520012\n");
    assert_eq!(value(&ex, "nama"), Some("Budi"));
    // The NIM is found on its own line, as a label inside the line.
    assert_eq!(value(&ex, "nim"), Some("M0520012"));
}

#[test]
fn of_several_addresses_the_one_the_rule_wants() {
    let body = ZOOM_BODY.replace(
        "himaster@student.uns.ac.id",
        "himaster.uns@gmail.com / himaster@student.uns.ac.id",
    );
    let atts = zoom_attachments();
    let l = letter("himaster.uns@gmail.com", "Zoom Ormawa", &body, &atts);
    let ex = extract_as("zoom-ormawa", &l);
    assert_eq!(value(&ex, "email"), Some("himaster@student.uns.ac.id"));
    assert!(ex.is_complete(), "{ex:?}");
}

#[test]
fn a_letterhead_landline_is_no_invalid_phone() {
    let attachment = "KEMENTERIAN PENDIDIKAN TINGGI, SAINS, DAN TEKNOLOGI
UNIVERSITAS SEBELAS MARET
Telepon (0271) 646994, Faksimile (0271) 646994
Laman : https://tik.uns.ac.id, Surel : tik@unit.uns.ac.id
Nama Ormawa : BEM FT UNS";
    let l = letter(
        "bem.ft@student.uns.ac.id",
        "Zoom",
        "Lisensi zoom ormawa.",
        &[("s.pdf", attachment)],
    );
    let ex = extract_as("zoom-ormawa", &l);
    assert!(ex.invalid.is_empty(), "{ex:?}");
    assert!(ex.missing.contains(&"no_hp".to_string()), "{ex:?}");
    assert_eq!(value(&ex, "ormawa"), Some("BEM FT UNS"));
}

#[test]
fn a_forwarded_message_header_is_not_data() {
    let body = "Mohon ditindaklanjuti.

---------- Forwarded message ---------
From: Lab Statistik <lab.stat@uhamka.ac.id>
Date: Mon, 12 Jan 2026 at 09.15
Subject: Peminjaman Lab ICT
To: <bpti@uhamka.ac.id>

Kami mengajukan peminjaman Lab ICT.
Tanggal : 20 April 2026
Kegiatan : Praktikum SPSS";
    let l = letter("tu@uhamka.ac.id", "Fwd: Peminjaman Lab ICT", body, &[]);
    let ex = extract_as("lab-ict", &l);
    assert_eq!(value(&ex, "tanggal"), Some("2026-04-20"));
    assert_eq!(value(&ex, "kegiatan"), Some("Praktikum SPSS"));
}

#[test]
fn a_slash_heading_in_a_table_feeds_both_fields() {
    let body = "Data penanggung jawab:
Nama Lengkap\tNIM/NIP\tNo. WA
Budi Santoso\tM0520012\t081234567890
";
    let ex = generic(body);
    assert_eq!(value(&ex, "nama"), Some("Budi Santoso"));
    assert_eq!(value(&ex, "nim"), Some("M0520012"));
    assert_eq!(value(&ex, "nip"), None);
    assert_eq!(value(&ex, "no_hp"), Some("081234567890"));
    assert!(ex.invalid.is_empty(), "{ex:?}");
}

#[test]
fn a_signature_block_nim_is_taken_without_colon() {
    let body = "Mohon bantuan, wifi di perpustakaan tidak bisa terhubung.\n\nHormat saya,\nRina Wulandari\nNIM. M0520012";
    let ex = generic(body);
    assert_eq!(value(&ex, "nim"), Some("M0520012"));
}

#[test]
fn short_letters_go_to_the_right_sop() {
    let cases: [(&str, &str, Option<&str>); 17] = [
        ("Permohonan Lisensi Office 365", "Saya mahasiswa mengajukan lisensi Microsoft Office 365 untuk akun email UB saya.", Some("office365")),
        ("Permohonan lisensi", "Akun email UB saya sudah aktif, tetapi belum memiliki lisensi Office 365 sehingga tidak bisa memasang aplikasi Word. Mohon dibuatkan lisensi.", Some("office365")),
        ("Office 365 error", "Office 365 saya tidak bisa login sejak kemarin", Some("pengaduan-tik")),
        ("Permohonan webservice", "Kami mohon diberikan akses webservice untuk integrasi data akademik.", Some("webservice")),
        ("Permohonan Lisensi Zoom Ormawa", "Kami dari Himpunan Mahasiswa Informatika mengajukan permohonan lisensi Zoom 300 participants karena zoom basic tidak bisa lebih dari 40 menit.", Some("zoom-ormawa")),
        ("Permohonan Lisensi Zoom untuk Dosen", "saya dosen mengajukan permohonan lisensi Zoom 300 participants untuk keperluan perkuliahan", None),
        ("Permohonan Lisensi Zoom", "saya dosen pembina BEM mengajukan lisensi Zoom untuk mengajar", None),
        ("Permohonan Pembuatan Email Institusi", "kami mengajukan permohonan pembuatan email institusi untuk unit kami", Some("email-institusi")),
        ("Pengajuan email baru", "Saya ingin membuat akun email institusi", Some("email-institusi")),
        ("email tidak bisa login", "email institusi saya tidak bisa login sejak kemarin", Some("pengaduan-tik")),
        ("Lupa password email", "Saya lupa password email kampus saya, mohon direset.", Some("pengaduan-tik")),
        ("Proposal CBT", "Bersama ini kami mengajukan proposal pelaksanaan CBT ujian masuk", Some("cbt")),
        ("Peminjaman Lab ICT", "Kami bermaksud meminjam Lab ICT untuk kegiatan pelatihan SPSS", Some("lab-ict")),
        ("Permohonan Pelatihan IT", "mengajukan permohonan pelatihan bidang IT tentang Excel", Some("diklat-it")),
        ("Permohonan Sertifikasi IT", "mengajukan permohonan sertifikasi Microsoft Office Specialist (MOS)", Some("sertifikasi-it")),
        ("Wifi mati", "Wifi di gedung B mati sejak pagi, mohon diperbaiki", Some("pengaduan-tik")),
        ("Undangan Rapat", "kami mengundang Bapak/Ibu menghadiri rapat", None),
    ];
    for (subject, body, want) in cases {
        let l = letter("x@kampus.ac.id", subject, body, &[]);
        assert_eq!(winner(&l).as_deref(), want, "{subject}: {body}");
    }
}

#[test]
fn label_cells_past_the_first_need_the_fields_own_words() {
    // "Data dosen" is the value of the row, not a label "data" with a filler word.
    let ex = extract_as(
        "webservice",
        &letter(
            "a@usk.ac.id",
            "x",
            "Jenis Data\tData dosen\nNIP 198005122005011003",
            &[],
        ),
    );
    assert_eq!(value(&ex, "jenis_data"), Some("Data dosen"));
    // A label cell is no value of the label before it…
    let ex = extract_as(
        "webservice",
        &letter("a@b.id", "x", "Nama\tJenis Data\n", &[]),
    );
    assert_eq!(value(&ex, "nama"), None);
    assert_eq!(value(&ex, "jenis_data"), None);
    // …unless it is one of that field's choices.
    let ex = extract_as(
        "email-institusi",
        &letter("a@b.id", "x", "Jenis Akun\tUnit\nNama\tAhmad", &[]),
    );
    assert_eq!(value(&ex, "jenis_akun"), Some("unit"));
    assert_eq!(value(&ex, "nama"), Some("Ahmad"));
}

#[test]
fn pdf_text_with_label_colon_and_value_on_separate_lines() {
    let pdf = "Nama\n:\nBudi Santoso\nNIM\n:\nM0520012\nNo. HP\n:\n0812 3456 7890\n";
    let l = letter(
        "budi@student.uns.ac.id",
        "x",
        "Terlampir.",
        &[("form.pdf", pdf)],
    );
    let ex = extract_as("pengaduan-tik", &l);
    assert_eq!(value(&ex, "nama"), Some("Budi Santoso"));
    assert_eq!(value(&ex, "nim"), Some("M0520012"));
    assert_eq!(value(&ex, "no_hp"), Some("081234567890"));
    assert_eq!(
        source(&ex, "nama"),
        Some(ValueSource::Attachment("form.pdf".into()))
    );
}

// ----- Patterns seen in real letters ------------------------------------------------------------

#[test]
fn a_cbt_try_out_of_a_competency_exam_is_cbt() {
    let body = "Fakultas Farmasi bermaksud menyelenggarakan Try Out Uji Kompetensi Apoteker
dengan sistem Computer Based Test (CBT).
Unit : Fakultas Farmasi
Jumlah peserta : 130 mahasiswa";
    let l = letter(
        "ff@uhamka.ac.id",
        "Permohonan pelaksanaan CBT Try Out",
        body,
        &[],
    );
    assert_eq!(winner(&l).as_deref(), Some("cbt"));
    let ex = extract_as("cbt", &l);
    assert!(
        ex.missing.contains(&"lampiran:proposal".to_string()),
        "{ex:?}"
    );
}

#[test]
fn slang_complaints_are_complaints() {
    let body = "Pagi min, wifi di gedung B dari kemarin ga bisa konek, cuma muncul no internet.
Nama: Fajar
WA: 0877-8899-0011";
    let l = letter(
        "fajar@uhamka.ac.id",
        "Wifi gedung B ga bisa konek",
        body,
        &[],
    );
    assert_eq!(winner(&l).as_deref(), Some("pengaduan-tik"));
    assert_eq!(value(&generic(body), "no_hp"), Some("087788990011"));
}

#[test]
fn a_nim_inside_a_sentence_is_labelled_enough() {
    let body = "Perkenalkan, saya Iqbal dengan NIM 2103015088, Ketua HIMA, dan saya dapat
dihubungi di nomor 0857-1122-3344. Penanggung jawab: Dinda (NIM 2203016042)";
    let ex = generic(body);
    assert_eq!(value(&ex, "nim"), Some("2103015088"));
    assert_eq!(value(&ex, "no_hp"), Some("085711223344"));
    // A phone number is not a NIM, even with NIM-like digits, when no label says so.
    let ex = generic("Hubungi 0857-1122-3344 ya.");
    assert_eq!(value(&ex, "nim"), None);
}

#[test]
fn a_letterhead_cell_loses_to_the_letters_own_table() {
    let docx = "UPT PERPUSTAKAAN
Jalan T. Nyak Arief, Banda Aceh 23111   Surel: library@usk.ac.id
Uraian\tKeterangan
Nama\tCut Meutia Rahmi, S.Kom.
Email\tcutmeutia@usk.ac.id";
    let l = letter(
        "library@usk.ac.id",
        "Surat",
        "Terlampir.",
        &[("surat.docx", docx)],
    );
    let ex = extract_as("webservice", &l);
    assert_eq!(value(&ex, "email"), Some("cutmeutia@usk.ac.id"));
    assert_eq!(value(&ex, "nama"), Some("Cut Meutia Rahmi, S.Kom."));
    assert_eq!(value(&ex, "unit"), Some("UPT Perpustakaan"));
}

#[test]
fn a_value_wrapped_by_the_mail_client_continues() {
    let body = "Nama                       : Teuku Rahmat Fadhil, S.T., M.T.
Jenis data yang dibutuhkan : Data mahasiswa aktif dan data KRS per
semester

Akun tersebut hanya akan digunakan untuk keperluan sistem informasi.";
    let ex = extract_as("webservice", &letter("ft@usk.ac.id", "x", body, &[]));
    assert_eq!(
        value(&ex, "jenis_data"),
        Some("Data mahasiswa aktif dan data KRS per semester")
    );
    assert_eq!(value(&ex, "nama"), Some("Teuku Rahmat Fadhil, S.T., M.T."));
    let body = "Nama kegiatan : Tes Seleksi CBT PMB Gelombang II Tahun Akademik
2026/2027
Tema pelatihan   : Microsoft Excel Tingkat Lanjut (Pivot Table, Power
Query, dan Makro)
Jumlah peserta   : 25 orang";
    let ex = extract_as("diklat-it", &letter("bk@uhamka.ac.id", "x", body, &[]));
    assert_eq!(
        value(&ex, "kegiatan"),
        Some("Tes Seleksi CBT PMB Gelombang II Tahun Akademik 2026/2027")
    );
    assert_eq!(
        value(&ex, "bidang"),
        Some("Microsoft Excel Tingkat Lanjut (Pivot Table, Power Query, dan Makro)")
    );
    // A short line is not wrapped: the next line is its own.
    let ex = extract_as(
        "webservice",
        &letter(
            "ft@usk.ac.id",
            "x",
            "Jenis data: data dosen\nsemester ini juga",
            &[],
        ),
    );
    assert_eq!(value(&ex, "jenis_data"), Some("data dosen"));
}

#[test]
fn pdf_lines_with_label_and_value_but_no_colon() {
    let pdf = "FAKULTAS TEKNIK
Dengan hormat, kami mohon akun webservice dengan rincian sebagai berikut:

Nama Penanggung Jawab Dr. Zulfikar Ahmad, S.Si., M.Sc.

NIP 197905212005011003

Nomor Telepon/WA 0813-6055-7821

Jenis Data Data dosen dan data publikasi

Ketua LPPM,
Prof. Dr. Ir. Husni Mubarak, M.P.
NIP 196911101995121001";
    let l = letter(
        "lppm@usk.ac.id",
        "Surat",
        "Terlampir.",
        &[("surat.pdf", pdf)],
    );
    let ex = extract_as("webservice", &l);
    assert_eq!(value(&ex, "nama"), Some("Dr. Zulfikar Ahmad, S.Si., M.Sc."));
    assert_eq!(value(&ex, "nip"), Some("197905212005011003"));
    assert_eq!(value(&ex, "no_hp"), Some("081360557821"));
    assert_eq!(
        value(&ex, "jenis_data"),
        Some("Data dosen dan data publikasi")
    );
    assert_eq!(value(&ex, "unit"), Some("Fakultas Teknik"));
}

#[test]
fn a_label_cell_followed_by_its_colon_cell() {
    // DOCX forms: the colon opens the value cell.
    let docx =
        "Nama\t: Nur Aini Fitriani, M.Pd.\nUnit/Fakultas\t: Fakultas Ilmu Tarbiyah dan Keguruan\n\
                2.\tJenis akun\t: Dosen";
    let l = letter(
        "nuraini@gmail.com",
        "Formulir",
        "Terlampir.",
        &[("f.docx", docx)],
    );
    let ex = extract_as("email-institusi", &l);
    assert_eq!(
        value(&ex, "unit"),
        Some("Fakultas Ilmu Tarbiyah dan Keguruan")
    );
    assert_eq!(value(&ex, "jenis_akun"), Some("dosen"));
    assert_eq!(value(&ex, "nama"), Some("Nur Aini Fitriani, M.Pd."));
}

#[test]
fn a_letterhead_line_is_no_label_value_line() {
    let pdf = "UNIVERSITAS SYIAH KUALA\nLEMBAGA PENELITIAN DAN PENGABDIAN KEPADA MASYARAKAT\n\
               Jalan Teuku Nyak Arief\nNama: Zulfikar";
    let l = letter("lppm@usk.ac.id", "x", "Terlampir.", &[("s.pdf", pdf)]);
    let ex = extract_as("webservice", &l);
    assert_eq!(
        value(&ex, "unit"),
        Some("Lembaga Penelitian dan Pengabdian kepada Masyarakat")
    );
}

#[test]
fn a_contact_person_gives_a_name_and_a_number() {
    let body = "Mohon lisensi Zoom untuk BEM.\nNarahubung : Rina Wulandari (WA 0813-2233-4455)\n\
                Kegiatan: Rapat kerja";
    let ex = extract_as(
        "zoom-ormawa",
        &letter("bem@student.uns.ac.id", "Zoom", body, &[]),
    );
    assert_eq!(value(&ex, "nama"), Some("Rina Wulandari"));
    assert_eq!(value(&ex, "no_hp"), Some("081322334455"));
    // Only a number after the label: no name from it.
    let body = "Narahubung (WhatsApp) : 0857-2541-8803\nNama ketua: Rafi";
    let ex = extract_as(
        "zoom-ormawa",
        &letter("bem@student.uns.ac.id", "Zoom", body, &[]),
    );
    assert_eq!(value(&ex, "nama"), Some("Rafi"));
    assert_eq!(value(&ex, "no_hp"), Some("085725418803"));
}
