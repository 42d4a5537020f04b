//! Service search that forgives accents, case, word order, plurals and one
//! typo: "etat civil acte" finds "Acte d'état civil".
//!
//! Each service gets a [`SearchDocument`] at import time (normalised words
//! of its title, keywords, summary and category); a query is normalised the
//! same way, and every query word must match a document word, fully or as a
//! prefix, or within one typo for longer words. Title matches rank first.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// Words too common to search with.
const STOP_WORDS: &[&str] = &[
    "a", "au", "aux", "ce", "ces", "d", "de", "des", "du", "en", "et", "j", "je", "l", "la", "le", "les",
    "m", "ma", "me", "mes", "mon", "pour", "par", "sur", "un", "une", "ou", "qu", "que", "s", "se", "son",
    "sa", "ses", "t", "y",
];

/// Lowercase, without accents or ligatures, with every non-alphanumeric
/// character turned into a space.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfkd() {
        match c {
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            c if unicode_normalization::char::is_combining_mark(c) => {}
            c if c.is_alphanumeric() => out.extend(c.to_lowercase()),
            _ => out.push(' '),
        }
    }
    out
}

/// The searchable words of a text: normalised, without stop words, with a
/// plural `s` or `x` dropped.
pub fn words(text: &str) -> Vec<String> {
    normalize(text).split_whitespace().filter(|w| !STOP_WORDS.contains(w)).map(singular).collect()
}

fn singular(word: &str) -> String {
    let trimmed = if word.len() > 3 && (word.ends_with('s') || word.ends_with('x')) {
        &word[..word.len() - 1]
    } else {
        word
    };
    trimmed.to_owned()
}

/// What search looks at for one service, computed once at import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchDocument {
    pub title: Vec<String>,
    pub keywords: Vec<String>,
    /// Summary and category words.
    pub other: Vec<String>,
}

impl SearchDocument {
    pub fn new(title: &str, keywords: &[String], summary: &str, category_title: &str) -> Self {
        let mut other = words(summary);
        other.extend(words(category_title));
        dedup(&mut other);
        let mut keywords: Vec<String> = keywords.iter().flat_map(|k| words(k)).collect();
        dedup(&mut keywords);
        Self { title: words(title), keywords, other }
    }

    /// A score for the query, or `None` when a query word matches nothing.
    /// An empty query matches nothing.
    pub fn score(&self, query: &Query) -> Option<u32> {
        if query.words.is_empty() {
            return None;
        }
        query.words.iter().try_fold(0, |total, word| {
            let best = [(&self.title, 4), (&self.keywords, 2), (&self.other, 1)]
                .into_iter()
                .filter_map(|(field, weight)| {
                    field.iter().filter_map(|w| word_match(word, w)).max().map(|m| m * weight)
                })
                .max()?;
            Some(total + best)
        })
    }
}

fn dedup(words: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    words.retain(|w| seen.insert(w.clone()));
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    words: Vec<String>,
}

impl Query {
    pub fn parse(text: &str) -> Self {
        let mut words = words(text);
        dedup(&mut words);
        Self { words }
    }

    /// True when the query has no searchable word ("de la", "  ").
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// 3 for the same word, 2 for a prefix of at least 2 letters, 1 for one
/// typo in a word of 5 letters or more.
fn word_match(query: &str, word: &str) -> Option<u32> {
    if query == word {
        Some(3)
    } else if query.len() >= 2 && word.starts_with(query) {
        Some(2)
    } else if query.chars().count() >= 5 && within_one_edit(query, word) {
        Some(1)
    } else {
        None
    }
}

/// Levenshtein distance at most 1 (one insertion, deletion or substitution),
/// or one swap of neighbours.
fn within_one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    let suffix_eq = |x: &[char], y: &[char]| x == y;
    match (ra.len(), rb.len()) {
        (0, 0) => true,
        (la, lb) if la == lb => {
            suffix_eq(&ra[1..], &rb[1..])
                || (la >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && suffix_eq(&ra[2..], &rb[2..]))
        }
        (la, lb) if la > lb => suffix_eq(&ra[1..], rb),
        _ => suffix_eq(ra, &rb[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn civil_status() -> SearchDocument {
        SearchDocument::new(
            "Demande d'acte d'état civil",
            &["naissance".into(), "mariage".into(), "décès".into(), "copie intégrale".into()],
            "Obtenir une copie ou un extrait d'acte de naissance, de mariage ou de décès.",
            "État civil et citoyenneté",
        )
    }

    fn passport() -> SearchDocument {
        SearchDocument::new(
            "Passeport et carte nationale d'identité",
            &["CNI".into(), "rendez-vous".into()],
            "Prendre rendez-vous pour déposer un dossier.",
            "Papiers d'identité",
        )
    }

    #[test]
    fn normalisation_drops_accents_case_ligatures_and_punctuation() {
        assert_eq!(normalize("Acte d'État-Civil"), "acte d etat civil");
        assert_eq!(normalize("ŒUVRE Cœur"), "oeuvre coeur");
        assert_eq!(normalize("ÇA  Ïle"), "ca  ile");
        assert_eq!(words("Les actes de décès"), ["acte", "dece"], "plural s dropped on both sides");
    }

    #[test]
    fn queries_that_must_find_the_civil_status_certificate() {
        for q in [
            "etat civil acte",
            "Acte d'état civil",
            "ÉTAT CIVIL",
            "acte etat",
            "civil",
            "actes de naissance",
            "deces",
            "Décès",
            "copie integrale",
            "extrait naissance",
            "nais",
            "naissanse",
            "acte de naisance",
            "mariage",
        ] {
            assert!(civil_status().score(&Query::parse(q)).is_some(), "{q:?} should find it");
        }
    }

    #[test]
    fn queries_that_must_not_find_it() {
        for q in ["passeport", "acte passeport", "", "de la", "   ", "x", "voirie"] {
            assert!(civil_status().score(&Query::parse(q)).is_none(), "{q:?} should not find it");
        }
    }

    #[test]
    fn title_matches_rank_above_summary_matches() {
        let q = Query::parse("identite");
        let title_hit = passport().score(&q).unwrap();
        let category_only =
            SearchDocument::new("Déclarer une perte", &[], "Papiers perdus", "Papiers d'identité")
                .score(&q)
                .unwrap();
        assert!(title_hit > category_only, "{title_hit} > {category_only}");
    }

    #[test]
    fn one_edit() {
        for (a, b, want) in [
            ("naissance", "naissance", true),
            ("naissanse", "naissance", true),
            ("naisance", "naissance", true),
            ("naisssance", "naissance", true),
            ("naissacne", "naissance", true),
            ("nasisacne", "naissance", false),
            ("passeport", "naissance", false),
        ] {
            assert_eq!(within_one_edit(a, b), want, "{a} / {b}");
        }
    }
}
