//! `POST /evaluate`: a service's form as the answers given so far make it
//! (visible pages and fields, documents required, errors), nothing stored.

use super::{Ctx, Inner};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use gru_domain::form::Answers;
use gru_web::{Json, Problem};
use serde::Deserialize;

impl Inner {
    /// Today in the city's time zone.
    async fn today(&self) -> Result<jiff::civil::Date, Problem> {
        Ok(self.city_day().await?.today)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EvaluateBody {
    service: String,
    form_version: Option<u32>,
    #[serde(default)]
    answers: Answers,
    page: Option<String>,
}

/// The form as the answers make it: visible pages and fields, documents
/// required in this case, and the errors of the answers given.
pub(super) async fn evaluate(
    State(ctx): State<Ctx>,
    Json(body): Json<EvaluateBody>,
) -> Result<Response, Problem> {
    let form = ctx.form(&body.service, body.form_version).await?;
    let today = ctx.today().await?;
    Ok(axum::Json(form.evaluate(&body.answers, today, body.page.as_deref())).into_response())
}
