//! Field labels: the built-in labels of the well-known field names, and matching a label at
//! the start of a piece of a letter.
//!
//! A label is compared by its *letters and digits only*, token by token: "No. HP/WA",
//! "No HP", "no.hp" and "NoHP" all read as the tokens `no`, `hp` (or `nohp`), and a label
//! matches when the concatenation of whole tokens of the text equals the concatenation of the
//! label's tokens. So `email` matches "E-mail", `no hp` matches "No.HP" and "NoHP", but
//! `nama` never matches inside "namanya".

use std::collections::HashMap;

/// The field names the whole project agrees on (rules, corpus, templates): each has
/// built-in labels, so a rule file may name it without listing labels.
#[cfg(test)]
pub(crate) const WELL_KNOWN_FIELDS: [&str; 19] = [
    "nama",
    "nip",
    "nim",
    "no_hp",
    "email",
    "unit",
    "fakultas",
    "ormawa",
    "jenis_data",
    "jenis_akun",
    "tanggal",
    "waktu",
    "jumlah_peserta",
    "ruangan",
    "keperluan",
    "kegiatan",
    "layanan",
    "bidang",
    "instansi",
];

/// Built-in labels of the field names the shipped rule files use. A `[[field]]` without
/// `labels` gets these (or, for other names, its title and its name with `_` as a space).
/// Keep in sync with the table in docs/rules.md.
pub(crate) fn default_labels(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "nama" => &[
            "nama",
            "nama lengkap",
            "nama pemohon",
            "nama penanggung jawab",
            "nama narahubung",
            "nama ketua",
            "nama mahasiswa",
            "nama pegawai",
            "nama dosen",
            "penanggung jawab",
            "pemohon",
            "narahubung",
            "pelapor",
            "nama pelapor",
            "contact person",
            "name",
            "full name",
        ],
        "nip" => &[
            "nip",
            "nomor induk pegawai",
            "no induk pegawai",
            "employee id",
            "employee number",
            "staff id",
            "staff number",
        ],
        "nim" => &[
            "nim",
            "npm",
            "nrp",
            "nomor induk mahasiswa",
            "no induk mahasiswa",
            "nomor pokok mahasiswa",
            "student id",
            "student number",
        ],
        "no_hp" => &[
            "no hp",
            "nomor hp",
            "hp",
            "no handphone",
            "nomor handphone",
            "handphone",
            "no ponsel",
            "ponsel",
            "no wa",
            "nomor wa",
            "wa",
            "whatsapp",
            "no whatsapp",
            "nomor whatsapp",
            "no telp",
            "nomor telp",
            "telp",
            "no tlp",
            "tlp",
            "no telepon",
            "nomor telepon",
            "telepon",
            "no telpon",
            "nomor telpon",
            "telpon",
            "no kontak",
            "nomor kontak",
            "kontak",
            "narahubung",
            "kontak narahubung",
            "nomor kontak narahubung",
            "contact person",
            "cp",
            "phone",
            "phone number",
            "mobile",
            "mobile number",
            "contact number",
        ],
        "email" => &[
            "email",
            "alamat email",
            "surel",
            "alamat surel",
            "email address",
            "mail",
        ],
        "unit" => &[
            "unit",
            "unit kerja",
            "nama unit",
            "nama unit kerja",
            "satuan kerja",
            "satker",
            "bagian",
            "lembaga",
            "departemen",
            "department",
            "program studi",
            "prodi",
            "jurusan",
            "study program",
        ],
        "fakultas" => &["fakultas", "nama fakultas", "asal fakultas", "faculty"],
        "ormawa" => &[
            "ormawa",
            "nama ormawa",
            "organisasi",
            "nama organisasi",
            "organisasi mahasiswa",
            "nama organisasi mahasiswa",
            "student organization",
            "student organisation",
            "organization",
            "organisation",
        ],
        "jenis_data" => &[
            "jenis data",
            "data yang dibutuhkan",
            "data yang diperlukan",
            "data yang diminta",
            "kebutuhan data",
            "data",
            "type of data",
            "data type",
            "data needed",
        ],
        "jenis_akun" => &[
            "jenis akun",
            "jenis akun email",
            "tipe akun",
            "kategori akun",
            "jenis email",
            "jenis pengajuan",
            "status",
            "status pemohon",
            "account type",
            "type of account",
        ],
        "tanggal" => &[
            "tanggal",
            "tgl",
            "hari tanggal",
            "hari tgl",
            "tanggal kegiatan",
            "tanggal pelaksanaan",
            "tanggal penggunaan",
            "tanggal peminjaman",
            "date",
            "day date",
        ],
        "waktu" => &[
            "waktu",
            "jam",
            "pukul",
            "waktu pelaksanaan",
            "jam pelaksanaan",
            "waktu kegiatan",
            "time",
        ],
        "jumlah_peserta" => &[
            "jumlah peserta",
            "jml peserta",
            "jumlah",
            "peserta",
            "kuota",
            "kuota peserta",
            "kapasitas",
            "perkiraan peserta",
            "number of participants",
            "participants",
        ],
        "ruangan" => &[
            "ruangan",
            "ruang",
            "nama ruangan",
            "tempat",
            "lokasi",
            "lab",
            "laboratorium",
            "room",
            "venue",
            "place",
        ],
        "keperluan" => &[
            "keperluan",
            "tujuan",
            "kebutuhan",
            "keterangan",
            "alasan",
            "deskripsi",
            "uraian",
            "keluhan",
            "masalah",
            "kendala",
            "purpose",
            "description",
            "reason",
        ],
        "kegiatan" => &[
            "kegiatan",
            "nama kegiatan",
            "judul kegiatan",
            "acara",
            "nama acara",
            "agenda",
            "nama ujian",
            "nama pelatihan",
            "judul pelatihan",
            "tema",
            "event",
            "activity",
        ],
        "layanan" => &[
            "layanan",
            "jenis layanan",
            "nama layanan",
            "aplikasi",
            "nama aplikasi",
            "sistem",
            "service",
        ],
        "bidang" => &[
            "bidang",
            "bidang sertifikasi",
            "jenis sertifikasi",
            "skema",
            "skema sertifikasi",
            "bidang pelatihan",
            "topik",
            "materi",
            "field",
            "topic",
        ],
        "instansi" => &[
            "instansi",
            "asal instansi",
            "nama instansi",
            "asal institusi",
            "institusi",
            "perusahaan",
            "institution",
            "company",
            "affiliation",
        ],
        _ => return None,
    })
}

/// Labels that look like a field's but are something else ("Tempat/Tanggal Lahir" is not
/// a date of an event, "Nomor" of a letter is not a phone). A line whose label is one of
/// these yields nothing.
pub(crate) const DECOYS: &[&str] = &[
    "tempat tanggal lahir",
    "tempat tgl lahir",
    "ttl",
    "tanggal lahir",
    "tgl lahir",
    "date of birth",
    "nomor surat",
    "no surat",
    "tanggal surat",
    "perihal",
    "hal",
    "lampiran",
    "sifat",
    "nama bank",
    "nama ibu",
    "nama ayah",
    "nama orang tua",
];

/// Words that may stand between a label and its colon without making the label doubtful:
/// "Email Penanggung Jawab :", "No. HP (aktif) :", "Nama Lengkap :".
const FILLERS: &[&str] = &[
    "lengkap",
    "penanggung",
    "jawab",
    "pj",
    "pemohon",
    "narahubung",
    "ketua",
    "aktif",
    "yang",
    "dapat",
    "bisa",
    "dihubungi",
    "diajukan",
    "didaftarkan",
    "terdaftar",
    "resmi",
    "kontak",
    "pribadi",
    "personal",
    "institusi",
    "kampus",
    "official",
    "pengaju",
    "requester",
    "saat",
    "ini",
    "baru",
    "mahasiswa",
    "pegawai",
    "dosen",
    "ormawa",
    "organisasi",
    "wa",
    "whatsapp",
    "hp",
    "ke",
    "dan",
    "atau",
    "of",
    "the",
];

pub(crate) use super::tokens::{tokens, Token};

/// The letters and digits of a label, lower-cased, without separators.
pub(crate) fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Who a label belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    Field(usize),
    Decoy,
}

/// The labels of one rule's fields, ready to match.
#[derive(Debug, Clone)]
pub(crate) struct LabelSet {
    /// (squashed label, owner), longest first.
    labels: Vec<(String, Owner)>,
    /// Indices into `labels` by first character, in the same order: a label can only match
    /// a text whose first token starts with that character. ASCII characters in a table,
    /// the others hashed.
    by_ascii: Vec<Vec<usize>>,
    by_first: HashMap<char, Vec<usize>>,
    /// For each ASCII first byte, the second bytes of the labels that start with it (a bit
    /// each): a text whose first token goes on with another byte starts no label.
    second: Vec<[u64; 4]>,
    /// Squashed tokens of each field's labels, so "No HP/WA" reads "wa" as part of no_hp.
    field_words: Vec<Vec<String>>,
}

/// A label found at the start of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LabelHit {
    /// The fields whose label matched (several when they share the label).
    pub owners: Vec<usize>,
    /// Number of tokens the label covers.
    pub tokens: usize,
    /// Byte offset in the text right after the label.
    pub end: usize,
}

impl LabelSet {
    pub fn new<'a>(fields: impl IntoIterator<Item = &'a [String]>) -> LabelSet {
        let mut labels = Vec::new();
        let mut field_words = Vec::new();
        for (i, field_labels) in fields.into_iter().enumerate() {
            let mut words = Vec::new();
            for l in field_labels {
                let sq = squash(l);
                if !sq.is_empty() {
                    labels.push((sq, Owner::Field(i)));
                }
                words.extend(
                    tokens(l)
                        .into_iter()
                        .map(|t| t.lower.to_lower().into_owned()),
                );
            }
            field_words.push(words);
        }
        for d in DECOYS {
            labels.push((squash(d), Owner::Decoy));
        }
        labels.sort_by_key(|l| std::cmp::Reverse(l.0.len()));
        let mut by_first: HashMap<char, Vec<usize>> = HashMap::new();
        let mut by_ascii: Vec<Vec<usize>> = vec![Vec::new(); 128];
        for (i, (label, _)) in labels.iter().enumerate() {
            match label.chars().next() {
                Some(c) if c.is_ascii() => by_ascii[c as usize].push(i),
                Some(c) => by_first.entry(c).or_default().push(i),
                None => {}
            }
        }
        let mut second = vec![[0u64; 4]; 128];
        for (label, _) in &labels {
            if let (Some(&b0), Some(&b1)) = (label.as_bytes().first(), label.as_bytes().get(1)) {
                if let Some(set) = second.get_mut(usize::from(b0)) {
                    set[usize::from(b1 / 64)] |= 1 << (b1 % 64);
                }
            }
        }
        LabelSet {
            labels,
            by_ascii,
            by_first,
            second,
            field_words,
        }
    }

    /// The longest label at the start of `toks` (tokens of some text). `None` when no label
    /// matches or the longest is a decoy.
    pub fn at_start(&self, toks: &[Token<'_>]) -> Option<LabelHit> {
        let first = toks.first()?;
        let mut best_len = 0;
        let mut hit: Option<LabelHit> = None;
        let mut decoy = false;
        // A token that is a label's start has that label's second byte (when it has one).
        if let (Some(b0), Some(b1)) = (first.lower.byte(0), first.lower.byte(1)) {
            if let Some(set) = self.second.get(usize::from(b0)) {
                if set[usize::from(b1 / 64)] & (1 << (b1 % 64)) == 0 {
                    return None;
                }
            }
        }
        let first_char = first.lower.first_char()?;
        let candidates = match self.by_ascii.get(first_char as usize) {
            Some(c) => c,
            None => self.by_first.get(&first_char)?,
        };
        for (label, owner) in candidates.iter().filter_map(|&i| self.labels.get(i)) {
            if label.len() < best_len {
                break; // sorted longest first: nothing longer can follow
            }
            if !first.lower.is_prefix_of(label.as_bytes()) {
                continue;
            }
            let Some(n) = covers(toks, label) else {
                continue;
            };
            best_len = label.len();
            match owner {
                Owner::Decoy => decoy = true,
                Owner::Field(f) => {
                    let h = hit.get_or_insert(LabelHit {
                        owners: Vec::new(),
                        tokens: n,
                        end: toks[n - 1].end,
                    });
                    if !h.owners.contains(f) {
                        h.owners.push(*f);
                    }
                }
            }
        }
        if decoy {
            return None;
        }
        hit
    }

    /// Whether the words between a label and its separator leave the label trustworthy:
    /// all of them fillers or words of the same field's labels.
    pub fn is_plain_remainder(&self, field: usize, rest: &[Token<'_>]) -> bool {
        rest.iter().all(|t| {
            FILLERS.iter().any(|f| t.lower == **f)
                || self
                    .field_words
                    .get(field)
                    .is_some_and(|w| w.iter().any(|x| t.lower == **x))
        })
    }

    /// Whether the words after a label are all words of the same field's labels
    /// ("No HP/WA", "Nama Lengkap"), fillers excluded.
    pub fn is_own_remainder(&self, field: usize, rest: &[Token<'_>]) -> bool {
        rest.iter().all(|t| {
            self.field_words
                .get(field)
                .is_some_and(|w| w.iter().any(|x| t.lower == **x))
        })
    }

    /// Whether a whole cell is a label (possibly with filler words), e.g. a table header.
    pub fn whole_cell(&self, cell: &str) -> Option<Vec<usize>> {
        let toks = tokens(cell);
        let hit = self.at_start(&toks)?;
        let rest = &toks[hit.tokens..];
        hit.owners
            .iter()
            .all(|&f| self.is_plain_remainder(f, rest))
            .then_some(hit.owners)
    }
}

impl LabelSet {
    /// Whether a whole cell is exactly a label, without any other word ("NIM", "No. HP").
    pub fn exact_cell(&self, cell: &str) -> bool {
        let toks = tokens(cell);
        self.at_start(&toks).is_some_and(|h| h.tokens == toks.len())
    }
}

/// How many whole tokens, from the first, spell `label` exactly.
fn covers(toks: &[Token<'_>], label: &str) -> Option<usize> {
    let mut acc = 0;
    for (i, t) in toks.iter().enumerate() {
        let rest = label.get(acc..)?;
        if !t.lower.is_prefix_of(rest.as_bytes()) {
            return None;
        }
        acc += t.lower.len();
        if acc == label.len() {
            return Some(i + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(fields: &[&[&str]]) -> LabelSet {
        let owned: Vec<Vec<String>> = fields
            .iter()
            .map(|f| f.iter().map(|s| s.to_string()).collect())
            .collect();
        LabelSet::new(owned.iter().map(|v| v.as_slice()))
    }

    #[test]
    fn labels_match_whole_tokens_ignoring_punctuation() {
        let s = set(&[
            &["nama", "nama lengkap"],
            &["no hp", "wa"],
            &["email"],
            &["nama kegiatan"],
        ]);
        let hit = |text: &str| s.at_start(&tokens(text)).map(|h| (h.owners, h.tokens));
        assert_eq!(hit("Nama Lengkap : Budi"), Some((vec![0], 2)));
        assert_eq!(hit("NAMA: Budi"), Some((vec![0], 1)));
        assert_eq!(hit("Namanya Budi"), None);
        assert_eq!(hit("No. HP/WA : 0812"), Some((vec![1], 2)));
        assert_eq!(hit("NoHP 0812"), Some((vec![1], 1)));
        assert_eq!(hit("E-mail: a@b.c"), Some((vec![2], 2)));
        assert_eq!(hit("Nama Kegiatan: Seminar"), Some((vec![3], 2)));
        assert_eq!(hit("Tanggal lahir: 1 Mei 2000"), None);
    }

    #[test]
    fn decoys_hide_a_shorter_label() {
        let s = set(&[&["tanggal"], &["ruangan", "tempat"]]);
        assert_eq!(s.at_start(&tokens("Tempat/Tanggal Lahir : Solo")), None);
        assert!(s.at_start(&tokens("Tempat : Lab 2")).is_some());
    }

    #[test]
    fn shared_labels_go_to_every_owner() {
        let s = set(&[&["kontak"], &["kontak"]]);
        assert_eq!(
            s.at_start(&tokens("Kontak: x")).map(|h| h.owners),
            Some(vec![0, 1])
        );
    }

    #[test]
    fn whole_cells_allow_fillers_and_own_words() {
        let s = set(&[&["nama"], &["no hp", "wa"], &["email"]]);
        assert_eq!(s.whole_cell("Nama Lengkap"), Some(vec![0]));
        assert_eq!(s.whole_cell("No. HP/WA"), Some(vec![1]));
        assert_eq!(s.whole_cell("Email Penanggung Jawab"), Some(vec![2]));
        assert_eq!(s.whole_cell("Nama Bapak Budi"), None);
        assert_eq!(s.whole_cell("Budi"), None);
    }

    #[test]
    fn every_well_known_field_has_labels() {
        for name in WELL_KNOWN_FIELDS {
            assert!(
                default_labels(name).is_some_and(|l| !l.is_empty()),
                "{name}"
            );
        }
        assert!(default_labels("other").is_none());
    }
}
