//! HTTP glue every function shares, so each router only says what is its
//! own: errors as RFC 9457 problem documents, query extraction that reports
//! the field at fault, cache headers for the CDN, the common layers (body
//! limit, request log without personal data) and the Lambda entry point.

pub mod cache;
pub mod extract;
pub mod lambda;
pub mod layers;
pub mod problem;

pub use cache::{CachedJson, PUBLIC_CATALOGUE};
pub use extract::{Json, Query};
pub use layers::{CSRF_HEADER, mount};
pub use problem::{FieldError, Problem};
