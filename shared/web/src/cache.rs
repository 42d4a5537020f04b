//! Cache headers for public reads: the CDN and browsers keep catalogue
//! answers briefly and revalidate them cheaply with an entity tag.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// For public catalogue reads: browsers keep them a minute, the CDN five,
/// and both may serve a stale copy while revalidating.
pub const PUBLIC_CATALOGUE: &str = "public, max-age=60, s-maxage=300, stale-while-revalidate=600";

/// JSON with a `Cache-Control` policy and a strong `ETag`, serialised and
/// digested once, then served as often as asked: [`CachedJson::respond`]
/// answers `304 Not Modified` when the client's `If-None-Match` matches,
/// which costs only that comparison. Cloning shares the body.
#[derive(Clone)]
pub struct CachedJson {
    body: Bytes,
    etag: HeaderValue,
    cache_control: &'static str,
}

impl CachedJson {
    pub fn new<T: Serialize>(value: &T, cache_control: &'static str) -> Self {
        let body = Bytes::from(serde_json::to_vec(value).expect("catalogue values serialise"));
        Self { etag: etag(&body), body, cache_control }
    }

    /// An answer of JSON text kept as it is (a document compiled in).
    pub fn from_static(json: &'static str, cache_control: &'static str) -> Self {
        let body = Bytes::from_static(json.as_bytes());
        Self { etag: etag(&body), body, cache_control }
    }

    /// The body's length in bytes.
    pub fn size(&self) -> usize {
        self.body.len()
    }

    /// The answer to a request with these headers.
    pub fn respond(&self, request: &HeaderMap) -> Response {
        let matches = request.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| {
            v.split(',').any(|candidate| {
                let candidate = candidate.trim();
                candidate == "*" || candidate.trim_start_matches("W/").as_bytes() == self.etag.as_bytes()
            })
        });
        let mut response = if matches {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            ([(header::CONTENT_TYPE, "application/json")], self.body.clone()).into_response()
        };
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(self.cache_control));
        headers.insert(header::ETAG, self.etag.clone());
        response
    }
}

/// A digest of the body: the same on every instance and every build,
/// which is what a CDN in front of many Lambdas needs.
fn etag(body: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(body);
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    HeaderValue::from_str(&format!("\"{hex}\"")).expect("hex digits are a valid header value")
}

/// For everything else: personal answers, secrets and problems are never
/// kept by the CDN, nor by a shared browser cache. [`crate::mount`] sets it
/// on every answer that has no `Cache-Control` of its own.
pub const NO_STORE: &str = "no-store, private";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_matching_etag_gives_not_modified() {
        let answer = CachedJson::new(&serde_json::json!({"a": 1}), PUBLIC_CATALOGUE);
        let first = answer.respond(&HeaderMap::new());
        assert_eq!(first.status(), StatusCode::OK);
        let etag = first.headers()[header::ETAG].clone();
        let mut request = HeaderMap::new();
        request.insert(header::IF_NONE_MATCH, etag);
        let second = answer.respond(&request);
        assert_eq!(second.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(second.headers()[header::CACHE_CONTROL], PUBLIC_CATALOGUE);
        let changed = CachedJson::new(&serde_json::json!({"a": 2}), PUBLIC_CATALOGUE).respond(&request);
        assert_eq!(changed.status(), StatusCode::OK);
    }
}
