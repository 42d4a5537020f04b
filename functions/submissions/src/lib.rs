//! The submissions function: a citizen fills in a service's form (which
//! adapts to the answers), keeps a draft, and submits it once, with or
//! without an account, getting a reference and a secret tracking link.
//! See docs/requests.md for the flow and docs/forms.md for the forms.
//!
//! Routes (all under [`PREFIX`]):
//!
//! | route | who | answer |
//! |---|---|---|
//! | `POST /evaluate` `{service, form_version?, answers?, page?}` | anyone | visible pages and fields, documents required, errors |
//! | `POST /drafts` `{service}` | anyone | a new draft (owned by the session's account, if any) |
//! | `GET, PUT, DELETE /drafts/{id}` `{answers, page?, version}` (PUT) | the draft's owner | read, save (version-checked), abandon |
//! | `POST /drafts/{id}/email` `{email}` | owner without account | emails a one-time code and a resume link |
//! | `POST /drafts/{id}/submit` `{code?}` | owner | the request's reference and tracking link (`Idempotency-Key`) |
//! | `POST /tracking` `{token}` | holder of a tracking link | the request |
//! | `GET /mine` | citizen | the citizen's requests and drafts |
//! | `GET /requests/{reference}` | the request's citizen | the request |
//! | `POST /agent/requests` `{service, channel, citizen: {email, name?}, answers}` | an agent handling the service | a request recorded for a citizen (phone, email, post, counter): its reference; the tracking link goes to the citizen only, by email (`Idempotency-Key`) |

mod api;
mod emails;

pub use api::router;

/// The URL prefix this function owns (one API Gateway route).
pub const PREFIX: &str = "/api/submissions";
