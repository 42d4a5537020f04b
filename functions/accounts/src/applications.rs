//! The admins' management of outside applications' keys (Open311 apps,
//! `docs/open311.md`): issue one per application (shown once), list them,
//! revoke one. Every change is written with its audit entry.

use crate::agents::Admin;
use crate::api::invalid;
use crate::profile::validate_name;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use gru_records::applications::{Application, Applications};
use gru_web::{FieldError, Json, Problem, Shared, WebState};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The handlers' state.
#[derive(Clone)]
struct Keys {
    shared: Arc<Shared>,
    applications: Applications,
}

impl WebState for Keys {
    fn shared(&self) -> &Shared {
        &self.shared
    }
}

/// The applications' routes, relative to the accounts function's prefix.
pub(crate) fn routes(shared: Arc<Shared>) -> Router {
    let state = Keys { applications: Applications::new(shared.platform.store.clone()), shared };
    Router::new()
        .route("/applications", get(list).post(issue))
        .route("/applications/{id}", delete(revoke))
        .with_state(state)
}

async fn list(State(state): State<Keys>, Admin(_): Admin) -> Result<Response, Problem> {
    let applications = state.applications.list().await?;
    Ok(axum::Json(applications).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IssueBody {
    name: String,
}

/// What an admin gets once: the application and its key.
#[derive(Serialize)]
struct Issued {
    application: Application,
    api_key: String,
}

async fn issue(
    State(state): State<Keys>,
    Admin(admin): Admin,
    Json(body): Json<IssueBody>,
) -> Result<Response, Problem> {
    let mut errors: Vec<FieldError> = Vec::new();
    let Some(name) = validate_name("name", Some(body.name), &mut errors) else {
        if errors.is_empty() {
            errors.push(FieldError {
                field: "name".into(),
                message: "Indiquez le nom de l'application.".into(),
            });
        }
        return Err(invalid(errors));
    };
    let now = state.shared.platform.clock.now();
    let audit = state.shared.audit.entry(&admin, "application.issue", None, Some(&name));
    let (application, api_key) = state.applications.issue(&name, &admin.id, now, vec![audit]).await?;
    Ok((StatusCode::CREATED, axum::Json(Issued { application, api_key })).into_response())
}

async fn revoke(
    State(state): State<Keys>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let now = state.shared.platform.clock.now();
    let audit = state.shared.audit.entry(&admin, "application.revoke", None, Some(&id));
    match state.applications.revoke(&id, now, vec![audit]).await? {
        Some(application) => Ok(axum::Json(application).into_response()),
        None => Err(Problem::not_found("Aucune application n'a cet identifiant.")),
    }
}
