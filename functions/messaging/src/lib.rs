//! The messaging function: the thread of each request between its citizen
//! and the agents of its service, the agents' internal notes, and what each
//! side has not read yet. An agent may ask the citizen for something with
//! a message: the request then waits for the citizen, and the citizen's
//! answer moves it back. See docs/messaging.md.
//!
//! Routes (all under [`PREFIX`]; bodies are JSON, unknown fields refused;
//! every `POST` needs the `X-GRU-CSRF` header):
//!
//! | route | who | answer |
//! |---|---|---|
//! | `GET /requests/{reference}/thread` | the request's citizen (signed in) | the thread without notes; marks it read for the citizen |
//! | `POST /requests/{reference}/thread` `{text, files?}` | the request's citizen | 201 the message; a request waiting for the citizen moves back |
//! | `POST /tracking/thread` `{token}` | holder of the request's tracking link | as `GET /requests/{reference}/thread` |
//! | `POST /tracking/thread/messages` `{token, text, files?}` | holder of the tracking link | as `POST /requests/{reference}/thread` |
//! | `GET /agent/requests/{reference}/thread` | agent handling the request's service | messages and notes; marks it read for agents; audited |
//! | `POST /agent/requests/{reference}/thread` `{text, internal?, files?, ask?: {version}}` | agent handling the service | 201 the message; `ask` moves the request to the workflow's waiting status (409 on a stale `version`) |
//! | `GET /unread` | citizen | `{reference: count}` for each of the citizen's requests |
//!
//! A request the caller may not reach (another citizen's, another
//! service's for an agent) is the same 404 as a reference that does not
//! exist. No session: 401 `unauthenticated`. Every answer is
//! `Cache-Control: no-store, private`. Citizens' messages are rate-limited per
//! request and per client address (429 `rate-limited`); a thread answers
//! with its last messages only ([`repository::SHOWN_MESSAGES`]).

mod api;
mod emails;
mod post;
pub mod repository;
pub mod thread;
mod views;

pub use api::router;

/// The URL prefix this function owns (one API Gateway route).
pub const PREFIX: &str = "/api/messaging";
