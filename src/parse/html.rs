//! A small HTML → readable text converter, for HTML-only mail and HTML attachments.
//!
//! Not a browser: one forward pass over the markup. `script`, `style` and `head` are dropped;
//! block ends (`<br>`, `</p>`, `</div>`, `</li>`, `</h1>`…, `</tr>`) end a line; entities
//! (common named ones and numeric) are decoded; runs of whitespace collapse to one space
//! (except in `<pre>`).
//!
//! Tables: a row of two or more cells becomes one line, cells separated by a TAB, each cell's
//! paragraphs joined by a space — so "Nama | Budi" reads `Nama\tBudi`, which the rule engine
//! takes as label/value. A row whose cell holds a nested table (a layout table, as mail
//! templates use) is not squeezed onto one line: its cells come out one after another.
//!
//! Invariants: never panics, linear in the input, nesting is capped ([`MAX_TABLE_DEPTH`]),
//! the output is [`normalize`]d.

use super::entities::decode_entities;
use super::text::normalize;

/// Tables nested deeper than this are read as plain text flow.
const MAX_TABLE_DEPTH: usize = 32;

/// Turns HTML into text (see the module doc).
pub(crate) fn html_to_text(html: &str) -> String {
    let mut conv = Converter::default();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        conv.text(&rest[..lt]);
        rest = &rest[lt..];
        rest = conv.markup(rest);
    }
    conv.text(rest);
    conv.finish()
}

/// One open table: the cells of the row being read, and the open cell, if any.
#[derive(Default)]
struct Table {
    row: Vec<Cell>,
    cell: Option<Cell>,
}

#[derive(Default)]
struct Cell {
    text: String,
    /// A table was nested in this cell: its row is not a label/value row.
    has_table: bool,
}

#[derive(Default)]
struct Converter {
    out: String,
    tables: Vec<Table>,
    /// Tables opened past [`MAX_TABLE_DEPTH`], whose tags are ignored.
    ignored_tables: usize,
    pre: usize,
    /// A `<head>` had no `</head>`: later ones are not searched for either.
    head_unclosed: bool,
}

impl Converter {
    /// Where text goes now: the open cell of the innermost table, or the document.
    fn sink(&mut self) -> &mut String {
        let Converter { out, tables, .. } = self;
        match tables.last_mut() {
            Some(table) => &mut table.cell.get_or_insert_with(Cell::default).text,
            None => out,
        }
    }

    fn text(&mut self, raw: &str) {
        if raw.is_empty() {
            return;
        }
        let decoded = decode_entities(raw);
        if self.pre > 0 {
            self.sink().push_str(&decoded);
            return;
        }
        // Whitespace between table tags is layout, not text.
        let in_table_outside_cell = self.tables.last().is_some_and(|t| t.cell.is_none());
        if in_table_outside_cell && decoded.trim().is_empty() {
            return;
        }
        let sink = self.sink();
        for (i, word) in decoded.split(is_html_space).enumerate() {
            if i > 0 && !sink.ends_with([' ', '\n', '\t']) && !sink.is_empty() {
                sink.push(' ');
            }
            sink.push_str(word);
        }
    }

    /// A hard line break (`<br>`): always adds a line end.
    fn newline(&mut self) {
        let sink = self.sink();
        sink.truncate(sink.trim_end_matches(' ').len());
        sink.push('\n');
    }

    /// A block boundary: starts a new line unless already at the start of one, so nested
    /// blocks (`<div><div>`) do not pile up blank lines.
    fn block_break(&mut self) {
        let sink = self.sink();
        if !sink.is_empty() && !sink.ends_with('\n') {
            sink.truncate(sink.trim_end_matches(' ').len());
            sink.push('\n');
        }
    }

    /// Reads one piece of markup at the start of `s` (which starts with `<`) and returns
    /// what follows it.
    fn markup<'a>(&mut self, s: &'a str) -> &'a str {
        let after = &s[1..];
        if let Some(comment) = after.strip_prefix("!--") {
            return match comment.find("-->") {
                Some(end) => &comment[end + 3..],
                None => "",
            };
        }
        if after.starts_with(['!', '?']) {
            return match after.find('>') {
                Some(end) => &after[end + 1..],
                None => "",
            };
        }
        let closing = after.starts_with('/');
        let name_start = if closing { &after[1..] } else { after };
        let name_len = name_start
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == ':' || c == '-'))
            .unwrap_or(name_start.len());
        if name_len == 0 || !name_start.starts_with(|c: char| c.is_ascii_alphabetic()) {
            // Not a tag: a lone "<" in text.
            self.text("<");
            return after;
        }
        let name = name_start[..name_len].to_ascii_lowercase();
        let rest = skip_tag(&name_start[name_len..]);
        if closing {
            self.close_tag(&name);
            rest
        } else {
            self.open_tag(&name, rest)
        }
    }

    fn open_tag<'a>(&mut self, name: &str, rest: &'a str) -> &'a str {
        match name {
            "script" | "style" | "title" | "template" => {
                // Unclosed, they hide the rest of the document, as in a browser.
                return skip_element(rest, name).unwrap_or("");
            }
            "head" if !self.head_unclosed => {
                return match skip_element(rest, name) {
                    Some(after) => after,
                    None => {
                        // Without "</head>" the search would repeat for every <head>, and
                        // the body may still come: drop only up to "<body".
                        self.head_unclosed = true;
                        AsciiLower(rest)
                            .find("<body")
                            .map_or(rest, |pos| &rest[pos..])
                    }
                };
            }
            "br" => self.newline(),
            "pre" => {
                self.block_break();
                self.pre += 1;
            }
            "table" => self.open_table(),
            "tr" => self.end_row(),
            "td" | "th" => self.open_cell(),
            "hr" => {
                self.block_break();
                self.sink().push_str("----");
                self.newline();
            }
            n if is_block(n) => self.block_break(),
            _ => {}
        }
        rest
    }

    fn close_tag(&mut self, name: &str) {
        match name {
            "pre" => {
                self.pre = self.pre.saturating_sub(1);
                self.block_break();
            }
            "table" => self.close_table(),
            "tr" => self.end_row(),
            "td" | "th" => self.close_cell(),
            n if is_block(n) => self.block_break(),
            _ => {}
        }
    }

    fn open_table(&mut self) {
        if self.tables.len() >= MAX_TABLE_DEPTH {
            self.ignored_tables += 1;
            self.block_break();
            return;
        }
        if let Some(outer) = self.tables.last_mut() {
            outer.cell.get_or_insert_with(Cell::default).has_table = true;
        } else {
            self.block_break();
        }
        self.tables.push(Table::default());
    }

    fn close_table(&mut self) {
        if self.ignored_tables > 0 {
            self.ignored_tables -= 1;
            self.block_break();
            return;
        }
        if self.tables.is_empty() {
            return;
        }
        self.end_row();
        self.tables.pop();
        self.block_break();
    }

    fn open_cell(&mut self) {
        if self.ignored_tables > 0 {
            let sink = self.sink();
            if !sink.is_empty() && !sink.ends_with('\n') {
                sink.push('\t');
            }
            return;
        }
        self.close_cell();
        if let Some(table) = self.tables.last_mut() {
            table.cell = Some(Cell::default());
        }
    }

    fn close_cell(&mut self) {
        if self.ignored_tables > 0 {
            return;
        }
        if let Some(table) = self.tables.last_mut() {
            if let Some(cell) = table.cell.take() {
                table.row.push(cell);
            }
        }
    }

    /// Writes the row being read (if any) into whatever holds the table.
    fn end_row(&mut self) {
        if self.ignored_tables > 0 {
            self.block_break();
            return;
        }
        self.close_cell();
        let Some(table) = self.tables.last_mut() else {
            return;
        };
        let cells = std::mem::take(&mut table.row);
        let texts: Vec<String> = cells.iter().map(|c| normalize(&c.text)).collect();
        if texts.iter().all(|t| t.trim().is_empty()) {
            return;
        }
        let label_value = cells.len() >= 2 && !cells.iter().any(|c| c.has_table);
        let rendered = if label_value {
            texts
                .iter()
                .map(|t| join_words(t))
                .collect::<Vec<_>>()
                .join("\t")
        } else {
            texts
                .iter()
                .filter(|t| !t.trim().is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        };
        // The holder is the enclosing table's open cell, or the document.
        let depth = self.tables.len();
        let holder = if depth >= 2 {
            self.tables
                .get_mut(depth - 2)
                .map(|t| &mut t.cell.get_or_insert_with(Cell::default).text)
        } else {
            None
        };
        let holder = match holder {
            Some(h) => h,
            None => &mut self.out,
        };
        if !holder.is_empty() && !holder.ends_with('\n') {
            holder.push('\n');
        }
        holder.push_str(&rendered);
        holder.push('\n');
    }

    fn finish(mut self) -> String {
        while !self.tables.is_empty() {
            self.close_table();
        }
        let text = normalize(&self.out);
        // Keep the line structure but at most one blank line in a row.
        let mut out = String::with_capacity(text.len());
        let mut blank = 0;
        for line in text.split('\n') {
            if line.is_empty() {
                blank += 1;
                if blank > 1 {
                    continue;
                }
            } else {
                blank = 0;
            }
            out.push_str(line);
            out.push('\n');
        }
        normalize(&out)
    }
}

/// Joins a cell's lines with a space.
fn join_words(text: &str) -> String {
    text.split('\n')
        .map(|l| l.trim_matches(' '))
        .filter(|l| !l.is_empty())
        .map(|l| l.replace('\t', " "))
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_html_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0C')
}

/// Block elements whose start and end break the line.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "li"
            | "ul"
            | "ol"
            | "dl"
            | "dt"
            | "dd"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "blockquote"
            | "address"
            | "article"
            | "section"
            | "header"
            | "footer"
            | "nav"
            | "aside"
            | "form"
            | "fieldset"
            | "center"
            | "caption"
            | "figure"
            | "figcaption"
            | "main"
            | "body"
            | "html"
    )
}

/// Skips the rest of a tag after its name: attributes (quoted values may hold `>`) up to and
/// including the closing `>`.
fn skip_tag(s: &str) -> &str {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return &s[i + 1..],
            (None, _) => {}
        }
    }
    ""
}

/// Skips an element's content up to and including its end tag; `None` when there is none.
fn skip_element<'a>(s: &'a str, name: &str) -> Option<&'a str> {
    let end_tag = format!("</{name}");
    let pos = AsciiLower(s).find(&end_tag)?;
    Some(skip_tag(&s[pos + end_tag.len()..]))
}

/// Case-insensitive search for an ASCII needle, without lower-casing (and copying) the haystack.
struct AsciiLower<'a>(&'a str);

impl AsciiLower<'_> {
    fn find(&self, needle: &str) -> Option<usize> {
        let hay = self.0.as_bytes();
        let needle = needle.as_bytes();
        if needle.is_empty() || hay.len() < needle.len() {
            return None;
        }
        (0..=hay.len() - needle.len()).find(|&i| {
            hay.get(i..i + needle.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(needle))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_breaks_and_dropped_parts() {
        let html = "<!DOCTYPE html><html><head><title>t</title><style>p{color:red}</style>\
                    </head><body><script>var x = '<p>no</p>';</script>\
                    <p>Yth.   Kepala\n   UPT TIK,</p><div>Dengan hormat,<br>kami   mohon</div>\
                    <!-- komentar --><h2>Data</h2><ul><li>satu</li><li>dua</li></ul></body></html>";
        assert_eq!(
            html_to_text(html),
            "Yth. Kepala UPT TIK,\nDengan hormat,\nkami mohon\nData\nsatu\ndua"
        );
    }

    #[test]
    fn table_rows_become_tab_separated_lines() {
        let html = "<p>Data pemohon:</p>\
            <table border=1><tr><th>Nama</th><th>Budi  Santoso</th></tr>\n\
            <tr><td><p class=MsoNormal>NIP<o:p></o:p></p></td><td><p>1985 0101</p><p>2010</p></td></tr>\
            <tr><td>Email</td><td><a href=\"mailto:budi@uns.ac.id\">budi@uns.ac.id</a></td></tr>\
            </table><p>Terima kasih</p>";
        assert_eq!(
            html_to_text(html),
            "Data pemohon:\nNama\tBudi Santoso\nNIP\t1985 0101 2010\nEmail\tbudi@uns.ac.id\nTerima kasih"
        );
    }

    #[test]
    fn layout_tables_keep_their_lines() {
        let html = "<table><tr><td><table><tr><td>Nama</td><td>Budi</td></tr></table>\
                    <p>Paragraf satu</p><p>Paragraf dua</p></td></tr></table>";
        assert_eq!(
            html_to_text(html),
            "Nama\tBudi\nParagraf satu\nParagraf dua"
        );
        let single = "<table><tr><td><p>Paragraf satu</p><p>Paragraf dua</p></td></tr></table>";
        assert_eq!(html_to_text(single), "Paragraf satu\nParagraf dua");
    }

    #[test]
    fn gmail_divs_and_blank_lines() {
        let html = "<div dir=\"ltr\"><div>Baris 1</div><div><br></div><div>Baris 3</div>\
                    <div><div>dalam</div></div><p>&nbsp;</p><p>akhir</p></div>";
        assert_eq!(html_to_text(html), "Baris 1\n\nBaris 3\ndalam\n\nakhir");
    }

    #[test]
    fn entities() {
        assert_eq!(
            html_to_text("<p>A&amp;B &lt;x&gt; &quot;q&quot; caf&eacute; &#233;&#xE9; &euro;5&nbsp;k &#150; &bogus; &amp</p>"),
            "A&B <x> \"q\" café éé €5 k – &bogus; &"
        );
        assert_eq!(
            html_to_text("&#0;&#xD800;&#99999999999;"),
            "\u{FFFD}\u{FFFD}&#99999999999;"
        );
    }

    #[test]
    fn odd_markup_does_not_break() {
        assert_eq!(
            html_to_text("a < b and c<3 <p title='x>y'>d"),
            "a < b and c<3\nd"
        );
        assert_eq!(html_to_text("<p>unclosed <b"), "unclosed");
        assert_eq!(html_to_text("<style>never closed"), "");
        assert_eq!(html_to_text("<head><meta charset=utf-8><body>isi"), "isi");
        assert_eq!(html_to_text("x<pre>  a\n    b</pre>y"), "x\n  a\n    b\ny");
        assert_eq!(html_to_text("</td></tr></table>x"), "x");
        let deep = "<table><tr><td>".repeat(200) + "inti";
        assert_eq!(html_to_text(&deep), "inti");
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_output_is_normal(html in "([<>/!?a-z &#;x0-9\"'=\n\t-]|<td>|<tr>|<table>|</table>|<br>|&amp;|é|\u{00A0}){0,200}") {
            let text = html_to_text(&html);
            proptest::prop_assert_eq!(normalize(&text), text);
        }
    }
}
