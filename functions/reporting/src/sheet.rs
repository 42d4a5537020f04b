//! A table of cells written as the two files agents open in a spreadsheet:
//! CSV as French spreadsheets read it (`;`, UTF-8 with its byte-order
//! mark) and OpenDocument (`.ods`, the format French administrations
//! exchange). The zip is `zip`'s; the ODS content is a few XML elements,
//! written here: the ODS crates bring date, locale and encoding tables a
//! Lambda package cannot carry (docs/performance.md, « Lambda package »).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::io::Write;

/// One cell: numbers and dates stay numbers and dates in the spreadsheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Cell {
    Number(f64),
    Date(Date),
    Text(String),
    Empty,
}

impl Cell {
    /// A text, empty when it is.
    pub fn text(text: impl Into<String>) -> Cell {
        let text = text.into();
        if text.is_empty() { Cell::Empty } else { Cell::Text(text) }
    }

    pub fn count(count: i64) -> Cell {
        Cell::Number(count as f64)
    }

    /// A number when there is one.
    pub fn maybe(number: Option<f64>) -> Cell {
        number.map_or(Cell::Empty, Cell::Number)
    }
}

/// The two formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Ods,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Ods => "ods",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Ods => "application/vnd.oasis.opendocument.spreadsheet",
        }
    }
}

/// A table: its name (the spreadsheet's tab), its header and its rows.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    /// The file in `format`.
    pub fn write(&self, format: Format) -> Vec<u8> {
        match format {
            Format::Csv => self.csv(),
            Format::Ods => self.ods(),
        }
    }

    fn csv(&self) -> Vec<u8> {
        let mut csv = String::from("\u{feff}");
        let header = self.header.iter().map(|name| Cell::Text(name.clone()));
        let mut line = |cells: &mut dyn Iterator<Item = Cell>| {
            let quoted: Vec<String> = cells.map(|cell| csv_cell(&cell)).collect();
            csv.push_str(&quoted.join(";"));
            csv.push_str("\r\n");
        };
        line(&mut header.into_iter());
        for row in &self.rows {
            line(&mut row.iter().cloned());
        }
        csv.into_bytes()
    }

    fn ods(&self) -> Vec<u8> {
        use zip::write::SimpleFileOptions;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        // The media type comes first and uncompressed: readers sniff it.
        let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        let deflated = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let written = (|| -> zip::result::ZipResult<Vec<u8>> {
            zip.start_file("mimetype", stored)?;
            zip.write_all(ODS_TYPE.as_bytes())?;
            zip.start_file("META-INF/manifest.xml", deflated)?;
            zip.write_all(MANIFEST.as_bytes())?;
            zip.start_file("content.xml", deflated)?;
            self.content(&mut zip)?;
            Ok(zip.finish()?.into_inner())
        })();
        // Writing to memory fails only on a bug (`zip`'s own limits are far above a sheet's).
        written.expect("an ODS file is written to memory")
    }

    /// `content.xml`: one table, the header's row then the rows.
    fn content(&self, out: &mut impl Write) -> std::io::Result<()> {
        out.write_all(CONTENT_START.as_bytes())?;
        write!(out, "<table:table table:name=\"{}\">", xml(&self.name))?;
        let header: Vec<Cell> = self.header.iter().map(|name| Cell::Text(name.clone())).collect();
        for row in std::iter::once(&header).chain(&self.rows) {
            out.write_all(b"<table:table-row>")?;
            for cell in row {
                match cell {
                    Cell::Number(n) => write!(
                        out,
                        "<table:table-cell office:value-type=\"float\" office:value=\"{n}\"><text:p>{n}</text:p></table:table-cell>"
                    )?,
                    Cell::Date(day) => write!(
                        out,
                        "<table:table-cell office:value-type=\"date\" office:date-value=\"{day}\"><text:p>{day}</text:p></table:table-cell>"
                    )?,
                    Cell::Text(text) => write!(
                        out,
                        "<table:table-cell office:value-type=\"string\"><text:p>{}</text:p></table:table-cell>",
                        xml(text)
                    )?,
                    Cell::Empty => out.write_all(b"<table:table-cell/>")?,
                }
            }
            out.write_all(b"</table:table-row>")?;
        }
        out.write_all(b"</table:table></office:spreadsheet></office:body></office:document-content>")
    }
}

const ODS_TYPE: &str = "application/vnd.oasis.opendocument.spreadsheet";

const MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;

const CONTENT_START: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>"#;

/// Text as XML character data: markup escaped (as in HTML), and the
/// control characters XML 1.0 cannot hold left out.
fn xml(text: &str) -> String {
    let allowed =
        |c: &char| matches!(c, '\t' | '\n' | '\r') || (*c >= ' ' && !matches!(c, '\u{fffe}' | '\u{ffff}'));
    gru_domain::text::escape_html(&text.chars().filter(allowed).collect::<String>())
}

/// A CSV cell: quoted when it holds the separator, a quote or a line
/// break; a text starting with `= + - @` is neutralised, so a spreadsheet
/// never reads a title or an answer as a formula.
fn csv_cell(cell: &Cell) -> String {
    let text = match cell {
        Cell::Number(n) => return n.to_string(),
        Cell::Date(day) => return day.to_string(),
        Cell::Empty => return String::new(),
        Cell::Text(text) if text.starts_with(['=', '+', '-', '@', '\t', '\r']) => format!("'{text}"),
        Cell::Text(text) => text.clone(),
    };
    if text.contains([';', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet() -> Sheet {
        Sheet {
            name: "Demandes <1>".into(),
            header: vec!["titre".into(), "nombre".into(), "jour".into()],
            rows: vec![
                vec![
                    Cell::text("=HYPERLINK(\"x\")"),
                    Cell::count(3),
                    Cell::Date(jiff::civil::date(2026, 12, 8)),
                ],
                vec![Cell::text("a; b\n<c> & \u{1}d"), Cell::Number(2.5), Cell::Empty],
            ],
        }
    }

    #[test]
    fn csv_quotes_separators_and_neutralises_formulas() {
        let csv = String::from_utf8(sheet().write(Format::Csv)).unwrap();
        assert_eq!(
            csv,
            "\u{feff}titre;nombre;jour\r\n\"'=HYPERLINK(\"\"x\"\")\";3;2026-12-08\r\n\"a; b\n<c> & \u{1}d\";2.5;\r\n"
        );
    }

    #[test]
    fn cells_come_back_as_they_were_put_aside() {
        let cells = sheet().rows.concat();
        let json = serde_json::to_string(&cells).unwrap();
        assert_eq!(serde_json::from_str::<Vec<Cell>>(&json).unwrap(), cells);
    }

    #[test]
    fn ods_is_a_zip_whose_media_type_comes_first_uncompressed() {
        let ods = sheet().write(Format::Ods);
        // The first local header names `mimetype`, stored: its bytes follow the name.
        assert_eq!(&ods[..4], b"PK\x03\x04");
        assert_eq!(&ods[30..38], b"mimetype");
        assert_eq!(&ods[38..38 + ODS_TYPE.len()], ODS_TYPE.as_bytes());
    }

    #[test]
    fn ods_text_is_escaped_and_numbers_and_dates_are_typed() {
        let mut content = Vec::new();
        sheet().content(&mut content).unwrap();
        let content = String::from_utf8(content).unwrap();
        assert!(content.contains("table:name=\"Demandes &lt;1&gt;\""));
        assert!(content.contains("<text:p>a; b\n&lt;c&gt; &amp; d</text:p>"), "{content}");
        assert!(content.contains("office:value-type=\"float\" office:value=\"3\""));
        assert!(content.contains("office:date-value=\"2026-12-08\""));
    }
}
