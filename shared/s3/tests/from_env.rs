//! `S3Files::from_env` and `GuardDutyScanner::from_env` read the variables
//! the Lambda sets, and with `AWS_ENDPOINT_URL` (here moto) switch to
//! path-style addressing. This is the only test of its binary because it
//! changes the process environment.

use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use gru_ports::contract::{moto_endpoint, unique_name};
use gru_ports::{Files, FilesError, Scanner};
use jiff::SignedDuration;

#[test]
fn from_env_uses_the_configured_bucket_with_path_style_urls() {
    let endpoint = moto_endpoint();
    let bucket = unique_name("env");
    // SAFETY: no other thread reads the environment: this is the binary's
    // only test, and the runtime is started afterwards.
    unsafe {
        std::env::remove_var("ATTACHMENTS_BUCKET");
        std::env::set_var("AWS_ENDPOINT_URL", &endpoint);
        std::env::set_var("AWS_ACCESS_KEY_ID", "test");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
        std::env::set_var("AWS_REGION", "eu-west-3");
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let missing = runtime.block_on(gru_s3::S3Files::from_env());
    assert!(matches!(missing, Err(FilesError::Backend(_))), "ATTACHMENTS_BUCKET is required");
    let missing = runtime.block_on(gru_s3::GuardDutyScanner::from_env());
    assert!(missing.is_err(), "the scanner needs ATTACHMENTS_BUCKET too");
    // SAFETY: as above; the runtime's threads are idle and never read it.
    unsafe { std::env::set_var("ATTACHMENTS_BUCKET", &bucket) };
    runtime.block_on(async {
        let files = gru_s3::S3Files::from_env().await.unwrap();
        let grant =
            files.upload_grant("a/b.pdf", "application/pdf", 3, SignedDuration::from_mins(1)).await.unwrap();
        assert!(grant.url.starts_with(&format!("{endpoint}/{bucket}/a/b.pdf?")), "{}", grant.url);
        let config = gru_aws::sdk_config_from_env().unwrap();
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build(),
        );
        s3.create_bucket()
            .bucket(&bucket)
            .create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::EuWest3)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        files.put("a/b.pdf", b"%PDF".to_vec(), "application/pdf").await.unwrap();
        assert_eq!(files.get("a/b.pdf").await.unwrap().as_deref(), Some(&b"%PDF"[..]));
        // The scanner is configured the same way: it finds the object.
        let scanner = gru_s3::GuardDutyScanner::from_env().await.unwrap();
        assert_eq!(scanner.scan("a/b.pdf", b"").await.unwrap(), gru_ports::Verdict::Pending);
    });
}
