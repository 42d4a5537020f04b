//! S3 adapter of the [`Files`] port: private objects in one bucket, reached
//! by browsers only through presigned URLs.
//!
//! An upload grant is a presigned `PutObject` whose SigV4 signature covers
//! `content-type` and `content-length`: S3 refuses a body of any other type
//! or length, so the size checked when the grant was issued is the size
//! stored, and `if-none-match: *`, so S3 stores one upload per grant and
//! never replaces the bytes a confirmation checked. A download grant is a presigned `GetObject` that makes S3 answer
//! with an `attachment` disposition, so a document is saved, never rendered
//! on the portal's origin.
//!
//! The bucket's malware scanner, GuardDuty Malware Protection for S3, is
//! read through [`GuardDutyScanner`] (module `guardduty`).

mod guardduty;

pub use guardduty::{GUARDDUTY_SIGNATURE, GuardDutyScanner, SCAN_STATUS_TAG};

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use gru_ports::files::{DownloadGrant, Files, FilesError, ObjectMeta, UploadGrant, check_key};
use jiff::{SignedDuration, Timestamp};
use std::time::{Duration, SystemTime};

/// The headers an upload grant's signature must cover for S3 to enforce the
/// announced type and length, and to store one upload only (`if-none-match: *`
/// makes S3 refuse a `PutObject` where an object already is).
const UPLOAD_SIGNED_HEADERS: [&str; 3] = ["content-length", "content-type", "if-none-match"];

/// What S3 reports for an object stored without a type.
const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// The [`Files`] port on one S3 bucket.
#[derive(Debug, Clone)]
pub struct S3Files {
    client: Client,
    bucket: String,
}

impl S3Files {
    /// Files in `bucket`, through an already configured client. A client for
    /// a local emulator needs path-style addressing (`force_path_style`).
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self { client, bucket: bucket.into() }
    }

    /// Files in the bucket named by `ATTACHMENTS_BUCKET`, with the SDK's
    /// default configuration. When `AWS_ENDPOINT_URL` points at a local
    /// emulator, addressing is path-style, since an emulator serves every
    /// bucket on one host. Call it once per process, outside the handler.
    pub async fn from_env() -> Result<Self, FilesError> {
        let (client, bucket) = client_from_env().await.map_err(FilesError::Backend)?;
        Ok(Self::new(client, bucket))
    }

    /// The GuardDuty scanner of this bucket, through the same client.
    pub fn scanner(&self) -> GuardDutyScanner {
        GuardDutyScanner::new(self.client.clone(), self.bucket.clone())
    }
}

/// A client for a local emulator (moto server) at `endpoint`, with fixed
/// test credentials and path-style addressing, in `eu-west-3`.
pub fn emulator_client(endpoint: &str) -> Client {
    let sdk_config = gru_aws::emulator_config(endpoint);
    Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk_config).force_path_style(true).build())
}

/// Creates a bucket in the emulator's region. Used by tests and local
/// tooling; deployed buckets come from the infrastructure template.
pub async fn create_bucket(client: &Client, name: &str) -> Result<(), FilesError> {
    use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
    let location = BucketLocationConstraint::from(gru_aws::EMULATOR_REGION);
    client
        .create_bucket()
        .bucket(name)
        .create_bucket_configuration(
            CreateBucketConfiguration::builder().location_constraint(location).build(),
        )
        .send()
        .await
        .map_err(|e| backend("CreateBucket", &e))?;
    Ok(())
}

/// The client and bucket of [`S3Files::from_env`] and
/// [`GuardDutyScanner::from_env`]: the bucket named by `ATTACHMENTS_BUCKET`,
/// the configuration of [`gru_aws::sdk_config_from_env`], path-style
/// addressing when `AWS_ENDPOINT_URL` points at a local emulator.
async fn client_from_env() -> Result<(Client, String), String> {
    let bucket = std::env::var("ATTACHMENTS_BUCKET")
        .map_err(|_| "la variable ATTACHMENTS_BUCKET n'est pas définie".to_owned())?;
    let sdk_config = gru_aws::sdk_config_from_env()?;
    let config = aws_sdk_s3::config::Builder::from(&sdk_config)
        .force_path_style(sdk_config.endpoint_url().is_some())
        .build();
    Ok((Client::from_conf(config), bucket))
}

#[async_trait]
impl Files for S3Files {
    async fn put(&self, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), FilesError> {
        check_key(key)?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| backend("PutObject", &e))?;
        Ok(())
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectMeta>, FilesError> {
        check_key(key)?;
        let output = match self.client.head_object().bucket(&self.bucket).key(key).send().await {
            Ok(output) => output,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => return Ok(None),
            Err(e) => return Err(backend("HeadObject", &e)),
        };
        let size = output
            .content_length()
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| FilesError::Backend("HeadObject: no valid content length".into()))?;
        let content_type = output.content_type().unwrap_or(DEFAULT_CONTENT_TYPE).to_owned();
        Ok(Some(ObjectMeta { size, content_type }))
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, FilesError> {
        check_key(key)?;
        let output = match self.client.get_object().bucket(&self.bucket).key(key).send().await {
            Ok(output) => output,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(backend("GetObject", &e)),
        };
        let body = output
            .body
            .collect()
            .await
            .map_err(|_| FilesError::Backend("GetObject: the body could not be read".into()))?;
        Ok(Some(body.to_vec()))
    }

    async fn delete(&self, key: &str) -> Result<(), FilesError> {
        check_key(key)?;
        // S3 answers a delete of a missing key with success, as the port wants.
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| backend("DeleteObject", &e))?;
        Ok(())
    }

    async fn upload_grant(
        &self,
        key: &str,
        content_type: &str,
        length: u64,
        valid_for: SignedDuration,
    ) -> Result<UploadGrant, FilesError> {
        check_key(key)?;
        let length = i64::try_from(length)
            .map_err(|_| FilesError::Backend("upload grant: length out of range".into()))?;
        let (presigning, expires_at) = presigning(valid_for)?;
        // Both values go into the request as headers, and the SDK's presigner
        // signs every header it is given except a few hop-by-hop ones.
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .content_length(length)
            .if_none_match("*")
            .presigned(presigning)
            .await
            .map_err(|e| backend("PutObject presign", &e))?;
        // Fail closed: a grant whose signature does not pin the type and the
        // length would let a client store anything, of any size.
        let signed = signed_headers(request.uri());
        if !UPLOAD_SIGNED_HEADERS.iter().all(|h| signed.iter().any(|s| s == h)) {
            return Err(FilesError::Backend(
                "upload grant: the signature does not cover content-type, content-length and if-none-match"
                    .into(),
            ));
        }
        Ok(UploadGrant {
            url: request.uri().to_owned(),
            method: "PUT",
            headers: request.headers().map(|(name, value)| (name.to_owned(), value.to_owned())).collect(),
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
        let (presigning, expires_at) = presigning(valid_for)?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_disposition(gru_ports::files::content_disposition(file_name))
            .presigned(presigning)
            .await
            .map_err(|e| backend("GetObject presign", &e))?;
        Ok(DownloadGrant { url: request.uri().to_owned(), expires_at })
    }
}

/// The presigning configuration for a grant valid for `valid_for` from now,
/// and the instant it expires.
fn presigning(valid_for: SignedDuration) -> Result<(PresigningConfig, Timestamp), FilesError> {
    let invalid = || FilesError::Backend("grant validity must be positive and at most a week".into());
    let valid_for = Duration::try_from(valid_for).map_err(|_| invalid())?;
    if valid_for.is_zero() {
        return Err(invalid());
    }
    // One start instant for both, so `expires_at` is exactly when S3 stops
    // accepting the URL.
    let start = SystemTime::now();
    let config =
        PresigningConfig::builder().start_time(start).expires_in(valid_for).build().map_err(|_| invalid())?;
    let expires_at =
        start.checked_add(valid_for).and_then(|end| Timestamp::try_from(end).ok()).ok_or_else(invalid)?;
    Ok((config, expires_at))
}

/// The `X-Amz-SignedHeaders` of a presigned URL, lowercase.
fn signed_headers(url: &str) -> Vec<String> {
    let query = url.split_once('?').map_or("", |(_, query)| query);
    query
        .split('&')
        .filter_map(|pair| pair.strip_prefix("X-Amz-SignedHeaders="))
        .flat_map(|value| value.split("%3B").flat_map(|v| v.split(';')))
        .map(str::to_ascii_lowercase)
        .collect()
}

/// A short, data-free description of an SDK error: the operation and the
/// error code, never the service's message.
fn backend<E: ProvideErrorMetadata, R>(operation: &str, error: &SdkError<E, R>) -> FilesError {
    FilesError::Backend(format!("{operation}: {}", sdk_cause(error)))
}

/// What went wrong with an SDK call, in a few words: the service's error
/// code, or the kind of failure.
fn sdk_cause<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> &str {
    match error {
        SdkError::ServiceError(_) => error.code().unwrap_or("unidentified service error"),
        SdkError::TimeoutError(_) => "timeout",
        SdkError::DispatchFailure(_) => "could not reach the service",
        SdkError::ResponseError(_) => "unreadable response",
        SdkError::ConstructionFailure(_) => "request could not be built",
        _ => "unknown error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_headers_are_read_from_the_url() {
        let url = "https://b.s3.amazonaws.com/k?X-Amz-Expires=300&X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost&X-Amz-Signature=ab";
        assert_eq!(signed_headers(url), ["content-length", "content-type", "host"]);
        assert!(signed_headers("https://b.s3.amazonaws.com/k").is_empty());
    }

    #[test]
    fn the_disposition_names_the_file_in_ascii_and_in_utf8() {
        assert_eq!(
            gru_ports::files::content_disposition("../Acte de naissance – Zoé.pdf"),
            "attachment; filename=\"Acte de naissance _ Zo_.pdf\"; \
             filename*=UTF-8''Acte%20de%20naissance%20%E2%80%93%20Zo%C3%A9.pdf"
        );
    }
}
