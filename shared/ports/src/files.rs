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

/// A file name safe for a `Content-Disposition` header: no path, no control
/// characters, no quotes, at most 100 characters, never empty. (The names
/// stored are cleaned further when a file is announced:
/// `gru_domain::attachment::clean_file_name`.)
fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String =
        base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | ';' | '\\')).take(100).collect();
    let trimmed = cleaned.trim().trim_start_matches('.');
    if trimmed.is_empty() { "document".to_owned() } else { trimmed.to_owned() }
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
}
