//! The AWS SDK's configuration every adapter (`gru-dynamodb`, `gru-s3`,
//! `gru-ses`) builds its client from, without aws-config: on Lambda the
//! region and the credentials are environment variables, so the credential
//! chain, its STS client and its profile files are dead weight in every
//! package and in every cold start.
//!
//! - [`sdk_config_from_env`]: `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
//!   `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` (optional) and
//!   `AWS_ENDPOINT_URL` (optional: a local emulator such as moto).
//! - [`emulator_config`]: fixed test credentials against a local emulator.
//! - [`http_client`]: rustls on ring, trusting only the roots AWS's public
//!   endpoints chain to (`amazon-roots.pem`, compiled in), so nothing reads
//!   the system's trust store at start; plain `http://` endpoints work too.
//!
//! The operator's tools (the portal's `catalogue import --store dynamodb`)
//! keep aws-config, for profiles and SSO.

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_types::SdkConfig;
use aws_types::region::Region;

/// The roots of Amazon Trust Services (Amazon Root CA 1 to 4 and Starfield
/// Services Root Certificate Authority - G2), in PEM; the file names its
/// source and each root's fingerprint.
pub const AMAZON_ROOTS_PEM: &str = include_str!("amazon-roots.pem");

/// The region of [`emulator_config`].
pub const EMULATOR_REGION: &str = "eu-west-3";

/// The configuration of a Lambda's AWS clients, from the variables Lambda
/// sets: `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
/// `AWS_SESSION_TOKEN` (optional); `AWS_ENDPOINT_URL`, when set, sends
/// every call to that address (a local emulator). The error names the
/// missing variable.
pub fn sdk_config_from_env() -> Result<SdkConfig, String> {
    sdk_config_from(|name| std::env::var(name).ok())
}

/// [`sdk_config_from_env`] on any source of variables.
fn sdk_config_from(var: impl Fn(&str) -> Option<String>) -> Result<SdkConfig, String> {
    let required = |name: &str| {
        var(name).filter(|v| !v.is_empty()).ok_or_else(|| format!("la variable {name} n'est pas définie"))
    };
    let region = required("AWS_REGION")?;
    let credentials = Credentials::new(
        required("AWS_ACCESS_KEY_ID")?,
        required("AWS_SECRET_ACCESS_KEY")?,
        var("AWS_SESSION_TOKEN").filter(|v| !v.is_empty()),
        None,
        "environment",
    );
    let mut config = base(Region::new(region), credentials);
    config.set_endpoint_url(var("AWS_ENDPOINT_URL").filter(|v| !v.is_empty()));
    Ok(config.build())
}

/// The configuration of clients for a local emulator (moto server) at
/// `endpoint`, with fixed test credentials, in [`EMULATOR_REGION`], so tests
/// and local tooling depend on nobody's AWS configuration.
pub fn emulator_config(endpoint: &str) -> SdkConfig {
    base(Region::new(EMULATOR_REGION), Credentials::new("test", "test", None, None, "emulator"))
        .endpoint_url(endpoint)
        .build()
}

fn base(region: Region, credentials: Credentials) -> aws_types::sdk_config::Builder {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(region)
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .http_client(http_client())
}

/// The HTTP client of every AWS client: hyper and rustls on ring, trusting
/// [`AMAZON_ROOTS_PEM`] only. `http://` endpoints are reached in the clear.
pub fn http_client() -> SharedHttpClient {
    let roots =
        TrustStore::empty().with_native_roots(false).with_pem_certificate(AMAZON_ROOTS_PEM.as_bytes());
    let context =
        TlsContext::builder().with_trust_store(roots).build().expect("a trust store is a valid TLS context");
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .tls_context(context)
        .build_https()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    use std::collections::HashMap;

    #[test]
    fn the_five_amazon_roots_parse() {
        let roots: Vec<_> =
            CertificateDer::pem_slice_iter(AMAZON_ROOTS_PEM.as_bytes()).collect::<Result<_, _>>().unwrap();
        assert_eq!(roots.len(), 5);
    }

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn each_missing_variable_is_named() {
        let all =
            [("AWS_REGION", "eu-west-3"), ("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_SECRET_ACCESS_KEY", "secret")];
        for missing in ["AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
            let some: Vec<_> = all.iter().copied().filter(|(k, _)| *k != missing).collect();
            let error = sdk_config_from(vars(&some)).unwrap_err();
            assert_eq!(error, format!("la variable {missing} n'est pas définie"));
            let empty: Vec<_> = all.iter().map(|&(k, v)| (k, if k == missing { "" } else { v })).collect();
            assert!(sdk_config_from(vars(&empty)).unwrap_err().contains(missing));
        }
    }

    #[test]
    fn the_environment_gives_region_endpoint_and_an_http_client() {
        let config = sdk_config_from(vars(&[
            ("AWS_REGION", "eu-west-3"),
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "token"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
        ]))
        .unwrap();
        assert_eq!(config.region().map(|r| r.as_ref()), Some("eu-west-3"));
        assert_eq!(config.endpoint_url(), Some("http://127.0.0.1:5000"));
        assert!(config.http_client().is_some());
        assert!(config.credentials_provider().is_some());

        let config = sdk_config_from(vars(&[
            ("AWS_REGION", "eu-west-3"),
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
        ]))
        .unwrap();
        assert_eq!(config.endpoint_url(), None, "the regional endpoint");
    }
}
