//! Secret tokens and email keys.
//!
//! Every secret handed to a citizen (session cookie, email link, tracking
//! link) is 256 random bits, sent once, and stored only as its SHA-256: a
//! copy of the store does not let anyone act as a citizen. Emails are keyed
//! by their SHA-256 too, so item keys and logs of keys hold no address.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// The longest address SMTP can carry (RFC 5321 path limit minus the brackets).
const MAX_EMAIL_CHARS: usize = 254;
/// RFC 5321's limit on the part before `@`.
const MAX_LOCAL_PART_CHARS: usize = 64;
/// DNS's limit on one label.
const MAX_LABEL_CHARS: usize = 63;

/// A fresh secret: 256 random bits as base64url without padding (43
/// characters, safe in a cookie, a URL fragment or a JSON string).
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// A fresh random id of `BYTES` random bytes in lowercase hex: the ids of
/// appointments, agents, messages, closures and audit entries (each keeps
/// its length, which its routes check).
pub fn hex_id<const BYTES: usize>() -> String {
    rand::random::<[u8; BYTES]>().iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh random id of `BYTES` random bytes as base64url without padding:
/// the ids of drafts and files, which travel in URLs.
pub fn url_id<const BYTES: usize>() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; BYTES]>())
}

/// The stored form of a secret: its SHA-256 in lowercase hex. The tokens
/// are random and long, so a fast unsalted hash is enough (unlike passwords).
pub fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The key of an email address in the store: the SHA-256 (hex) of the
/// address trimmed and lowercased, so `Anne@Example.fr ` and
/// `anne@example.fr` are one citizen.
pub fn email_key(email: &str) -> String {
    hash(&email.trim().to_lowercase())
}

/// The address trimmed and lowercased, or `None` when it cannot be a
/// deliverable address: one `@`, a dot-atom local part of at most 64
/// characters, a domain of at least two DNS labels (letters, digits and
/// inner hyphens; international letters allowed), at most 254 characters
/// in all. Quoted local parts and IP-literal domains are refused: no
/// citizen needs them and they are a favourite of header-injection tricks.
pub fn normalize_email(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    if email.chars().count() > MAX_EMAIL_CHARS {
        return None;
    }
    let (local, domain) = email.split_once('@')?;
    let local_ok = local.len() <= MAX_LOCAL_PART_CHARS
        && local.split('.').all(|atom| !atom.is_empty() && atom.chars().all(is_atext));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| is_dns_label(label))
        && labels
            .last()
            .is_some_and(|tld| tld.chars().count() >= 2 && !tld.chars().all(|c| c.is_ascii_digit()));
    (local_ok && domain_ok).then_some(email)
}

/// RFC 5322 `atext`: the characters an unquoted local part may use.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

/// One label of a domain name, in its Unicode form (IDNA does the rest
/// when the message is rendered).
fn is_dns_label(label: &str) -> bool {
    let length = label.chars().count();
    (1..=MAX_LABEL_CHARS).contains(&length)
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.chars().all(|c| c.is_alphanumeric() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_256_bit_base64url() {
        let token = random_token();
        assert_eq!(token.len(), 43);
        assert!(token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_ne!(token, random_token());
    }

    #[test]
    fn hashes_are_sha256_hex() {
        assert_eq!(hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(email_key(" Anne@Example.FR "), email_key("anne@example.fr"));
        assert_ne!(email_key("anne@example.fr"), email_key("anne@example.com"));
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            normalize_email("  Anne.Dupont+mairie@Example.FR ").as_deref(),
            Some("anne.dupont+mairie@example.fr")
        );
        assert_eq!(normalize_email("élise@mairie-belleval.fr"), None, "local parts stay ASCII");
        assert!(normalize_email("jean@hôtel-de-ville.fr").is_some());
        for bad in [
            "",
            "anne",
            "anne@",
            "@example.fr",
            "anne@example",
            "anne@@example.fr",
            "an ne@example.fr",
            ".anne@example.fr",
            "anne..d@example.fr",
            "anne@-example.fr",
            "anne@example.123",
            "anne@example..fr",
            "\"anne\"@example.fr",
            "anne@[127.0.0.1]",
            "anne\r\nBcc: x@example.fr",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad:?}");
        }
        let long = format!("{}@{}.fr", "a".repeat(64), "b".repeat(63));
        assert!(normalize_email(&long).is_some());
        assert_eq!(normalize_email(&format!("{}@example.fr", "a".repeat(65))), None);
        let too_long = format!("a@{}.fr", vec!["b".repeat(60); 5].join("."));
        assert_eq!(normalize_email(&too_long), None);
    }
}
