//! The Files port: private objects, reached by clients only through
//! short-lived grants (signed URLs) so file bodies never cross a function.

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;

/// What the store knows of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    pub size: u64,
    pub content_type: String,
}

/// Permission to upload one object: the client sends `method` to `url` with
/// exactly `headers`; a body of another length or type is refused.
#[derive(Debug, Clone, Serialize)]
pub struct UploadGrant {
    pub url: String,
    pub method: &'static str,
    pub headers: Vec<(String, String)>,
    pub expires_at: Timestamp,
}

/// Permission to download one object until `expires_at`.
#[derive(Debug, Clone, Serialize)]
pub struct DownloadGrant {
    pub url: String,
    pub expires_at: Timestamp,
}

#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error("object key is not valid: {0:?}")]
    InvalidKey(String),
    #[error("no such object")]
    NotFound,
    #[error("files backend error: {0}")]
    Backend(String),
}

/// The Files port.
#[async_trait]
pub trait Files: Send + Sync {
    async fn put(&self, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), FilesError>;
    async fn head(&self, key: &str) -> Result<Option<ObjectMeta>, FilesError>;
    /// Reads a whole object (used server-side only, e.g. to sniff its bytes).
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, FilesError>;
    /// Deleting a missing object is not an error.
    async fn delete(&self, key: &str) -> Result<(), FilesError>;
    /// A grant to upload exactly `length` bytes of `content_type` under `key`.
    async fn upload_grant(
        &self,
        key: &str,
        content_type: &str,
        length: u64,
        valid_for: SignedDuration,
    ) -> Result<UploadGrant, FilesError>;
    /// A grant to download `key`, offered to the browser as `file_name`.
    async fn download_grant(
        &self,
        key: &str,
        file_name: &str,
        valid_for: SignedDuration,
    ) -> Result<DownloadGrant, FilesError>;
}

/// Object keys are paths of safe segments: letters, digits, `-`, `_`, `.`,
/// separated by `/`, never `.` or `..`. Adapters refuse anything else.
pub fn check_key(key: &str) -> Result<(), FilesError> {
    let valid = !key.is_empty()
        && key.len() <= 512
        && key.split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        });
    if valid { Ok(()) } else { Err(FilesError::InvalidKey(key.to_owned())) }
}

/// A file name safe for a `Content-Disposition` header and for a list: no
/// path, no control characters, no bidirectional controls nor other
/// invisible format characters (`\u{202e}gnp.exe.pdf` would read
/// « fdp.exe.png »), no quotes, at most 100 characters, never empty.
pub fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|&c| !c.is_control() && !is_format(c) && !matches!(c, '"' | ';' | '\\'))
        .take(100)
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.');
    if trimmed.is_empty() { "document".to_owned() } else { trimmed.to_owned() }
}

/// The characters that show nothing and are neither whitespace nor control
/// characters: bidirectional controls and marks, zero-width characters
/// (joiners too: a file name needs none), soft hyphen, byte order mark,
/// Hangul fillers, the blank Braille cell, invisible operators, tags outside
/// emoji flags. The same ranges as `gru_domain::text::is_invisible`, whose
/// comments say why each is there; this crate may not depend on the domain,
/// and a test of `gru-tests` keeps the two in step.
fn is_format(c: char) -> bool {
    matches!(
        c as u32,
        0xAD | 0x61C
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0x2800
            | 0x3164
            | 0xFFA0
            | 0xFEFF
            | 0xFFF0..=0xFFFB
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE001F
            | 0xE0080..=0xE00FF
            | 0xE01F0..=0xE0FFF
    )
}

/// RFC 8187 `attr-char`: what may stay unescaped in `filename*=`.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// The `Content-Disposition` of a download: `attachment`, with the cleaned
/// name twice, an ASCII fallback for old clients and the exact UTF-8 name
/// (RFC 6266, RFC 8187). Both adapters send exactly this.
pub fn content_disposition(file_name: &str) -> String {
    let name = safe_file_name(file_name);
    let fallback: String = name.chars().map(|c| if c.is_ascii() { c } else { '_' }).collect();
    let encoded = percent_encoding::utf8_percent_encode(&name, ATTR_CHAR);
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_refuse_traversal_and_odd_bytes() {
        for bad in ["", "../x", "a/../b", "a//b", "/a", "a/", "a b", "é", "a\0b", "."] {
            assert!(check_key(bad).is_err(), "{bad:?} should be refused");
        }
        for good in ["a", "requests/R-1/file-1.pdf", "x_y.z"] {
            assert!(check_key(good).is_ok(), "{good:?} should be accepted");
        }
    }

    #[test]
    fn file_names_lose_paths_controls_and_quotes() {
        assert_eq!(safe_file_name("../../x"), "x");
        assert_eq!(safe_file_name("a\r\nb\".pdf"), "ab.pdf");
        assert_eq!(safe_file_name(&"é".repeat(300)).chars().count(), 100);
        assert_eq!(safe_file_name("..."), "document");
        assert_eq!(safe_file_name("C:\\Users\\x.png"), "x.png");
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
            assert_eq!(safe_file_name(name), shown, "{name:?}");
        }
        assert!(!content_disposition("\u{202e}gnp.exe.pdf").contains("%E2%80%AE"));
    }
}
