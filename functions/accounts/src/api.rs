//! HTTP handlers of the accounts function.

use crate::profile::{ProfileInput, validate_name};
use crate::{PREFIX, agents, emails, password};
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use gru_domain::account::Profile;
use gru_ports::{Clock, Email, Mailer};
use gru_records::accounts::{Account, AccountRepository, AccountsError, EmailToken, StoredToken};
use gru_web::session::{clear_cookie, set_cookie, unauthenticated};
use gru_web::{Citizen, ClientAddress, FieldError, Json, Platform, Problem, Shared, WebState, tokens};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

const SIGNUP_LINK_LIFETIME: SignedDuration = SignedDuration::from_hours(24);
const SIGN_IN_LINK_LIFETIME: SignedDuration = SignedDuration::from_mins(15);
const RESET_LINK_LIFETIME: SignedDuration = SignedDuration::from_hours(1);

/// One rate limit of `docs/requests.md`: at most `hits` per `window`.
struct Limit {
    bucket: &'static str,
    hits: u32,
    window: SignedDuration,
}

const SIGN_IN_PER_EMAIL: Limit =
    Limit { bucket: "signin-email", hits: 10, window: SignedDuration::from_mins(15) };
const SIGN_IN_PER_ADDRESS: Limit =
    Limit { bucket: "signin-address", hits: 50, window: SignedDuration::from_mins(15) };
const SIGNUP_PER_EMAIL: Limit = Limit { bucket: "signup", hits: 5, window: SignedDuration::from_hours(1) };
/// Each sign-up costs a password hash: one address cannot make the server
/// compute them by the thousand with made-up emails.
const SIGNUP_PER_ADDRESS: Limit =
    Limit { bucket: "signup-address", hits: 20, window: SignedDuration::from_hours(1) };
const LINK_PER_EMAIL: Limit = Limit { bucket: "signin-link", hits: 5, window: SignedDuration::from_hours(1) };
const RESET_PER_EMAIL: Limit = Limit { bucket: "reset", hits: 5, window: SignedDuration::from_hours(1) };

/// The same words whether or not the email has an account.
const SIGNUP_SENT: &str =
    "Un message vient d'être envoyé à cette adresse : suivez ses instructions pour continuer.";
const LINK_SENT: &str = "Si un compte correspond à cette adresse, un message vient de lui être envoyé.";

/// The handlers' state.
#[derive(Clone)]
struct Accounts {
    shared: Arc<Shared>,
    repository: AccountRepository,
    mailer: Arc<dyn Mailer>,
    clock: Arc<dyn Clock>,
    public_url: Arc<str>,
}

impl WebState for Accounts {
    fn shared(&self) -> &Shared {
        &self.shared
    }
}

/// The accounts function's routes, under [`PREFIX`]: the citizens' and
/// the agents' (`agents.rs`).
pub fn router(platform: &Platform, mailer: Arc<dyn Mailer>) -> Router {
    let shared = Arc::new(Shared::new(platform));
    let agent_routes = agents::routes(shared.clone());
    let application_routes = crate::applications::routes(shared.clone());
    let state = Accounts {
        repository: AccountRepository::new(platform.store.clone()),
        mailer,
        clock: platform.clock.clone(),
        public_url: platform.settings.public_url.as_str().into(),
        shared,
    };
    let routes = Router::new()
        .route("/signup", post(signup))
        .route("/signup/verify", post(verify_signup))
        .route("/signin", post(sign_in))
        .route("/signin/link", post(send_sign_in_link))
        .route("/signin/link/confirm", post(confirm_sign_in_link))
        .route("/password/reset", post(send_reset_link))
        .route("/password/reset/confirm", post(confirm_reset))
        .route("/password/change", post(change_password))
        .route("/signout", post(sign_out))
        .route("/signout/everywhere", post(sign_out_everywhere))
        .route("/me", get(me))
        .route("/me/profile", put(update_profile))
        .with_state(state)
        .merge(agent_routes)
        .merge(application_routes);
    // Every answer concerns one person: `mount` marks them all
    // `Cache-Control: no-store, private`.
    gru_web::mount(PREFIX, routes)
}

impl Accounts {
    async fn limit(&self, limit: &Limit, subject: &str) -> Result<(), Problem> {
        self.shared.limiter.hit(limit.bucket, subject, limit.hits, limit.window).await
    }

    fn expiry(&self, lifetime: SignedDuration) -> Timestamp {
        self.clock.now() + lifetime
    }

    /// Stores a new email link and returns its token, for the email only.
    async fn new_link(&self, token: EmailToken, lifetime: SignedDuration) -> Result<String, AccountsError> {
        let secret = tokens::random_token();
        self.repository.save_token(&tokens::hash(&secret), &token, self.expiry(lifetime)).await?;
        Ok(secret)
    }

    /// The email link `secret` opens, if it is still live.
    async fn link(&self, secret: &str) -> Result<StoredToken, AccountsError> {
        self.repository.token(&tokens::hash(secret), self.clock.now()).await
    }

    async fn send(&self, email: Email) -> Result<(), AccountsError> {
        self.mailer.send(&email).await?;
        Ok(())
    }

    /// Opens a session and answers with its cookie and the account.
    async fn signed_in(&self, status: StatusCode, account: Account) -> Result<Response, AccountsError> {
        let token = self.shared.sessions.start(&account.id, &account.email).await?;
        Ok((status, [(header::SET_COOKIE, set_cookie(&token))], axum::Json(MeView::from(account)))
            .into_response())
    }
}

/// 422 naming every field at fault.
pub(crate) fn invalid(errors: Vec<FieldError>) -> Problem {
    Problem::invalid(errors)
}

fn field_error(field: &str, message: &str) -> FieldError {
    FieldError { field: field.to_owned(), message: message.to_owned() }
}

fn check_email(raw: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let email = tokens::normalize_email(raw);
    if email.is_none() {
        errors.push(field_error("email", "Saisissez une adresse électronique de la forme nom@exemple.fr."));
    }
    email
}

fn check_password(field: &str, password: &str, errors: &mut Vec<FieldError>) {
    if !password::LENGTH.contains(&password.chars().count()) {
        let (min, max) = (password::LENGTH.start(), password::LENGTH.end());
        let count = password.chars().count();
        let message = if count < *min {
            format!(
                "Choisissez un mot de passe d'au moins {min} caractères (celui-ci en a {count}) : une phrase facile à retenir convient très bien."
            )
        } else {
            format!("Choisissez un mot de passe de {max} caractères au plus.")
        };
        errors.push(field_error(field, &message));
    }
}

/// The normalised email of a body holding nothing else to check.
fn valid_email(raw: &str) -> Result<String, Problem> {
    let mut errors = Vec::new();
    check_email(raw, &mut errors).ok_or_else(|| invalid(errors))
}

fn accepted(message: &str) -> Response {
    (StatusCode::ACCEPTED, axum::Json(serde_json::json!({ "message": message }))).into_response()
}

fn signed_out() -> Response {
    (StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear_cookie())]).into_response()
}

/// What a citizen sees of their account.
#[derive(Serialize)]
struct MeView {
    email: String,
    profile: Profile,
}

impl From<Account> for MeView {
    fn from(account: Account) -> Self {
        Self { email: account.email, profile: account.profile }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignupBody {
    email: String,
    password: String,
    #[serde(default)]
    name: Option<String>,
}

/// Emails a link that creates the account, or, when the email has one
/// already, a message saying so: the answer is the same either way.
async fn signup(
    State(app): State<Accounts>,
    address: ClientAddress,
    Json(body): Json<SignupBody>,
) -> Result<Response, Problem> {
    let mut errors = Vec::new();
    let email = check_email(&body.email, &mut errors);
    check_password("password", &body.password, &mut errors);
    let name = validate_name("name", body.name, &mut errors);
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(invalid(errors));
    };
    if let Some(subject) = address.rate_limit_subject() {
        app.limit(&SIGNUP_PER_ADDRESS, &subject).await?;
    }
    app.limit(&SIGNUP_PER_EMAIL, &email).await?;
    // Hashed even when it will not be used, so both branches take as long.
    let password_hash = password::hash(body.password).await?;
    let message = match app.repository.account_by_email(&email).await? {
        Some(_) => emails::already_registered(&email, &app.public_url),
        None => {
            let profile = Profile { name, ..Profile::default() };
            let pending = EmailToken::Signup { email: email.clone(), password_hash, profile };
            let secret = app.new_link(pending, SIGNUP_LINK_LIFETIME).await?;
            emails::verify(&email, &app.public_url, &secret)
        }
    };
    app.send(message).await?;
    Ok(accepted(SIGNUP_SENT))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    token: String,
}

async fn verify_signup(
    State(app): State<Accounts>,
    Json(body): Json<TokenBody>,
) -> Result<Response, Problem> {
    let link = app.link(&body.token).await?;
    let EmailToken::Signup { email, password_hash, profile } = link.token.clone() else {
        return Err(AccountsError::InvalidToken.into());
    };
    let account = Account {
        id: AccountRepository::new_id(),
        email,
        password_hash,
        profile,
        created_at: app.clock.now(),
    };
    app.repository.create_account(&account, &link).await?;
    Ok(app.signed_in(StatusCode::CREATED, account).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInBody {
    email: String,
    password: String,
}

/// One answer for an unknown email and a wrong password, after the same work.
async fn sign_in(
    State(app): State<Accounts>,
    address: ClientAddress,
    Json(body): Json<SignInBody>,
) -> Result<Response, Problem> {
    let email = valid_email(&body.email)?;
    if let Some(subject) = address.rate_limit_subject() {
        app.limit(&SIGN_IN_PER_ADDRESS, &subject).await?;
    }
    app.limit(&SIGN_IN_PER_EMAIL, &email).await?;
    let account = app.repository.account_by_email(&email).await?;
    // Without an account the password is checked against a dummy hash.
    let matches = password::verify(body.password, account.as_ref().map(|a| a.password_hash.clone())).await?;
    match account.filter(|_| matches) {
        Some(account) => Ok(app.signed_in(StatusCode::OK, account).await?),
        None => Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "invalid-credentials",
            "Identifiants incorrects",
            "L'adresse électronique ou le mot de passe est incorrect.",
        )),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailBody {
    email: String,
}

async fn send_sign_in_link(
    State(app): State<Accounts>,
    Json(body): Json<EmailBody>,
) -> Result<Response, Problem> {
    let email = valid_email(&body.email)?;
    app.limit(&LINK_PER_EMAIL, &email).await?;
    let message = match app.repository.account_by_email(&email).await? {
        Some(account) => {
            let secret =
                app.new_link(EmailToken::SignIn { account_id: account.id }, SIGN_IN_LINK_LIFETIME).await?;
            emails::sign_in(&account.email, &app.public_url, &secret)
        }
        None => emails::no_account(&email, &app.public_url, emails::Asked::SignInLink),
    };
    app.send(message).await?;
    Ok(accepted(LINK_SENT))
}

async fn confirm_sign_in_link(
    State(app): State<Accounts>,
    Json(body): Json<TokenBody>,
) -> Result<Response, Problem> {
    let link = app.link(&body.token).await?;
    let EmailToken::SignIn { account_id } = &link.token else {
        return Err(AccountsError::InvalidToken.into());
    };
    let (account, _) = app.repository.account(account_id).await?.ok_or(AccountsError::InvalidToken)?;
    app.repository.use_token(&link).await?;
    Ok(app.signed_in(StatusCode::OK, account).await?)
}

async fn send_reset_link(
    State(app): State<Accounts>,
    Json(body): Json<EmailBody>,
) -> Result<Response, Problem> {
    let email = valid_email(&body.email)?;
    app.limit(&RESET_PER_EMAIL, &email).await?;
    let message = match app.repository.account_by_email(&email).await? {
        Some(account) => {
            let secret =
                app.new_link(EmailToken::Reset { account_id: account.id }, RESET_LINK_LIFETIME).await?;
            emails::reset(&account.email, &app.public_url, &secret)
        }
        None => emails::no_account(&email, &app.public_url, emails::Asked::PasswordReset),
    };
    app.send(message).await?;
    Ok(accepted(LINK_SENT))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetBody {
    token: String,
    password: String,
}

/// Sets the new password and uses the link in one transaction, then ends
/// every session (whoever knew the old password is out) and opens a new one.
async fn confirm_reset(
    State(app): State<Accounts>,
    Json(body): Json<ResetBody>,
) -> Result<Response, Problem> {
    // Checked first, so a refused password leaves the link usable.
    let mut errors = Vec::new();
    check_password("password", &body.password, &mut errors);
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let link = app.link(&body.token).await?;
    let EmailToken::Reset { account_id } = &link.token else {
        return Err(AccountsError::InvalidToken.into());
    };
    let password_hash = password::hash(body.password).await?;
    let account = app
        .repository
        .update(account_id, Some(&link), |account| account.password_hash.clone_from(&password_hash))
        .await?
        .ok_or(AccountsError::InvalidToken)?;
    app.shared.sessions.end_all(&account.id, None).await.map_err(AccountsError::from)?;
    Ok(app.signed_in(StatusCode::OK, account).await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeBody {
    current: String,
    password: String,
}

/// Needs the current password (a session left open on a shared computer is
/// not enough), counted like sign-in attempts; keeps this session only.
async fn change_password(
    State(app): State<Accounts>,
    citizen: Citizen,
    Json(body): Json<ChangeBody>,
) -> Result<Response, Problem> {
    let mut errors = Vec::new();
    check_password("password", &body.password, &mut errors);
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    app.limit(&SIGN_IN_PER_EMAIL, &citizen.email).await?;
    let (account, _) = app.repository.account(&citizen.account_id).await?.ok_or_else(unauthenticated)?;
    if !password::verify(body.current, Some(account.password_hash)).await? {
        return Err(invalid(vec![field_error("current", "Le mot de passe actuel est incorrect.")]));
    }
    let password_hash = password::hash(body.password).await?;
    app.repository
        .update(&citizen.account_id, None, |account| account.password_hash.clone_from(&password_hash))
        .await?
        .ok_or_else(unauthenticated)?;
    app.shared
        .sessions
        .end_all(&citizen.account_id, Some(&citizen.token))
        .await
        .map_err(AccountsError::from)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn sign_out(State(app): State<Accounts>, citizen: Citizen) -> Result<Response, Problem> {
    app.shared.sessions.end(&citizen.token).await.map_err(AccountsError::from)?;
    Ok(signed_out())
}

async fn sign_out_everywhere(State(app): State<Accounts>, citizen: Citizen) -> Result<Response, Problem> {
    app.shared.sessions.end_all(&citizen.account_id, None).await.map_err(AccountsError::from)?;
    Ok(signed_out())
}

async fn me(State(app): State<Accounts>, citizen: Citizen) -> Result<axum::Json<MeView>, Problem> {
    let (account, _) = app.repository.account(&citizen.account_id).await?.ok_or_else(unauthenticated)?;
    Ok(axum::Json(account.into()))
}

async fn update_profile(
    State(app): State<Accounts>,
    citizen: Citizen,
    Json(input): Json<ProfileInput>,
) -> Result<axum::Json<Profile>, Problem> {
    let profile = input.validate().map_err(invalid)?;
    let account = app
        .repository
        .update(&citizen.account_id, None, |account| account.profile.clone_from(&profile))
        .await?
        .ok_or_else(unauthenticated)?;
    Ok(axum::Json(account.profile))
}
