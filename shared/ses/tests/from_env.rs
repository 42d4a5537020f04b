//! `SesMailer::from_env` reads the variables the Lambda sets and honours
//! `AWS_ENDPOINT_URL` (here moto). This is the only test of its binary
//! because it changes the process environment.

use gru_ports::contract::{moto_endpoint, unique_name};
use gru_ports::{Email, Mailer, MailerError};

#[test]
fn from_env_sends_from_the_configured_address() {
    let endpoint = moto_endpoint();
    let from = format!("{}@mairie.example.org", unique_name("env"));
    // SAFETY: no other thread reads the environment: this is the binary's
    // only test, and the runtime is started afterwards.
    unsafe {
        std::env::remove_var("MAIL_FROM");
        std::env::set_var("AWS_ENDPOINT_URL", &endpoint);
        std::env::set_var("AWS_ACCESS_KEY_ID", "test");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
        std::env::set_var("AWS_REGION", "eu-west-3");
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let missing = runtime.block_on(gru_ses::SesMailer::from_env());
    assert!(matches!(missing, Err(MailerError::Backend(_))), "MAIL_FROM is required");
    // SAFETY: as above; the runtime's threads are idle and never read it.
    unsafe { std::env::set_var("MAIL_FROM", &from) };
    runtime.block_on(async {
        let config = gru_aws::sdk_config_from_env().unwrap();
        let ses = aws_sdk_ses::Client::new(&config);
        ses.verify_email_identity().email_address(&from).send().await.unwrap();
        let mailer = gru_ses::SesMailer::from_env().await.unwrap();
        let email = Email {
            to: "camille.martin@example.org".into(),
            subject: "Test".into(),
            text: "Bonjour".into(),
            html: None,
            attachments: Vec::new(),
            from_name: None,
        };
        assert!(!mailer.send(&email).await.unwrap().is_empty());
    });
}
