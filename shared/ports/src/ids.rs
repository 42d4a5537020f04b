//! Identifier generation as a port, so tests can predict ids.

use rand::Rng;

/// Makes new identifiers.
pub trait Ids: Send + Sync {
    /// A new random identifier: 128 bits, URL-safe, not guessable.
    fn secret(&self) -> String;
}

/// Identifiers from the operating system's random source.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomIds;

impl Ids for RandomIds {
    fn secret(&self) -> String {
        use base64::Engine;
        let bytes: [u8; 16] = rand::rng().random();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }
}
