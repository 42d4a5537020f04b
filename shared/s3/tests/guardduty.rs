//! The GuardDuty scanner against S3 as emulated by moto server
//! (`GRU_MOTO_ENDPOINT`). Moto does not emulate GuardDuty: the tests set the
//! tag GuardDuty would set, with `PutObjectTagging`.

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{Tag, Tagging};
use gru_ports::contract::{moto_endpoint, unique_name};
use gru_ports::{Files, ScanError, Scanner, Verdict};
use gru_s3::{GuardDutyScanner, S3Files, create_bucket, emulator_client};

const KEY: &str = "requests/R-1/scan.pdf";

/// A fresh bucket holding one object at [`KEY`], its files and its scanner.
async fn bucket_with_an_object() -> (Client, String, GuardDutyScanner) {
    let client = emulator_client(&moto_endpoint());
    let bucket = unique_name("scans");
    create_bucket(&client, &bucket).await.expect("bucket is created");
    let files = S3Files::new(client.clone(), &bucket);
    files.put(KEY, b"%PDF-1.4".to_vec(), "application/pdf").await.unwrap();
    (client, bucket, files.scanner())
}

/// Replaces the object's tags with `tags`, as GuardDuty adds its own.
async fn tag(client: &Client, bucket: &str, tags: &[(&str, &str)]) {
    let mut tagging = Tagging::builder();
    for (key, value) in tags {
        tagging = tagging.tag_set(Tag::builder().key(*key).value(*value).build().unwrap());
    }
    client
        .put_object_tagging()
        .bucket(bucket)
        .key(KEY)
        .tagging(tagging.build().unwrap())
        .send()
        .await
        .expect("tags are set");
}

#[tokio::test]
async fn an_object_not_scanned_yet_is_pending() {
    let (client, bucket, scanner) = bucket_with_an_object().await;
    assert_eq!(scanner.name(), "guardduty");
    assert_eq!(scanner.scan(KEY, b"").await.unwrap(), Verdict::Pending);
    // Tags of our own are not a verdict.
    tag(&client, &bucket, &[("owner", "accounts")]).await;
    assert_eq!(scanner.scan(KEY, b"").await.unwrap(), Verdict::Pending);
}

#[tokio::test]
async fn each_scan_status_gives_its_verdict() {
    let (client, bucket, scanner) = bucket_with_an_object().await;
    let unscannable = |reason: &str| Verdict::Unscannable { reason: reason.into() };
    let cases = [
        ("NO_THREATS_FOUND", Verdict::Clean),
        ("THREATS_FOUND", Verdict::Infected { signature: "GuardDuty".into() }),
        ("UNSUPPORTED", unscannable("GuardDuty cannot scan this file (UNSUPPORTED)")),
        ("ACCESS_DENIED", unscannable("GuardDuty was denied access to the file (ACCESS_DENIED)")),
        ("FAILED", unscannable("GuardDuty's scan failed (FAILED)")),
    ];
    for (status, expected) in cases {
        tag(&client, &bucket, &[("owner", "accounts"), ("GuardDutyMalwareScanStatus", status)]).await;
        assert_eq!(scanner.scan(KEY, b"").await.unwrap(), expected, "{status}");
    }
}

#[tokio::test]
async fn a_missing_object_is_unavailable() {
    let (_client, _bucket, scanner) = bucket_with_an_object().await;
    let result = scanner.scan("requests/R-1/missing.pdf", b"").await;
    assert!(
        matches!(result, Err(ScanError::Unavailable(ref m)) if m.contains("no such object")),
        "{result:?}"
    );
    let invalid = scanner.scan("../escape", b"").await;
    assert!(matches!(invalid, Err(ScanError::Unavailable(_))), "{invalid:?}");
}

#[tokio::test]
async fn a_missing_bucket_is_unavailable() {
    let scanner = GuardDutyScanner::new(emulator_client(&moto_endpoint()), unique_name("absent"));
    let result = scanner.scan(KEY, b"").await;
    assert!(matches!(result, Err(ScanError::Unavailable(ref m)) if m.contains("NoSuchBucket")), "{result:?}");
}
