//! The page listing the folder's messages, and the router serving it with
//! each raw message.

use super::{OutboxEntry, message_date, outbox_messages};
use crate::problem;
use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gru_domain::text::escape_html as escape;
use std::path::PathBuf;

/// `GET /outbox/`: the page listing the messages; `GET /outbox/{file}`: one
/// message as `text/plain`. For local development only: it has no access
/// control, so it is never merged into a public deployment.
pub fn router(dir: PathBuf) -> Router {
    Router::new()
        .route("/outbox", get(index))
        .route("/outbox/", get(index))
        .route("/outbox/{file}", get(message))
        .with_state(dir)
}

async fn index(State(dir): State<PathBuf>) -> Response {
    let listed = tokio::task::spawn_blocking(move || outbox_messages(&dir)).await;
    match listed {
        Ok(Ok(entries)) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            page(&entries),
        )
            .into_response(),
        Ok(Err(e)) => server_error(&e.to_string()),
        Err(e) => server_error(&e.to_string()),
    }
}

async fn message(State(dir): State<PathBuf>, UrlPath(file): UrlPath<String>) -> Response {
    // Only names this mailer writes: no separator, no dot segment, no traversal.
    if message_date(&file).is_none() {
        return not_found();
    }
    match tokio::fs::read(dir.join(&file)).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8")),
                (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            bytes,
        )
            .into_response(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => not_found(),
        Err(e) => server_error(&e.to_string()),
    }
}

fn not_found() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "message-not-found",
        "Message not found",
        "Ce message n'existe pas dans la boîte d'envoi locale.",
    )
}

fn server_error(error: &str) -> Response {
    tracing::error!(error, "outbox cannot be read");
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "outbox-error",
        "Outbox error",
        "La boîte d'envoi locale n'a pas pu être lue.",
    )
}

fn page(entries: &[OutboxEntry]) -> String {
    let mut rows = String::new();
    for entry in entries {
        let links = if entry.links.is_empty() {
            "<td>Aucun</td>".to_owned()
        } else {
            let items: String = entry
                .links
                .iter()
                .map(|link| format!("<li><a href=\"{0}\">{0}</a></li>", escape(link)))
                .collect();
            format!("<td><ul>{items}</ul></td>")
        };
        let subject =
            if entry.subject.is_empty() { "(sans objet)".to_owned() } else { escape(&entry.subject) };
        let attached = if entry.attachments.is_empty() {
            String::new()
        } else {
            let names: Vec<String> = entry.attachments.iter().map(|a| escape(&a.filename)).collect();
            format!("<br>Pièce(s) jointe(s) : {}", names.join(", "))
        };
        rows.push_str(&format!(
            "<tr><td><time datetime=\"{datetime}\">{shown}</time></td><td>{to}</td>\
             <td><a href=\"/outbox/{file}\">{subject}</a>{attached}</td>{links}</tr>\n",
            datetime = entry.date,
            shown = entry.date.strftime("%d/%m/%Y %H:%M:%S"),
            to = escape(&entry.to),
            file = escape(&entry.file),
        ));
    }
    let body = if entries.is_empty() {
        "<p>Aucun courriel n'a encore été envoyé.</p>".to_owned()
    } else {
        format!(
            "<table>\n<caption>{count} courriel(s), du plus récent au plus ancien \
             (heures en UTC)</caption>\n<thead><tr><th scope=\"col\">Date (UTC)</th>\
             <th scope=\"col\">Destinataire</th><th scope=\"col\">Objet (message brut)</th>\
             <th scope=\"col\">Liens du message</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>",
            count = entries.len()
        )
    };
    format!(
        "<!doctype html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>Boîte d'envoi locale</title>\n\
         <style>body{{font-family:system-ui,sans-serif;margin:1rem 2rem;line-height:1.5}}\
         table{{border-collapse:collapse}}th,td{{border:1px solid #666;padding:.4rem;text-align:left;vertical-align:top}}\
         ul{{margin:0;padding-left:1.2rem}}a{{word-break:break-all}}a:focus{{outline:3px solid #000;outline-offset:2px}}</style>\n\
         </head>\n<body>\n<main>\n<h1>Boîte d'envoi locale</h1>\n\
         <p>Les courriels de cette instance ne partent pas : ils sont écrits ici, pour le développement.</p>\n\
         {body}\n</main>\n</body>\n</html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_the_attachments() {
        let (email, _) = super::super::tests::email_with_attachments();
        let raw = email.to_mime("noreply@example.org").unwrap();
        let name = "20270328T101500.123456Z-0123456789abcdef.eml";
        let entries = [super::super::read::entry(name.into(), message_date(name).unwrap(), &raw)];
        let html = page(&entries);
        assert!(html.contains("Pièce(s) jointe(s) : rendez-vous.ics, récépissé du rendez-vous"), "{html}");
    }

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}
