//! Who reaches which case, following `submissions::access` so a file is
//! never easier to reach than its case. Every refusal is the answer an
//! unknown draft, request or file gets: existence is never revealed.

use crate::context::{Ctx, unknown_draft, unknown_request};
use gru_domain::request::{Draft, Request};
use gru_records::access;
use gru_records::requests::Versioned;
use gru_web::Problem;
use gru_web::agent::Agent;
use gru_web::session::Citizen;

/// A draft the caller may use.
pub(crate) async fn draft(
    ctx: &Ctx,
    id: &str,
    citizen: &Option<Citizen>,
) -> Result<Versioned<Draft>, Problem> {
    access::draft(&ctx.requests, id, citizen, ctx.now()).await?.ok_or_else(unknown_draft)
}

/// A request of the signed-in citizen (made with their email).
pub(crate) async fn citizen_request(
    ctx: &Ctx,
    reference: &str,
    citizen: &Citizen,
) -> Result<Option<Request>, Problem> {
    Ok(access::citizen_request(&ctx.requests, reference, citizen).await?)
}

/// The request a tracking link's token leads to.
pub(crate) async fn tracked_request(ctx: &Ctx, token: &str) -> Result<Option<Request>, Problem> {
    Ok(access::tracked_request(&ctx.requests, token).await?)
}

/// A request of a service the agent handles: a request of another service
/// is as unknown as one that does not exist.
pub(crate) async fn agent_request(
    ctx: &Ctx,
    reference: &str,
    agent: &Agent,
) -> Result<Option<Versioned<Request>>, Problem> {
    let request = ctx.requests.request_versioned(reference).await?;
    Ok(request.filter(|r| agent.handles(&r.value.service)))
}

/// The request as it is now, with the version a write of its case
/// checks (the citizen and the link holder reach it through lookups that
/// do not carry the version).
pub(crate) async fn current(ctx: &Ctx, request: Request) -> Result<Versioned<Request>, Problem> {
    ctx.requests.request_versioned(&request.reference).await?.ok_or_else(unknown_request)
}
