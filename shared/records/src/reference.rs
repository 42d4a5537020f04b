//! Request references: short enough to read over the phone, random so
//! that one reference tells nothing about the next.

use rand::Rng;

/// Digits and capitals without the look-alikes 0/O, 1/I/L.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A new reference, `ABCD-2345`: 8 random symbols of 31, about 40 bits, so
/// collisions are rare; the caller writes it with a not-exists condition
/// and draws again on one.
pub fn new_reference() -> String {
    let mut rng = rand::rng();
    let mut reference = String::with_capacity(9);
    for i in 0..8 {
        if i == 4 {
            reference.push('-');
        }
        reference.push(ALPHABET[rng.random_range(0..ALPHABET.len())] as char);
    }
    reference
}

/// Whether `text` has the shape of a reference (upper case, with its dash).
pub fn is_reference(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 9
        && bytes[4] == b'-'
        && bytes.iter().enumerate().all(|(i, b)| i == 4 || ALPHABET.contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn references_are_well_formed_and_do_not_repeat() {
        let drawn: HashSet<String> = (0..10_000).map(|_| new_reference()).collect();
        assert_eq!(drawn.len(), 10_000);
        assert!(drawn.iter().all(|r| is_reference(r)));
        assert!(drawn.iter().all(|r| !r.contains(['0', 'O', '1', 'I', 'L'])));
    }

    #[test]
    fn shapes_that_are_not_references() {
        for text in ["", "ABCD2345", "abcd-2345", "ABCD-234O", "ABCD-23456", "../../x"] {
            assert!(!is_reference(text), "{text}");
        }
    }
}
