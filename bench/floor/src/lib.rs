//! What both floors answer: a fixed JSON body of about 1 KB, the size of a
//! small catalogue answer, so the comparison measures the server, not the
//! payload.

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::routing::get;

/// 1 KB of JSON.
pub fn body() -> String {
    let padding = "x".repeat(1000);
    format!("{{\"hello\":\"world\",\"padding\":\"{padding}\"}}")
}

/// Every path answers the body.
pub fn router() -> Router {
    let body = Bytes::from(body());
    Router::new().fallback(get(move || {
        let body = body.clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], body) }
    }))
}
