//! The Mailer contract against SES, as emulated by moto server
//! (`GRU_MOTO_ENDPOINT`). Each fixture sends from its own verified address,
//! and reads back from moto's model dump only the messages sent from it, so
//! tests running side by side do not see each other's mail.

use async_trait::async_trait;
use aws_sdk_ses::Client;
use gru_ports::Mailer;
use gru_ports::contract::mailer::MailerFixture;
use gru_ports::contract::{moto_endpoint, unique_name};
use gru_ses::SesMailer;
use std::sync::Arc;

struct MotoSes {
    mailer: Arc<SesMailer>,
    sender: String,
    endpoint: String,
}

async fn fresh_fixture() -> Arc<MotoSes> {
    let endpoint = moto_endpoint();
    let client = Client::new(&gru_aws::emulator_config(&endpoint));
    let sender = format!("{}@mairie.example.org", unique_name("ne-pas-repondre"));
    // Like SES, moto refuses to send from an unverified identity.
    client.verify_email_identity().email_address(&sender).send().await.expect("sender is verified");
    Arc::new(MotoSes { mailer: Arc::new(SesMailer::new(client, &sender)), sender, endpoint })
}

#[async_trait]
impl MailerFixture for MotoSes {
    fn mailer(&self) -> Arc<dyn Mailer> {
        self.mailer.clone()
    }

    /// The raw messages moto recorded from this fixture's sender.
    async fn delivered(&self) -> Vec<Vec<u8>> {
        let dump: serde_json::Value = reqwest::get(format!("{}/moto-api/data.json", self.endpoint))
            .await
            .expect("moto answers")
            .json()
            .await
            .expect("moto's model dump is JSON");
        dump["ses"]["RawMessage"]
            .as_array()
            .map(|messages| {
                messages
                    .iter()
                    .filter(|m| m["source"] == self.sender.as_str())
                    .map(|m| m["raw_data"].as_str().expect("raw message text").as_bytes().to_vec())
                    .collect()
            })
            .unwrap_or_default()
    }
}

gru_ports::mailer_contract!(fresh_fixture().await);

#[tokio::test]
async fn the_delivered_message_is_the_rendered_mime() {
    let fixture = fresh_fixture().await;
    let email = gru_ports::Email {
        to: "Camille Martin <camille.martin@example.org>".into(),
        subject: "Rendez-vous confirmé".into(),
        text: "Votre rendez-vous est confirmé.".into(),
        html: None,
        attachments: Vec::new(),
        from_name: None,
    };
    fixture.mailer().send(&email).await.unwrap();
    let delivered = fixture.delivered().await;
    assert_eq!(delivered.len(), 1);
    let text = String::from_utf8(delivered[0].clone()).unwrap();
    assert!(text.contains(&format!("From: {}", fixture.sender)), "{text}");
    assert!(text.contains("To: \"Camille Martin\" <camille.martin@example.org>"), "{text}");
}
