//! One-time codes of agents' sign-in: TOTP (RFC 6238) with the parameters
//! every authenticator app uses by default (HMAC-SHA-1, 6 digits, 30-second
//! steps), computed by `totp-rs`.
//!
//! A code is accepted during its own step and the steps on either side
//! (a phone's clock a little off, a code typed as it changes), and only if
//! its step is newer than the last one used: a code seen over a shoulder
//! or replayed from a request log is worth nothing.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use totp_rs::{Algorithm, Secret, TOTP};

const DIGITS: usize = 6;
const STEP_SECONDS: u64 = 30;
/// Steps accepted on either side of the current one.
const SKEW: u64 = 1;
/// RFC 4226 recommends 160 bits.
const SECRET_BYTES: usize = 20;

/// What a label or parameter of an `otpauth://` URI keeps as is: RFC 3986's
/// unreserved characters and the `@` of an email.
const URI_COMPONENT: &AsciiSet =
    &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'@');

/// A new shared secret: 20 random bytes in base32 (RFC 4648, no padding),
/// as authenticator apps take it.
pub fn new_secret() -> String {
    let bytes = rand::random::<[u8; SECRET_BYTES]>().to_vec();
    TOTP::new_unchecked(Algorithm::SHA1, DIGITS, 0, STEP_SECONDS, bytes).get_secret_base32()
}

/// The `otpauth://` URI an authenticator app reads (usually as a QR code):
/// `otpauth://totp/<issuer>:<email>?secret=..&issuer=..`, with the
/// algorithm, digits and period spelled out.
pub fn uri(secret: &str, issuer: &str, email: &str) -> String {
    let issuer = utf8_percent_encode(issuer, URI_COMPONENT).to_string();
    let email = utf8_percent_encode(email, URI_COMPONENT);
    format!(
        "otpauth://totp/{issuer}:{email}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}"
    )
}

/// The generator of a stored secret; `None` if it is not base32 of at
/// least 128 bits (never the case for secrets from [`new_secret`]).
fn generator(secret: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().ok()?;
    TOTP::new(Algorithm::SHA1, DIGITS, 0, STEP_SECONDS, bytes).ok()
}

/// The code of `secret` at `unix_time` (seconds), as the agent's
/// authenticator app shows it: for tests, which play the app's part.
///
/// # Panics
///
/// If `secret` is not base32 of at least 128 bits.
pub fn code(secret: &str, unix_time: u64) -> String {
    generator(secret).expect("a base32 secret of at least 128 bits").generate(unix_time)
}

/// The step (Unix time / 30) of the code `typed` if it is `secret`'s code
/// at `unix_time` give or take one step, and its step comes after
/// `last_used`. Spaces are ignored (apps show `123 456`).
pub fn accepted_step(secret: &str, typed: &str, unix_time: u64, last_used: Option<u64>) -> Option<u64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    let generator = generator(secret)?;
    let current = unix_time / STEP_SECONDS;
    let mut accepted = None;
    // Every candidate is computed and compared in full, so the time taken
    // does not tell which step (or how many digits) matched.
    for step in current.saturating_sub(SKEW)..=current + SKEW {
        let expected = generator.generate(step * STEP_SECONDS);
        let newer = last_used.is_none_or(|last| step > last);
        if same(expected.as_bytes(), typed.as_bytes()) && newer {
            accepted = Some(step);
        }
    }
    accepted
}

/// Whether a code has the shape of one (6 digits, spaces aside): anything
/// else is a typing mistake worth telling before any check.
pub fn well_formed(typed: &str) -> bool {
    let digits: Vec<char> = typed.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() == DIGITS && digits.iter().all(char::is_ascii_digit)
}

/// Byte comparison whose time does not depend on where the bytes differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |diff, (x, y)| diff | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SHA-1 seed of RFC 6238 appendix B, "12345678901234567890", in base32.
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn codes_match_the_rfc_6238_sha1_vectors() {
        // Appendix B gives 8 digits; 6-digit codes are their last six.
        for (time, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code(RFC_SECRET, time), eight[2..], "at {time}");
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_around_and_only_once() {
        let now = 1_234_567_890;
        let step = now / 30;
        let current = code(RFC_SECRET, now);
        assert_eq!(accepted_step(RFC_SECRET, &current, now, None), Some(step));
        assert_eq!(accepted_step(RFC_SECRET, &current, now + 30, None), Some(step), "a step late");
        assert_eq!(accepted_step(RFC_SECRET, &current, now - 30, None), Some(step), "a step early");
        assert_eq!(accepted_step(RFC_SECRET, &current, now + 60, None), None, "two steps late");
        assert_eq!(accepted_step(RFC_SECRET, &current, now, Some(step)), None, "already used");
        assert_eq!(accepted_step(RFC_SECRET, &current, now, Some(step - 1)), Some(step));
        let previous = code(RFC_SECRET, now - 30);
        assert_eq!(accepted_step(RFC_SECRET, &previous, now, Some(step)), None, "older than the last");
        let spaced = format!("{} {}", &current[..3], &current[3..]);
        assert_eq!(accepted_step(RFC_SECRET, &spaced, now, None), Some(step));
        assert_eq!(accepted_step(RFC_SECRET, "000000", now, None).is_some(), current == "000000");
    }

    #[test]
    fn secrets_are_160_bit_base32_and_give_an_otpauth_uri() {
        let secret = new_secret();
        assert_eq!(secret.len(), 32);
        assert!(secret.chars().all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)));
        assert_ne!(secret, new_secret());
        assert!(well_formed(&code(&secret, 1_800_000_000)));
        assert_eq!(
            uri("ABC", "demarches.belleval.fr", "claire+rh@belleval.fr"),
            "otpauth://totp/demarches.belleval.fr:claire%2Brh@belleval.fr?secret=ABC\
             &issuer=demarches.belleval.fr&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn only_six_digits_are_a_code() {
        assert!(well_formed("123456") && well_formed(" 123 456 "));
        for bad in ["", "12345", "1234567", "12345a", "١٢٣٤٥٦"] {
            assert!(!well_formed(bad), "{bad:?}");
        }
    }
}
