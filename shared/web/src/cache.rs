//! Cache headers for public reads: the CDN and browsers keep catalogue
//! answers briefly and revalidate them cheaply with an entity tag.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// For public catalogue reads: browsers keep them a minute, the CDN five,
/// and both may serve a stale copy while revalidating.
pub const PUBLIC_CATALOGUE: &str = "public, max-age=60, s-maxage=300, stale-while-revalidate=600";

/// JSON with a `Cache-Control` policy and a strong `ETag`; answers
/// `304 Not Modified` when the client's `If-None-Match` matches.
pub struct CachedJson {
    body: Vec<u8>,
    cache_control: &'static str,
    if_none_match: Option<HeaderValue>,
}

impl CachedJson {
    pub fn new<T: Serialize>(value: &T, cache_control: &'static str, request: &HeaderMap) -> Self {
        Self {
            body: serde_json::to_vec(value).expect("catalogue values serialise"),
            cache_control,
            if_none_match: request.get(header::IF_NONE_MATCH).cloned(),
        }
    }

    /// A digest of the body: the same on every instance and every build,
    /// which is what a CDN in front of many Lambdas needs.
    fn etag(&self) -> String {
        let digest = Sha256::digest(&self.body);
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        format!("\"{hex}\"")
    }
}

impl IntoResponse for CachedJson {
    fn into_response(self) -> Response {
        let etag = self.etag();
        let matches = self.if_none_match.as_ref().and_then(|v| v.to_str().ok()).is_some_and(|v| {
            v.split(',').any(|candidate| {
                let candidate = candidate.trim();
                candidate == "*" || candidate.trim_start_matches("W/") == etag
            })
        });
        let mut response = if matches {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            ([(header::CONTENT_TYPE, "application/json")], self.body).into_response()
        };
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(self.cache_control));
        if let Ok(value) = HeaderValue::from_str(&etag) {
            headers.insert(header::ETAG, value);
        }
        response
    }
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
        let first = CachedJson::new(&serde_json::json!({"a": 1}), PUBLIC_CATALOGUE, &HeaderMap::new())
            .into_response();
        assert_eq!(first.status(), StatusCode::OK);
        let etag = first.headers()[header::ETAG].clone();
        let mut request = HeaderMap::new();
        request.insert(header::IF_NONE_MATCH, etag);
        let second =
            CachedJson::new(&serde_json::json!({"a": 1}), PUBLIC_CATALOGUE, &request).into_response();
        assert_eq!(second.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(second.headers()[header::CACHE_CONTROL], PUBLIC_CATALOGUE);
        let changed =
            CachedJson::new(&serde_json::json!({"a": 2}), PUBLIC_CATALOGUE, &request).into_response();
        assert_eq!(changed.status(), StatusCode::OK);
    }
}
