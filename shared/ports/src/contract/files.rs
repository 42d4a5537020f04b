//! The Files contract. Adapter-specific grant checks (the embedded adapter's
//! refusals, the S3 signature's headers) live in each adapter's own tests.

use crate::files::*;
use jiff::SignedDuration;
use std::sync::Arc;

/// Expands to one test per Files behaviour; `$make` is an async expression
/// giving a fresh `Arc<dyn Files>` whose grant URLs are reachable.
#[macro_export]
macro_rules! files_contract {
    ($make:expr) => {
        $crate::files_contract!(@tests $make;
            put_head_get_delete_round_trip,
            invalid_keys_are_refused,
            an_upload_grant_accepts_the_announced_body,
            an_upload_grant_stores_one_upload,
            racing_uploads_on_one_grant_store_one_body,
            a_download_grant_serves_the_bytes_as_an_attachment,
        );
    };
    (@tests $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let files: std::sync::Arc<dyn $crate::Files> = $make;
                $crate::contract::files::$name(files).await;
            }
        )*
    };
}

fn key() -> String {
    format!("contract/{}/file.pdf", super::unique_name("k"))
}

const PDF: &[u8] = b"%PDF-1.7\n% contract test\n%%EOF\n";

pub async fn put_head_get_delete_round_trip(files: Arc<dyn Files>) {
    let key = key();
    assert!(files.head(&key).await.unwrap().is_none());
    files.put(&key, PDF.to_vec(), "application/pdf").await.unwrap();
    let meta = files.head(&key).await.unwrap().expect("object is there");
    assert_eq!(meta, ObjectMeta { size: PDF.len() as u64, content_type: "application/pdf".into() });
    assert_eq!(files.get(&key).await.unwrap().as_deref(), Some(PDF));
    files.delete(&key).await.unwrap();
    assert!(files.head(&key).await.unwrap().is_none());
    assert!(files.get(&key).await.unwrap().is_none());
    files.delete(&key).await.expect("deleting a missing object is fine");
}

pub async fn invalid_keys_are_refused(files: Arc<dyn Files>) {
    for bad in ["../escape", "a/../../b", "/abs", "sp ace"] {
        let put = files.put(bad, PDF.to_vec(), "application/pdf").await;
        assert!(matches!(put, Err(FilesError::InvalidKey(_))), "{bad:?}: {put:?}");
        let grant = files.upload_grant(bad, "application/pdf", 3, SignedDuration::from_mins(5)).await;
        assert!(matches!(grant, Err(FilesError::InvalidKey(_))), "{bad:?}: {grant:?}");
    }
}

/// Sends the body the way a browser would follow the grant.
pub async fn upload(grant: &UploadGrant, body: Vec<u8>) -> reqwest::Response {
    let client = reqwest::Client::new();
    let mut request = client.request(grant.method.parse().unwrap(), &grant.url);
    for (name, value) in &grant.headers {
        if !name.eq_ignore_ascii_case("content-length") {
            request = request.header(name, value);
        }
    }
    request.body(body).send().await.expect("upload request is sent")
}

pub async fn an_upload_grant_accepts_the_announced_body(files: Arc<dyn Files>) {
    let key = key();
    let grant = files
        .upload_grant(&key, "application/pdf", PDF.len() as u64, SignedDuration::from_mins(5))
        .await
        .unwrap();
    assert_eq!(grant.method, "PUT");
    let response = upload(&grant, PDF.to_vec()).await;
    assert!(response.status().is_success(), "upload refused: {}", response.status());
    let meta = files.head(&key).await.unwrap().expect("uploaded object is there");
    assert_eq!(meta.size, PDF.len() as u64);
    assert_eq!(meta.content_type, "application/pdf");
}

/// A grant is good for one upload: a second body sent with it, of the
/// same type and length, is refused and the first stays.
pub async fn an_upload_grant_stores_one_upload(files: Arc<dyn Files>) {
    let key = key();
    let grant = files
        .upload_grant(&key, "application/pdf", PDF.len() as u64, SignedDuration::from_mins(5))
        .await
        .unwrap();
    assert!(upload(&grant, PDF.to_vec()).await.status().is_success());
    let other = vec![b'M'; PDF.len()];
    let again = upload(&grant, other).await;
    assert!(again.status().is_client_error(), "second upload: {}", again.status());
    assert_eq!(files.get(&key).await.unwrap().as_deref(), Some(PDF));
}

/// Uploads racing on one grant: one is stored, whole, and the others refused.
pub async fn racing_uploads_on_one_grant_store_one_body(files: Arc<dyn Files>) {
    let key = key();
    let grant = files
        .upload_grant(&key, "application/pdf", PDF.len() as u64, SignedDuration::from_mins(5))
        .await
        .unwrap();
    let bodies: Vec<Vec<u8>> = (0..8u8).map(|i| vec![b'a' + i; PDF.len()]).collect();
    let sends: Vec<_> = bodies
        .iter()
        .map(|body| {
            let (grant, body) = (grant.clone(), body.clone());
            tokio::spawn(async move { upload(&grant, body).await.status() })
        })
        .collect();
    let mut stored = Vec::new();
    for (send, body) in sends.into_iter().zip(&bodies) {
        if send.await.expect("the upload task ends").is_success() {
            stored.push(body);
        }
    }
    assert_eq!(stored.len(), 1, "one upload stored");
    assert_eq!(files.get(&key).await.unwrap().as_deref(), Some(stored[0].as_slice()));
}

pub async fn a_download_grant_serves_the_bytes_as_an_attachment(files: Arc<dyn Files>) {
    let key = key();
    files.put(&key, PDF.to_vec(), "application/pdf").await.unwrap();
    let grant = files
        .download_grant(&key, "../../Acte de naissance\r\n.pdf", SignedDuration::from_mins(5))
        .await
        .unwrap();
    let response = reqwest::get(&grant.url).await.unwrap();
    assert!(response.status().is_success(), "download refused: {}", response.status());
    let disposition = response
        .headers()
        .get("content-disposition")
        .expect("a content-disposition header")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(disposition.contains("Acte de naissance.pdf"), "{disposition}");
    assert!(!disposition.contains(".."), "no path in the name: {disposition}");
    assert_eq!(response.bytes().await.unwrap().as_ref(), PDF);
}
