//! Rules in the words citizens read them in.

use gru_domain::attachment::Format;

/// Formats as citizens read them: "PDF, JPEG ou PNG".
pub(crate) fn formats_in_words(formats: &[Format]) -> String {
    let labels: Vec<_> = formats.iter().map(|f| f.label()).collect();
    match labels.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} ou {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Bytes as citizens read them: "10 Mo", "1,5 Mo", "120 Ko".
pub(crate) fn size_in_words(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        let tenths = bytes.div_ceil(100_000);
        if tenths.is_multiple_of(10) {
            format!("{} Mo", tenths / 10)
        } else {
            format!("{},{} Mo", tenths / 10, tenths % 10)
        }
    } else {
        format!("{} Ko", bytes.div_ceil(1000))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_read_as_french() {
        assert_eq!(formats_in_words(&Format::ALL), "PDF, JPEG ou PNG");
        assert_eq!(formats_in_words(&[Format::Pdf]), "PDF");
        assert_eq!(size_in_words(10_000_000), "10 Mo");
        assert_eq!(size_in_words(1_500_000), "1,5 Mo");
        assert_eq!(size_in_words(120_000), "120 Ko");
        assert_eq!(size_in_words(1), "1 Ko");
    }
}
