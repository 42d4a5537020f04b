//! Attachments: the files a citizen supplies for the documents a case needs.
//!
//! A file's type is what its bytes say ([`Format::sniff`]), never its name
//! or the type its browser announced; its scan status decides whether anyone
//! may download it.

use serde::{Deserialize, Serialize};

/// The file formats a document may accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Pdf,
    Jpeg,
    Png,
}

impl Format {
    /// Every format, in the order they are offered.
    pub const ALL: [Format; 3] = [Format::Pdf, Format::Jpeg, Format::Png];

    /// The media type announced on upload and sent on download.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Pdf => "application/pdf",
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
        }
    }

    /// The format of a media type, as browsers announce it.
    pub fn from_media_type(media_type: &str) -> Option<Format> {
        match media_type.trim().to_ascii_lowercase().as_str() {
            "application/pdf" => Some(Format::Pdf),
            "image/jpeg" | "image/jpg" | "image/pjpeg" => Some(Format::Jpeg),
            "image/png" => Some(Format::Png),
            _ => None,
        }
    }

    /// The extension a downloaded file gets.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Jpeg => "jpg",
            Format::Png => "png",
        }
    }

    /// The name citizens know the format by.
    pub fn label(self) -> &'static str {
        match self {
            Format::Pdf => "PDF",
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
        }
    }

    /// The format the first bytes of a file show, by their magic numbers:
    /// a renamed executable is none of these.
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(b"%PDF-") {
            Some(Format::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Format::Jpeg)
        } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(Format::Png)
        } else {
            None
        }
    }

    /// `name` ending with this format's extension (added when it ends with
    /// another), so a saved file opens with the right program.
    pub fn file_name(self, name: &str) -> String {
        let lower = name.to_ascii_lowercase();
        let fits = match self {
            Format::Jpeg => lower.ends_with(".jpg") || lower.ends_with(".jpeg"),
            other => lower.ends_with(&format!(".{}", other.extension())),
        };
        if fits { name.to_owned() } else { format!("{name}.{}", self.extension()) }
    }
}

/// The name a file is listed and downloaded under, from the name the browser
/// announced: no path, one line without controls, bidirectional controls or
/// other invisible characters ([`crate::text::clean_line`]: `\u{202e}gnp.exe.pdf`
/// would read « fdp.exe.png »), no quotes, at most 100 characters, never empty.
pub fn clean_file_name(announced: &str) -> String {
    let base = announced.rsplit(['/', '\\']).next().unwrap_or_default();
    // Control characters (line breaks included) are no spaces in a name: they go.
    let base: String = base.chars().filter(|c| !c.is_control()).collect();
    let cleaned: String =
        crate::text::clean_line(&base).chars().filter(|c| !matches!(c, '"' | ';' | '\\')).take(100).collect();
    let trimmed = cleaned.trim().trim_start_matches('.');
    if trimmed.is_empty() { "document".to_owned() } else { trimmed.to_owned() }
}

/// Where a stored file stands with the malware scanner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanStatus {
    /// Not scanned yet (the scanner works asynchronously, or will retry).
    Pending,
    Clean,
    /// A threat was found: the file's bytes are deleted, its record stays so
    /// the citizen is told.
    Infected,
    /// The scanner could not scan it (unreachable, or an unsupported file).
    Failed,
    /// No scanner is configured on this portal.
    Unscanned,
}

impl ScanStatus {
    /// Whether the file may be offered for download.
    pub fn downloadable(self) -> bool {
        matches!(self, ScanStatus::Clean | ScanStatus::Unscanned)
    }

    /// Whether the file counts for a required document.
    pub fn counts(self) -> bool {
        self != ScanStatus::Infected
    }

    /// What the citizen reads next to the file.
    pub fn label(self) -> &'static str {
        match self {
            ScanStatus::Pending => "Analyse antivirus en cours",
            ScanStatus::Clean => "Analysé : aucun virus détecté",
            ScanStatus::Infected => {
                "Un virus a été détecté dans ce fichier : il a été supprimé. Envoyez un autre fichier."
            }
            ScanStatus::Failed => "L'analyse antivirus n'a pas pu se faire : elle sera refaite.",
            ScanStatus::Unscanned => "Non analysé : aucun antivirus n'est configuré sur ce portail.",
        }
    }
}

/// A service's limits on files (`[form.files]`), with the defaults of
/// [`FileRules::default`] for anything not given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileRules {
    /// Formats a document accepts unless it says otherwise.
    pub formats: Vec<Format>,
    /// Size limit of one file unless a document says otherwise.
    pub max_megabytes: u32,
    /// Files in one request, all documents together.
    pub max_files_per_request: u32,
    /// Bytes in one request, all documents together.
    pub max_megabytes_per_request: u32,
}

impl Default for FileRules {
    fn default() -> Self {
        Self {
            formats: Format::ALL.to_vec(),
            max_megabytes: 10,
            max_files_per_request: 10,
            max_megabytes_per_request: 30,
        }
    }
}

impl FileRules {
    /// The request's quota in bytes.
    pub fn max_bytes_per_request(&self) -> u64 {
        megabytes(self.max_megabytes_per_request)
    }
}

/// One document's resolved rules: what a file for it may be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentRules {
    pub formats: Vec<Format>,
    pub max_bytes: u64,
    /// Files it accepts (2 for a recto and a verso).
    pub max_files: u32,
}

/// Megabytes as citizens count them (10 MB = 10,000,000 bytes).
pub fn megabytes(count: u32) -> u64 {
    u64::from(count) * 1_000_000
}

/// The largest size limit a city file may set, per file and per request:
/// uploads go straight to storage, but every file is read once to be checked.
pub const MAX_MEGABYTES: u32 = 100;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_controls_and_quotes() {
        assert_eq!(clean_file_name("../../x"), "x");
        assert_eq!(clean_file_name("a\r\nb\".pdf"), "ab.pdf");
        assert_eq!(clean_file_name(&"é".repeat(300)).chars().count(), 100);
        assert_eq!(clean_file_name("..."), "document");
        assert_eq!(clean_file_name("C:\\Users\\x.png"), "x.png");
    }

    #[test]
    fn file_names_lose_bidirectional_controls_and_invisible_characters() {
        for (name, shown) in [
            ("\u{202e}gnp.exe.pdf", "gnp.exe.pdf"),
            ("facture\u{202e}fdp.exe", "facturefdp.exe"),
            ("\u{2067}scan\u{2069}\u{200f}.pdf", "scan.pdf"),
            ("\u{200b}\u{feff}carte\u{ad}.pdf\u{200b}", "carte.pdf"),
            ("\u{200e}\u{202a}\u{202b}\u{202c}\u{202d}\u{2066}\u{2068}\u{61c}x.png", "x.png"),
            ("\u{202e}\u{200b}", "document"),
            ("\u{2060}\u{3164} ", "document"),
            ("Relevé d'identité – été.pdf", "Relevé d'identité – été.pdf"),
        ] {
            assert_eq!(clean_file_name(name), shown, "{name:?}");
        }
    }

    #[test]
    fn file_names_lose_every_character_the_domain_calls_invisible() {
        use crate::text::is_invisible;
        // Joiners stay between two characters (an emoji sequence, a word).
        let joiner = |c: char| matches!(c, '\u{200C}' | '\u{200D}');
        for c in (0..=0x10ffff)
            .filter_map(char::from_u32)
            .filter(|&c| is_invisible(c) && !c.is_whitespace() && !joiner(c))
        {
            assert_eq!(clean_file_name(&format!("a{c}b.pdf")), "ab.pdf", "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn sniffing_reads_magic_numbers_not_names() {
        assert_eq!(Format::sniff(b"%PDF-1.7\n..."), Some(Format::Pdf));
        assert_eq!(Format::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some(Format::Jpeg));
        assert_eq!(Format::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(Format::Png));
        // An executable, a script, an HTML page, nothing at all.
        for other in [&b"MZ\x90\0\x03"[..], b"#!/bin/sh\n", b"<html><script>", b"", b"%PD"] {
            assert_eq!(Format::sniff(other), None, "{other:?}");
        }
    }

    #[test]
    fn media_types_map_to_formats() {
        assert_eq!(Format::from_media_type("application/pdf"), Some(Format::Pdf));
        assert_eq!(Format::from_media_type(" IMAGE/JPEG "), Some(Format::Jpeg));
        assert_eq!(Format::from_media_type("image/jpg"), Some(Format::Jpeg));
        assert_eq!(Format::from_media_type("application/x-msdownload"), None);
        for format in Format::ALL {
            assert_eq!(Format::from_media_type(format.media_type()), Some(format));
        }
    }

    #[test]
    fn downloaded_names_end_with_the_real_extension() {
        assert_eq!(Format::Pdf.file_name("acte.pdf"), "acte.pdf");
        assert_eq!(Format::Pdf.file_name("acte.PDF"), "acte.PDF");
        assert_eq!(Format::Pdf.file_name("facture.exe"), "facture.exe.pdf");
        assert_eq!(Format::Jpeg.file_name("recto.jpeg"), "recto.jpeg");
        assert_eq!(Format::Png.file_name("verso"), "verso.png");
    }

    #[test]
    fn only_clean_or_unscanned_files_are_downloadable() {
        let downloadable: Vec<_> = [
            ScanStatus::Pending,
            ScanStatus::Clean,
            ScanStatus::Infected,
            ScanStatus::Failed,
            ScanStatus::Unscanned,
        ]
        .into_iter()
        .filter(|s| s.downloadable())
        .collect();
        assert_eq!(downloadable, [ScanStatus::Clean, ScanStatus::Unscanned]);
        assert!(!ScanStatus::Infected.counts());
        assert!(ScanStatus::Pending.counts());
    }
}
