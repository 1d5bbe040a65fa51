#!/usr/bin/env python3
"""Writes the reply-style .eml files of this directory (standard library only, no clock).

Run: python3 tests/data/replies-eml/make.py. Placeholders @@TOKEN@@, @@PARENT@@ and @@TICKET@@
are filled by the test (tests/it/replies_eml.rs) with the disposition it answers."""
import base64, quopri, os
OUT = os.path.dirname(os.path.abspath(__file__))
KEPALA = '"Kepala UPT TIK" <kepala.tik@kampus.ac.id>'
AR = "Authentication-Results: mx.kampus.ac.id;\r\n\tdkim=pass header.d=kampus.ac.id header.s=sel1;\r\n\tdmarc=pass (p=QUARANTINE) header.from=kampus.ac.id\r\n"
RCVD = "Received: from mail-sor-f41.google.com (mail-sor-f41.google.com [209.85.220.41])\r\n\tby mx.kampus.ac.id (Postfix) with ESMTPS id 4Q9XbC1k2Hz9sTg\r\n\tfor <helpdesk+@@TOKEN@@@kampus.ac.id>; Mon, 02 Mar 2026 09:41:07 +0700 (WIB)\r\n"
QUOTE_ID = ("Yth. Kepala UPT TIK,\n\nMohon disposisi atas permohonan berikut (tiket @@TICKET@@):\n"
            "  Layanan : Akun Webservice\n  Pemohon : Budi Santoso <budi.santoso@unsyiah.ac.id>\n\n"
            "Cukup balas email ini dengan satu kata di baris pertama:\n  SETUJU                       (boleh diikuti: disposisi ke <nama staf>)\n"
            "  TOLAK <alasan>\n\nToken: @@TOKEN@@\n\nHormat kami,\nHelpdesk TIK\n")
QUOTE_EN = QUOTE_ID.replace("Cukup balas email ini dengan satu kata di baris pertama", "Just reply with one word on the first line")

def q(text):  # "> " quoting
    return "".join("> " + l if l else ">" for l in text.splitlines(True)) if False else "\n".join(("> " + l) if l else ">" for l in text.split("\n"))

def crlf(s):
    return s.replace("\r\n", "\n").replace("\n", "\r\n")

def b64(s):
    e = base64.b64encode(s.encode()).decode()
    return "\r\n".join(e[i:i+76] for i in range(0, len(e), 76)) + "\r\n"

def qp(s):
    return quopri.encodestring(crlf(s).encode("utf-8")).decode().replace("\r\n", "\n").replace("\n", "\r\n")

def headers(frm, subject, mid, extra="", to="Helpdesk TIK <helpdesk+@@TOKEN@@@kampus.ac.id>", date="Mon, 2 Mar 2026 09:41:02 +0700"):
    return (RCVD + AR + f"From: {frm}\r\nDate: {date}\r\nMessage-ID: <{mid}>\r\nIn-Reply-To: <@@PARENT@@>\r\n"
            f"References: <@@PARENT@@>\r\nSubject: {subject}\r\nTo: {to}\r\nMIME-Version: 1.0\r\n" + extra)

SUBJ = "Re: [@@TICKET@@ @@TOKEN@@] Mohon disposisi: Akun Webservice"

def gmail(name, lang, answer, enc_plain="qp", html_answer=None):
    attrib = ("Pada Sen, 2 Mar 2026 pukul 09.15 Helpdesk TIK <helpdesk+@@TOKEN@@@kampus.ac.id>\nmenulis:" if lang == "id"
              else "On Mon, Mar 2, 2026 at 9:15 AM Helpdesk TIK <helpdesk+@@TOKEN@@@kampus.ac.id> wrote:")
    quote = QUOTE_ID if lang == "id" else QUOTE_EN
    plain = f"{answer}\n\n{attrib}\n\n{q(quote)}\n"
    html_ans = html_answer or answer.replace("\n", "<br>")
    html = (f'<div dir="ltr">{html_ans}</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
            f'{attrib.replace(chr(10), " ").replace("<", "&lt;").replace(">", "&gt;")}<br></div>'
            f'<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">'
            f'{quote.replace(chr(10), "<br>")}</blockquote></div>\n')
    bnd = "000000000000a1b2c3d4e5f60718"
    enc = (lambda s: b64(crlf(s))) if enc_plain == "base64" else qp
    cte = "base64" if enc_plain == "base64" else "quoted-printable"
    body = (f"--{bnd}\r\nContent-Type: text/plain; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: {cte}\r\n\r\n{enc(plain)}"
            f"--{bnd}\r\nContent-Type: text/html; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: {cte}\r\n\r\n{enc(html)}--{bnd}--\r\n")
    h = headers(KEPALA, SUBJ, f"CAJx8{name}@mail.gmail.com", f"Content-Type: multipart/alternative; boundary=\"{bnd}\"\r\n")
    return h + "\r\n" + body

def thunderbird(name, answer, bottom=False, to=None, subject=SUBJ):
    attrib = "Pada 02/03/2026 09.15, Helpdesk TIK menulis:"
    if bottom:
        text = f"{attrib}\n{q(QUOTE_ID)}\n\n{answer}\n\n-- \nDr. Ir. Hendra Gunawan, M.T.\nKepala UPT TIK\n"
    else:
        text = f"{answer}\n\n-- \nDr. Ir. Hendra Gunawan, M.T.\nKepala UPT TIK\n\n{attrib}\n{q(QUOTE_ID)}\n"
    extra = ("User-Agent: Mozilla Thunderbird\r\nContent-Language: id-ID\r\n"
             "Content-Type: text/plain; charset=UTF-8; format=flowed\r\nContent-Transfer-Encoding: 8bit\r\n")
    kw = {} if to is None else {"to": to}
    return headers(KEPALA, subject, f"{name}-5b1f@kampus.ac.id", extra, **kw) + "\r\n" + crlf(text)

def outlook(name, lang, answer, enc="base64"):
    if lang == "en":
        block = ("-----Original Message-----\nFrom: Helpdesk TIK <helpdesk+@@TOKEN@@@kampus.ac.id>\n"
                 "Sent: Monday, March 2, 2026 9:15 AM\nTo: Kepala UPT TIK <kepala.tik@kampus.ac.id>\n"
                 "Subject: [@@TICKET@@ @@TOKEN@@] Mohon disposisi: Akun Webservice\n\n")
    else:
        block = ("-----Pesan Asli-----\nDari: Helpdesk TIK <helpdesk+@@TOKEN@@@kampus.ac.id>\n"
                 "Dikirim: Senin, 02 Maret 2026 09.15\nKepada: Kepala UPT TIK <kepala.tik@kampus.ac.id>\n"
                 "Perihal: [@@TICKET@@ @@TOKEN@@] Mohon disposisi: Akun Webservice\n\n")
    plain = f"{answer}\n\nSalam,\nHendra\n\n{block}{QUOTE_ID}"
    html = (f"<html><body><div class=WordSection1><p class=MsoNormal>{answer.replace(chr(10), '</p><p class=MsoNormal>')}</p>"
            f"<p class=MsoNormal>Salam,<br>Hendra</p><div style='border:none;border-top:solid #E1E1E1 1.0pt'>"
            f"<p class=MsoNormal><b>{'From' if lang == 'en' else 'Dari'}:</b> Helpdesk TIK</p></div>"
            f"<p class=MsoNormal>{QUOTE_ID.replace(chr(10), '<br>')}</p></div></body></html>\n")
    bnd = "_000_SG2PR06MB5321A1B2C3D4E5F6apcprd06prodoutlook_"
    e = (lambda s: b64(crlf(s))) if enc == "base64" else qp
    cte = "base64" if enc == "base64" else "quoted-printable"
    body = (f"--{bnd}\r\nContent-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: {cte}\r\n\r\n{e(plain)}\r\n"
            f"--{bnd}\r\nContent-Type: text/html; charset=\"utf-8\"\r\nContent-Transfer-Encoding: {cte}\r\n\r\n{e(html)}\r\n--{bnd}--\r\n")
    extra = ("Thread-Topic: Mohon disposisi: Akun Webservice\r\nThread-Index: AQHaZk1b2c3d4e5f6g7h8i9j0k==\r\n"
             "Accept-Language: id-ID, en-US\r\nContent-Language: id-ID\r\nX-MS-Has-Attach: \r\n"
             f"Content-Type: multipart/alternative; boundary=\"{bnd}\"\r\n")
    return headers(KEPALA, SUBJ.replace("Re:", "RE:"), f"SG2PR06MB5321{name}@SG2PR06MB5321.apcprd06.prod.outlook.com", extra) + "\r\n" + body

def outlook_html_only(name, answer_html):
    html = ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body>"
            f"<div style=\"font-family:Calibri,Arial,Helvetica,sans-serif;font-size:12pt\">{answer_html}</div>"
            "<hr style=\"display:inline-block;width:98%\" tabindex=\"-1\"><div id=\"divRplyFwdMsg\" dir=\"ltr\">"
            "<font face=\"Calibri, sans-serif\" style=\"font-size:11pt\"><b>From:</b> Helpdesk TIK &lt;helpdesk+@@TOKEN@@@kampus.ac.id&gt;<br>"
            "<b>Sent:</b> Monday, March 2, 2026 9:15 AM<br><b>To:</b> Kepala UPT TIK &lt;kepala.tik@kampus.ac.id&gt;<br>"
            "<b>Subject:</b> [@@TICKET@@ @@TOKEN@@] Mohon disposisi: Akun Webservice</font><div>&nbsp;</div></div>"
            f"<div>{QUOTE_ID.replace(chr(10), '<br>')}</div></body></html>\n")
    extra = "Content-Type: text/html; charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n"
    return headers(KEPALA, SUBJ.replace("Re:", "RE:"), f"PS2PR01MB{name}@PS2PR01MB.apcprd01.prod.outlook.com", extra) + "\r\n" + qp(html)

def mobile(name, answer, sig, lang="en", enc="8bit"):
    if lang == "en":
        attrib = "On 2 Mar 2026, at 09.15, Helpdesk TIK <helpdesk+@@TOKEN@@@kampus.ac.id> wrote:\n\n"
        text = f"{answer}\n\n{sig}\n\n> {attrib}{q(QUOTE_ID)}\n"
    else:
        text = (f"{answer}\n\n{sig}\n\n-------- Pesan asli --------\nDari: Helpdesk TIK <helpdesk+@@TOKEN@@@kampus.ac.id>\n"
                f"Tanggal: 02/03/26 09.15 (GMT+07:00)\nKe: kepala.tik@kampus.ac.id\nSubjek: [@@TICKET@@ @@TOKEN@@] Mohon disposisi\n\n{QUOTE_ID}")
    if enc == "base64":
        return (headers(KEPALA, SUBJ, f"{name}-A1B2C3@kampus.ac.id", "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n")
                + "\r\n" + b64(crlf(text)))
    extra = "Content-Type: text/plain;\r\n\tcharset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\nX-Mailer: iPhone Mail (21D61)\r\n"
    return headers(KEPALA, SUBJ, f"{name}-A1B2C3@kampus.ac.id", extra) + "\r\n" + crlf(text)

files = {
  "gmail-id-setuju-disposisi-staf": gmail("a1", "id", "SETUJU, disposisi ke staf Andi"),
  "gmail-en-approved-base64": gmail("a2", "en", "Approved, please go ahead.", enc_plain="base64"),
  "gmail-en-rejected-reason": gmail("a3", "en", "Rejected: the request lacks the dean's signature."),
  "gmail-id-tolak-alasan-base64": gmail("a4", "id", "TOLAK\n\nMohon dilengkapi dulu surat pengantar dari dekan.", enc_plain="base64"),
  "thunderbird-top-setuju": thunderbird("t1", "Setuju."),
  "thunderbird-bottom-post-acc": thunderbird("t2", "ACC, lanjutkan.", bottom=True),
  "thunderbird-to-plain-address": thunderbird("t3", "Ya, disposisi ke staf Layanan TIK", to="Helpdesk TIK <helpdesk@kampus.ac.id>"),
  "outlook-desktop-en-original-message": outlook("o1", "en", "Approve"),
  "outlook-desktop-id-pesan-asli-tolak": outlook("o2", "id", "Ditolak, anggaran lisensi tahun ini sudah habis.", enc="quoted-printable"),
  "outlook-html-only-setuju": outlook_html_only("o3", "SETUJU, disposisi ke staf Andi Pratama"),
  "iphone-en-yes": mobile("i1", "Yes", "Sent from my iPhone"),
  "android-id-tolak-base64": mobile("d1", "TOLAK, unit belum punya server yang memenuhi syarat keamanan", "Dikirim dari Samsung Galaxy saya", lang="id", enc="base64"),
  "tidak-jelas-cek-dulu": thunderbird("u1", "Saya cek dulu ke bagian akademik, nanti saya kabari."),
  "dua-kata-setuju-tolak": gmail("u2", "id", "Setuju. Eh, tolak dulu, datanya belum lengkap."),
}
for name, raw in files.items():
    with open(os.path.join(OUT, name + ".eml"), "w", newline="") as f:
        f.write(raw)
print(len(files))
