//! Contract test suites: what every adapter of a port must do.
//!
//! An adapter crate runs a suite from its own tests with one macro call,
//! e.g. `gru_ports::store_contract!(make_store());`, which expands to one
//! `#[tokio::test]` per behaviour so a failure names the behaviour.

pub mod files;
pub mod mailer;
pub mod store;

/// A name no other test uses, for tables, buckets and partitions.
pub fn unique_name(prefix: &str) -> String {
    use rand::Rng;
    format!("{prefix}-{:016x}", rand::rng().random::<u64>())
}

/// The moto server started by `cargo xtask test` (it sets `GRU_MOTO_ENDPOINT`).
pub fn moto_endpoint() -> String {
    std::env::var("GRU_MOTO_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "GRU_MOTO_ENDPOINT is not set: the AWS adapter tests run against moto server. \
             Run them with `cargo xtask test`, or start one with `cargo xtask moto` and export \
             the endpoint it prints."
        )
    })
}
