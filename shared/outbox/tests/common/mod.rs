#![allow(dead_code)] // Each test binary uses its own part of it.

//! What the outbox's tests share: a mailer that records (and fails when
//! told to), and the race of two notifiers, run on each store.

use gru_outbox::{Outbox, enqueue};
use gru_ports::{Clock, Email, Mailer, MailerError, Query, Store, SystemClock};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Records what it sends; fails the first `failures` sends.
#[derive(Default)]
pub struct TestMailer {
    pub sent: Mutex<Vec<Email>>,
    failures: AtomicUsize,
}

impl TestMailer {
    pub fn failing(failures: usize) -> Self {
        Self { failures: AtomicUsize::new(failures), ..Self::default() }
    }

    pub fn subjects(&self) -> Vec<String> {
        self.sent.lock().unwrap().iter().map(|e| e.subject.clone()).collect()
    }
}

#[async_trait::async_trait]
impl Mailer for TestMailer {
    async fn send(&self, email: &Email) -> Result<String, MailerError> {
        // A send takes a while, so concurrent notifiers really interleave.
        tokio::task::yield_now().await;
        if self.failures.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
            return Err(MailerError::Backend("the mail service is down".into()));
        }
        if !email.to.contains('@') {
            return Err(MailerError::InvalidAddress(email.to.clone()));
        }
        self.sent.lock().unwrap().push(email.clone());
        Ok(format!("message-{}", self.sent.lock().unwrap().len()))
    }
}

pub fn email(to: &str, subject: &str) -> Email {
    Email {
        to: to.into(),
        subject: subject.into(),
        text: "Bonjour,\n".into(),
        html: None,
        attachments: Vec::new(),
        from_name: None,
    }
}

/// Files kept under `dir` (the embedded adapter: deleting really deletes).
pub fn files(dir: &std::path::Path) -> Arc<gru_embedded::LocalFiles> {
    Arc::new(gru_embedded::LocalFiles::new(
        dir.to_owned(),
        "http://localhost".into(),
        [7; 32],
        Arc::new(SystemClock),
    ))
}

/// The items left in the outbox's partition.
pub async fn waiting(store: &dyn Store) -> usize {
    store.query(Query::partition(gru_outbox::PARTITION)).await.unwrap().items.len()
}

/// Two notifiers deliver 50 due emails at the same time: each email goes
/// out exactly once, and the outbox is empty after.
pub async fn two_notifiers_send_each_email_once(store: Arc<dyn Store>) {
    let now = SystemClock.now();
    for n in 0..50 {
        let op =
            enqueue(&email("camille@exemple.fr", &format!("email {n}")), &format!("REF-{n}#submitted"), now)
                .unwrap();
        store.transact(vec![op]).await.unwrap();
    }
    let mailer = Arc::new(TestMailer::default());
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::new(store.clone(), mailer.clone(), files(dir.path()), Arc::new(SystemClock));
    let notifiers: Vec<_> = (0..2)
        .map(|_| {
            let outbox = outbox.clone();
            tokio::spawn(async move { outbox.deliver_due().await.unwrap() })
        })
        .collect();
    let mut sent = 0;
    for notifier in notifiers {
        let delivery = notifier.await.unwrap();
        assert_eq!((delivery.failed, delivery.waiting), (0, 0));
        sent += delivery.sent;
    }
    let mut counts: HashMap<String, usize> = HashMap::new();
    for subject in mailer.subjects() {
        *counts.entry(subject).or_default() += 1;
    }
    assert_eq!(counts.len(), 50, "every email went out");
    assert!(counts.values().all(|n| *n == 1), "none twice: {counts:?}");
    assert_eq!(sent, 50);
    assert_eq!(waiting(store.as_ref()).await, 0);
}
