//! The Mailer contract on the outbox folder, and the outbox page.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use gru_embedded::mail_folder::router;
use gru_embedded::{OutboxMailer, outbox_messages};
use gru_ports::contract::mailer::MailerFixture;
use gru_ports::mailer::{Email, Mailer};
use http_body_util::BodyExt;
use std::sync::Arc;
use tempfile::TempDir;
use tower::ServiceExt;

const FROM: &str = "Mairie de Test <ne-pas-repondre@mairie.example>";

struct Outbox {
    dir: TempDir,
    mailer: Arc<OutboxMailer>,
}

impl Outbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let mailer = Arc::new(OutboxMailer::new(dir.path().join("outbox"), FROM.to_owned()));
        Self { dir, mailer }
    }
}

#[async_trait::async_trait]
impl MailerFixture for Outbox {
    fn mailer(&self) -> Arc<dyn Mailer> {
        self.mailer.clone()
    }

    async fn delivered(&self) -> Vec<Vec<u8>> {
        let Ok(entries) = std::fs::read_dir(self.dir.path().join("outbox")) else {
            return Vec::new();
        };
        entries
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
            .map(|path| std::fs::read(path).unwrap())
            .collect()
    }
}

gru_ports::mailer_contract!(Arc::new(Outbox::new()));

async fn get(outbox: &Outbox, uri: &str) -> (StatusCode, String, String) {
    let app = router(outbox.dir.path().join("outbox"));
    let response = app.oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let content_type =
        response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, content_type, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn the_outbox_page_lists_messages_newest_first_with_their_links() {
    let outbox = Outbox::new();
    let (status, _, page) = get(&outbox, "/outbox/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Aucun courriel"), "{page}");

    let first = Email {
        to: "camille.martin@example.org".into(),
        subject: "Premier".into(),
        text: "Bonjour.".into(),
        html: None,
        attachments: Vec::new(),
        from_name: None,
    };
    let link = format!("https://mairie.example/suivi?jeton={}&r=R-1", "é".repeat(40));
    let second = Email {
        to: "zoe@example.org".into(),
        subject: "<script>alert(\"x\")</script> & état civil".into(),
        text: format!("Suivez votre demande : {link}\nMerci."),
        html: Some("<p>Suivez votre demande.</p>".into()),
        attachments: Vec::new(),
        from_name: None,
    };
    let first_id = outbox.mailer.send(&first).await.unwrap();
    let second_id = outbox.mailer.send(&second).await.unwrap();

    let entries = outbox_messages(&outbox.dir.path().join("outbox")).unwrap();
    let files: Vec<&str> = entries.iter().map(|e| e.file.as_str()).collect();
    assert_eq!(files, [format!("{second_id}.eml"), format!("{first_id}.eml")], "newest first");
    assert_eq!(entries[0].subject, second.subject);
    assert_eq!(entries[0].links, std::slice::from_ref(&link));

    let (status, content_type, page) = get(&outbox, "/outbox/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "text/html; charset=utf-8");
    assert!(page.contains("<html lang=\"fr\">"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; état civil"), "{page}");
    assert!(!page.contains("<script>"), "{page}");
    assert!(page.contains(&format!("href=\"{}\"", link.replace('&', "&amp;"))), "{page}");
    let (newer, older) = (page.find(&second_id).unwrap(), page.find(&first_id).unwrap());
    assert!(newer < older, "newest first on the page");

    let (status, content_type, raw) = get(&outbox, &format!("/outbox/{second_id}.eml")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "text/plain; charset=utf-8");
    assert!(raw.contains("To: zoe@example.org"), "{raw}");
}

#[tokio::test]
async fn the_outbox_serves_only_its_own_messages() {
    let outbox = Outbox::new();
    let id = outbox
        .mailer
        .send(&Email {
            to: "a@example.org".into(),
            subject: "s".into(),
            text: "t".into(),
            html: None,
            attachments: Vec::new(),
            from_name: None,
        })
        .await
        .unwrap();
    std::fs::write(outbox.dir.path().join("secret.txt"), "secret").unwrap();
    std::fs::write(outbox.dir.path().join("outbox/notes.eml"), "not a message").unwrap();
    for uri in [
        "/outbox/../x",
        "/outbox/..%2Fsecret.txt",
        "/outbox/..%2F..%2Fsecret.txt",
        "/outbox/notes.eml",
        "/outbox/%2E%2E",
        "/outbox/20270328T101500.123456Z-0123456789abcdef.eml",
        &format!("/outbox/{id}.eml%00"),
        &format!("/outbox/..%2Foutbox%2F{id}.eml"),
    ] {
        let (status, _, body) = get(&outbox, uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {body}");
        assert!(!body.contains("secret"), "{uri}: {body}");
    }
    let (status, _, _) = get(&outbox, &format!("/outbox/{id}.eml")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_invalid_sender_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mailer = OutboxMailer::new(dir.path().to_owned(), "not an address".into());
    let email = Email {
        to: "a@example.org".into(),
        subject: "s".into(),
        text: "t".into(),
        html: None,
        attachments: Vec::new(),
        from_name: None,
    };
    assert!(mailer.send(&email).await.is_err());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
