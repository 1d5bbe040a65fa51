"""Everything that is not a plain new request: replies on ticket TIK-2026-000007, automatic
mail (auto-replies, bounces, mailing lists), mail no SOP covers (spam, a parking permit…), and
malformed messages.

Ticket TIK-2026-000007 is known to the test harness with thread Message-IDs
<surat-7@contoh.ac.id> (the letter email-institusi/mahasiswa-tanpa-no-hp) and
<TIK-2026-000007.ack@kampus.ac.id> (our acknowledgement).
"""

import hashlib

from documents import render_pdf
from mimebuild import (HELPDESK, Part, attachment, date, fold, gmail_id, hexid, local_id, mail,
                       message_bytes, multipart, outlook_id, text)

PDF = "application/pdf"
TICKET = "TIK-2026-000007"
ORIG = "<surat-7@contoh.ac.id>"
ACK = "<TIK-2026-000007.ack@kampus.ac.id>"
RIZKY = ("Rizky Ananda Putra", "rizkyananda.p@gmail.com")
ACK_QUOTE = """> Yth. Rizky Ananda Putra,
>
> Permohonan Anda "Permohonan Pembuatan Email Institusi" telah kami terima
> dengan nomor tiket TIK-2026-000007 (layanan: Akun Email Institusi).
>
> Data berikut belum lengkap: No HP.
> Mohon balas email ini dengan melengkapi data tersebut.
>
> Hormat kami,
> Helpdesk TIK
"""


def build(c):
    build_replies(c)
    build_automatic(c)
    build_unmatched(c)
    build_malformed(c)


# =============================================================================================
# Replies


def build_replies(c):
    k = "reply/tag-subjek-saja"
    c.add(k, mail(
        frm=RIZKY, subject=f"Re: [{TICKET}] Permohonan Pembuatan Email Institusi",
        date=date(2026, 1, 6, 10, 2, 0), msgid=gmail_id(k),
        body="""Selamat siang, apakah masih ada data lain yang perlu saya lengkapi? Terima kasih.

Rizky
""", html=True), "reply", ticket=TICKET,
        note="Only the subject tag links it to the ticket: no In-Reply-To, no References.")

    k = "reply/in-reply-to-saja"
    c.add(k, mail(
        frm=RIZKY, subject="Re: Permohonan Pembuatan Email Institusi",
        date=date(2026, 1, 6, 11, 30, 0), msgid=gmail_id(k), in_reply_to=ACK,
        body="""Baik Pak, terima kasih informasinya.

Rizky
""", html=True), "reply", ticket=TICKET,
        note="Only In-Reply-To (our acknowledgement); the subject has no tag.")

    k = "reply/references-saja"
    c.add(k, mail(
        frm=RIZKY, subject="Pertanyaan soal akun email",
        date=date(2026, 1, 7, 8, 15, 0), msgid=gmail_id(k),
        references=f"References: {ORIG}\r\n {ACK}",
        body="""Maaf Pak/Bu, mau tanya, kira-kira berapa hari akun email saya bisa aktif?

Terima kasih,
Rizky
""", html=True), "reply", ticket=TICKET,
        note="Only References (folded over two lines); no In-Reply-To, no tag, a new subject.")

    k = "reply/melengkapi-no-hp"
    c.add(k, mail(
        frm=RIZKY, subject=f"Re: [{TICKET}] Permohonan Pembuatan Email Institusi",
        date=date(2026, 1, 6, 9, 40, 12), msgid=gmail_id(k), in_reply_to=ACK,
        references=f"References: {ORIG}\r\n {ACK}",
        body=f"""Selamat pagi,

Berikut saya lengkapi nomor HP saya:
No. HP : 0857-3312-4408

Terima kasih.
Rizky

Pada Sel, 6 Jan 2026 pukul 09.02 Helpdesk TIK <helpdesk@kampus.ac.id> menulis:

{ACK_QUOTE}""", html=True), "reply", ticket=TICKET,
        fields={"no_hp": "085733124408"},
        note="Supplies the missing phone number; the quoted acknowledgement follows.")

    k = "reply/kutip-surat-lengkap"
    c.add(k, mail(
        client="outlook",
        frm=("Rizky Ananda Putra", "rizky.ananda@outlook.com"),
        subject=f"RE: [{TICKET}] Permohonan Pembuatan Email Institusi",
        date=date(2026, 1, 8, 19, 5, 0), msgid=outlook_id(k), in_reply_to=ACK,
        body="""Terima kasih, ditunggu kabarnya. (Saya membalas dari email lain karena gmail saya sedang bermasalah.)

Rizky

________________________________
From: Rizky Ananda Putra <rizkyananda.p@gmail.com>
Sent: Monday, January 5, 2026 8:41 PM
To: Helpdesk TIK <helpdesk@kampus.ac.id>
Subject: Permohonan Pembuatan Email Institusi

Assalamu'alaikum wr. wb.

Yth. Admin PTIPD UIN Maulana Malik Ibrahim Malang

Saya mahasiswa baru dan belum memiliki akun email institusi. Mohon dibuatkan akun email dengan data berikut:

Nama Lengkap   : Rizky Ananda Putra
NIM            : 210605110045
Program Studi  : Teknik Informatika
Email pribadi  : rizkyananda.p@gmail.com
Jenis akun     : Mahasiswa

Terima kasih atas bantuannya.
Wassalamu'alaikum wr. wb.
"""), "reply", ticket=TICKET,
        note="Quotes the whole original letter (looks like a new request) but is a reply; sent from\n"
             "a different address than the requester's.")

    k = "reply/tag-tidak-dikenal"
    c.add(k, mail(
        frm=("Fitri Handayani", "fitri.handayani@usk.ac.id"),
        subject="Re: [TIK-2026-999999] Permohonan akun webservice",
        date=date(2026, 1, 26, 9, 0, 0), msgid=gmail_id(k),
        in_reply_to="<TIK-2026-999999.ack@kampus.ac.id>",
        references="<TIK-2026-999999.ack@kampus.ac.id>",
        body="""Selamat pagi, mohon informasi perkembangan permohonan kami. Terima kasih.

Fitri
""", html=True), "unmatched",
        note="Tag and references name a ticket that does not exist: not a reply to anything known,\n"
             "and there is no request in it either, so triage.")


# =============================================================================================
# Automatic mail


def build_automatic(c):
    k = "automatic/auto-submitted"
    c.add(k, mail(
        frm=("Pusat Layanan Terpadu UB", "ult@ub.ac.id"),
        subject="Balasan otomatis: Permohonan Lisensi Microsoft Office 365",
        date=date(2026, 1, 5, 8, 14, 0), msgid=local_id(k, "ub.ac.id"), client="thunderbird",
        extra=[("Auto-Submitted", "auto-replied")],
        body="""Terima kasih, email Anda telah kami terima.

Layanan kami buka Senin - Jumat pukul 07.30 - 16.00 WIB. Email yang masuk di luar jam layanan akan kami proses pada hari kerja berikutnya.

Pusat Layanan Terpadu
Universitas Brawijaya
"""), "automatic", reason="auto-submitted: auto-replied")

    k = "automatic/outlook-automatic-reply"
    c.add(k, mail(
        client="outlook",
        frm=("Rizky Ananda Putra", "rizky.ananda@outlook.com"),
        subject=f"Automatic reply: [{TICKET}] Permohonan Pembuatan Email Institusi",
        date=date(2026, 1, 6, 9, 2, 30), msgid=outlook_id(k),
        in_reply_to=ACK,
        extra=[("X-Auto-Response-Suppress", "All"), ("X-MS-Exchange-Inbox-Rules-Loop", "rizky.ananda@outlook.com"),
               ("X-MS-Exchange-Organization-AutoReply", "OOF")],
        body="""Terima kasih atas email Anda. Saya sedang mudik dan baru dapat membalas mulai 12 Januari 2026.

Thank you for your e-mail. I am out of office until 12 January 2026.
"""), "automatic", reason="out-of-office auto-reply",
        note="Outlook out-of-office, no Auto-Submitted header (X-Auto-Response-Suppress, 'Automatic reply:').\n"
             "It answers our acknowledgement, so it carries the ticket tag and In-Reply-To: it must\n"
             "not count as the requester's reply (never answered, no data taken from it).")

    k = "automatic/cuti-precedence-bulk"
    c.add(k, mail(
        frm=("Ratih Kumala", "ratih.kumala@uhamka.ac.id"),
        subject="Cuti: Permohonan CBT Ujian Komprehensif Magister Administrasi Pendidikan",
        date=date(2026, 1, 21, 10, 7, 0), msgid=local_id(k, "uhamka.ac.id"), client="thunderbird",
        extra=[("Precedence", "bulk")],
        body="""Saya sedang cuti sampai dengan 30 Januari 2026.
Untuk keperluan mendesak silakan menghubungi Sekretariat Prodi MAP.

Ratih Kumala
"""), "automatic", reason="precedence: bulk (vacation reply)",
        note="A vacation reply marked only with Precedence: bulk.")

    # --- Postfix DSN --------------------------------------------------------------------------
    k = "automatic/dsn-postfix"
    qid = "4dXq2L0h7Yz3"
    notice = text("""This is the mail system at host mx.kampus.ac.id.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

                   The mail system

<andi.pratamaa@student.ub.ac.id>: host ub-ac-id.mail.protection.outlook.com[52.101.10.3]
    said: 550 5.4.1 Recipient address rejected: Access denied. (in reply to RCPT TO
    command)
""", cte="7bit", headers=[("Content-Description", "Notification")])
    status = Part("message/delivery-status", [], b"""Reporting-MTA: dns; mx.kampus.ac.id
X-Postfix-Queue-ID: 4dXq2L0h7Yz3
X-Postfix-Sender: rfc822; helpdesk@kampus.ac.id
Arrival-Date: Tue,  6 Jan 2026 08:30:02 +0700 (WIB)

Final-Recipient: rfc822; andi.pratamaa@student.ub.ac.id
Original-Recipient: rfc822;andi.pratamaa@student.ub.ac.id
Action: failed
Status: 5.4.1
Remote-MTA: dns; ub-ac-id.mail.protection.outlook.com
Diagnostic-Code: smtp; 550 5.4.1 Recipient address rejected: Access denied.
""".replace(b"\n", b"\r\n"), None, [("Content-Description", "Delivery report")])
    returned = Part("text/rfc822-headers", [], b"""Return-Path: <helpdesk@kampus.ac.id>
Received: by mx.kampus.ac.id (Postfix, from userid 1001)
	id 4dXq2L0h7Yz3; Tue,  6 Jan 2026 08:30:02 +0700 (WIB)
Date: Tue, 6 Jan 2026 08:30:01 +0700
From: Helpdesk TIK <helpdesk@kampus.ac.id>
To: andi.pratamaa@student.ub.ac.id
Subject: [TIK-2026-000003] Permohonan Lisensi Microsoft Office 365
Message-ID: <TIK-2026-000003.ack@kampus.ac.id>
Auto-Submitted: auto-generated
""".replace(b"\n", b"\r\n"), None, [("Content-Description", "Undelivered Message Headers")])
    body = multipart("report", [notice, status, returned], f"{qid}.1767663002/mx.kampus.ac.id",
                     params=[("report-type", "delivery-status")],
                     preamble="This is a MIME-encapsulated message.")
    c.add(k, message_bytes([
        ("Return-Path", "<>"),
        "Received: by mx.kampus.ac.id (Postfix)\r\n\tid 5fRt8M1k2Ab9; Tue,  6 Jan 2026 08:30:04 +0700 (WIB)",
        ("Date", "Tue,  6 Jan 2026 08:30:04 +0700 (WIB)"),
        ("From", "MAILER-DAEMON@kampus.ac.id (Mail Delivery System)"),
        ("Subject", "Undelivered Mail Returned to Sender"),
        ("To", "helpdesk@kampus.ac.id"),
        ("Auto-Submitted", "auto-replied"),
        ("MIME-Version", "1.0"),
        ("Message-Id", "<20260106013004.5fRt8M1k2Ab9@mx.kampus.ac.id>"),
    ], body), "automatic", reason="bounce (DSN)",
        note="Postfix DSN: multipart/report; report-type=delivery-status, Return-Path <>, MAILER-DAEMON.")

    # --- Exchange NDR ------------------------------------------------------------------------
    k = "automatic/ndr-exchange"
    bnd = "_000_" + hexid(k, 24).upper() + "_"
    human = text("""Pesan Anda tidak dapat terkirim ke rizkyananda.p@gmial.com.

Alamat email yang Anda masukkan tidak dapat ditemukan. Periksa kembali alamat email penerima, lalu coba kirim ulang.

Diagnostic information for administrators:

Generating server: SG2PR06MB5123.apcprd06.prod.outlook.com

rizkyananda.p@gmial.com
Remote server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'
""", cte="quoted-printable")
    status = Part("message/delivery-status", [], b"""Reporting-MTA: dns;SG2PR06MB5123.apcprd06.prod.outlook.com
Received-From-MTA: dns;mx.kampus.ac.id
Arrival-Date: Tue, 6 Jan 2026 02:02:10 +0000

Original-Recipient: rfc822;rizkyananda.p@gmial.com
Final-Recipient: rfc822;rizkyananda.p@gmial.com
Action: failed
Status: 5.1.10
Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup
""".replace(b"\n", b"\r\n"), None, [])
    orig = Part("message/rfc822", [], b"""Date: Tue, 6 Jan 2026 09:02:08 +0700
From: Helpdesk TIK <helpdesk@kampus.ac.id>
To: rizkyananda.p@gmial.com
Subject: [TIK-2026-000007] Permohonan Pembuatan Email Institusi
Message-ID: <TIK-2026-000007.ack@kampus.ac.id>
In-Reply-To: <surat-7@contoh.ac.id>
References: <surat-7@contoh.ac.id>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 7bit

Yth. Rizky Ananda Putra,

Permohonan Anda telah kami terima dengan nomor tiket TIK-2026-000007.
Data berikut belum lengkap: No HP.
""".replace(b"\n", b"\r\n"), None, [])
    body = multipart("report", [human, status, orig], bnd, params=[("report-type", "delivery-status")])
    c.add(k, message_bytes([
        ("Return-Path", "<>"),
        "Received: from SG2PR06MB5123.apcprd06.prod.outlook.com (2603:1096:4:1a0::12)\r\n"
        "\tby mx.kampus.ac.id with ESMTPS id 7QW2Z0K; Tue, 6 Jan 2026 09:02:12 +0700",
        ("From", "postmaster@outlook.com"),
        ("To", "helpdesk@kampus.ac.id"),
        ("Date", "Tue, 6 Jan 2026 02:02:11 +0000"),
        ("Subject", f"Tidak terkirim: [{TICKET}] Permohonan Pembuatan Email Institusi"),
        ("Message-ID", f"<{outlook_id(k)}>"),
        ("In-Reply-To", ACK),
        ("References", f"{ORIG} {ACK}"),
        ("Content-Language", "id-ID"),
        ("X-MS-Exchange-Message-Is-Ndr", ""),
        ("MIME-Version", "1.0"),
    ], body), "automatic", reason="bounce (NDR)",
        note="Exchange non-delivery report of our acknowledgement: it carries the ticket tag,\n"
             "In-Reply-To and References of TIK-2026-000007, but it is a bounce, not the requester\n"
             "(no Auto-Submitted header).")

    k = "automatic/milis-pelatihan"
    c.add(k, mail(
        client="thunderbird",
        frm=("Milis Dosen UHAMKA", "dosen@lists.uhamka.ac.id"),
        subject="[dosen] Undangan Pelatihan Penulisan Artikel dan Sertifikasi IT",
        date=date(2026, 1, 28, 9, 0, 0), msgid=local_id(k, "lists.uhamka.ac.id"),
        return_path="dosen-bounces@lists.uhamka.ac.id",
        extra=[("Precedence", "list"),
               ("List-Id", "Milis Dosen UHAMKA <dosen.lists.uhamka.ac.id>"),
               ("List-Unsubscribe", "<https://lists.uhamka.ac.id/mailman/options/dosen>,\r\n <mailto:dosen-request@lists.uhamka.ac.id?subject=unsubscribe>"),
               ("List-Post", "<mailto:dosen@lists.uhamka.ac.id>"),
               ("List-Archive", "<https://lists.uhamka.ac.id/pipermail/dosen/>"),
               ("Sender", '"dosen" <dosen-bounces@lists.uhamka.ac.id>'),
               ("Errors-To", "dosen-bounces@lists.uhamka.ac.id")],
        body="""Yth. Bapak/Ibu Dosen UHAMKA,

BPTI bersama Lemlitbang mengundang Bapak/Ibu mengikuti pelatihan penulisan artikel ilmiah dan pendaftaran sertifikasi IT (MOS, MTCNA) periode Maret 2026. Pendaftaran melalui portal sertifikasi paling lambat 20 Februari 2026.

Jumlah peserta terbatas: 40 orang.

Salam,
Admin Milis Dosen

_______________________________________________
dosen mailing list
dosen@lists.uhamka.ac.id
https://lists.uhamka.ac.id/mailman/listinfo/dosen
"""), "automatic", reason="mailing list",
        note="Talks about training and certification, but it is list mail (List-Id, Precedence: list).")

    k = "automatic/notifikasi-siakad"
    c.add(k, mail(
        client="thunderbird",
        frm=("SIAKAD UHAMKA", "noreply@siakad.uhamka.ac.id"),
        subject="[SIAKAD] Permintaan reset kata sandi",
        date=date(2026, 1, 29, 6, 0, 0), msgid=local_id(k, "siakad.uhamka.ac.id"),
        extra=[("Auto-Submitted", "auto-generated"), ("X-Mailer", "SIAKAD Notifier 2.3")],
        body="""Halo,

Kami menerima permintaan reset kata sandi untuk akun helpdesk@kampus.ac.id.
Jika Anda tidak merasa meminta, abaikan email ini.

Email ini dikirim otomatis, mohon tidak membalas.
"""), "automatic", reason="auto-submitted: auto-generated")


# =============================================================================================
# Nothing any SOP covers


def build_unmatched(c):
    k = "unmatched/spam-promo"
    c.add(k, mail(
        frm=("Promo Laptop Murah", "promo@tokolaptop-murah.shop"),
        subject="DISKON 70% Laptop & Printer Kantor - Khusus Instansi Pendidikan!!!",
        date=date(2026, 1, 10, 3, 14, 0), msgid=local_id(k, "tokolaptop-murah.shop"),
        html="""<html><body style="background:#ffeb3b">
<h1 style="color:red">DISKON 70% HANYA HARI INI!</h1>
<p>Yth. Bapak/Ibu Pengelola TIK Kampus,</p>
<p>Dapatkan laptop, printer, dan <b>lisensi software</b> dengan harga grosir untuk instansi pendidikan. Gratis ongkir seluruh Indonesia, bisa bayar termin!</p>
<p><a href="http://tokolaptop-murah.shop/promo?id=8812">KLIK DI SINI UNTUK PENAWARAN</a></p>
<p>Hubungi WA: 0899-0000-1111</p>
<p style="font-size:8px">Anda menerima email ini karena terdaftar di database kami. Unsubscribe.</p>
</body></html>
"""), "unmatched")

    k = "unmatched/spam-you-won"
    c.add(k, mail(
        frm=("International Lottery Board", "claims@intl-lottery-board.example"),
        subject="CONGRATULATIONS!!! You Won USD 1,500,000.00",
        date=date(2026, 1, 11, 2, 2, 2, "+0100"), msgid=local_id(k, "intl-lottery-board.example"),
        received=True,
        body="""Dear Winner,

Your e-mail address was selected in our annual international e-mail lottery and you have won the sum of USD 1,500,000.00 (One Million Five Hundred Thousand US Dollars).

To claim your prize, send the following to our claims agent:
Full name, address, phone number, bank account number and a copy of your ID card.

Processing fee: USD 250 only.

Congratulations once again!
Dr. James Williams
Claims Director
"""), "unmatched")

    k = "unmatched/spam-kripto"
    c.add(k, mail(
        frm=("Komunitas Cuan Kripto", "admin@cuankripto.example"),
        subject="Cuan 300% per bulan dari Bitcoin & USDT - gabung sekarang",
        date=date(2026, 1, 17, 23, 45, 0), msgid=local_id(k, "cuankripto.example"),
        body="""Halo Bapak/Ibu,

Mau penghasilan pasif 300% per bulan? Robot trading kripto kami sudah terbukti profit setiap hari. Modal mulai Rp500.000 saja, penarikan kapan saja ke rekening atau e-wallet.

Daftar sekarang sebelum kuota habis: https://cuankripto.example/join?ref=kampus
Bonus deposit 50% untuk 100 pendaftar pertama!

Salam cuan,
Admin Komunitas
"""), "unmatched")

    k = "unmatched/izin-parkir"
    c.add(k, mail(
        client="outlook",
        frm=("Bambang Hermawan", "bambang.hermawan@uhamka.ac.id"),
        subject="Permohonan Kartu Izin Parkir Kendaraan Dinas",
        date=date(2026, 1, 19, 10, 0, 0), msgid=outlook_id(k),
        body="""Yth. Kepala Bagian Umum

Dengan hormat,
Bersama ini saya mengajukan permohonan kartu izin parkir untuk kendaraan dinas di area parkir dosen Kampus Limau dengan data sebagai berikut:

Nama            : Drs. Bambang Hermawan, M.Si.
Unit            : Fakultas Ilmu Sosial dan Ilmu Politik
No. HP          : 0812-1010-2020
Jenis kendaraan : Mobil (Toyota Avanza)
Nomor polisi    : B 1234 KMZ

Atas perhatiannya saya ucapkan terima kasih.

Hormat saya,
Drs. Bambang Hermawan, M.Si.
"""), "unmatched",
        note="A formal request letter with Nama/Unit/No. HP, but for a parking permit: no SOP.")

    k = "unmatched/legalisir-ijazah"
    c.add(k, mail(
        frm=("Yoga Prasetya", "yogaprasetya.alumni@gmail.com"),
        subject="Permohonan legalisir ijazah dan transkrip",
        date=date(2026, 1, 23, 14, 10, 0), msgid=gmail_id(k),
        body="""Yth. Bagian Akademik,

Saya alumni Program Studi Teknik Elektro angkatan 2018, lulus tahun 2022.

Nama : Yoga Prasetya
NIM  : 1803025012
No HP: 0857-4433-2211

Saya bermaksud mengajukan legalisir ijazah dan transkrip nilai masing-masing 5 lembar untuk keperluan melamar CPNS. Mohon informasi prosedur dan biayanya.

Terima kasih.
Yoga Prasetya
""", html=True), "unmatched",
        note="An alumnus asks for legalised diplomas: not an IT service.")


# =============================================================================================
# Malformed


def build_malformed(c):
    # --- garbage MIME ---------------------------------------------------------------------------
    k = "malformed/mime-rusak"
    junk = b""
    h = hashlib.sha256(k.encode()).digest()
    while len(junk) < 1500:
        h = hashlib.sha256(h).digest()
        junk += h
    raw = (b"Return-Path: <x@unknown.example>\r\n"
           b"Date: Thu, 29 Jan 2026 25:61:00 +0700\r\n"
           b"From: =?UTF-8?B?invalid!!base64?= <\r\n"
           b"To: helpdesk@kampus.ac.id\r\n"
           b"Subject: =?UTF-8?Q?Permohonan_=E2=80?=\r\n"
           b"Message-ID: <broken-mime-1@unknown.example\r\n"
           b"This line is not a header at all\r\n"
           b"MIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=\"==never-closed==\"\r\n"
           b"Content-Transfer-Encoding: x-unknown\r\n"
           b"\r\n"
           b"--==other-boundary==\r\n"
           b"Content-Type: text/plain; charset=\"x-no-such-charset\"\r\n"
           b"Content-Transfer-Encoding: base64\r\n"
           b"\r\n"
           b"UGVybW9ob25hbiBha3VuIHdlYnNlcnZpY2U@@@!!!not*base64*at*all\r\n"
           b"--==never-closed==\r\n"
           b"Content-Type: application/pdf; name=\"surat.pdf\"\r\n"
           b"Content-Transfer-Encoding: base64\r\n"
           b"\r\n"
           + b"\r\n".join(junk[i:i + 57].hex().encode()[:76] for i in range(0, 600, 57)) +
           b"\r\n--==never-closed==\r\n"
           b"Content-Type: multipart/alternative\r\n"
           b"\r\n"
           + junk[600:1400].replace(b"\r", b"\x00").replace(b"\n", b"\x00") +
           b"\r\n")
    c.add(k, raw, "unmatched",
          note="Garbage: invalid date, unterminated From and Message-ID, a line that is not a header,\n"
               "wrong and unclosed boundaries, unknown CTE and charset, invalid base64, binary bytes\n"
               "including NUL. Must become a triage ticket, never a crash.")

    # --- a fine letter with a truncated PDF attached -------------------------------------------
    k = "malformed/pdf-terpotong"
    blocks = [("title", "SURAT PERMOHONAN PEMINJAMAN LAB ICT"), ("space", 1),
              ("p", "Dengan hormat, kami mohon izin meminjam Lab ICT 3 pada hari Kamis, 5 Maret 2026 "
                    "pukul 13.00 - 15.00 WIB untuk rapat kerja dan pelatihan aplikasi presensi.")]
    good, _ = render_pdf(blocks, "Surat", "BEM UHAMKA", seed=k)
    broken = good[: len(good) * 55 // 100]
    c.attachment("rusak-terpotong.pdf", broken)
    c.add(k, mail(
        frm=("Sekretariat BEM UHAMKA", "bem@uhamka.ac.id"),
        subject="Permohonan Peminjaman Lab ICT - BEM UHAMKA",
        date=date(2026, 2, 17, 10, 0, 0), msgid=gmail_id(k),
        body="""Yth. Kepala BPTI UHAMKA

Assalamu'alaikum wr. wb.

Kami dari BEM UHAMKA memohon izin meminjam laboratorium ICT dengan rincian:

Hari/Tanggal   : Kamis, 5 Maret 2026
Waktu          : 13.00 - 15.00 WIB
Ruangan        : Lab ICT 3
Jumlah peserta : 30 orang
Keperluan      : Rapat kerja pengurus BEM
Narahubung     : Andika Putra (0813-2020-3030)

Surat resmi terlampir.

Wassalamu'alaikum wr. wb.
Sekretaris BEM UHAMKA
""", html=True, attachments=[attachment(broken, PDF, "Surat Peminjaman Lab ICT BEM.pdf")]),
        "new_request", "lab-ict",
        fields={"ruangan": "Lab ICT 3", "jumlah_peserta": "30", "no_hp": "081320203030",
                "keperluan": "Rapat kerja pengurus BEM"},
        note="The attached PDF is truncated at 55% (no xref, no trailer): its text cannot be had,\n"
             "but the letter in the body is complete.")

    # --- raw 8-bit headers and body, no MIME headers at all -------------------------------------
    k = "malformed/header-8bit-tanpa-mime"
    raw = ("Return-Path: <dimas.anggara@uhamka.ac.id>\r\n"
           "Received: from webmail.uhamka.ac.id (webmail.uhamka.ac.id [103.23.20.15])\r\n"
           "\tby mx.kampus.ac.id (Postfix) with ESMTPS id 9A8B7C6D5E\r\n"
           "\tfor <helpdesk@kampus.ac.id>; Wed, 18 Feb 2026 13:10:00 +0700\r\n"
           "From: Dimas Anggara <dimas.anggara@uhamka.ac.id>\r\n"
           "To: helpdesk@kampus.ac.id\r\n"
           "Subject: Keluhan – SIAKAD tidak bisa dibuka “502 Bad Gateway”\r\n"
           "Date: Wed, 18 Feb 2026 13:09:41 +0700\r\n"
           f"Message-ID: <{local_id(k, 'webmail.uhamka.ac.id')}>\r\n"
           "\r\n"
           "Selamat siang,\r\n"
           "\r\n"
           "Saya mau lapor, sejak pagi SIAKAD tidak bisa dibuka, selalu muncul “502 Bad Gateway”.\r\n"
           "Padahal hari ini batas akhir input nilai. Mohon segera dicek ya.\r\n"
           "\r\n"
           "Nama   : Dimas Anggara\r\n"
           "NIM    : 1907015024\r\n"
           "No. HP : 0812–7777–8888\r\n"
           "\r\n"
           "Terima kasih.\r\n").encode("utf-8")
    c.add(k, raw, "new_request", "pengaduan-tik",
          fields={"nama": "Dimas Anggara", "nim": "1907015024", "no_hp": "081277778888"},
          note="No MIME-Version or Content-Type; raw UTF-8 in the Subject header and body; the phone\n"
               "number uses en dashes (U+2013) as separators.")
