"""New requests: several letters per SOP, in the styles units and students really use, plus the
tricky look-alikes. Every person, number and address here is made up.

Each ``build_*`` function adds its letters to the corpus with ``c.add(key, raw, kind, …)``.
"""

from documents import KOP, render_docx, render_pdf
from mimebuild import (HELPDESK, attachment, date, gmail_id, local_id, mail, outlook_id)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def pdf(c, name, blocks, title, author, pdfdate="D:20260105080000+07'00'", **kw):
    """Renders a PDF document, keeps a copy under tests/data/attachments/, returns the bytes."""
    data, txt = render_pdf(blocks, title, author, date=pdfdate, seed=name, **kw)
    c.attachment(name + ".pdf", data, txt)
    return data


def docx(c, name, blocks, title, author, created="2026-01-05T08:00:00Z"):
    data, txt = render_docx(blocks, title, author, created=created, seed=name)
    c.attachment(name + ".docx", data, txt)
    return data


def build(c):
    build_office365(c)
    build_webservice(c)
    build_zoom_ormawa(c)
    build_email_institusi(c)
    build_cbt(c)
    build_lab_ict(c)
    build_pengaduan_tik(c)
    build_diklat_it(c)
    build_sertifikasi_it(c)
    build_tricky(c)


# =============================================================================================
# office365 — Universitas Brawijaya, Microsoft Office 365 licence / account


def build_office365(c):
    # --- plain text, Thunderbird format=flowed, student -----------------------------------
    k = "office365/polos-mahasiswa"
    c.add(k, mail(
        client="thunderbird", flowed=True,
        frm=("Dimas Arya Pratama", "dimasarya@student.ub.ac.id"),
        subject="Permohonan Lisensi Microsoft Office 365",
        date=date(2026, 1, 5, 8, 12, 44), msgid=local_id(k, "student.ub.ac.id"),
        body="""Yth. Helpdesk Direktorat Teknologi Informasi
Universitas Brawijaya

Dengan hormat,
Saya yang bertanda tangan di bawah ini:

Nama      : Dimas Arya Pratama
NIM       : 215150200111001
Fakultas  : Ilmu Komputer
Prodi     : Teknik Informatika
Email UB  : dimasarya@student.ub.ac.id
No. HP    : 0812-3456-7890

bermaksud mengajukan permohonan lisensi Microsoft Office 365 untuk akun email UB saya di atas. Lisensi tersebut akan saya gunakan untuk menyusun skripsi dengan Word dan mengolah data penelitian dengan Excel.

Demikian permohonan ini saya sampaikan. Atas perhatian dan bantuannya saya ucapkan terima kasih.

Hormat saya,

Dimas Arya Pratama
NIM 215150200111001
"""), "new_request", "office365",
        fields={"nama": "Dimas Arya Pratama", "nim": "215150200111001", "fakultas": "Ilmu Komputer",
                "email": "dimasarya@student.ub.ac.id", "no_hp": "081234567890"})

    # --- formal letter with kop, numbered data, NIP with spaces, Outlook, quoted-printable -----
    k = "office365/kop-dosen-bernomor"
    c.add(k, mail(
        client="outlook",
        frm=("Tata Usaha Fakultas Pertanian UB", "tu.fp@ub.ac.id"),
        subject="Permohonan Akun dan Lisensi Office 365 Dosen Baru",
        date=date(2026, 1, 7, 10, 3, 12), msgid=outlook_id(k),
        body="""KEMENTERIAN PENDIDIKAN TINGGI, SAINS, DAN TEKNOLOGI
UNIVERSITAS BRAWIJAYA
FAKULTAS PERTANIAN
Jalan Veteran, Malang 65145 - Telp. (0341) 551665 - Laman: fp.ub.ac.id
======================================================================

Nomor    : 0457/UN10.F04/KP/2026                        7 Januari 2026
Lampiran : -
Perihal  : Permohonan Akun dan Lisensi Office 365 Dosen Baru

Yth. Direktur Direktorat Teknologi Informasi
Universitas Brawijaya
di Malang

Dengan hormat,

Sehubungan dengan telah aktifnya dosen baru di lingkungan Fakultas Pertanian Universitas Brawijaya, bersama ini kami mohon kesediaan Bapak untuk membuatkan akun sekaligus menambahkan lisensi Microsoft Office 365 bagi dosen tersebut dengan data sebagai berikut:

1. Nama            : Dr. Ir. Ratna Kusumawardani, M.P.
2. NIP             : 19860412 201903 2 011
3. Unit Kerja      : Departemen Agronomi, Fakultas Pertanian
4. Email           : ratna.kusuma@ub.ac.id
5. No. HP/WA       : +62 813 3455 1209

Demikian surat permohonan ini kami sampaikan. Atas perhatian dan kerja sama Bapak, kami ucapkan terima kasih.

a.n. Dekan
Wakil Dekan Bidang Umum dan Keuangan,

ttd.

Prof. Dr. Ir. Bambang Sugiharto, M.S.
NIP 19640712 198903 1 002
"""), "new_request", "office365",
        fields={"nama": "Dr. Ir. Ratna Kusumawardani, M.P.", "nip": "198604122019032011",
                "unit": "Departemen Agronomi, Fakultas Pertanian",
                "email": "ratna.kusuma@ub.ac.id", "no_hp": "081334551209"},
        note="Two NIPs: the data NIP (spaced) comes first, the signer's NIP at the end.")

    # --- HTML only, Outlook, fields in a <table> -------------------------------------------
    k = "office365/html-tabel-tendik"
    html = """<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="Generator" content="Microsoft Word 15 (filtered medium)">
<style><!--
/* Font Definitions */
@font-face {font-family:"Cambria Math"; panose-1:2 4 5 3 5 4 6 3 2 4;}
@font-face {font-family:Calibri; panose-1:2 15 5 2 2 2 4 3 2 4;}
p.MsoNormal, li.MsoNormal, div.MsoNormal {margin:0cm; font-size:11.0pt; font-family:"Calibri",sans-serif;}
span.EmailStyle17 {mso-style-type:personal-compose; font-family:"Calibri",sans-serif; color:windowtext;}
.MsoChpDefault {mso-style-type:export-only; font-family:"Calibri",sans-serif;}
@page WordSection1 {size:612.0pt 792.0pt; margin:72.0pt 72.0pt 72.0pt 72.0pt;}
div.WordSection1 {page:WordSection1;}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]-->
</head>
<body lang="EN-ID" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">
<div class="WordSection1">
<p class="MsoNormal">Yth. Helpdesk DTI Universitas Brawijaya,<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Dengan hormat,<o:p></o:p></p>
<p class="MsoNormal">Bersama ini kami mengajukan permohonan lisensi <b>Microsoft Office 365</b> untuk tenaga kependidikan yang baru dimutasi ke Fakultas Ekonomi dan Bisnis, dengan data sebagai berikut:<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<table class="MsoTableGrid" border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse;border:none">
<tr>
<td width="180" valign="top" style="width:135.0pt;border:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt"><p class="MsoNormal"><b>Nama</b><o:p></o:p></p></td>
<td width="320" valign="top" style="width:240.0pt;border:solid windowtext 1.0pt;border-left:none;padding:0cm 5.4pt 0cm 5.4pt"><p class="MsoNormal">Yulianto Hadi Saputra<o:p></o:p></p></td>
</tr>
<tr>
<td width="180" valign="top" style="width:135.0pt;border:solid windowtext 1.0pt;border-top:none;padding:0cm 5.4pt 0cm 5.4pt"><p class="MsoNormal"><b>NIP</b><o:p></o:p></p></td>
<td width="320" valign="top" style="width:240.0pt;border-top:none;border-left:none;border-bottom:solid windowtext 1.0pt;border-right:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt"><p class="MsoNormal">198911232015041001<o:p></o:p></p></td>
</tr>
<tr>
<td width="180" valign="top" style="width:135.0pt;border:solid windowtext 1.0pt;border-top:none;padding:0cm 5.4pt 0cm 5.4pt"><p class="MsoNormal"><b>Unit Kerja</b><o:p></o:p></p></td>
<td width="320" valign="top" style="width:240.0pt;border-top:none;border-left:none;border-bottom:solid windowtext 1.0pt;border-right:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt"><p class="MsoNormal">Subbagian Kepegawaian, Fakultas Ekonomi dan Bisnis<o:p></o:p></p></td>
</tr>
<tr>
<td width="180" valign="top" style="width:135.0pt;border:solid windowtext 1.0pt;border-top:none;padding:0cm 5.4pt 0cm 5.4pt"><p class="MsoNormal"><b>Email UB</b><o:p></o:p></p></td>
<td width="320" valign="top" style="width:240.0pt;border-top:none;border-left:none;border-bottom:solid windowtext 1.0pt;border-right:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt"><p class="MsoNormal"><a href="mailto:Yulianto.HS@ub.ac.id">Yulianto.HS@ub.ac.id</a><o:p></o:p></p></td>
</tr>
<tr>
<td width="180" valign="top" style="width:135.0pt;border:solid windowtext 1.0pt;border-top:none;padding:0cm 5.4pt 0cm 5.4pt"><p class="MsoNormal"><b>No. HP/WhatsApp</b><o:p></o:p></p></td>
<td width="320" valign="top" style="width:240.0pt;border-top:none;border-left:none;border-bottom:solid windowtext 1.0pt;border-right:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt"><p class="MsoNormal">6285755501234<o:p></o:p></p></td>
</tr>
</table>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Atas perhatian dan bantuannya kami sampaikan terima kasih.<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Hormat kami,<o:p></o:p></p>
<p class="MsoNormal"><b>Kepala Subbagian Kepegawaian FEB UB</b><o:p></o:p></p>
<p class="MsoNormal">Telp. (0341) 555000 ext. 214<o:p></o:p></p>
</div>
</body>
</html>
"""
    c.add(k, mail(
        client="outlook",
        frm=("Kepegawaian FEB UB", "kepegawaian.feb@ub.ac.id"),
        subject="Pengajuan Lisensi Office 365 untuk Tenaga Kependidikan",
        date=date(2026, 1, 8, 13, 45, 2), msgid=outlook_id(k), html=html),
        "new_request", "office365",
        fields={"nama": "Yulianto Hadi Saputra", "nip": "198911232015041001",
                "unit": "Subbagian Kepegawaian, Fakultas Ekonomi dan Bisnis",
                "email": "yulianto.hs@ub.ac.id", "no_hp": "085755501234"},
        note="HTML only; email written in mixed case in the letter (expected lower-cased).")

    # --- data only in the attached PDF; subject and body say nothing about the service ----
    k = "office365/pdf-saja-fakultas"
    blocks = [
        ("kop", KOP["ub-fia"]),
        ("right", "Malang, 12 Januari 2026"),
        ("meta", [("Nomor", "1021/UN10.F03/TU/2026"), ("Lampiran", "-"),
                  ("Perihal", "Permohonan Lisensi Microsoft Office 365")]),
        ("space", 1),
        ("lines", ["Yth. Direktur Direktorat Teknologi Informasi", "Universitas Brawijaya",
                   "di Malang"]),
        ("space", 1),
        ("lines", ["Dengan hormat,"]),
        ("pi", "Dalam rangka mendukung pelaksanaan tugas pembelajaran dan administrasi di "
               "lingkungan Fakultas Ilmu Administrasi, bersama ini kami mohon bantuan Bapak untuk "
               "memberikan lisensi Microsoft Office 365 kepada dosen kami berikut ini:"),
        ("kv", [("Nama", "Anindya Kusuma Wardhani, S.AB., M.AB."),
                ("NIP", "19910726 202203 2 008"),
                ("Jabatan", "Dosen Departemen Administrasi Bisnis"),
                ("Email UB", "anindya.kw@ub.ac.id"),
                ("No. HP/WA", "0878-5512-3390")]),
        ("pi", "Demikian permohonan ini kami sampaikan. Atas perhatian dan kerja sama yang baik, "
               "kami ucapkan terima kasih."),
        ("space", 1),
        ("sign", ["Dekan,", "", "", "", "Prof. Dr. Hendro Wicaksono, M.Si.",
                  "NIP 19680315 199303 1 004"]),
    ]
    data = pdf(c, "office365-fia-permohonan", blocks, "Permohonan Lisensi Office 365",
               "TU FIA UB", pdfdate="D:20260112091500+07'00'")
    c.add(k, mail(
        frm=("Subbagian Umum FIA UB", "umum.fia@ub.ac.id"),
        subject="Surat FIA No. 1021/UN10.F03/TU/2026",
        date=date(2026, 1, 12, 9, 31, 8), msgid=gmail_id(k),
        body="""Yth. Helpdesk DTI,

Bersama ini kami sampaikan surat dari Fakultas Ilmu Administrasi sebagaimana terlampir.
Atas perhatiannya kami ucapkan terima kasih.

Salam,
Subbagian Umum FIA UB
""", html=True,
        attachments=[attachment(data, PDF, "Surat 1021 - FIA.pdf")]),
        "new_request", "office365",
        fields={"nama": "Anindya Kusuma Wardhani, S.AB., M.AB.", "nip": "199107262022032008",
                "email": "anindya.kw@ub.ac.id", "no_hp": "087855123390"},
        note="Subject and body are generic: the letter is only in the PDF.")

    # --- data only in a DOCX whose table has a header row Nama | NIM | Email ---------------
    k = "office365/docx-tabel-mahasiswa"
    blocks = [
        ("right", "Malang, 13 Januari 2026"),
        ("lines", ["Perihal : Permohonan Lisensi Microsoft Office 365", "",
                   "Kepada Yth.", "Direktur Direktorat Teknologi Informasi",
                   "Universitas Brawijaya", "di tempat"]),
        ("space", 1),
        ("lines", ["Dengan hormat,"]),
        ("p", "Saya mahasiswa Program Magister Ilmu Ekonomi Fakultas Ekonomi dan Bisnis mengajukan "
              "permohonan pemberian lisensi Microsoft Office 365 untuk akun email mahasiswa saya. "
              "Adapun data saya adalah sebagai berikut:"),
        ("table", [170, 130, 190], [["Nama", "NIM", "Email"],
                                    ["Salsabila Putri Ramadhani", "225020107111034",
                                     "salsabilapr@student.ub.ac.id"]]),
        ("p", "Apabila diperlukan konfirmasi, saya dapat dihubungi melalui nomor HP 0813-3100-2277."),
        ("p", "Demikian permohonan ini saya sampaikan. Terima kasih atas perhatian Bapak/Ibu."),
        ("sign", ["Hormat saya,", "", "", "Salsabila Putri Ramadhani"]),
    ]
    data = docx(c, "office365-docx-tabel", blocks, "Permohonan Lisensi Office 365",
                "Salsabila", created="2026-01-13T02:10:00Z")
    c.add(k, mail(
        frm=("Salsabila Putri Ramadhani", "salsabilapr@student.ub.ac.id"),
        subject="permohonan lisensi office",
        date=date(2026, 1, 13, 9, 22, 51), msgid=gmail_id(k),
        body="""Selamat pagi,

Berikut saya lampirkan surat permohonan saya. Terima kasih.

Salsa
""", html=True,
        attachments=[attachment(data, DOCX, "Surat Permohonan Lisensi Office 365.docx")]),
        "new_request", "office365",
        fields={"nama": "Salsabila Putri Ramadhani", "nim": "225020107111034",
                "email": "salsabilapr@student.ub.ac.id", "no_hp": "081331002277"},
        note="DOCX table with a header row Nama | NIM | Email and one data row; the phone is in a sentence.")

    # --- English ---------------------------------------------------------------------------
    k = "office365/english-visiting-professor"
    c.add(k, mail(
        frm=("International Office UB", "io@ub.ac.id"),
        subject="Request for a Microsoft 365 licence - visiting professor",
        date=date(2026, 1, 14, 14, 2, 9), msgid=gmail_id(k),
        body="""Dear IT Directorate Helpdesk,

Greetings from the International Office of Universitas Brawijaya.

Our visiting professor at the Faculty of Engineering started teaching this semester and already has a UB e-mail address, but the account has no Microsoft 365 licence yet, so she cannot use Word, Teams or OneDrive. Could you please assign an Office 365 licence to the account below?

Name            : Dr. Hannah Schmidt
Position        : Visiting Professor, Faculty of Engineering
UB e-mail       : hannah.schmidt@ub.ac.id
Phone/WhatsApp  : +62 811 3366 0921
Period of stay  : January - June 2026

Thank you very much for your help.

Best regards,
Rahmawati
International Office
Universitas Brawijaya
""", html=True), "new_request", "office365",
        fields={"nama": "Dr. Hannah Schmidt", "email": "hannah.schmidt@ub.ac.id",
                "no_hp": "081133660921"},
        note="English letter; the sender (International Office) is not the person the licence is for.")

    # --- windows-1252, Outlook, smart quotes and an en dash ---------------------------------
    k = "office365/windows-1252-upgrade"
    body = """Yth. Helpdesk DTI UB,

Dengan hormat,
Saya mohon bantuan “upgrade” lisensi Office 365 akun saya dari A1 ke A3 – agar dapat memasang aplikasi desktop (Word, Excel, PowerPoint) di laptop kantor. Saat ini di portal hanya muncul pilihan “Office on the web”…

Data saya:
Nama    : Yohanes Kristianto, S.E.
NIP     : 198302112009121002
Unit    : Subbagian Keuangan, Fakultas Teknik
Email   : yohanes.k@ub.ac.id

Terima kasih atas bantuannya.

Salam,
Yohanes Kristianto
Subbag Keuangan FT UB – Gedung Dekanat Lt. 2
"""
    html = ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\"></head>"
            "<body><div class=\"WordSection1\">"
            + "".join(f"<p class=\"MsoNormal\">{l if l else '&nbsp;'}</p>\n" for l in body.rstrip().split("\n"))
            + "</div></body></html>\n")
    c.add(k, mail(
        client="outlook", charset="windows-1252", cte="quoted-printable",
        frm=("Yohanes Kristianto", "yohanes.k@ub.ac.id"),
        subject="Upgrade lisensi Office 365 A1 ke A3",
        date=date(2026, 1, 15, 8, 55, 40), msgid=outlook_id(k), body=body, html=html),
        "new_request", "office365",
        fields={"nama": "Yohanes Kristianto, S.E.", "nip": "198302112009121002",
                "unit": "Subbagian Keuangan, Fakultas Teknik", "email": "yohanes.k@ub.ac.id"},
        note="windows-1252 body (0x93/0x94 quotes, 0x96 dash, 0x85 ellipsis), quoted-printable.")


# =============================================================================================
# webservice — Universitas Syiah Kuala, webservice account for a unit kerja


def build_webservice(c):
    # --- plain, kop surat, Thunderbird ------------------------------------------------------
    k = "webservice/kop-fakultas-teknik"
    c.add(k, mail(
        client="thunderbird", flowed=True,
        frm=("Fakultas Teknik USK", "ft@usk.ac.id"),
        subject="Permohonan Akun Webservice Fakultas Teknik",
        date=date(2026, 1, 6, 9, 20, 15), msgid=local_id(k, "usk.ac.id"),
        body="""KEMENTERIAN PENDIDIKAN TINGGI, SAINS, DAN TEKNOLOGI
UNIVERSITAS SYIAH KUALA
FAKULTAS TEKNIK
Jalan Tgk. Syech Abdurrauf No. 7, Darussalam, Banda Aceh 23111

Nomor    : 215/UN11.1.4/TU/2026
Lampiran : -
Hal      : Permohonan Akun Webservice

Yth. Kepala UPT Teknologi Informasi dan Komunikasi
Universitas Syiah Kuala
di Darussalam

Dengan hormat,
Sehubungan dengan pengembangan Sistem Informasi Tugas Akhir Fakultas Teknik yang memerlukan integrasi dengan data akademik universitas, bersama ini kami mengajukan permohonan akun webservice dengan penanggung jawab sebagai berikut:

Nama                       : Teuku Rahmat Fadhil, S.T., M.T.
NIP                        : 19820315 200801 1 004
No. Telp                   : 0812-6901-2345
Email penanggung jawab     : t.rahmat@usk.ac.id
Jenis data yang dibutuhkan : Data mahasiswa aktif dan data KRS per semester

Akun tersebut hanya akan digunakan untuk keperluan sistem informasi di lingkungan Fakultas Teknik dan kami bertanggung jawab atas kerahasiaan data yang diakses.

Demikian permohonan ini kami sampaikan, atas perhatian dan kerja samanya kami ucapkan terima kasih.

Banda Aceh, 6 Januari 2026
Dekan,

Prof. Dr. Ir. Muhammad Yusuf Hasan, M.Eng.
NIP 196805121994031002
"""), "new_request", "webservice",
        fields={"nama": "Teuku Rahmat Fadhil, S.T., M.T.", "nip": "198203152008011004",
                "no_hp": "081269012345", "email": "t.rahmat@usk.ac.id", "unit": "Fakultas Teknik",
                "jenis_data": "Data mahasiswa aktif dan data KRS per semester"},
        note="unit is named in the body sentence and the letterhead, not on a labelled line.")

    # --- data only in a DOCX with a two-column table -----------------------------------------
    k = "webservice/docx-saja-tabel-perpustakaan"
    blocks = [
        ("kop", KOP["usk-perpus"]),
        ("meta", [("Nomor", "B/048/UN11.27/TU/2026"), ("Lampiran", "1 (satu) berkas"),
                  ("Hal", "Permohonan Akses Webservice")]),
        ("space", 1),
        ("lines", ["Yth. Kepala UPT TIK Universitas Syiah Kuala", "di tempat"]),
        ("space", 1),
        ("lines", ["Dengan hormat,"]),
        ("p", "Dalam rangka sinkronisasi data keanggotaan perpustakaan dengan data akademik, "
              "UPT Perpustakaan memerlukan akses webservice universitas. Bersama ini kami sampaikan "
              "data penanggung jawab akun sebagai berikut:"),
        ("table", [170, 300], [
            ["Uraian", "Keterangan"],
            ["Unit Kerja", "UPT Perpustakaan"],
            ["Nama", "Cut Meutia Rahmi, S.Kom."],
            ["NIP", "198807192014042001"],
            ["No. Telepon", "+62 852 6077 3140"],
            ["Email", "cutmeutia@usk.ac.id"],
            ["Jenis Data", "Data mahasiswa aktif (NPM, nama, program studi, status)"],
        ]),
        ("p", "Demikian permohonan ini kami sampaikan. Atas perhatian Bapak kami ucapkan terima kasih."),
        ("sign", ["Banda Aceh, 9 Januari 2026", "Kepala UPT Perpustakaan,", "", "", "",
                  "Dr. Safrina Yusra, M.Hum.", "NIP 197604222003122002"]),
    ]
    data = docx(c, "webservice-perpustakaan", blocks, "Permohonan Webservice", "UPT Perpustakaan",
                created="2026-01-09T03:00:00Z")
    c.add(k, mail(
        frm=("Perpustakaan USK", "library@usk.ac.id"),
        subject="Surat UPT Perpustakaan",
        date=date(2026, 1, 9, 10, 48, 0), msgid=gmail_id(k),
        body="""Assalamualaikum wr. wb.

Terlampir surat dari UPT Perpustakaan USK. Mohon dapat ditindaklanjuti.

Terima kasih.
Wassalam,
Admin UPT Perpustakaan USK
""", html=True,
        attachments=[attachment(data, DOCX, "Surat Permohonan Webservice Perpustakaan.docx")]),
        "new_request", "webservice",
        fields={"unit": "UPT Perpustakaan", "nama": "Cut Meutia Rahmi, S.Kom.",
                "nip": "198807192014042001", "no_hp": "085260773140",
                "email": "cutmeutia@usk.ac.id",
                "jenis_data": "Data mahasiswa aktif (NPM, nama, program studi, status)"},
        note="DOCX two-column table (header Uraian | Keterangan); no colons in the data.")

    # --- data only in a PDF with a grid table, no colons -------------------------------------
    k = "webservice/pdf-saja-tabel-lppm"
    blocks = [
        ("kop", KOP["usk-lppm"]),
        ("meta", [("Nomor", "112/UN11.9/TU/2026"), ("Lampiran", "-"),
                  ("Perihal", "Permohonan Akun Webservice")]),
        ("space", 1),
        ("lines", ["Yth. Kepala UPT Teknologi Informasi dan Komunikasi", "Universitas Syiah Kuala"]),
        ("space", 1),
        ("lines", ["Dengan hormat,"]),
        ("pi", "Sehubungan dengan pengembangan Sistem Informasi Penelitian dan Pengabdian (SIPP) yang "
               "memerlukan data dosen dan data publikasi, kami mohon dapat diberikan akun webservice "
               "untuk LPPM USK dengan rincian sebagai berikut:"),
        ("table", [190, 280], [
            ["Nama Penanggung Jawab", "Dr. Zulfikar Ahmad, S.Si., M.Sc."],
            ["NIP", "197905212005011003"],
            ["Nomor Telepon/WA", "0813-6055-7821"],
            ["Email", "zulfikar.ahmad@usk.ac.id"],
            ["Jenis Data", "Data dosen dan data publikasi"],
            ["Masa Akses", "1 (satu) tahun"],
        ], False),
        ("pi", "Demikian kami sampaikan, atas perhatian dan kerja sama yang baik diucapkan terima kasih."),
        ("space", 1),
        ("sign", ["Banda Aceh, 14 Januari 2026", "Ketua LPPM,", "", "", "",
                  "Prof. Dr. Ir. Husni Mubarak, M.P.", "NIP 196911101995121001"]),
    ]
    data = pdf(c, "webservice-lppm", blocks, "Permohonan Akun Webservice LPPM", "LPPM USK",
               pdfdate="D:20260114100000+07'00'")
    c.add(k, mail(
        frm=("TU LPPM USK", "lppm@usk.ac.id"),
        subject="Surat LPPM USK No. 112/UN11.9/TU/2026",
        date=date(2026, 1, 14, 10, 40, 22), msgid=gmail_id(k),
        body="""Dengan hormat,

Terlampir kami sampaikan surat LPPM USK nomor 112/UN11.9/TU/2026. Mohon dapat ditindaklanjuti.

Terima kasih.
Tata Usaha LPPM USK
""", html=True,
        attachments=[attachment(data, PDF, "112-LPPM-USK.pdf")]),
        "new_request", "webservice",
        fields={"nama": "Dr. Zulfikar Ahmad, S.Si., M.Sc.", "nip": "197905212005011003",
                "no_hp": "081360557821", "email": "zulfikar.ahmad@usk.ac.id",
                "jenis_data": "Data dosen dan data publikasi"},
        note="PDF grid table without a header row and without colons; cells are separate text objects.")

    # --- incomplete: no NIP -----------------------------------------------------------------
    k = "webservice/tanpa-nip"
    c.add(k, mail(
        frm=("Prodi Magister Manajemen USK", "mm.feb@usk.ac.id"),
        subject="Permohonan akun webservice - Prodi Magister Manajemen",
        date=date(2026, 1, 15, 15, 12, 3), msgid=gmail_id(k),
        body="""Yth. Kepala UPT TIK USK

Dengan hormat,
Program Studi Magister Manajemen FEB USK bermaksud mengajukan permohonan akun webservice untuk keperluan tracer study alumni. Adapun penanggung jawab akun adalah:

Nama	Fitri Handayani, S.E., M.M.
No. HP	0852-7788-1123
Email	fitri.handayani@usk.ac.id
Data yang dibutuhkan	data alumni (nama, NPM, tahun lulus, IPK)

Demikian, terima kasih atas perhatiannya.

Salam,
Fitri Handayani
Sekretaris Prodi Magister Manajemen FEB USK
""", html=True), "new_request", "webservice",
        fields={"nama": "Fitri Handayani, S.E., M.M.", "no_hp": "085277881123",
                "email": "fitri.handayani@usk.ac.id"},
        missing=["nip"],
        note="No NIP. The data lines have no colons: label and value are separated by a tab.")

    # --- iso-8859-1, quoted-printable, Q-encoded subject and sender name --------------------
    k = "webservice/iso-8859-1-pusat-bahasa"
    c.add(k, mail(
        client="thunderbird", charset="iso-8859-1", cte="quoted-printable",
        frm=("Désirée Putri Maharani", "desiree.pm@usk.ac.id"), from_charset="iso-8859-1", from_enc="Q",
        subject="Permohonan Akun Webservice · UPT Pusat Bahasa",
        subject_header="=?iso-8859-1?Q?Permohonan_Akun_Webservice_=B7_UPT_Pusat_Bahasa?=",
        date=date(2026, 1, 16, 11, 7, 30), msgid=local_id(k, "usk.ac.id"),
        body="""Yth. Kepala UPT TIK Universitas Syiah Kuala

Dengan hormat,

Untuk keperluan pendaftaran tes TOEFL-like (ELPT) mahasiswa baru, UPT Pusat Bahasa memerlukan akses webservice data mahasiswa. Kami mohon dibuatkan akun dengan penanggung jawab:

  Nama                  : Désirée Putri Maharani, M.A.
  NIP                   : 199001052019032015
  No. Telp              : 0811-6802-7751
  Email penanggung jawab: desiree.pm@usk.ac.id
  Jenis data            : Data mahasiswa baru (nama, NPM, fakultas, program studi)

Perkiraan jumlah data ± 7.500 mahasiswa per tahun.

Terima kasih atas bantuannya.

Hormat kami,
Désirée Putri Maharani, M.A.
Koordinator Layanan Tes, UPT Pusat Bahasa USK
"""), "new_request", "webservice",
        fields={"nama": "Désirée Putri Maharani, M.A.", "nip": "199001052019032015",
                "no_hp": "081168027751", "email": "desiree.pm@usk.ac.id",
                "jenis_data": "Data mahasiswa baru (nama, NPM, fakultas, program studi)"},
        note="iso-8859-1 body (é, ±), Q-encoded subject (· is =B7) and From name.")

    # --- forwarded inline -------------------------------------------------------------------
    k = "webservice/diteruskan-inline"
    c.add(k, mail(
        frm=("Nurul Huda", "tu.fkh@usk.ac.id"),
        subject="Fwd: Permohonan Akun Webservice - Fakultas Kedokteran Hewan",
        date=date(2026, 1, 19, 8, 30, 11), msgid=gmail_id(k),
        body="""Mohon diproses, terima kasih.

Nurul Huda
Staf TU FKH USK

---------- Forwarded message ---------
From: Ahmad Fauzan <ahmad.fauzan@usk.ac.id>
Date: Sen, 12 Jan 2026 pukul 10.21
Subject: Permohonan Akun Webservice - Fakultas Kedokteran Hewan
To: <tu.fkh@usk.ac.id>


Yth. Kepala UPT TIK USK
melalui Tata Usaha FKH

Dengan hormat,
Bersama ini kami dari Fakultas Kedokteran Hewan mengajukan permohonan akun webservice untuk aplikasi presensi kuliah fakultas, dengan data penanggung jawab:

Nama: drh. Ahmad Fauzan, M.Si.
NIP: 198511202012121003
No Telp: 0813-6099-4512
Email: ahmad.fauzan@usk.ac.id
Jenis data: Data dosen dan data mahasiswa aktif FKH

Terima kasih.

Salam,
drh. Ahmad Fauzan, M.Si.
Wakil Dekan Bidang Akademik FKH USK
""", html=True), "new_request", "webservice",
        fields={"nama": "drh. Ahmad Fauzan, M.Si.", "nip": "198511202012121003",
                "no_hp": "081360994512", "email": "ahmad.fauzan@usk.ac.id",
                "jenis_data": "Data dosen dan data mahasiswa aktif FKH"},
        note="Forwarded inline by TU staff; the requester is the person in the forwarded letter.")


# =============================================================================================
# zoom-ormawa — UNS, Zoom 300-participant licence for a student organisation


def _zoom_permohonan(kop, nomor, tanggal, ormawa, fakultas, kegiatan, waktu, email, wa, narahubung,
                     ketua, nim_ketua, pembina, nip_pembina):
    return [
        ("kop", kop),
        ("meta", [("Nomor", nomor), ("Lampiran", "1 (satu) lembar"),
                  ("Hal", "Permohonan Lisensi Zoom 300 Participants")]),
        ("space", 1),
        ("lines", ["Yth. Direktur Direktorat Teknologi Informasi dan Komunikasi",
                   "Universitas Sebelas Maret", "di Surakarta"]),
        ("space", 1),
        ("lines", ["Dengan hormat,"]),
        ("pi", f"Sehubungan dengan akan dilaksanakannya kegiatan {kegiatan} oleh {ormawa}, kami "
               "bermaksud mengajukan permohonan lisensi Zoom dengan kapasitas 300 peserta "
               "(Zoom Ormawa) dengan keterangan sebagai berikut:"),
        ("kv", [("Nama Ormawa", ormawa), ("Fakultas", fakultas), ("Kegiatan", kegiatan),
                ("Waktu", waktu), ("Email Zoom", email), ("Narahubung", narahubung),
                ("No. WhatsApp", wa)]),
        ("pi", "Email tersebut telah terdaftar sebagai pengguna Zoom Basic. Lisensi hanya akan "
               "digunakan untuk kegiatan resmi ormawa. Demikian surat permohonan ini kami sampaikan. "
               "Atas perhatian dan kerja samanya kami ucapkan terima kasih."),
        ("right", f"Surakarta, {tanggal}"),
        ("space", 0.5),
        ("lines", ["Mengetahui,"]),
        ("table", [235, 235], [
            ["Pembina Ormawa,", "Ketua,"],
            ["", ""], ["", ""],
            [pembina, ketua],
            [f"NIP {nip_pembina}", f"NIM {nim_ketua}"],
        ], {"header": False, "grid": False}),
        ("center", "(stempel ormawa)"),
    ]


def _rekomendasi(kop, nomor, tanggal, ormawa, kegiatan, penanda, jabatan, nip):
    return [
        ("kop", kop),
        ("title", "SURAT REKOMENDASI"),
        ("center", f"Nomor: {nomor}"),
        ("space", 1),
        ("p", "Yang bertanda tangan di bawah ini:"),
        ("kv", [("Nama", penanda), ("NIP", nip), ("Jabatan", jabatan)]),
        ("p", f"dengan ini memberikan rekomendasi kepada {ormawa} untuk memperoleh lisensi Zoom "
              f"300 participants dari Direktorat Teknologi Informasi dan Komunikasi UNS guna "
              f"mendukung kegiatan {kegiatan}."),
        ("p", "Demikian surat rekomendasi ini dibuat untuk dipergunakan sebagaimana mestinya."),
        ("space", 1),
        ("sign", [f"Surakarta, {tanggal}", f"{jabatan},", "", "", "", penanda, f"NIP {nip}"]),
    ]


def build_zoom_ormawa(c):
    # --- complete: data in body, both letters attached as PDF --------------------------------
    k = "zoom-ormawa/bem-fmipa-lengkap"
    perm = pdf(c, "zoom-bem-fmipa-permohonan", _zoom_permohonan(
        KOP["uns-bem"], "012/BEM-FMIPA/UNS/I/2026", "5 Januari 2026", "BEM FMIPA UNS",
        "Matematika dan Ilmu Pengetahuan Alam", "Webinar Nasional Sains untuk Negeri 2026",
        "Sabtu, 14 Februari 2026, pukul 08.00 - 12.00 WIB", "rafi.ardiansyah@student.uns.ac.id",
        "0857-2541-8803", "Rafi Ardiansyah", "Rafi Ardiansyah", "M0522061",
        "Dr. Sri Lestari, S.Si., M.Sc.", "198409172010122003"),
        "Permohonan Lisensi Zoom BEM FMIPA", "BEM FMIPA", pdfdate="D:20260105193000+07'00'")
    rek = pdf(c, "zoom-bem-fmipa-rekomendasi", _rekomendasi(
        KOP["uns-fmipa"], "45/UN27.9/KM/2026", "6 Januari 2026", "BEM FMIPA UNS",
        "Webinar Nasional Sains untuk Negeri 2026", "Dr. Eng. Budi Purnama, S.Si., M.Si.",
        "Wakil Dekan Bidang Kemahasiswaan", "197701282005011002"),
        "Surat Rekomendasi", "FMIPA UNS", pdfdate="D:20260106090000+07'00'")
    c.add(k, mail(
        frm=("Rafi Ardiansyah", "rafi.ardiansyah@student.uns.ac.id"),
        subject="Permohonan Lisensi Zoom 300 Participants - BEM FMIPA UNS",
        date=date(2026, 1, 6, 19, 2, 37), msgid=gmail_id(k),
        body="""Yth. Direktur DTIK UNS
c.q. Admin Layanan Lisensi Zoom

Dengan hormat,
Kami dari BEM FMIPA UNS mengajukan permohonan lisensi Zoom 300 participants untuk kegiatan webinar nasional. Berikut data permohonan kami:

Nama Ormawa           : BEM FMIPA UNS
Fakultas              : Matematika dan Ilmu Pengetahuan Alam
Kegiatan              : Webinar Nasional Sains untuk Negeri 2026
Email akun Zoom       : rafi.ardiansyah@student.uns.ac.id
Narahubung (WhatsApp) : 0857-2541-8803

Surat permohonan yang telah ditandatangani ketua dan pembina serta surat rekomendasi dari Wakil Dekan Bidang Kemahasiswaan kami lampirkan.

Terima kasih.

Hormat kami,
Rafi Ardiansyah
Ketua BEM FMIPA UNS
""", html=True,
        attachments=[attachment(perm, PDF, "Surat Permohonan Lisensi Zoom BEM FMIPA.pdf"),
                     attachment(rek, PDF, "Surat Rekomendasi Wadek Kemahasiswaan FMIPA.pdf")]),
        "new_request", "zoom-ormawa",
        fields={"ormawa": "BEM FMIPA UNS", "fakultas": "Matematika dan Ilmu Pengetahuan Alam",
                "email": "rafi.ardiansyah@student.uns.ac.id", "no_hp": "085725418803"})

    # --- missing the surat rekomendasi -------------------------------------------------------
    k = "zoom-ormawa/hima-tanpa-rekomendasi"
    perm = pdf(c, "zoom-hms-permohonan", _zoom_permohonan(
        ["HIMPUNAN MAHASISWA SIPIL", "FAKULTAS TEKNIK UNIVERSITAS SEBELAS MARET",
         "Sekretariat: Gedung I FT UNS, Jl. Ir. Sutami 36A, Surakarta 57126"],
        "007/HMS-FT/I/2026", "8 Januari 2026", "Himpunan Mahasiswa Sipil FT UNS", "Teknik",
        "Seminar Nasional Infrastruktur Berkelanjutan", "Sabtu, 31 Januari 2026, 09.00 WIB",
        "naufal.hakim@student.uns.ac.id", "6281326547788", "Naufal Hakim", "Naufal Hakim",
        "I0123045", "Ir. Agus Prasetyo, S.T., M.T.", "198012142008121001"),
        "Permohonan Zoom HMS", "HMS FT UNS", pdfdate="D:20260108200000+07'00'")
    c.add(k, mail(
        client="thunderbird", flowed=True,
        frm=("Naufal Hakim", "naufal.hakim@student.uns.ac.id"),
        subject="Permohonan Lisensi Zoom Ormawa - HMS FT UNS",
        date=date(2026, 1, 8, 20, 15, 0), msgid=local_id(k, "student.uns.ac.id"),
        body="""Yth. Admin DTIK UNS

Dengan hormat,
Bersama email ini kami dari Himpunan Mahasiswa Sipil Fakultas Teknik UNS mengajukan permohonan lisensi Zoom 300 peserta untuk Seminar Nasional Infrastruktur Berkelanjutan.

Nama Ormawa : Himpunan Mahasiswa Sipil FT UNS
Fakultas : Teknik
Email Zoom : naufal.hakim@student.uns.ac.id
No. WhatsApp narahubung : 6281326547788

Surat permohonan terlampir. Untuk surat rekomendasi dari Wakil Dekan 3 masih dalam proses tanda tangan, akan kami susulkan secepatnya.

Terima kasih.

Naufal Hakim
Ketua HMS FT UNS
""", attachments=[attachment(perm, PDF, "Surat Permohonan Zoom HMS.pdf")]),
        "new_request", "zoom-ormawa",
        fields={"ormawa": "Himpunan Mahasiswa Sipil FT UNS", "fakultas": "Teknik",
                "email": "naufal.hakim@student.uns.ac.id", "no_hp": "081326547788"},
        missing=["lampiran:surat_rekomendasi"],
        note="Only the request letter is attached; the body says the recommendation will follow.")

    # --- rule violation: gmail address instead of @student.uns.ac.id -------------------------
    k = "zoom-ormawa/email-gmail-melanggar"
    kop = ["HIMPUNAN MAHASISWA ILMU KOMUNIKASI",
           "FAKULTAS ILMU SOSIAL DAN ILMU POLITIK UNIVERSITAS SEBELAS MARET",
           "Sekretariat: Gedung 2 FISIP UNS, Jl. Ir. Sutami 36A, Surakarta 57126"]
    perm = pdf(c, "zoom-himakom-permohonan", _zoom_permohonan(
        kop, "021/HIMAKOM/I/2026", "10 Januari 2026", "HIMAKOM FISIP UNS",
        "Ilmu Sosial dan Ilmu Politik", "Talkshow Literasi Digital",
        "Minggu, 1 Februari 2026, 13.00 WIB", "himakom.fisipuns@gmail.com", "+62 878-3321-0045",
        "Salma Nabila", "Salma Nabila", "D0423077", "Dr. Andre Rusdianto, M.Si.",
        "198106062008011009"),
        "Permohonan Zoom HIMAKOM", "HIMAKOM", pdfdate="D:20260110110000+07'00'")
    rek = pdf(c, "zoom-himakom-rekomendasi", _rekomendasi(
        ["KEMENTERIAN PENDIDIKAN TINGGI, SAINS, DAN TEKNOLOGI", "UNIVERSITAS SEBELAS MARET",
         "FAKULTAS ILMU SOSIAL DAN ILMU POLITIK",
         "Jalan Ir. Sutami 36A Kentingan, Surakarta 57126   Laman: fisip.uns.ac.id"],
        "18/UN27.3/KM/2026", "12 Januari 2026", "HIMAKOM FISIP UNS", "Talkshow Literasi Digital",
        "Dr. Wening Kusumaningrum, M.Si.", "Wakil Dekan Bidang Kemahasiswaan",
        "197803252005012001"),
        "Surat Rekomendasi", "FISIP UNS", pdfdate="D:20260112090000+07'00'")
    c.add(k, mail(
        frm=("HIMAKOM FISIP UNS", "himakom.fisipuns@gmail.com"),
        subject="Pengajuan Zoom 300 untuk Talkshow Literasi Digital",
        date=date(2026, 1, 12, 14, 20, 5), msgid=gmail_id(k),
        body="""Selamat siang Bapak/Ibu DTIK UNS,

Kami HIMAKOM FISIP UNS ingin mengajukan lisensi Zoom 300 participants.

Nama Ormawa : HIMAKOM FISIP UNS
Fakultas : Ilmu Sosial dan Ilmu Politik
Email yang didaftarkan Zoom : himakom.fisipuns@gmail.com
WA narahubung : +62 878-3321-0045 (Salma)

Surat permohonan dan rekomendasi Wakil Dekan terlampir.
Terima kasih banyak.

Salam,
Salma Nabila
Ketua HIMAKOM FISIP UNS
""", html=True,
        attachments=[attachment(perm, PDF, "Permohonan Zoom HIMAKOM.pdf"),
                     attachment(rek, PDF, "Rekomendasi WD3 FISIP.pdf")]),
        "new_request", "zoom-ormawa",
        fields={"ormawa": "HIMAKOM FISIP UNS", "fakultas": "Ilmu Sosial dan Ilmu Politik",
                "email": "himakom.fisipuns@gmail.com", "no_hp": "087833210045"},
        invalid=["email"],
        note="Rule violation: the Zoom e-mail is a gmail address, not @student.uns.ac.id.")

    # --- request letter only in a DOCX (RFC 2231 file name), recommendation as PDF ----------
    k = "zoom-ormawa/docx-saja-hmp-akuntansi"
    blocks = [
        ("kop", KOP["uns-hmp"]),
        ("meta", [("Nomor", "004/HMPA/FEB-UNS/I/2026"), ("Lampiran", "1 berkas"),
                  ("Perihal", "Permohonan Lisensi Zoom Ormawa (300 Participants)")]),
        ("space", 1),
        ("lines", ["Kepada Yth.", "Direktur DTIK Universitas Sebelas Maret", "di tempat"]),
        ("space", 1),
        ("lines", ["Dengan hormat,"]),
        ("p", "Dalam rangka kegiatan Accounting Fair 2026, kami mengajukan permohonan lisensi "
              "Zoom 300 participants dengan data sebagai berikut:"),
        ("kv", [("Nama Ormawa", "HMP Akuntansi FEB UNS"), ("Fakultas", "Ekonomi dan Bisnis"),
                ("Email Zoom", "aulia.rahma@student.uns.ac.id"), ("Narahubung", "Aulia Rahmawati"),
                ("No. WhatsApp", "0896-1234-5678")], True),
        ("p", "Demikian permohonan ini kami sampaikan. Atas perhatiannya kami ucapkan terima kasih."),
        ("sign", ["Surakarta, 13 Januari 2026", "Ketua HMP Akuntansi,", "", "", "",
                  "Aulia Rahmawati", "NIM F0322018"]),
    ]
    perm = docx(c, "zoom-hmp-akuntansi-permohonan", blocks, "Permohonan Zoom", "HMP Akuntansi",
                created="2026-01-13T05:00:00Z")
    rek = pdf(c, "zoom-hmp-akuntansi-rekomendasi", _rekomendasi(
        KOP["uns-feb"], "09/UN27.2/KM/2026", "13 Januari 2026", "HMP Akuntansi FEB UNS",
        "Accounting Fair 2026", "Dr. Rina Setyaningsih, M.Si., Ak.",
        "Wakil Dekan Bidang Kemahasiswaan", "198002102006042001"),
        "Rekomendasi", "FEB UNS", pdfdate="D:20260113100000+07'00'")
    c.add(k, mail(
        frm=("Aulia Rahmawati", "aulia.rahma@student.uns.ac.id"),
        subject="Permohonan Zoom HMP Akuntansi",
        date=date(2026, 1, 13, 15, 33, 48), msgid=gmail_id(k),
        body="""Selamat siang Bapak/Ibu,

Terlampir surat permohonan lisensi Zoom dan surat rekomendasi dari Wakil Dekan Bidang Kemahasiswaan FEB.

Terima kasih.
Aulia
""", html=True,
        attachments=[attachment(perm, DOCX, "Surat Permohonan Zoom – HMP Akuntansi.docx", style="rfc2231"),
                     attachment(rek, PDF, "Surat Rekomendasi WD3 FEB.pdf")]),
        "new_request", "zoom-ormawa",
        fields={"ormawa": "HMP Akuntansi FEB UNS", "fakultas": "Ekonomi dan Bisnis",
                "email": "aulia.rahma@student.uns.ac.id", "no_hp": "089612345678"},
        note="Data only in the DOCX (numbered, tab-aligned); its file name is RFC 2231-encoded.")

    # --- HTML only, base64, B-encoded subject, encoded-word attachment names -----------------
    k = "zoom-ormawa/html-base64-bem-fkip"
    perm = pdf(c, "zoom-bem-fkip-permohonan", _zoom_permohonan(
        ["BADAN EKSEKUTIF MAHASISWA", "FAKULTAS KEGURUAN DAN ILMU PENDIDIKAN",
         "UNIVERSITAS SEBELAS MARET", "Sekretariat: Gedung D FKIP UNS, Jl. Ir. Sutami 36A, Surakarta"],
        "031/BEM-FKIP/I/2026", "15 Januari 2026", "BEM FKIP UNS", "Keguruan dan Ilmu Pendidikan",
        "Pelatihan Kepemimpinan Mahasiswa Tingkat Dasar", "Sabtu, 7 Februari 2026",
        "dimas.setyo@student.uns.ac.id", "6281393456120", "Dimas Setyo Nugroho",
        "Dimas Setyo Nugroho", "K2222034", "Dr. Yuni Astuti, M.Pd.", "198206112008122004"),
        "Permohonan Zoom BEM FKIP", "BEM FKIP", pdfdate="D:20260115200000+07'00'")
    rek = pdf(c, "zoom-bem-fkip-rekomendasi", _rekomendasi(
        KOP["uns-kemahasiswaan"], "102/UN27.KM/2026", "16 Januari 2026", "BEM FKIP UNS",
        "Pelatihan Kepemimpinan Mahasiswa Tingkat Dasar", "Drs. Haryanto Wibowo, M.M.",
        "Kepala Bagian Kemahasiswaan", "196907241994031003"),
        "Rekomendasi", "Kemahasiswaan UNS", pdfdate="D:20260116090000+07'00'")
    html = """<div dir="auto">Yth. Bapak/Ibu DTIK UNS,</div><div dir="auto"><br></div>
<div dir="auto">Kami BEM FKIP UNS mohon izin mengajukan lisensi <b>Zoom 300 participants</b> untuk kegiatan Pelatihan Kepemimpinan Mahasiswa Tingkat Dasar.</div><div dir="auto"><br></div>
<table border="1" cellpadding="4" style="border-collapse:collapse">
<tr><td>Nama Ormawa</td><td>BEM FKIP UNS</td></tr>
<tr><td>Fakultas</td><td>Keguruan dan Ilmu Pendidikan</td></tr>
<tr><td>Email Zoom Basic</td><td>dimas.setyo@student.uns.ac.id</td></tr>
<tr><td>WhatsApp narahubung</td><td>6281393456120 (Dimas)</td></tr>
</table>
<div dir="auto"><br></div>
<div dir="auto">Surat permohonan bertanda tangan &amp; stempel serta surat rekomendasi Bagian Kemahasiswaan terlampir 🙏</div><div dir="auto"><br></div>
<div dir="auto">Terima kasih,</div><div dir="auto">Dimas Setyo Nugroho</div><div dir="auto">Ketua BEM FKIP UNS</div>
"""
    c.add(k, mail(
        frm=("Dimas Setyo Nugroho", "dimas.setyo@student.uns.ac.id"),
        subject="Permohonan Lisensi Zoom 300 Peserta – BEM FKIP UNS 🙏",
        date=date(2026, 1, 16, 21, 4, 56), msgid=gmail_id(k), html=html, html_cte="base64",
        attachments=[
            attachment(perm, PDF, "Surat Permohonan Zoom – BEM FKIP.pdf", style="encoded-word"),
            attachment(rek, PDF, "Rekomendasi Kemahasiswaan.pdf")]),
        "new_request", "zoom-ormawa",
        fields={"ormawa": "BEM FKIP UNS", "fakultas": "Keguruan dan Ilmu Pendidikan",
                "email": "dimas.setyo@student.uns.ac.id", "no_hp": "081393456120"},
        note="HTML-only body in base64; B-encoded UTF-8 subject with an emoji; Outlook-style "
             "encoded-word attachment name.")


# =============================================================================================
# email-institusi — UIN Malang, new institutional e-mail account or subdomain


def build_email_institusi(c):
    # --- the original letter of ticket TIK-2026-000007 (replies in reply/ refer to it) -------
    k = "email-institusi/mahasiswa-tanpa-no-hp"
    c.add(k, mail(
        frm=("Rizky Ananda Putra", "rizkyananda.p@gmail.com"),
        subject="Permohonan Pembuatan Email Institusi",
        date=date(2026, 1, 5, 20, 41, 17), msgid="surat-7@contoh.ac.id",
        body="""Assalamu'alaikum wr. wb.

Yth. Admin PTIPD UIN Maulana Malik Ibrahim Malang

Saya mahasiswa baru dan belum memiliki akun email institusi. Mohon dibuatkan akun email dengan data berikut:

Nama Lengkap   : Rizky Ananda Putra
NIM            : 210605110045
Program Studi  : Teknik Informatika
Email pribadi  : rizkyananda.p@gmail.com
Jenis akun     : Mahasiswa

Terima kasih atas bantuannya.
Wassalamu'alaikum wr. wb.

Rizky Ananda Putra
""", html=True), "new_request", "email-institusi",
        fields={"nama": "Rizky Ananda Putra", "nim": "210605110045",
                "email": "rizkyananda.p@gmail.com", "jenis_akun": "mahasiswa"},
        missing=["no_hp"],
        note="Ticket TIK-2026-000007 is opened from this letter (Message-ID <surat-7@contoh.ac.id>).\n"
             "The phone number is missing; reply/melengkapi-no-hp supplies it.")

    # --- a unit asks for a subdomain, Outlook ------------------------------------------------
    k = "email-institusi/subdomain-fakultas"
    c.add(k, mail(
        client="outlook",
        frm=("Muhammad Faisal Amrullah", "faisal.amrullah@uin-malang.ac.id"),
        subject="Pengajuan Email dengan Subdomain Baru - Fakultas Sains dan Teknologi",
        date=date(2026, 1, 7, 9, 12, 33), msgid=outlook_id(k),
        body="""Yth. Kepala Pusat Teknologi Informasi dan Pangkalan Data
UIN Maulana Malik Ibrahim Malang

Dengan hormat,

Dalam rangka penataan layanan surat-menyurat unit di lingkungan Fakultas Sains dan Teknologi, kami mengajukan pembuatan email dengan subdomain baru @fst.uin-malang.ac.id untuk akun-akun unit (jurusan, laboratorium, dan jurnal). Berikut data penanggung jawab:

Nama        : Muhammad Faisal Amrullah, M.T.
NIP         : 198810092019031007
No. HP      : 0821-4320-5567
Email       : mfaisal.amrullah@gmail.com
Jenis akun  : Subdomain
Subdomain   : fst.uin-malang.ac.id

Formulir pengajuan yang sudah ditandatangani Dekan akan kami serahkan setelah mendapat arahan dari PTIPD.

Terima kasih.

Hormat kami,
Muhammad Faisal Amrullah, M.T.
Koordinator Sistem Informasi FST
"""), "new_request", "email-institusi",
        fields={"nama": "Muhammad Faisal Amrullah, M.T.", "nip": "198810092019031007",
                "no_hp": "082143205567", "email": "mfaisal.amrullah@gmail.com",
                "jenis_akun": "subdomain"},
        note="The personal address in the data (gmail) differs from the sender's address.")

    # --- data only in a DOCX form: paragraphs with tabs, runs split mid-word -----------------
    k = "email-institusi/docx-saja-dosen"
    blocks = [
        ("kop", ["KEMENTERIAN AGAMA REPUBLIK INDONESIA",
                 "UNIVERSITAS ISLAM NEGERI MAULANA MALIK IBRAHIM MALANG",
                 "PUSAT TEKNOLOGI INFORMASI DAN PANGKALAN DATA",
                 "Jalan Gajayana 50, Malang 65144   Telp. (0341) 551354"]),
        ("title", "FORMULIR PENGAJUAN AKUN EMAIL INSTITUSI"),
        ("space", 1),
        ("kv", [("Nama", "Nur Aini Fitriani, M.Pd."), ("NIP", "199203182023212034"),
                ("Unit/Fakultas", "Fakultas Ilmu Tarbiyah dan Keguruan"),
                ("No. HP", "0856-4511-2398"), ("Email pribadi", "nuraini.fitriani92@gmail.com"),
                ("Jenis akun", "Dosen")]),
        ("p", "Dengan ini saya mengajukan pembuatan akun email institusi @uin-malang.ac.id dan "
              "bersedia mematuhi ketentuan penggunaan layanan email institusi."),
        ("sign", ["Malang, 8 Januari 2026", "Pemohon,", "", "", "Nur Aini Fitriani, M.Pd."]),
    ]
    data = docx(c, "email-institusi-formulir-dosen", blocks, "Formulir Pengajuan Akun Email",
                "Nur Aini", created="2026-01-08T01:30:00Z")
    c.add(k, mail(
        frm=("Nur Aini Fitriani", "nuraini.fitriani92@gmail.com"),
        subject="Formulir pengajuan",
        date=date(2026, 1, 8, 8, 44, 10), msgid=gmail_id(k),
        body="""Assalamu'alaikum wr. wb.

Bersama email ini saya lampirkan formulir pengajuan. Mohon dapat diproses.

Wassalamu'alaikum wr. wb.
Nur Aini Fitriani
""", html=True,
        attachments=[attachment(data, DOCX, "Formulir_Email_NurAini.docx")]),
        "new_request", "email-institusi",
        fields={"nama": "Nur Aini Fitriani, M.Pd.", "nip": "199203182023212034",
                "no_hp": "085645112398", "email": "nuraini.fitriani92@gmail.com",
                "jenis_akun": "dosen"})

    # --- windows-1252, staff -----------------------------------------------------------------
    k = "email-institusi/tendik-windows-1252"
    body = """Yth. Bapak/Ibu Admin PTIPD,

Saya staf baru di Bagian Akademik Fakultas Syariah. Mohon dibuatkan akun email institusi untuk keperluan “surat-menyurat” dinas – selama ini saya memakai email pribadi.

Nama         : Siti Khoiriyah, S.Kom.
NIP          : 198907242020122011
No. HP       : 0817-0334-5612
Email pribadi: sitikhoiriyah89@yahoo.co.id
Jenis akun   : Tendik (tenaga kependidikan)

Atas bantuannya saya ucapkan terima kasih.

Salam hormat,
Siti Khoiriyah
"""
    c.add(k, mail(
        client="outlook", charset="windows-1252", cte="quoted-printable",
        frm=("Siti Khoiriyah", "sitikhoiriyah89@yahoo.co.id"),
        subject="Pengajuan akun email institusi (tendik)",
        date=date(2026, 1, 9, 11, 18, 45), msgid=outlook_id(k), body=body,
        html="<html><body>" + "".join(f"<p>{l or '&nbsp;'}</p>" for l in body.rstrip().split("\n"))
             + "</body></html>\n"),
        "new_request", "email-institusi",
        fields={"nama": "Siti Khoiriyah, S.Kom.", "nip": "198907242020122011",
                "no_hp": "081703345612", "email": "sitikhoiriyah89@yahoo.co.id",
                "jenis_akun": "tendik"},
        note="jenis_akun is written 'Tendik (tenaga kependidikan)'.")

    # --- English ----------------------------------------------------------------------------
    k = "email-institusi/english-dosen-baru"
    c.add(k, mail(
        frm=("Ahmad Zainuri", "ahmad.zainuri.phd@gmail.com"),
        subject="Request for an institutional e-mail account",
        date=date(2026, 1, 12, 7, 58, 2), msgid=gmail_id(k),
        body="""Dear PTIPD team,

I have just joined UIN Maulana Malik Ibrahim Malang as a lecturer at the Faculty of Economics, and I would like to request a new institutional e-mail account. My details are:

Name: Ahmad Zainuri, Ph.D.
NIP: 198511032024211001
Phone (WhatsApp): +62 812 3450 9876
Personal e-mail: Ahmad.Zainuri.PhD@gmail.com
Account type: dosen (lecturer)

Please let me know if any form is required.

Kind regards,
Ahmad Zainuri
""", html=True), "new_request", "email-institusi",
        fields={"nama": "Ahmad Zainuri, Ph.D.", "nip": "198511032024211001",
                "no_hp": "081234509876", "email": "ahmad.zainuri.phd@gmail.com",
                "jenis_akun": "dosen"})

    # --- incomplete: neither NIM nor NIP -----------------------------------------------------
    k = "email-institusi/tanpa-nim"
    c.add(k, mail(
        frm=("Laila Nur Hidayah", "lailanurhidayah03@gmail.com"),
        subject="mohon dibuatkan email kampus",
        date=date(2026, 1, 13, 21, 30, 9), msgid=gmail_id(k),
        body="""Assalamualaikum, selamat malam.

Saya mahasiswa baru Program Studi Pendidikan Bahasa Arab angkatan 2025, ingin mengajukan pembuatan email institusi karena belum punya akun.

Nama: Laila Nur Hidayah
No HP: 0851-5566-7788
Email pribadi: lailanurhidayah03@gmail.com
Jenis akun: mahasiswa

Terima kasih.
""", html=True), "new_request", "email-institusi",
        fields={"nama": "Laila Nur Hidayah", "no_hp": "085155667788",
                "email": "lailanurhidayah03@gmail.com", "jenis_akun": "mahasiswa"},
        missing=["nim|nip"])


# =============================================================================================
# cbt — UHAMKA: a unit asks BPTI to run a Computer Based Test


def _proposal_cbt(kop, judul, unit, latar, tanggal, waktu, peserta, tempat, narahubung):
    return [
        ("kop", kop),
        ("title", "PROPOSAL PELAKSANAAN COMPUTER BASED TEST (CBT)"),
        ("center", judul),
        ("space", 1),
        ("lines", ["A. Latar Belakang"]),
        ("p", latar),
        ("lines", ["B. Tujuan"]),
        ("p", "Terselenggaranya ujian berbasis komputer yang tertib, objektif, dan hasilnya dapat "
              "segera diolah."),
        ("lines", ["C. Waktu dan Tempat"]),
        ("kv", [("Unit pengusul", unit), ("Hari/Tanggal", tanggal), ("Waktu", waktu),
                ("Tempat", tempat), ("Jumlah peserta", peserta)]),
        ("lines", ["D. Kebutuhan"]),
        ("p", "Bank soal disiapkan oleh unit pengusul dan diserahkan kepada BPTI paling lambat "
              "tujuh hari sebelum pelaksanaan. BPTI diharapkan menyiapkan aplikasi CBT, akun "
              "peserta, server, dan teknisi pendamping selama ujian berlangsung."),
        ("lines", ["E. Narahubung"]),
        ("p", narahubung),
    ]


def build_cbt(c):
    # --- plain letter + proposal PDF ---------------------------------------------------------
    k = "cbt/polos-uas-prodi"
    prop = pdf(c, "cbt-pmat-proposal", _proposal_cbt(
        KOP["uhamka-fkip"], "Ujian Akhir Semester Gasal 2025/2026 Program Studi Pendidikan Matematika",
        "Program Studi Pendidikan Matematika FKIP",
        "Program Studi Pendidikan Matematika menyelenggarakan ujian akhir semester untuk mata "
        "kuliah bersama tingkat I dan II. Agar pelaksanaan lebih efisien dan hasil ujian lebih "
        "cepat diolah, ujian direncanakan dilaksanakan dengan Computer Based Test (CBT).",
        "Senin s.d. Rabu, 16 s.d. 18 Februari 2026", "08.00 - 15.00 WIB (4 sesi per hari)",
        "240 mahasiswa", "Laboratorium Komputer FKIP",
        "Hendra Gunawan, M.Pd., telepon 0812-9034-5561."),
        "Proposal CBT", "Prodi Pendidikan Matematika", pdfdate="D:20260119090000+07'00'")
    c.add(k, mail(
        client="thunderbird", flowed=True,
        frm=("Prodi Pendidikan Matematika", "pmat@uhamka.ac.id"),
        subject="Permohonan Pelaksanaan CBT UAS Gasal - Prodi Pendidikan Matematika",
        date=date(2026, 1, 19, 9, 40, 0), msgid=local_id(k, "uhamka.ac.id"),
        body="""Nomor    : 027/F.03.07/2026
Lampiran : 1 (satu) berkas proposal
Perihal  : Permohonan Pelaksanaan CBT

Yth. Kepala Badan Pengembangan Teknologi Informasi (BPTI)
Universitas Muhammadiyah Prof. DR. HAMKA
di Jakarta

Assalamu'alaikum warahmatullahi wabarakatuh,

Dengan hormat, bersama ini kami mengajukan permohonan pelaksanaan Computer Based Test (CBT) untuk Ujian Akhir Semester Gasal 2025/2026 dengan rincian sebagai berikut:

Unit pengusul   : Program Studi Pendidikan Matematika FKIP
Hari/Tanggal    : Senin s.d. Rabu, 16 s.d. 18 Februari 2026
Waktu           : 08.00 - 15.00 WIB (4 sesi per hari)
Jumlah peserta  : 240 mahasiswa
Tempat          : Laboratorium Komputer FKIP
Narahubung      : Hendra Gunawan, M.Pd. (0812-9034-5561)

Proposal pelaksanaan kami lampirkan. Atas perhatian dan kerja samanya kami ucapkan terima kasih.

Wassalamu'alaikum warahmatullahi wabarakatuh.

Jakarta, 19 Januari 2026
Ketua Program Studi Pendidikan Matematika,

Dr. Meiliasari Handayani, M.Pd.
NIDN 0304058201
""", attachments=[attachment(prop, PDF, "Proposal CBT UAS Gasal Pendidikan Matematika.pdf")]),
        "new_request", "cbt",
        fields={"unit": "Program Studi Pendidikan Matematika FKIP", "jumlah_peserta": "240",
                "no_hp": "081290345561"},
        note="UHAMKA is a private university: staff carry NIDN, not NIP.")

    # --- the large PDF (~50 KB, many pages) for benchmarks -----------------------------------
    k = "cbt/pdf-besar-pmb"
    first = ["Ahmad", "Aisyah", "Bagas", "Bunga", "Citra", "Daffa", "Dewi", "Fadil", "Farah",
             "Gilang", "Hana", "Ilham", "Indah", "Jihan", "Kevin", "Lutfi", "Maya", "Nabil",
             "Nadia", "Putra", "Qonita", "Raka", "Rani", "Satria", "Syifa", "Tegar", "Utami",
             "Vino", "Wulan", "Yoga", "Zahra", "Rizal", "Salsa", "Hafiz", "Kirana", "Arya", "Nisa"]
    last = ["Pratama", "Saputra", "Lestari", "Wijaya", "Ramadhan", "Kurniawan", "Permata",
            "Hidayat", "Maharani", "Nugroho", "Anggraini", "Firmansyah", "Puspita", "Setiawan",
            "Rahmawati", "Siregar", "Harahap", "Nasution", "Simanjuntak", "Wibisono", "Fauziah",
            "Utomo", "Safitri", "Gunawan", "Syahputra", "Handayani", "Hakim", "Azzahra", "Susanto"]
    prodi = ["Pendidikan Matematika", "Teknik Informatika", "Manajemen", "Akuntansi",
             "Farmasi", "Ilmu Komunikasi", "Pendidikan Bahasa Inggris", "Psikologi",
             "Teknik Elektro", "Pendidikan Guru SD", "Ilmu Gizi", "Kesehatan Masyarakat"]
    sekolah = ["SMAN", "SMA Muhammadiyah", "SMKN", "MAN", "SMA Islam", "SMK Muhammadiyah"]
    n_peserta = 420
    rows = [["No", "No. Pendaftaran", "Nama Peserta", "Program Studi Pilihan", "Asal Sekolah", "Sesi"]]
    for i in range(n_peserta):
        nm = f"{first[(i * 7) % len(first)]} {last[(i * 11 + i // len(first)) % len(last)]}"
        rows.append([str(i + 1), f"PMB26-2{(i * 37) % 10000:04d}{i % 10}", nm,
                     prodi[(i * 5) % len(prodi)], f"{sekolah[i % len(sekolah)]} {(i * 13) % 120 + 1} Jakarta",
                     str(i // 120 + 1)])
    blocks = [
        ("kop", KOP["uhamka-pmb"]),
        ("meta", [("Nomor", "118/PMB-UHAMKA/II/2026"), ("Lampiran", "1 (satu) berkas"),
                  ("Perihal", "Permohonan Pelaksanaan CBT Seleksi PMB Gelombang II")]),
        ("space", 1),
        ("lines", ["Yth. Kepala Badan Pengembangan Teknologi Informasi (BPTI)", "UHAMKA", "di Jakarta"]),
        ("space", 1),
        ("lines", ["Assalamu'alaikum warahmatullahi wabarakatuh,"]),
        ("pi", "Dengan hormat, Panitia Penerimaan Mahasiswa Baru (PMB) UHAMKA bermaksud "
               "menyelenggarakan tes seleksi masuk Gelombang II secara Computer Based Test (CBT). "
               "Sehubungan dengan hal tersebut, kami mohon BPTI berkenan menyiapkan aplikasi, server, "
               "ruang laboratorium, dan teknisi pendamping dengan rincian sebagai berikut:"),
        ("kv", [("Unit pengusul", "Panitia Penerimaan Mahasiswa Baru UHAMKA"),
                ("Nama kegiatan", "Tes Seleksi CBT PMB Gelombang II Tahun Akademik 2026/2027"),
                ("Hari/Tanggal", "Sabtu dan Minggu, 7 - 8 Maret 2026"),
                ("Waktu", "07.30 - 16.30 WIB (6 sesi)"),
                ("Jumlah peserta", f"{n_peserta} orang"),
                ("Narahubung", "Rudi Hartono, S.Kom. (0812-1122-3344)")]),
        ("pi", "Proposal kegiatan dan daftar calon peserta kami lampirkan pada halaman berikut. "
               "Demikian permohonan ini kami sampaikan. Atas perhatian dan kerja sama Bapak kami "
               "ucapkan terima kasih."),
        ("lines", ["Wassalamu'alaikum warahmatullahi wabarakatuh."]),
        ("space", 1),
        ("sign", ["Jakarta, 2 Februari 2026", "Ketua Panitia PMB,", "", "", "",
                  "Dr. Sofyan Hadi, M.Pd.", "NIDN 0317067602"]),
        ("space", 2),
        ("title", "PROPOSAL PELAKSANAAN CBT SELEKSI PMB GELOMBANG II"),
        ("space", 1),
    ]
    for judul, isi in [
        ("A. Latar Belakang",
         "Seleksi penerimaan mahasiswa baru merupakan pintu masuk mutu akademik universitas. Pada "
         "gelombang pertama tes dilaksanakan dengan lembar jawaban kertas sehingga pengolahan hasil "
         "memerlukan waktu lebih dari satu minggu. Untuk gelombang kedua panitia merencanakan "
         "pelaksanaan tes berbasis komputer agar hasil dapat diumumkan lebih cepat, lebih akurat, "
         "dan lebih transparan bagi calon mahasiswa maupun program studi."),
        ("B. Tujuan",
         "Kegiatan ini bertujuan menyelenggarakan tes seleksi yang objektif dan efisien, "
         "mempercepat pengolahan nilai, serta mengurangi penggunaan kertas. Hasil tes menjadi dasar "
         "penetapan kelulusan calon mahasiswa pada setiap program studi pilihan."),
        ("C. Materi Tes",
         "Materi tes terdiri atas Tes Potensi Akademik (60 soal), Bahasa Indonesia (25 soal), "
         "Bahasa Inggris (25 soal), dan Al-Islam Kemuhammadiyahan (20 soal) dengan durasi 120 menit "
         "per sesi. Bank soal disusun oleh tim penyusun soal PMB dan diserahkan kepada BPTI dalam "
         "format yang disepakati paling lambat tujuh hari sebelum pelaksanaan."),
        ("D. Kebutuhan dari BPTI",
         "Panitia memohon BPTI menyiapkan aplikasi CBT beserta akun peserta, server dan jaringan "
         "yang stabil, laboratorium dengan kapasitas minimal 120 komputer per sesi, serta teknisi "
         "pendamping di setiap ruang. Panitia menyediakan pengawas ruang, daftar hadir, dan "
         "konsumsi petugas."),
        ("E. Jadwal",
         "Sesi 1 pukul 07.30 - 09.30, sesi 2 pukul 10.00 - 12.00, dan sesi 3 pukul 13.00 - 15.00 "
         "pada hari Sabtu; sesi 4 sampai 6 pada hari Minggu dengan jam yang sama. Pembagian sesi "
         "setiap peserta tercantum pada daftar peserta terlampir."),
        ("F. Penutup",
         "Demikian proposal ini disusun sebagai dasar koordinasi antara Panitia PMB dan BPTI. "
         "Hal-hal teknis yang belum tercantum akan dibahas dalam rapat persiapan bersama."),
    ]:
        blocks.append(("lines", [judul]))
        blocks.append(("p", isi))
    blocks += [("space", 1), ("title", "LAMPIRAN: DAFTAR CALON PESERTA CBT PMB GELOMBANG II"),
               ("space", 0.5), ("table", [20, 70, 100, 112, 124, 25], rows, {"size": 8})]
    data = pdf(c, "cbt-pmb-besar", blocks, "Permohonan CBT PMB Gelombang II", "Panitia PMB UHAMKA",
               pdfdate="D:20260202100000+07'00'", running_header="Permohonan CBT PMB Gelombang II - UHAMKA")
    c.add(k, mail(
        frm=("Sekretariat PMB UHAMKA", "pmb@uhamka.ac.id"),
        subject="Permohonan CBT Seleksi PMB Gelombang II",
        date=date(2026, 2, 2, 10, 14, 27), msgid=gmail_id(k),
        body="""Yth. Kepala BPTI UHAMKA,

Terlampir surat permohonan, proposal, dan daftar calon peserta tes seleksi PMB Gelombang II.

Hormat kami,
Sekretariat PMB UHAMKA
""", html=True,
        attachments=[attachment(data, PDF, "Permohonan CBT PMB Gel II + Daftar Peserta.pdf")]),
        "new_request", "cbt",
        fields={"unit": "Panitia Penerimaan Mahasiswa Baru UHAMKA", "jumlah_peserta": str(n_peserta),
                "no_hp": "081211223344"},
        note="The large PDF (~50 KB, ~17 pages, a long participant table) used for benchmarks.")

    # --- HTML only from Outlook, table, proposal as DOCX ------------------------------------
    k = "cbt/html-outlook-komprehensif"
    prop = docx(c, "cbt-komprehensif-proposal", _proposal_cbt(
        KOP["uhamka-fkip"], "Ujian Komprehensif Program Magister Administrasi Pendidikan",
        "Program Studi Magister Administrasi Pendidikan",
        "Ujian komprehensif merupakan syarat sebelum mahasiswa magister menempuh ujian tesis. "
        "Mulai semester ini ujian komprehensif dilaksanakan dengan CBT.",
        "Kamis, 26 Februari 2026", "09.00 - 11.00 WIB", "85 mahasiswa", "Lab ICT BPTI",
        "Dra. Ratih Kumala, M.M., telepon 0813-1000-2468."),
        "Proposal CBT Komprehensif", "Prodi MAP", created="2026-01-21T02:00:00Z")
    html = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><meta name="Generator" content="Microsoft Word 15 (filtered medium)"><style><!--
p.MsoNormal {margin:0cm; font-size:11.0pt; font-family:"Calibri",sans-serif;}
--></style></head>
<body lang="IN" style="word-wrap:break-word"><div class="WordSection1">
<p class="MsoNormal">Yth. Kepala BPTI UHAMKA<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Assalamu&#8217;alaikum wr. wb.<o:p></o:p></p>
<p class="MsoNormal">Dengan hormat, Program Studi Magister Administrasi Pendidikan memohon bantuan BPTI untuk menyelenggarakan <i>Computer Based Test</i> (CBT) ujian komprehensif dengan rincian:<o:p></o:p></p>
<table class="MsoTableGrid" border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse;border:none">
<tr><td width="200" style="border:solid windowtext 1.0pt"><p class="MsoNormal">Unit<o:p></o:p></p></td><td width="340" style="border:solid windowtext 1.0pt"><p class="MsoNormal">Program Studi Magister Administrasi Pendidikan<o:p></o:p></p></td></tr>
<tr><td width="200" style="border:solid windowtext 1.0pt"><p class="MsoNormal">Kegiatan<o:p></o:p></p></td><td width="340" style="border:solid windowtext 1.0pt"><p class="MsoNormal">Ujian Komprehensif Semester Genap<o:p></o:p></p></td></tr>
<tr><td width="200" style="border:solid windowtext 1.0pt"><p class="MsoNormal">Hari/Tanggal<o:p></o:p></p></td><td width="340" style="border:solid windowtext 1.0pt"><p class="MsoNormal">Kamis, 26 Februari 2026<o:p></o:p></p></td></tr>
<tr><td width="200" style="border:solid windowtext 1.0pt"><p class="MsoNormal">Waktu<o:p></o:p></p></td><td width="340" style="border:solid windowtext 1.0pt"><p class="MsoNormal">09.00&nbsp;&#8211;&nbsp;11.00 WIB<o:p></o:p></p></td></tr>
<tr><td width="200" style="border:solid windowtext 1.0pt"><p class="MsoNormal">Jumlah Peserta<o:p></o:p></p></td><td width="340" style="border:solid windowtext 1.0pt"><p class="MsoNormal">85 mahasiswa<o:p></o:p></p></td></tr>
</table>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Proposal pelaksanaan terlampir.<o:p></o:p></p>
<p class="MsoNormal">Wassalamu&#8217;alaikum wr. wb.<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal"><b>Dra. Ratih Kumala, M.M.</b><o:p></o:p></p>
<p class="MsoNormal">Sekretaris Prodi Magister Administrasi Pendidikan<o:p></o:p></p>
<p class="MsoNormal">HP 0813-1000-2468<o:p></o:p></p>
</div></body></html>
"""
    c.add(k, mail(
        client="outlook",
        frm=("Ratih Kumala", "ratih.kumala@uhamka.ac.id"),
        subject="Permohonan CBT Ujian Komprehensif Magister Administrasi Pendidikan",
        date=date(2026, 1, 21, 10, 5, 0), msgid=outlook_id(k), html=html,
        attachments=[attachment(prop, DOCX, "Proposal CBT Ujian Komprehensif.docx")]),
        "new_request", "cbt",
        fields={"unit": "Program Studi Magister Administrasi Pendidikan", "jumlah_peserta": "85",
                "no_hp": "081310002468"},
        note="HTML only (Outlook markup, entities &#8217; &#8211; &nbsp;); proposal as DOCX.")

    # --- no proposal attached ----------------------------------------------------------------
    k = "cbt/tanpa-proposal"
    c.add(k, mail(
        frm=("Fakultas Farmasi dan Sains UHAMKA", "ffs@uhamka.ac.id"),
        subject="Permohonan pelaksanaan CBT Try Out Uji Kompetensi Apoteker",
        date=date(2026, 1, 22, 13, 30, 41), msgid=gmail_id(k), cte="quoted-printable",
        body="""Yth. Kepala BPTI UHAMKA

Assalamu'alaikum wr. wb.

Fakultas Farmasi dan Sains bermaksud menyelenggarakan Try Out Uji Kompetensi Mahasiswa Program Profesi Apoteker (UKMPPA) dengan sistem Computer Based Test (CBT) dan memohon dukungan BPTI untuk pelaksanaannya.

Unit            : Fakultas Farmasi dan Sains
Tanggal         : Sabtu, 28 Februari 2026
Waktu           : 08.00 - 12.00 WIB
Jumlah peserta  : 130 mahasiswa
Narahubung      : apt. Diah Ayu Kusuma, M.Farm. - 0815-8765-4321

Proposal kegiatan akan kami kirimkan menyusul setelah ditandatangani Dekan.

Wassalamu'alaikum wr. wb.
Wakil Dekan I FFS UHAMKA
""", html=True), "new_request", "cbt",
        fields={"unit": "Fakultas Farmasi dan Sains", "jumlah_peserta": "130",
                "no_hp": "081587654321"},
        missing=["lampiran:proposal"],
        note="The proposal the SOP asks for is not attached yet.")


# =============================================================================================
# lab-ict — UHAMKA: borrowing the ICT laboratory


def build_lab_ict(c):
    # --- numbered data, Thunderbird ---------------------------------------------------------
    k = "lab-ict/polos-bernomor"
    c.add(k, mail(
        client="thunderbird", flowed=True,
        frm=("Sri Wahyuni", "sri.wahyuni@uhamka.ac.id"),
        subject="Permohonan Peminjaman Lab ICT",
        date=date(2026, 2, 9, 8, 2, 19), msgid=local_id(k, "uhamka.ac.id"),
        body="""Yth. Kepala BPTI UHAMKA

Assalamu'alaikum wr. wb.

Dengan hormat, saya bermaksud meminjam Laboratorium ICT untuk perkuliahan pengganti dengan data sebagai berikut:

1. Nama pemohon    : Dr. Sri Wahyuni, M.Si.
2. Program Studi   : Pendidikan Biologi FKIP
3. Hari/Tanggal    : Kamis, 19 Februari 2026
4. Waktu           : 08.00 - 11.30 WIB
5. Ruangan         : Lab ICT 2
6. Jumlah peserta  : 35 mahasiswa
7. Keperluan       : Praktikum Statistika Pendidikan (kelas pengganti)
8. No. HP          : 0812-8870-3345

Atas perhatian dan izinnya saya ucapkan terima kasih.

Wassalamu'alaikum wr. wb.
Dr. Sri Wahyuni, M.Si.
"""), "new_request", "lab-ict",
        fields={"nama": "Dr. Sri Wahyuni, M.Si.", "ruangan": "Lab ICT 2", "jumlah_peserta": "35",
                "no_hp": "081288703345",
                "keperluan": "Praktikum Statistika Pendidikan (kelas pengganti)"})

    # --- forwarded as a message/rfc822 attachment ------------------------------------------
    k = "lab-ict/diteruskan-rfc822"
    inner_id = gmail_id(k + "/inner")
    inner = mail(
        frm=("Hendra Saputra", "hendra.saputra@uhamka.ac.id"),
        to=[("Kaprodi Teknik Informatika", "kaprodi.ti@uhamka.ac.id")],
        subject="Peminjaman Lab ICT untuk Praktikum Pemrograman Web",
        date=date(2026, 2, 10, 7, 45, 3), msgid=inner_id, received=False,
        body="""Yth. Ibu Kaprodi,

Mohon bantuan diteruskan ke BPTI, saya bermaksud meminjam Lab ICT untuk praktikum:

Hari/Tanggal   : Selasa, 24 Februari 2026
Pukul          : 13.00 - 16.00 WIB
Ruangan        : Lab ICT 3
Jumlah peserta : 40 mahasiswa (kelas 4B)
Keperluan      : Praktikum Pemrograman Web

Terima kasih, Bu.

Hendra Saputra, M.Kom.
Dosen Teknik Informatika
""", html=True)
    from mimebuild import Part
    fwd = Part("message/rfc822", [], inner, None, [])
    fwd.headers = [("Content-Disposition",
                    'attachment; filename="Peminjaman Lab ICT untuk Praktikum Pemrograman Web.eml"')]
    c.add(k, mail(
        client="outlook",
        frm=("Kaprodi Teknik Informatika", "kaprodi.ti@uhamka.ac.id"),
        cc=[("Hendra Saputra", "hendra.saputra@uhamka.ac.id")],
        subject="FW: Peminjaman Lab ICT untuk Praktikum Pemrograman Web",
        date=date(2026, 2, 10, 9, 12, 0), msgid=outlook_id(k),
        body="""Yth. BPTI,

Mohon bantuan untuk permohonan peminjaman laboratorium dari Pak Hendra (terlampir).

Terima kasih.

Kaprodi Teknik Informatika FT UHAMKA
""", attachments=[fwd]),
        "new_request", "lab-ict",
        fields={"ruangan": "Lab ICT 3", "jumlah_peserta": "40",
                "keperluan": "Praktikum Pemrograman Web"},
        note="The request is inside a message/rfc822 attachment; the outer body only points to it.")

    # --- everything in one sentence ----------------------------------------------------------
    k = "lab-ict/kalimat-hima"
    c.add(k, mail(
        frm=("Muhammad Iqbal Maulana", "iqbal.maulana@uhamka.ac.id"),
        subject="Izin pinjam lab ICT untuk lomba desain web",
        date=date(2026, 2, 11, 19, 25, 44), msgid=gmail_id(k),
        body="""Assalamu'alaikum wr. wb. Yth. Kepala BPTI UHAMKA,

Perkenalkan, saya Muhammad Iqbal Maulana dengan NIM 2103015088, Ketua Himpunan Mahasiswa Teknik Informatika UHAMKA, bermaksud meminjam Lab ICT 1 pada hari Sabtu, 21 Februari 2026 pukul 08.00 sampai 15.00 WIB untuk kegiatan Lomba Desain Web tingkat SMA/SMK se-Jabodetabek yang akan diikuti oleh 40 peserta, dan apabila ada yang perlu dikonfirmasi saya dapat dihubungi di nomor 0857-1122-3344.

Terima kasih atas perhatiannya.
Wassalamu'alaikum wr. wb.
""", html=True), "new_request", "lab-ict",
        fields={"nama": "Muhammad Iqbal Maulana", "nim": "2103015088", "no_hp": "085711223344"},
        note="All data in one sentence.")

    # --- data only in a PDF -----------------------------------------------------------------
    k = "lab-ict/pdf-saja-feb"
    blocks = [
        ("kop", KOP["uhamka-feb"]),
        ("meta", [("Nomor", "064/F.02/II/2026"), ("Lampiran", "-"),
                  ("Perihal", "Permohonan Peminjaman Laboratorium ICT")]),
        ("space", 1),
        ("lines", ["Yth. Kepala Badan Pengembangan Teknologi Informasi", "UHAMKA", "di tempat"]),
        ("space", 1),
        ("lines", ["Assalamu'alaikum wr. wb."]),
        ("pi", "Dengan hormat, sehubungan dengan pelaksanaan praktikum mata kuliah Aplikasi "
               "Komputer Akuntansi, kami mohon izin menggunakan laboratorium ICT pada:"),
        ("kv", [("Hari/Tanggal", "Rabu, 4 Maret 2026"), ("Waktu", "09.00 - 12.00 WIB"),
                ("Ruangan", "Lab ICT 1"), ("Jumlah Peserta", "32 orang"),
                ("Keperluan", "Praktikum Aplikasi Komputer Akuntansi"),
                ("Penanggung Jawab", "Ratna Sari Dewi, S.E., M.Ak."),
                ("No. HP", "0813-1456-7720")]),
        ("pi", "Demikian permohonan ini kami sampaikan. Atas perhatian dan kerja sama Bapak kami "
               "ucapkan terima kasih."),
        ("lines", ["Wassalamu'alaikum wr. wb."]),
        ("sign", ["Jakarta, 16 Februari 2026", "Wakil Dekan I,", "", "", "",
                  "Dr. Nuryadi Wijayanto, M.M."]),
    ]
    data = pdf(c, "lab-ict-feb", blocks, "Peminjaman Lab ICT", "FEB UHAMKA",
               pdfdate="D:20260216080000+07'00'")
    c.add(k, mail(
        frm=("TU FEB UHAMKA", "tu.feb@uhamka.ac.id"),
        subject="Surat FEB UHAMKA 064/F.02/II/2026",
        date=date(2026, 2, 16, 8, 20, 0), msgid=gmail_id(k),
        body="Terlampir.\n\n-- \nTata Usaha FEB UHAMKA\n",
        attachments=[attachment(data, PDF, "064-F02-II-2026.pdf")]),
        "new_request", "lab-ict",
        fields={"ruangan": "Lab ICT 1", "jumlah_peserta": "32", "no_hp": "081314567720",
                "keperluan": "Praktikum Aplikasi Komputer Akuntansi"},
        note="Body is just 'Terlampir.' plus a signature; everything is in the PDF.")


# =============================================================================================
# pengaduan-tik — UHAMKA: IT complaints


def build_pengaduan_tik(c):
    k = "pengaduan-tik/siakad-error"
    c.add(k, mail(
        frm=("Nadia Putri Anggraini", "nadia.putri@uhamka.ac.id"),
        subject="Tidak bisa simpan KRS di SIAKAD (Error 500)",
        date=date(2026, 1, 13, 12, 40, 5), msgid=gmail_id(k),
        body="""Selamat siang Bapak/Ibu admin BPTI,

Mohon maaf mengganggu. Saya mau melaporkan kendala di SIAKAD. Sejak kemarin (Senin, 12/1) saya tidak bisa menyimpan KRS, setiap klik tombol Simpan muncul tulisan "Error 500 - Internal Server Error". Sudah saya coba pakai Chrome dan HP tapi hasilnya sama. Batas pengisian KRS tanggal 16 Januari.

Nama   : Nadia Putri Anggraini
NIM    : 2203015067
Prodi  : Pendidikan Bahasa Inggris
No. WA : 0813-9876-5432

Terima kasih banyak atas bantuannya.

Salam,
Nadia
""", html=True), "new_request", "pengaduan-tik",
        fields={"nama": "Nadia Putri Anggraini", "nim": "2203015067", "no_hp": "081398765432"})

    k = "pengaduan-tik/wifi-mati-html"
    body = """Yth. Helpdesk BPTI,

Dengan hormat, kami laporkan bahwa jaringan WiFi di Gedung FISIP lantai 2 dan 3 mati sejak Senin pagi. Perangkat tidak mendapat alamat IP dan access point di koridor lampunya berkedip oranye. Kegiatan perkuliahan dan administrasi terganggu.

Lokasi  : Gedung FISIP lantai 2 dan 3, Kampus Limau
Sejak   : Senin, 26 Januari 2026 pukul 07.30
Pelapor : Agus Setiawan, S.Sos. (Kepala Tata Usaha FISIP)
No. HP  : 0815-1122-3456

Mohon dapat segera ditangani. Terima kasih.

Hormat kami,
Agus Setiawan, S.Sos.
Kepala Tata Usaha FISIP UHAMKA
"""
    html = """<html><body style="font-family:Arial,sans-serif;font-size:10pt">
<p>Yth. Helpdesk BPTI,</p>
<p>Dengan hormat, kami laporkan bahwa <b>jaringan WiFi di Gedung FISIP lantai 2 dan 3 mati</b> sejak Senin pagi. Perangkat tidak mendapat alamat IP dan access point di koridor lampunya berkedip oranye. Kegiatan perkuliahan dan administrasi terganggu.</p>
<table border="1" cellpadding="3" cellspacing="0">
<tr><th align="left">Lokasi</th><td>Gedung FISIP lantai 2 dan 3, Kampus Limau</td></tr>
<tr><th align="left">Sejak</th><td>Senin, 26 Januari 2026 pukul 07.30</td></tr>
<tr><th align="left">Pelapor</th><td>Agus Setiawan, S.Sos. (Kepala Tata Usaha FISIP)</td></tr>
<tr><th align="left">No. HP</th><td>0815-1122-3456</td></tr>
</table>
<p>Mohon dapat segera ditangani. Terima kasih.</p>
<p>Hormat kami,<br><b>Agus Setiawan, S.Sos.</b><br>Kepala Tata Usaha FISIP UHAMKA</p>
</body></html>
"""
    c.add(k, mail(
        client="outlook",
        frm=("Agus Setiawan", "agus.setiawan@uhamka.ac.id"),
        subject="Laporan gangguan: WiFi Gedung FISIP mati",
        date=date(2026, 1, 26, 9, 5, 31), msgid=outlook_id(k), body=body, html=html),
        "new_request", "pengaduan-tik",
        fields={"no_hp": "081511223456"},
        note="The reporter is given as 'Pelapor', not 'Nama'.")

    k = "pengaduan-tik/english-lms"
    c.add(k, mail(
        frm=("Lukas Meyer", "lukas.meyer@uhamka.ac.id"),
        subject="Cannot log in to the e-learning portal",
        date=date(2026, 2, 3, 16, 22, 8), msgid=gmail_id(k),
        body="""Dear BPTI Helpdesk,

I am an exchange student this semester. Since yesterday I cannot log in to the e-learning (LMS) portal: after entering my username and password it says "Invalid login, please try again", although the same password works for SIAKAD. I already cleared the browser cache and tried another laptop.

Name: Lukas Meyer
Student ID (NIM): 2509015201
Study program: Informatics (exchange)
Phone/WhatsApp: +62 813 1122 9900

Could you please check my account? Thank you.

Kind regards,
Lukas Meyer
""", html=True), "new_request", "pengaduan-tik",
        fields={"nama": "Lukas Meyer", "nim": "2509015201", "no_hp": "081311229900"})

    k = "pengaduan-tik/base64-subjek-emoji"
    c.add(k, mail(
        client="thunderbird",
        frm=("Fajar Nugroho", "fajar.nugroho@uhamka.ac.id"),
        subject="Wifi gedung B ga bisa konek 😭",
        date=date(2026, 2, 4, 7, 31, 0), msgid=local_id(k, "uhamka.ac.id"), cte="base64",
        body="""Pagi min, wifi UHAMKA-Hotspot di gedung B lt 3 dari kemarin ga bisa konek, cuma muncul "Connected, no internet". Mohon dicek ya min 🙏

Nama: Fajar Nugroho
NIM: 2007025031
WA: 0877-8899-0011

Sent from my iPhone
"""), "new_request", "pengaduan-tik",
        fields={"nama": "Fajar Nugroho", "nim": "2007025031", "no_hp": "087788990011"},
        note="Informal; plain body in base64; UTF-8 B-encoded subject with an emoji.")


# =============================================================================================
# diklat-it — UHAMKA: request for IT training


def build_diklat_it(c):
    k = "diklat-it/polos-biro-keuangan"
    c.add(k, mail(
        client="thunderbird", flowed=True,
        frm=("Biro Keuangan UHAMKA", "keuangan@uhamka.ac.id"),
        subject="Permohonan Pelatihan Microsoft Excel Tingkat Lanjut",
        date=date(2026, 1, 20, 10, 10, 10), msgid=local_id(k, "uhamka.ac.id"),
        body="""Nomor    : 015/B.KEU/I/2026
Lampiran : -
Perihal  : Permohonan Diklat Bidang IT

Yth. Kepala BPTI UHAMKA
di tempat

Assalamu'alaikum wr. wb.

Dengan hormat, dalam rangka meningkatkan kompetensi staf dalam pengolahan data keuangan, Biro Keuangan memohon BPTI dapat menyelenggarakan pendidikan dan pelatihan (diklat) bidang IT dengan rincian:

Unit             : Biro Keuangan
Tema pelatihan   : Microsoft Excel Tingkat Lanjut (Pivot Table, Power Query, dan Makro)
Jumlah peserta   : 25 orang
Waktu usulan     : minggu kedua Februari 2026 (2 hari)
Narahubung       : Rina Marlina, S.E. (0813-8800-2154)

Atas perhatian dan kerja samanya kami ucapkan terima kasih.

Wassalamu'alaikum wr. wb.

Kepala Biro Keuangan,
Drs. H. Ahmad Syarifuddin, M.M.
"""), "new_request", "diklat-it",
        fields={"unit": "Biro Keuangan", "jumlah_peserta": "25", "no_hp": "081388002154"})

    k = "diklat-it/docx-saja-lppm"
    blocks = [
        ("kop", KOP["uhamka-lppm"]),
        ("meta", [("Nomor", "0211/LEMLIT/I/2026"), ("Lampiran", "-"),
                  ("Perihal", "Permohonan Diklat Pengelolaan OJS")]),
        ("space", 1),
        ("lines", ["Kepada Yth.", "Kepala Badan Pengembangan Teknologi Informasi (BPTI)",
                   "Universitas Muhammadiyah Prof. DR. HAMKA"]),
        ("space", 1),
        ("lines", ["Assalamu'alaikum warahmatullahi wabarakatuh,"]),
        ("p", "Dengan hormat, sehubungan dengan migrasi seluruh jurnal di lingkungan UHAMKA ke "
              "Open Journal Systems (OJS) versi 3.4, kami memohon BPTI menyelenggarakan diklat "
              "bidang IT bagi para pengelola jurnal dengan rincian sebagai berikut:"),
        ("kv", [("Unit", "Lembaga Penelitian dan Pengembangan"),
                ("Tema diklat", "Pengelolaan Open Journal Systems (OJS) 3.4"),
                ("Peserta", "Editor dan manajer jurnal"),
                ("Jumlah peserta", "30 orang"),
                ("Usulan waktu", "Selasa - Rabu, 10 - 11 Maret 2026"),
                ("Narahubung", "Dr. Lilis Suryani, M.Pd. (0812-8123-4567)")], True),
        ("p", "Demikian permohonan ini kami sampaikan. Atas perhatian dan kerja sama Bapak kami "
              "ucapkan terima kasih."),
        ("lines", ["Wassalamu'alaikum warahmatullahi wabarakatuh."]),
        ("sign", ["Jakarta, 22 Januari 2026", "Ketua Lemlitbang UHAMKA,", "", "", "",
                  "Prof. Dr. Suswandari, M.Pd."]),
    ]
    data = docx(c, "diklat-lppm-ojs", blocks, "Permohonan Diklat OJS", "Lemlitbang UHAMKA",
                created="2026-01-22T03:00:00Z")
    c.add(k, mail(
        frm=("Lemlitbang UHAMKA", "lemlitbang@uhamka.ac.id"),
        subject="Surat Lemlitbang 0211/LEMLIT/I/2026",
        date=date(2026, 1, 22, 11, 0, 0), msgid=gmail_id(k),
        body="""Yth. BPTI UHAMKA,

Bersama ini kami kirimkan surat sebagaimana terlampir.

Terima kasih.
Sekretariat Lemlitbang UHAMKA
""", html=True,
        attachments=[attachment(data, DOCX, "Surat Permohonan Diklat OJS.docx")]),
        "new_request", "diklat-it",
        fields={"unit": "Lembaga Penelitian dan Pengembangan", "jumlah_peserta": "30",
                "no_hp": "081281234567"},
        note="Data only in the DOCX, numbered and tab-aligned.")

    k = "diklat-it/html-keamanan-siber"
    c.add(k, mail(
        frm=("Fakultas Teknik UHAMKA", "ft@uhamka.ac.id"),
        subject="Permohonan pelatihan keamanan siber dasar untuk tendik FT",
        date=date(2026, 1, 27, 14, 0, 12), msgid=gmail_id(k),
        body=None,
        html="""<div dir="ltr"><div>Yth. Kepala BPTI UHAMKA,</div><div><br></div>
<div>Menyusul beberapa kejadian email <i>phishing</i> yang diterima tenaga kependidikan, Fakultas Teknik memohon BPTI mengadakan <b>pelatihan keamanan siber dasar</b> (phishing awareness, keamanan kata sandi, dan verifikasi dua langkah).</div><div><br></div>
<ul>
<li>Unit: Fakultas Teknik</li>
<li>Peserta: tenaga kependidikan FT</li>
<li>Jumlah peserta: 60 orang</li>
<li>Usulan waktu: Februari 2026, setengah hari</li>
<li>Narahubung: Bambang Irawan (0838-7766-5544)</li>
</ul>
<div>Terima kasih atas perhatiannya.</div><div><br></div>
<div>Salam,</div><div>Bambang Irawan</div><div>Kasubag Umum FT UHAMKA</div></div>
"""), "new_request", "diklat-it",
        fields={"unit": "Fakultas Teknik", "jumlah_peserta": "60", "no_hp": "083877665544"},
        note="HTML only; the data is a <ul> list.")

    k = "diklat-it/qp-operator-siakad"
    c.add(k, mail(
        client="outlook", cte="quoted-printable",
        frm=("Biro Administrasi Akademik", "baa@uhamka.ac.id"),
        subject="Permohonan Diklat Penggunaan SIAKAD Versi Baru bagi Operator Prodi",
        date=date(2026, 2, 5, 9, 0, 0), msgid=outlook_id(k),
        body="""Yth. Kepala BPTI UHAMKA

Assalamu'alaikum wr. wb.

Dengan hormat, sehubungan dengan akan diberlakukannya SIAKAD versi baru pada semester genap 2025/2026, Biro Administrasi Akademik memohon BPTI menyelenggarakan pendidikan dan pelatihan penggunaan SIAKAD versi baru bagi operator program studi.

Unit            : Biro Administrasi Akademik
Peserta         : operator program studi se-UHAMKA
Jumlah peserta  : 48 orang
Usulan tanggal  : Kamis, 12 Februari 2026
Narahubung      : Dedi Kurniawan (0812-3300-4455)

Atas perhatian dan kerja samanya kami ucapkan terima kasih.

Wassalamu'alaikum wr. wb.
Kepala Biro Administrasi Akademik
"""), "new_request", "diklat-it",
        fields={"unit": "Biro Administrasi Akademik", "jumlah_peserta": "48",
                "no_hp": "081233004455"},
        note="Mentions SIAKAD but is a training request, not a complaint.")


# =============================================================================================
# sertifikasi-it — UHAMKA: registering for IT certification


def build_sertifikasi_it(c):
    k = "sertifikasi-it/polos-mahasiswa"
    c.add(k, mail(
        frm=("Annisa Rahmawati", "annisa.rahmawati@uhamka.ac.id"),
        subject="Pendaftaran Sertifikasi MOS Excel",
        date=date(2026, 2, 2, 13, 15, 0), msgid=gmail_id(k),
        body="""Yth. Panitia Sertifikasi IT BPTI UHAMKA,

Assalamu'alaikum wr. wb.

Saya bermaksud mendaftar sertifikasi IT periode Maret 2026 dengan data sebagai berikut:

Nama               : Annisa Rahmawati
NIM                : 2101025044
Program Studi      : Akuntansi
Bidang sertifikasi : Microsoft Office Specialist (MOS) Excel Associate
Email              : annisa.rahmawati@uhamka.ac.id
No. HP             : 0821-1234-5678

Bukti pembayaran akan saya unggah di portal sertifikasi setelah mendapat konfirmasi kuota.

Terima kasih.
Wassalamu'alaikum wr. wb.

Annisa Rahmawati
""", html=True), "new_request", "sertifikasi-it",
        fields={"nama": "Annisa Rahmawati", "nim": "2101025044",
                "bidang": "Microsoft Office Specialist (MOS) Excel Associate",
                "email": "annisa.rahmawati@uhamka.ac.id", "no_hp": "082112345678"})

    k = "sertifikasi-it/docx-tabel-peserta"
    blocks = [
        ("kop", ["UNIVERSITAS MUHAMMADIYAH PROF. DR. HAMKA", "FAKULTAS TEKNIK",
                 "PROGRAM STUDI TEKNIK INFORMATIKA",
                 "Jalan Tanah Merdeka No. 6, Kampung Rambutan, Jakarta Timur 13830"]),
        ("meta", [("Nomor", "019/TI-FT/II/2026"), ("Lampiran", "1 (satu) lembar"),
                  ("Perihal", "Pendaftaran Peserta Sertifikasi IT")]),
        ("space", 1),
        ("lines", ["Yth. Kepala BPTI UHAMKA", "di tempat"]),
        ("space", 1),
        ("lines", ["Assalamu'alaikum wr. wb."]),
        ("p", "Dengan hormat, bersama ini kami mendaftarkan mahasiswa Program Studi Teknik "
              "Informatika sebagai peserta sertifikasi IT yang diselenggarakan BPTI:"),
        ("kv", [("Bidang sertifikasi", "MikroTik Certified Network Associate (MTCNA)"),
                ("Jumlah peserta", "6 orang")]),
        ("table", [170, 100, 220], [
            ["Nama", "NIM", "Email"],
            ["Rizal Fadhlurrahman", "2103015101", "rizal.fadhlurrahman@uhamka.ac.id"],
            ["Putri Ayu Lestari", "2103015114", "putri.ayu@uhamka.ac.id"],
            ["Bayu Aji Saputra", "2103015120", "bayu.aji@uhamka.ac.id"],
            ["Siti Marlina", "2103015133", "siti.marlina@uhamka.ac.id"],
            ["Kevin Hartanto", "2103015147", "kevin.hartanto@uhamka.ac.id"],
            ["Nabila Zahra", "2103015152", "nabila.zahra@uhamka.ac.id"],
        ]),
        ("p", "Narahubung: Arif Budiman, M.Kom. (Sekretaris Prodi), telepon 0812-7000-8111."),
        ("lines", ["Wassalamu'alaikum wr. wb."]),
        ("sign", ["Jakarta, 3 Februari 2026", "Ketua Program Studi,", "", "", "",
                  "Dr. Dwi Astuti Handayani, M.Kom."]),
    ]
    data = docx(c, "sertifikasi-mtcna-peserta", blocks, "Pendaftaran Sertifikasi MTCNA",
                "Prodi TI", created="2026-02-03T04:00:00Z")
    c.add(k, mail(
        frm=("Prodi Teknik Informatika UHAMKA", "ti.ft@uhamka.ac.id"),
        subject="Pendaftaran peserta sertifikasi MTCNA",
        date=date(2026, 2, 3, 11, 45, 30), msgid=gmail_id(k),
        body="""Yth. BPTI,

Terlampir surat pendaftaran peserta sertifikasi dari Prodi Teknik Informatika.

Terima kasih,
Admin Prodi TI
""", html=True,
        attachments=[attachment(data, DOCX, "Pendaftaran Sertifikasi MTCNA - TI.docx")]),
        "new_request", "sertifikasi-it",
        fields={"bidang": "MikroTik Certified Network Associate (MTCNA)", "jumlah_peserta": "6",
                "no_hp": "081270008111"},
        note="DOCX table with header row Nama | NIM | Email and six data rows: per-person fields\n"
             "(nama, nim, email) are deliberately not expected, there are six of each.")

    k = "sertifikasi-it/pdf-saja-eksternal"
    blocks = [
        ("title", "FORMULIR PENDAFTARAN SERTIFIKASI IT"),
        ("center", "Peserta Eksternal - Badan Pengembangan Teknologi Informasi UHAMKA"),
        ("space", 1),
        ("kv", [("Nama", "Yusuf Maulana Ibrahim, S.Kom."),
                ("Instansi", "SMK Negeri 26 Jakarta"),
                ("Jabatan", "Guru Produktif Teknik Komputer dan Jaringan"),
                ("Bidang sertifikasi", "Cisco Certified Network Associate (CCNA)"),
                ("Email", "yusuf.mi@smkn26jkt.sch.id"),
                ("No. HP", "0812-1357-2468")]),
        ("p", "Dengan ini saya mendaftar sebagai peserta sertifikasi IT yang diselenggarakan BPTI "
              "UHAMKA dan bersedia mengikuti seluruh ketentuan yang berlaku, termasuk pelatihan "
              "persiapan sebelum ujian sertifikasi."),
        ("sign", ["Jakarta, 6 Februari 2026", "Pendaftar,", "", "", "Yusuf Maulana Ibrahim, S.Kom."]),
    ]
    data, txt = render_pdf(blocks, "Formulir Pendaftaran Sertifikasi", "Yusuf",
                           date="D:20260206070000+07'00'", seed="sertifikasi-eksternal",
                           kerning=False, word_gap=250)
    c.attachment("sertifikasi-eksternal.pdf", data, txt)
    c.add(k, mail(
        frm=("Yusuf Maulana Ibrahim", "yusuf.mi@smkn26jkt.sch.id"),
        subject="Pendaftaran",
        date=date(2026, 2, 6, 7, 20, 0), msgid=gmail_id(k),
        body="""Selamat pagi,

Berikut formulir pendaftaran saya. Terima kasih.

Yusuf
""", html=True,
        attachments=[attachment(data, PDF, "formulir_pendaftaran_yusuf.pdf")]),
        "new_request", "sertifikasi-it",
        fields={"nama": "Yusuf Maulana Ibrahim, S.Kom.", "instansi": "SMK Negeri 26 Jakarta",
                "bidang": "Cisco Certified Network Associate (CCNA)",
                "email": "yusuf.mi@smkn26jkt.sch.id", "no_hp": "081213572468"},
        note="External participant. The PDF has no space characters: words are separated by TJ\n"
             "adjustments (-250), as TeX-made PDFs do.")

    k = "sertifikasi-it/tendik-6281"
    c.add(k, mail(
        frm=("Dewi Lestari", "dewi.lestari@uhamka.ac.id"),
        subject="Daftar sertifikasi Associate Data Analyst",
        date=date(2026, 2, 9, 10, 33, 3), msgid=gmail_id(k), cte="quoted-printable",
        body="""Assalamu'alaikum, Bapak/Ibu BPTI.

Saya tenaga kependidikan di Biro Perencanaan dan ingin mendaftar sertifikasi IT yang dibuka bulan depan.

Nama: Dewi Lestari
Unit: Biro Perencanaan dan Pengembangan
Bidang: Associate Data Analyst (skema BNSP)
Email: dewi.lestari@uhamka.ac.id
HP/WA: 6281299887766

Mohon info syarat dan jadwal pelatihannya. Terima kasih.
""", html=True), "new_request", "sertifikasi-it",
        fields={"nama": "Dewi Lestari", "unit": "Biro Perencanaan dan Pengembangan",
                "bidang": "Associate Data Analyst (skema BNSP)",
                "email": "dewi.lestari@uhamka.ac.id", "no_hp": "081299887766"})


# =============================================================================================
# Look-alikes that must not be confused


def build_tricky(c):
    k = "tricky/zoom-dosen-bukan-ormawa"
    c.add(k, mail(
        frm=("Bayu Kusumo", "bayu.kusumo@staff.uns.ac.id"),
        subject="Permohonan Lisensi Zoom 300 Participants",
        date=date(2026, 1, 20, 8, 41, 0), msgid=gmail_id(k),
        body="""Yth. Direktur DTIK UNS

Dengan hormat,
Saya dosen Program Studi Ilmu Administrasi Negara FISIP UNS. Mohon akun Zoom saya dapat ditingkatkan ke lisensi 300 participants untuk perkuliahan daring kelas besar dan kuliah umum semester genap.

Nama  : Dr. Bayu Kusumo, M.Si.
NIP   : 198307142010121004
Email : bayu.kusumo@staff.uns.ac.id
No HP : 0812-2660-1357

Terima kasih.

Salam,
Dr. Bayu Kusumo, M.Si.
""", html=True), "unmatched",
        note="A lecturer (pegawai/dosen) asks for a Zoom 300 licence. The zoom-ormawa SOP is for\n"
             "student organisations only and no shipped SOP covers Zoom for staff: triage.")

    k = "tricky/office365-sebut-email"
    c.add(k, mail(
        frm=("Budi Santoso", "budisantoso@student.ub.ac.id"),
        subject="Akun email UB belum ada lisensi Office",
        date=date(2026, 1, 21, 20, 3, 9), msgid=gmail_id(k),
        body="""Selamat malam Bapak/Ibu Helpdesk DTI,

Perkenalkan, saya Budi Santoso dengan NIM 215150200111001 dari Fakultas Ilmu Komputer. Akun email UB saya budisantoso@student.ub.ac.id sudah aktif dan bisa dipakai login, tetapi akun email tersebut belum memiliki lisensi Microsoft Office 365 sehingga saya tidak bisa mengunduh aplikasi Office. Mohon bantuan untuk menambahkan lisensi Office 365 ke akun email saya tersebut. Nomor HP saya 0812-3456-7001.

Terima kasih.

Budi Santoso
""", html=True), "new_request", "office365",
        fields={"nama": "Budi Santoso", "nim": "215150200111001",
                "email": "budisantoso@student.ub.ac.id", "no_hp": "081234567001"},
        note="An Office 365 licence request that talks a lot about an e-mail account (not email-institusi,\n"
             "not a complaint). Data in sentences.")

    k = "tricky/pengaduan-login-email"
    c.add(k, mail(
        client="outlook",
        frm=("Hasanah Fitri", "hasanah.fitri@uhamka.ac.id"),
        subject="Tidak bisa login email",
        date=date(2026, 1, 22, 7, 50, 0), msgid=outlook_id(k),
        body="""Yth. Helpdesk BPTI,

Sejak kemarin sore saya tidak bisa login ke email institusi hasanah.fitri@uhamka.ac.id. Setiap login selalu muncul "Kata sandi salah" padahal kata sandi tidak pernah saya ganti, dan fitur lupa kata sandi tidak mengirim kode ke nomor HP saya. Mohon bantuannya karena banyak surat masuk yang harus saya tindak lanjuti.

Nama   : Hasanah Fitri, M.Pd.
Unit   : Program Studi PGSD FKIP
No. HP : 0813-5566-7788

Terima kasih.
Hasanah Fitri
"""), "new_request", "pengaduan-tik",
        fields={"nama": "Hasanah Fitri, M.Pd.", "email": "hasanah.fitri@uhamka.ac.id",
                "no_hp": "081355667788"},
        note="'Tidak bisa login email' is a complaint about an existing account (pengaduan-tik),\n"
             "not a request for a new institutional e-mail account.")

    k = "tricky/cbt-di-lab-ict"
    c.add(k, mail(
        frm=("Prodi Psikologi UHAMKA", "psikologi@uhamka.ac.id"),
        subject="Permohonan pelaksanaan ujian CBT di Lab ICT",
        date=date(2026, 2, 12, 9, 30, 0), msgid=gmail_id(k),
        body="""Yth. Kepala BPTI UHAMKA

Assalamu'alaikum wr. wb.

Program Studi Psikologi memohon BPTI menyelenggarakan Computer Based Test (CBT) untuk ujian psikometri mahasiswa semester 4. Kami berharap ujian dapat dilaksanakan di Lab ICT BPTI menggunakan aplikasi CBT universitas.

Unit            : Program Studi Psikologi
Tanggal         : Jumat, 6 Maret 2026
Waktu           : 08.00 - 10.00 WIB
Jumlah peserta  : 110 mahasiswa
Narahubung      : Mega Puspitasari, M.Psi. (0812-9988-7711)

Proposal pelaksanaan CBT terlampir.

Wassalamu'alaikum wr. wb.
""", html=True, attachments=[attachment(pdf(c, "cbt-psikologi-proposal", _proposal_cbt(
            ["UNIVERSITAS MUHAMMADIYAH PROF. DR. HAMKA", "FAKULTAS PSIKOLOGI",
             "Jalan Raya Bedugul No. 1, Jakarta Timur 13220"],
            "Ujian Psikometri Semester Genap 2025/2026", "Program Studi Psikologi",
            "Ujian psikometri diikuti seluruh mahasiswa semester 4 dan perlu dilaksanakan serentak.",
            "Jumat, 6 Maret 2026", "08.00 - 10.00 WIB", "110 mahasiswa", "Lab ICT BPTI",
            "Mega Puspitasari, M.Psi., telepon 0812-9988-7711."),
            "Proposal CBT Psikologi", "Prodi Psikologi", pdfdate="D:20260212090000+07'00'"),
            PDF, "Proposal CBT Psikometri.pdf")]),
        "new_request", "cbt",
        fields={"unit": "Program Studi Psikologi", "jumlah_peserta": "110", "no_hp": "081299887711"},
        note="A CBT request that names the ICT lab as the venue: cbt, not lab-ict.")

    k = "tricky/lab-ict-untuk-pelatihan"
    c.add(k, mail(
        frm=("HIMA Sistem Informasi UHAMKA", "himasi@uhamka.ac.id"),
        subject="Peminjaman Lab ICT untuk Pelatihan Figma HIMA SI",
        date=date(2026, 2, 13, 15, 2, 0), msgid=gmail_id(k),
        body="""Yth. Kepala BPTI UHAMKA

Assalamu'alaikum wr. wb.

Kami Himpunan Mahasiswa Sistem Informasi akan mengadakan pelatihan internal desain antarmuka dengan Figma yang pematerinya dari pengurus himpunan sendiri. Untuk itu kami memohon izin meminjam ruang laboratorium:

Hari/Tanggal    : Sabtu, 28 Februari 2026
Waktu           : 09.00 - 14.00 WIB
Ruangan         : Lab ICT 2
Jumlah peserta  : 36 mahasiswa
Keperluan       : Pelatihan internal Figma HIMA SI
Penanggung jawab: Dinda Maharani (NIM 2203016042), 0878-1234-9876

Wassalamu'alaikum wr. wb.
Dinda Maharani
Ketua HIMA SI
""", html=True), "new_request", "lab-ict",
        fields={"ruangan": "Lab ICT 2", "jumlah_peserta": "36", "nim": "2203016042",
                "no_hp": "087812349876", "keperluan": "Pelatihan internal Figma HIMA SI"},
        note="A student body borrows the lab for a training it runs itself: lab-ict, not diklat-it.")
