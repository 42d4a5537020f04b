//! HTTP glue every function shares, so each router only says what is its
//! own: errors as RFC 9457 problem documents, query extraction that reports
//! the field at fault, cache headers for the CDN, the common layers (body
//! limit, request log without personal data), the Lambda entry point, and
//! what citizen-facing functions share: secret tokens, cookie sessions,
//! rate limits and the client's address; and what the back office shares:
//! agents' roles and sessions, and the audit trail; and the [`Platform`]
//! every function runs on, with what their router states share ([`Shared`]).

pub mod agent;
pub mod audit;
pub mod cache;
pub mod client;
pub mod extract;
pub mod lambda;
pub mod layers;
pub mod platform;
pub mod problem;
pub mod rate_limit;
pub mod session;
mod session_store;
pub mod tokens;

pub use agent::{Agent, AgentSessions, Role};
pub use audit::{AuditEntry, AuditTrail};
pub use cache::{CachedJson, NO_STORE, PUBLIC_CATALOGUE};
pub use client::ClientAddress;
pub use extract::{IdempotencyKey, Json, Query};
pub use layers::{CSRF_HEADER, CSRF_VALUE, mount, mount_as_is};
pub use platform::{Ctx, DraftPolicy, Platform, Settings, Shared, WebState};
pub use problem::{FieldError, Problem};
pub use rate_limit::RateLimiter;
pub use session::{Citizen, MaybeCitizen, Sessions};
