//! [`LocalFiles`]: the [`Files`] port on a local folder, with grant URLs
//! served by the all-in-one binary through [`router`].
//!
//! # Layout
//!
//! Each object is one file, `<root>/objects/<key>~obj`, made of one line of
//! JSON metadata (`{"content_type":…,"size":…}`) followed by the body bytes.
//! One file per object means one `rename` publishes the body and its metadata
//! together. The `~` is outside the key alphabet ([`check_key`]), so an object
//! file never has the name of a folder made for a longer key: `a` and `a/b`
//! can both exist, as on S3. Files are written under `<root>/tmp/` and renamed
//! into place, so a reader sees a whole object or none.
//!
//! # Grants
//!
//! A grant is a URL under the base URL, signed with HMAC-SHA256 over the
//! method, the key, the content type and exact length (uploads) or the file
//! name (downloads), and the expiry, like an S3 presigned URL. The upload
//! handler streams the body into a temporary file and stops reading one byte
//! past the signed length, so a client cannot fill the disk whatever it claims.
//! The `Content-Type` header must equal the signed type exactly, as S3 checks
//! a presigned `Content-Type`. An upload is stored only where no object is
//! yet: a grant serves one upload, never a second one over bytes already
//! checked (S3 does the same with a signed `If-None-Match: *`). Downloads are read into memory before being
//! sent: objects are bounded by the upload grants, and this adapter serves a
//! single small server.

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gru_ports::Clock;
use gru_ports::files::{DownloadGrant, Files, FilesError, ObjectMeta, UploadGrant, check_key};
use hmac::{Hmac, Mac};
use http_body_util::BodyExt;
use jiff::{SignedDuration, Timestamp};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};

type HmacSha256 = Hmac<Sha256>;

/// Appended to every object file name; not a key character (see the module docs).
const OBJECT_SUFFIX: &str = "~obj";

/// The metadata line is tiny; a longer first line means a damaged file.
const MAX_META_LINE: u64 = 4096;

/// Distinguishes these signatures from any other use of the same secret.
const SIGNATURE_DOMAIN: &[u8] = b"gru-embedded-files-v1";

/// The [`Files`] port on a local folder (see the module documentation).
pub struct LocalFiles {
    root: PathBuf,
    base_url: String,
    secret: [u8; 32],
    clock: Arc<dyn Clock>,
}

/// The metadata line at the start of an object file.
#[derive(Debug, Serialize, Deserialize)]
struct StoredMeta {
    content_type: String,
    size: u64,
}

impl LocalFiles {
    /// Objects live under `root` (created on first write). Grant URLs start
    /// with `base_url` (e.g. `http://localhost:8080`), where [`router`] must be
    /// served; `secret` signs them; `clock` dates their expiry.
    pub fn new(root: PathBuf, base_url: String, secret: [u8; 32], clock: Arc<dyn Clock>) -> Self {
        let base_url = base_url.trim_end_matches('/').to_owned();
        Self { root, base_url, secret, clock }
    }

    fn object_path(&self, key: &str) -> PathBuf {
        self.root.join("objects").join(format!("{key}{OBJECT_SUFFIX}"))
    }

    fn mac(&self) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.secret).expect("HMAC accepts keys of any length");
        mac.update(SIGNATURE_DOMAIN);
        mac
    }

    /// The MAC over `fields`, each length-prefixed so no two lists collide.
    fn signed(&self, fields: &[&[u8]]) -> HmacSha256 {
        let mut mac = self.mac();
        for field in fields {
            mac.update(&(field.len() as u64).to_be_bytes());
            mac.update(field);
        }
        mac
    }

    /// The signature of an upload URL (fields as they appear in it).
    fn upload_signature(&self, key: &str, content_type: &str, length: &str, expires: &str) -> HmacSha256 {
        self.signed(&[b"PUT", key.as_bytes(), content_type.as_bytes(), length.as_bytes(), expires.as_bytes()])
    }

    /// The signature of a download URL (fields as they appear in it).
    fn download_signature(&self, key: &str, name: &str, expires: &str) -> HmacSha256 {
        self.signed(&[b"GET", key.as_bytes(), name.as_bytes(), expires.as_bytes()])
    }

    fn expiry(&self, valid_for: SignedDuration) -> Result<Timestamp, FilesError> {
        let at = self
            .clock
            .now()
            .checked_add(valid_for)
            .map_err(|e| FilesError::Backend(format!("grant expiry out of range: {e}")))?;
        // URLs carry whole seconds: the grant says exactly what the URL enforces.
        Timestamp::from_second(at.as_second())
            .map_err(|e| FilesError::Backend(format!("grant expiry out of range: {e}")))
    }

    /// Refuses a grant whose signature does not match or whose time is up.
    fn verify(&self, expected: HmacSha256, signature: &str, expires: &str) -> Result<(), Refusal> {
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| Refusal::BadSignature)?;
        // verify_slice compares in constant time.
        expected.verify_slice(&signature).map_err(|_| Refusal::BadSignature)?;
        let expires: i64 = expires.parse().map_err(|_| Refusal::BadSignature)?;
        // Expiry is told apart only for genuine grants, after the signature.
        if self.clock.now().as_second() >= expires {
            return Err(Refusal::Expired);
        }
        Ok(())
    }

    /// Writes `<root>/tmp/<random>` with `write`, then publishes it as `key`'s
    /// object file: [`Publish::Replace`] renames it over any object there;
    /// [`Publish::CreateOnly`] links it only where no object is (the check
    /// and the write are one system call, so two uploads racing store one).
    /// The temporary file is removed in every case.
    async fn write_atomically<F, Fut>(&self, key: &str, publish: Publish, write: F) -> Result<(), Refusal>
    where
        F: FnOnce(tokio::fs::File) -> Fut,
        Fut: std::future::Future<Output = Result<tokio::fs::File, Refusal>>,
    {
        let tmp_dir = self.root.join("tmp");
        tokio::fs::create_dir_all(&tmp_dir).await.map_err(Refusal::io)?;
        let tmp = tmp_dir.join(format!("{:032x}.part", rand::random::<u128>()));
        let file = tokio::fs::File::create(&tmp).await.map_err(Refusal::io)?;
        let result = async {
            let mut file = write(file).await?;
            file.flush().await.map_err(Refusal::io)?;
            file.sync_all().await.map_err(Refusal::io)?;
            drop(file);
            let target = self.object_path(key);
            if let Some(parent) = target.parent() {
                tokio::fs::create_dir_all(parent).await.map_err(Refusal::io)?;
            }
            match publish {
                Publish::Replace => tokio::fs::rename(&tmp, &target).await.map_err(Refusal::io),
                Publish::CreateOnly => match tokio::fs::hard_link(&tmp, &target).await {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Refusal::AlreadyStored),
                    Err(e) => Err(Refusal::io(e)),
                },
            }
        }
        .await;
        if result.is_err() || publish == Publish::CreateOnly {
            // Best effort: a leftover in tmp/ is harmless and never read.
            let _ = tokio::fs::remove_file(&tmp).await;
        }
        result
    }

    /// Reads the metadata line of `key`'s object, if there is one.
    async fn read_meta(&self, key: &str) -> Result<Option<StoredMeta>, FilesError> {
        let Some(file) = open_object(&self.object_path(key)).await? else {
            return Ok(None);
        };
        let mut line = Vec::new();
        tokio::io::BufReader::new(file.take(MAX_META_LINE))
            .read_until(b'\n', &mut line)
            .await
            .map_err(files_io)?;
        parse_meta(&line).map(Some)
    }

    /// Reads `key`'s whole object: its metadata and body.
    async fn read_object(&self, key: &str) -> Result<Option<(StoredMeta, Vec<u8>)>, FilesError> {
        let Some(mut file) = open_object(&self.object_path(key)).await? else {
            return Ok(None);
        };
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).await.map_err(files_io)?;
        let newline = bytes
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| FilesError::Backend(format!("object {key} has no metadata line")))?;
        let meta = parse_meta(&bytes[..=newline])?;
        let body = bytes.split_off(newline + 1);
        if body.len() as u64 != meta.size {
            return Err(FilesError::Backend(format!("object {key} is not the size it says")));
        }
        Ok(Some((meta, body)))
    }
}

#[async_trait::async_trait]
impl Files for LocalFiles {
    async fn put(&self, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), FilesError> {
        check_key(key)?;
        let meta = meta_line(content_type, body.len() as u64)?;
        self.write_atomically(key, Publish::Replace, |mut file| async move {
            file.write_all(&meta).await.map_err(Refusal::io)?;
            file.write_all(&body).await.map_err(Refusal::io)?;
            Ok(file)
        })
        .await
        .map_err(Refusal::into_files_error)
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectMeta>, FilesError> {
        check_key(key)?;
        let meta = self.read_meta(key).await?;
        Ok(meta.map(|m| ObjectMeta { size: m.size, content_type: m.content_type }))
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, FilesError> {
        check_key(key)?;
        Ok(self.read_object(key).await?.map(|(_, body)| body))
    }

    async fn delete(&self, key: &str) -> Result<(), FilesError> {
        check_key(key)?;
        match tokio::fs::remove_file(self.object_path(key)).await {
            Ok(()) => Ok(()),
            Err(e) if is_missing(&e) => Ok(()),
            Err(e) => Err(files_io(e)),
        }
    }

    async fn upload_grant(
        &self,
        key: &str,
        content_type: &str,
        length: u64,
        valid_for: SignedDuration,
    ) -> Result<UploadGrant, FilesError> {
        check_key(key)?;
        // The browser must send this exact value as a header.
        HeaderValue::from_str(content_type).map_err(|_| {
            FilesError::Backend(format!("content type {content_type:?} is not a header value"))
        })?;
        let expires_at = self.expiry(valid_for)?;
        let (length_text, expires) = (length.to_string(), expires_at.as_second().to_string());
        let signature = self.upload_signature(key, content_type, &length_text, &expires);
        let signature = URL_SAFE_NO_PAD.encode(signature.finalize().into_bytes());
        let url = format!(
            "{}/files/upload?key={}&type={}&length={length_text}&expires={expires}&sig={signature}",
            self.base_url,
            query_value(key),
            query_value(content_type),
        );
        Ok(UploadGrant {
            url,
            method: "PUT",
            headers: vec![
                ("content-type".to_owned(), content_type.to_owned()),
                ("content-length".to_owned(), length_text),
            ],
            expires_at,
        })
    }

    async fn download_grant(
        &self,
        key: &str,
        file_name: &str,
        valid_for: SignedDuration,
    ) -> Result<DownloadGrant, FilesError> {
        check_key(key)?;
        let expires_at = self.expiry(valid_for)?;
        let expires = expires_at.as_second().to_string();
        let signature = self.download_signature(key, file_name, &expires);
        let signature = URL_SAFE_NO_PAD.encode(signature.finalize().into_bytes());
        let url = format!(
            "{}/files/download?key={}&name={}&expires={expires}&sig={signature}",
            self.base_url,
            query_value(key),
            query_value(file_name),
        );
        Ok(DownloadGrant { url, expires_at })
    }
}

/// The routes grant URLs point to: `PUT /files/upload` and
/// `GET /files/download`. The all-in-one binary merges this at its root.
pub fn router(files: Arc<LocalFiles>) -> Router {
    Router::new()
        .route("/files/upload", put(upload))
        .route("/files/download", get(download))
        .with_state(files)
}

/// An upload or download URL's query, every field optional so that a
/// missing one is refused as a bad grant (403), not as a malformed request.
#[derive(Deserialize)]
struct GrantQuery {
    key: Option<String>,
    #[serde(rename = "type")]
    content_type: Option<String>,
    length: Option<String>,
    name: Option<String>,
    expires: Option<String>,
    sig: Option<String>,
}

async fn upload(
    State(files): State<Arc<LocalFiles>>,
    query: Result<Query<GrantQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match receive_upload(&files, query, &headers, body).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

async fn receive_upload(
    files: &LocalFiles,
    query: Result<Query<GrantQuery>, QueryRejection>,
    headers: &HeaderMap,
    body: Body,
) -> Result<(), Refusal> {
    let Query(query) = query.map_err(|_| Refusal::BadSignature)?;
    let (Some(key), Some(content_type), Some(length_text), Some(expires_text), Some(sig)) =
        (query.key, query.content_type, query.length, query.expires, query.sig)
    else {
        return Err(Refusal::BadSignature);
    };
    let expected = files.upload_signature(&key, &content_type, &length_text, &expires_text);
    files.verify(expected, &sig, &expires_text)?;
    // Signed by us, so these hold; checked again because the key names a path.
    check_key(&key).map_err(|_| Refusal::BadSignature)?;
    let length: u64 = length_text.parse().map_err(|_| Refusal::BadSignature)?;

    let sent_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    if sent_type != Some(content_type.as_str()) {
        return Err(Refusal::WrongType);
    }
    let announced = headers.get(header::CONTENT_LENGTH).ok_or(Refusal::LengthRequired)?;
    let announced: u64 = announced.to_str().ok().and_then(|v| v.parse().ok()).ok_or(Refusal::WrongLength)?;
    if announced != length {
        return Err(if announced > length { Refusal::TooLarge } else { Refusal::WrongLength });
    }

    // Refused early, before a byte is read; the link at the end decides.
    if files.read_meta(&key).await.map_err(|e| Refusal::Storage(e.to_string()))?.is_some() {
        return Err(Refusal::AlreadyStored);
    }
    let meta = meta_line(&content_type, length).map_err(|e| Refusal::Storage(e.to_string()))?;
    files
        .write_atomically(&key, Publish::CreateOnly, |mut file| async move {
            file.write_all(&meta).await.map_err(Refusal::io)?;
            // The header was checked, but only the bytes received count.
            let mut body = body;
            let mut received: u64 = 0;
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|_| Refusal::WrongLength)?;
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                received += data.len() as u64;
                if received > length {
                    return Err(Refusal::TooLarge);
                }
                file.write_all(&data).await.map_err(Refusal::io)?;
            }
            if received != length {
                return Err(Refusal::WrongLength);
            }
            Ok(file)
        })
        .await
}

async fn download(
    State(files): State<Arc<LocalFiles>>,
    query: Result<Query<GrantQuery>, QueryRejection>,
) -> Response {
    match serve_download(&files, query).await {
        Ok(response) => response,
        Err(refusal) => refusal.into_response(),
    }
}

async fn serve_download(
    files: &LocalFiles,
    query: Result<Query<GrantQuery>, QueryRejection>,
) -> Result<Response, Refusal> {
    let Query(query) = query.map_err(|_| Refusal::BadSignature)?;
    let (Some(key), Some(name), Some(expires_text), Some(sig)) =
        (query.key, query.name, query.expires, query.sig)
    else {
        return Err(Refusal::BadSignature);
    };
    files.verify(files.download_signature(&key, &name, &expires_text), &sig, &expires_text)?;
    check_key(&key).map_err(|_| Refusal::BadSignature)?;
    let (meta, body) = files
        .read_object(&key)
        .await
        .map_err(|e| Refusal::Storage(e.to_string()))?
        .ok_or(Refusal::NotFound)?;
    let content_type = HeaderValue::from_str(&meta.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let headers = [
        (header::CONTENT_TYPE, content_type),
        (header::CONTENT_DISPOSITION, content_disposition(&name)),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
    ];
    Ok((headers, body).into_response())
}

/// The shared disposition as a header value.
fn content_disposition(name: &str) -> HeaderValue {
    // The shared builder leaves no quote, backslash or control character.
    HeaderValue::from_str(&gru_ports::files::content_disposition(name))
        .unwrap_or(HeaderValue::from_static("attachment"))
}

fn query_value(value: &str) -> percent_encoding::PercentEncode<'_> {
    utf8_percent_encode(value, NON_ALPHANUMERIC)
}

fn meta_line(content_type: &str, size: u64) -> Result<Vec<u8>, FilesError> {
    let meta = StoredMeta { content_type: content_type.to_owned(), size };
    let mut line = serde_json::to_vec(&meta).map_err(|e| FilesError::Backend(e.to_string()))?;
    // JSON escapes newlines inside strings, so this one ends the line.
    line.push(b'\n');
    Ok(line)
}

fn parse_meta(line: &[u8]) -> Result<StoredMeta, FilesError> {
    let line = line
        .strip_suffix(b"\n")
        .ok_or_else(|| FilesError::Backend("object metadata line is damaged".into()))?;
    serde_json::from_slice(line).map_err(|e| FilesError::Backend(format!("object metadata: {e}")))
}

async fn open_object(path: &Path) -> Result<Option<tokio::fs::File>, FilesError> {
    match tokio::fs::File::open(path).await {
        Ok(file) => Ok(Some(file)),
        Err(e) if is_missing(&e) => Ok(None),
        Err(e) => Err(files_io(e)),
    }
}

/// A missing file, or a missing folder on its path (a key's folder may be
/// absent even though a shorter key's object exists).
fn is_missing(error: &std::io::Error) -> bool {
    matches!(error.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory)
}

fn files_io(error: std::io::Error) -> FilesError {
    FilesError::Backend(error.to_string())
}

/// How a written object takes its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Publish {
    /// Over whatever is there ([`Files::put`], the server's own writes).
    Replace,
    /// Only where nothing is: an upload grant stores one upload, so the
    /// bytes a confirmation checked are never replaced through it (as S3's
    /// `If-None-Match: *` on the presigned `PutObject`).
    CreateOnly,
}

/// Why a grant's request is refused; each answers with its own problem.
#[derive(Debug)]
enum Refusal {
    BadSignature,
    Expired,
    WrongType,
    LengthRequired,
    WrongLength,
    TooLarge,
    NotFound,
    AlreadyStored,
    Storage(String),
}

impl Refusal {
    fn io(error: std::io::Error) -> Self {
        Self::Storage(error.to_string())
    }

    /// For [`Files::put`], which shares the atomic write with uploads.
    fn into_files_error(self) -> FilesError {
        match self {
            Refusal::Storage(message) => FilesError::Backend(message),
            other => FilesError::Backend(format!("unexpected refusal: {other:?}")),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, slug, title, detail) = match &self {
            Refusal::BadSignature => (
                StatusCode::FORBIDDEN,
                "invalid-grant",
                "Lien non valide",
                "Ce lien n'est pas valide : il a été modifié ou est incomplet.",
            ),
            Refusal::Expired => (
                StatusCode::FORBIDDEN,
                "grant-expired",
                "Lien expiré",
                "Ce lien a expiré. Demandez-en un nouveau.",
            ),
            Refusal::WrongType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "wrong-content-type",
                "Type de fichier différent",
                "Le type du fichier envoyé n'est pas celui annoncé.",
            ),
            Refusal::LengthRequired => (
                StatusCode::LENGTH_REQUIRED,
                "length-required",
                "Taille non annoncée",
                "La taille du fichier doit être annoncée (en-tête Content-Length).",
            ),
            Refusal::WrongLength => (
                StatusCode::BAD_REQUEST,
                "wrong-length",
                "Taille différente",
                "La taille du fichier reçu n'est pas celle annoncée.",
            ),
            Refusal::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Fichier trop gros",
                "Le fichier envoyé est plus grand que la taille annoncée.",
            ),
            Refusal::NotFound => (
                StatusCode::NOT_FOUND,
                "file-not-found",
                "Fichier introuvable",
                "Ce fichier n'existe pas ou a été supprimé.",
            ),
            Refusal::AlreadyStored => (
                StatusCode::CONFLICT,
                "upload-used",
                "Lien d'envoi déjà utilisé",
                "Un fichier a déjà été envoyé avec ce lien : demandez-en un nouveau pour envoyer un autre fichier.",
            ),
            Refusal::Storage(message) => {
                tracing::error!(error = %message, "local file storage failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "storage-error",
                    "Erreur d'enregistrement",
                    "Le fichier n'a pas pu être enregistré ou lu. Réessayez plus tard.",
                )
            }
        };
        crate::problem(status, slug, title, detail)
    }
}
