//! The accounts router on a given store, with the outbox mailer and a
//! clock the tests move; requests go through `tower::ServiceExt::oneshot`.

// Each test file uses part of the harness.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use gru_embedded::{OutboxEntry, OutboxMailer, outbox_messages};
use gru_ports::{Clock, FixedClock, Store};
use http::{HeaderMap, Request, header};
use http_body_util::BodyExt;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tower::ServiceExt;

pub const PUBLIC_URL: &str = "https://demarches.belleval.fr";
pub const PASSWORD: &str = "un mot de passe solide";

pub struct Site {
    router: Router,
    pub clock: Arc<FixedClock>,
    outbox: PathBuf,
    _dir: tempfile::TempDir,
}

/// One answer: status, headers, and the body as JSON (`Null` when empty).
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The session token the answer sets, if it sets one.
    pub fn session(&self) -> Option<String> {
        let cookie = self.headers.get(header::SET_COOKIE)?.to_str().ok()?;
        let token = cookie.strip_prefix("gru_session=")?.split(';').next()?;
        (!token.is_empty()).then(|| token.to_owned())
    }

    /// The agent session token the answer sets, if it sets one.
    pub fn agent_session(&self) -> Option<String> {
        let cookie = self.headers.get(header::SET_COOKIE)?.to_str().ok()?;
        let token = cookie.strip_prefix("gru_agent=")?.split(';').next()?;
        (!token.is_empty()).then(|| token.to_owned())
    }

    /// The problem's type without its `urn:gru:problem:` prefix.
    pub fn problem(&self) -> &str {
        assert_eq!(self.headers[header::CONTENT_TYPE], "application/problem+json", "{}", self.body);
        self.body["type"].as_str().unwrap().trim_start_matches("urn:gru:problem:")
    }

    /// The fields named by a problem's `errors`.
    pub fn fields(&self) -> Vec<String> {
        let errors = self.body["errors"].as_array().cloned().unwrap_or_default();
        errors.iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
    }
}

impl Site {
    pub fn new(store: Arc<dyn Store>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let outbox = dir.path().join("outbox");
        let clock = Arc::new(FixedClock::new("2027-03-01T09:00:00Z".parse().unwrap()));
        let platform = gru_web::Platform::with_defaults(store, clock.clone() as Arc<dyn Clock>, PUBLIC_URL);
        let mailer = Arc::new(OutboxMailer::new(outbox.clone(), "Mairie <noreply@belleval.fr>".into()));
        let router = accounts::router(&platform, mailer);
        Self { router, clock, outbox, _dir: dir }
    }

    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap() };
        Answer { status: parts.status.as_u16(), headers: parts.headers, body }
    }

    /// A request as the site's scripts make it: JSON, the CSRF header, and
    /// the session cookie when given.
    pub fn request(method: &str, path: &str, session: Option<&str>, body: Option<&Value>) -> Request<Body> {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("/api/accounts{path}"))
            .header("x-gru-csrf", "1")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = session {
            request = request.header(header::COOKIE, format!("gru_session={token}"));
        }
        let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
        request.body(body).unwrap()
    }

    /// A request from the back office: JSON, the CSRF header, and the
    /// agent's session cookie when given.
    pub fn agent_request(
        method: &str,
        path: &str,
        session: Option<&str>,
        body: Option<&Value>,
    ) -> Request<Body> {
        let mut request = Self::request(method, path, None, body);
        if let Some(token) = session {
            let cookie = http::HeaderValue::from_str(&format!("gru_agent={token}")).unwrap();
            request.headers_mut().insert(header::COOKIE, cookie);
        }
        request
    }

    pub async fn post(&self, path: &str, session: Option<&str>, body: Value) -> Answer {
        self.send(Self::request("POST", path, session, Some(&body))).await
    }

    /// A POST from the TCP peer `peer`, as the portal serves it.
    pub async fn post_from(&self, peer: [u8; 4], path: &str, body: Value) -> Answer {
        let mut request = Self::request("POST", path, None, Some(&body));
        request.extensions_mut().insert(ConnectInfo(SocketAddr::from((peer, 40000))));
        self.send(request).await
    }

    pub async fn get(&self, path: &str, session: Option<&str>) -> Answer {
        self.send(Self::request("GET", path, session, None)).await
    }

    /// The messages sent to `to`, newest first.
    pub fn mail_to(&self, to: &str) -> Vec<OutboxEntry> {
        outbox_messages(&self.outbox).unwrap().into_iter().filter(|m| m.to.contains(to)).collect()
    }

    /// The token of the newest link to `page` sent to `to`.
    pub fn token(&self, to: &str, page: &str) -> String {
        let messages = self.mail_to(to);
        let link = messages
            .iter()
            .flat_map(|m| &m.links)
            .find(|link| link.starts_with(&format!("{PUBLIC_URL}{page}#")))
            .unwrap_or_else(|| panic!("no link to {page} was sent"));
        link.split_once('#').unwrap().1.to_owned()
    }

    /// Creates an account through sign-up and verification; returns the session.
    pub async fn account(&self, email: &str) -> String {
        let signup = serde_json::json!({"email": email, "password": PASSWORD});
        assert_eq!(self.post("/signup", None, signup).await.status, 202);
        let token = self.token(email, "/compte/verifier.html");
        let verified = self.post("/signup/verify", None, serde_json::json!({ "token": token })).await;
        assert_eq!(verified.status, 201, "{}", verified.body);
        verified.session().unwrap()
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Answer {
        self.post("/signin", None, serde_json::json!({"email": email, "password": password})).await
    }
}
