//! The Files contract against S3, as emulated by moto server
//! (`GRU_MOTO_ENDPOINT`); each test gets a fresh bucket. Moto does not check
//! presigned signatures, so what the signature covers is checked on the URL.

use gru_ports::Files;
use gru_ports::contract::{moto_endpoint, unique_name};
use gru_s3::{S3Files, create_bucket, emulator_client};
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::sync::Arc;

async fn fresh_files() -> Arc<S3Files> {
    let client = emulator_client(&moto_endpoint());
    let bucket = unique_name("files");
    create_bucket(&client, &bucket).await.expect("bucket is created");
    Arc::new(S3Files::new(client, bucket))
}

gru_ports::files_contract!(fresh_files().await);

/// The query parameters of a URL, decoded.
fn query(url: &str) -> HashMap<String, String> {
    reqwest::Url::parse(url).expect("grant URL parses").query_pairs().into_owned().collect()
}

#[tokio::test]
async fn the_upload_signature_covers_type_and_length_and_expires_as_asked() {
    let files = fresh_files().await;
    let before = Timestamp::now();
    let grant = files
        .upload_grant("requests/R-1/scan.pdf", "application/pdf", 123_456, SignedDuration::from_mins(5))
        .await
        .unwrap();
    let params = query(&grant.url);
    let signed: Vec<&str> = params["X-Amz-SignedHeaders"].split(';').collect();
    assert!(signed.contains(&"content-length"), "content-length is signed: {signed:?}");
    assert!(signed.contains(&"content-type"), "content-type is signed: {signed:?}");
    assert_eq!(params["X-Amz-Expires"], "300");
    let headers: HashMap<&str, &str> = grant.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    assert_eq!(headers.get("content-type"), Some(&"application/pdf"), "{headers:?}");
    assert_eq!(headers.get("content-length"), Some(&"123456"), "{headers:?}");
    let lifetime = grant.expires_at.duration_since(before);
    assert!(
        lifetime >= SignedDuration::from_mins(5) && lifetime < SignedDuration::from_mins(6),
        "expires in five minutes: {lifetime:?}"
    );
}

#[tokio::test]
async fn the_download_url_asks_for_an_attachment_with_a_safe_name() {
    let files = fresh_files().await;
    let grant = files
        .download_grant(
            "requests/R-1/scan.pdf",
            "../Livret de famille – Zoé.pdf",
            SignedDuration::from_mins(2),
        )
        .await
        .unwrap();
    let params = query(&grant.url);
    assert_eq!(params["X-Amz-Expires"], "120");
    assert_eq!(
        params["response-content-disposition"],
        "attachment; filename=\"Livret de famille _ Zo_.pdf\"; \
         filename*=UTF-8''Livret%20de%20famille%20%E2%80%93%20Zo%C3%A9.pdf"
    );
}

#[tokio::test]
async fn grants_refuse_a_validity_of_zero_or_over_a_week() {
    let files = fresh_files().await;
    for valid_for in [SignedDuration::ZERO, SignedDuration::from_mins(-1), SignedDuration::from_hours(24 * 8)]
    {
        let upload = files.upload_grant("a.pdf", "application/pdf", 1, valid_for).await;
        assert!(upload.is_err(), "{valid_for:?}: {upload:?}");
        let download = files.download_grant("a.pdf", "a.pdf", valid_for).await;
        assert!(download.is_err(), "{valid_for:?}: {download:?}");
    }
}
