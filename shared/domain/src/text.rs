//! Text as people see it: whether a text shows anything at all, and a name
//! cleaned for one line.
//!
//! A required answer, a message or a name made only of invisible characters
//! (zero-width spaces, bidirectional controls, soft hyphens…) looks empty on
//! every screen and every printout, so it counts as empty. And a name is
//! shown in emails, lists and `Content-Disposition` headers where a
//! right-to-left override turns `\u{202e}gnp.exe.pdf` into what reads « fdp.exe.png »:
//! names lose such controls before they are stored.
//!
//! The character classes are spelled out below rather than taken from a
//! crate: none in the dependency tree gives general categories, and the
//! browser's twin (`static-site/js/visible.js`) spells out the same ranges so
//! both judge every text alike (JavaScript's `\s` and `\p{Cf}` would differ on
//! a few characters, and with the engine's Unicode version).

/// Whether `c` shows nothing by itself and carries no letter: Unicode
/// whitespace (`White_Space`, what [`str::trim`] removes), control
/// characters (`Cc`), and the format characters and fillers that render as
/// nothing (see the ranges in the code for each one's reason).
///
/// Zero-width joiner and non-joiner (U+200D, U+200C) are invisible too;
/// [`clean_line`] keeps them between two characters, where they shape an
/// emoji sequence or a word.
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c as u32,
            // Soft hyphen: shown only where a line breaks.
            0xAD
            // Arabic letter mark: a bidirectional mark.
            | 0x61C
            // Hangul choseong and jungseong fillers, Khmer inherent vowels:
            // default-ignorable, drawn as nothing (the fillers are the
            // usual « blank » user names).
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            // Mongolian vowel separator: a format character.
            | 0x180E
            // Zero-width space, non-joiner, joiner; left-to-right and
            // right-to-left marks.
            | 0x200B..=0x200F
            // Bidirectional embeddings, pop, overrides (U+202E turns
            // `gnp.exe.pdf` into what reads `fdp.exe.png`).
            | 0x202A..=0x202E
            // Word joiner, invisible operators, bidirectional isolates
            // (U+2066..U+2069) and the deprecated format characters.
            | 0x2060..=0x206F
            // Blank Braille pattern: an empty cell, the other usual « blank ».
            | 0x2800
            // Hangul filler and its halfwidth form.
            | 0x3164
            | 0xFFA0
            // Zero-width no-break space (byte order mark).
            | 0xFEFF
            // Default-ignorable reserved points and interlinear annotation marks.
            | 0xFFF0..=0xFFFB
            // Shorthand format controls, musical symbol format characters.
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            // The language tag and the reserved default-ignorable points
            // around the tags and variation selectors (those two are
            // attached: see `is_attached`).
            | 0xE0000..=0xE001F
            | 0xE0080..=0xE00FF
            | 0xE01F0..=0xE0FFF
        )
    // Not here, though of category Cf: the prepended concatenation marks
    // (U+0600..U+0605, U+06DD, U+070F, U+0890, U+0891, U+08E2, U+110BD,
    // U+110CD) and the Egyptian hieroglyph format controls, which are drawn.
}

/// Whether `c` only modifies the character before it (combining marks,
/// variation selectors, emoji tag characters): not a character one can see
/// on its own, but part of the one it follows.
pub fn is_attached(c: char) -> bool {
    matches!(
        c as u32,
        // Combining diacritical marks (U+034F, the grapheme joiner, among them),
        // their extensions and supplement, those for symbols (the keycap of
        // « 1️⃣ » is U+20E3), half marks.
        0x300..=0x36F
            | 0x1AB0..=0x1AFF
            | 0x1DC0..=0x1DFF
            | 0x20D0..=0x20FF
            | 0xFE20..=0xFE2F
            // Variation selectors: Mongolian, VS1..VS16 (U+FE0F asks for an
            // emoji), VS17..VS256.
            | 0x180B..=0x180D
            | 0x180F
            | 0xFE00..=0xFE0F
            | 0xE0100..=0xE01EF
            // Tag characters: they spell the flags of 🏴 (Scotland, Wales…).
            | 0xE0020..=0xE007F
    )
}

/// Whether `text` has at least one character one can see: something other
/// than [invisible](is_invisible) characters and marks with nothing to sit
/// on. `"\u{200b}\u{200b}"`, `"\u{202e}\u{200b}"` or `" \u{301}"` have none;
/// `"é"`, `"L'Haÿ"` or `"👍🏽"` have.
pub fn has_visible(text: &str) -> bool {
    text.chars().any(|c| !is_invisible(c) && !is_attached(c))
}

/// `text` without the invisible characters at its ends (nor, at its start,
/// marks with nothing before them to sit on). What follows the last visible
/// character is kept when it belongs to it (a variation selector, an accent).
///
/// Control characters other than whitespace stay: they are no text, but a
/// caller that refuses them (a NUL in a name) must still see them.
pub fn trim_invisible(text: &str) -> &str {
    let trims = |c: char| is_invisible(c) && (c.is_whitespace() || !c.is_control());
    text.trim_start_matches(|c| trims(c) || is_attached(c)).trim_end_matches(trims)
}

/// A name for one line, as it is stored and shown: bidirectional controls
/// (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) and every other
/// control or format character removed, each run of whitespace (line breaks
/// and no-break spaces included) made one space, both ends trimmed.
///
/// Zero-width joiner and non-joiner (U+200D, U+200C) are kept between two
/// kept characters, and only there: the joiner binds emoji sequences
/// (👩‍💻) and Indic conjuncts, the non-joiner is part of Persian spelling
/// (`می‌خواهم`); elsewhere they carry nothing. Combining marks and
/// variation selectors stay with the character they follow.
///
/// The result may be empty: judge it with [`has_visible`].
pub fn clean_line(text: &str) -> String {
    let mut cleaned = String::with_capacity(text.len());
    // A whitespace run seen since the last character kept, written only
    // when another character follows (so neither end gets one).
    let mut space = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            space = !cleaned.is_empty();
        } else if is_joiner(c) {
            // Kept when it joins the last character kept to the next one
            // that will be, past the controls about to be removed.
            let next = chars.clone().find(|&n| !is_invisible(n) || n.is_whitespace() || is_joiner(n));
            if !cleaned.is_empty() && !space && next.is_some_and(|n| !is_invisible(n)) {
                cleaned.push(c);
            }
        } else if is_invisible(c) || (is_attached(c) && (cleaned.is_empty() || space)) {
            // Controls and format characters go; so do marks with nothing to sit on.
        } else {
            if std::mem::take(&mut space) {
                cleaned.push(' ');
            }
            cleaned.push(c);
        }
    }
    cleaned
}

fn is_joiner(c: char) -> bool {
    matches!(c, '\u{200C}' | '\u{200D}')
}

/// `text` safe in HTML content and in a quoted attribute value: `& < > " '`
/// as entities.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts that show nothing, each with what makes it so.
    const INVISIBLE: &[(&str, &str)] = &[
        ("", "empty"),
        (" \t\n\r", "ASCII whitespace"),
        ("\u{a0}\u{202f}\u{3000}\u{2028}\u{85}", "Unicode whitespace"),
        ("\u{200b}\u{200b}", "zero-width spaces"),
        ("\u{202e}\u{200b}", "a right-to-left override and a zero-width space"),
        ("\u{202a}\u{202b}\u{202c}\u{202d}\u{2066}\u{2067}\u{2068}\u{2069}", "bidi embeddings and isolates"),
        ("\u{200e}\u{200f}\u{61c}", "bidi marks"),
        ("\u{feff}", "a byte order mark"),
        ("\u{ad}", "a soft hyphen"),
        ("\u{2060}\u{2061}\u{2062}\u{2063}\u{2064}", "word joiner and invisible operators"),
        ("\u{180e}", "the Mongolian vowel separator"),
        ("\u{200c}\u{200d}", "joiners with nothing to join"),
        ("\u{3164}\u{115f}\u{ffa0}", "Hangul fillers"),
        ("\u{2800}", "a blank Braille pattern"),
        ("\u{0}\u{7f}\u{9f}", "control characters"),
        ("\u{301}\u{301}", "accents on nothing"),
        (" \u{fe0f}", "a variation selector on a space"),
        ("\u{e0067}\u{e007f}", "emoji tags on nothing"),
        ("\u{e0001}", "the language tag"),
    ];

    /// Texts with something to see, which trimming and cleaning leave as they are.
    const VISIBLE: &[(&str, &str)] = &[
        ("Dupont", "ASCII"),
        ("Hélène Lefèvre-Dubœuf", "accents, hyphen and ligature"),
        ("L'Haÿ-les-Roses", "apostrophe and diaeresis"),
        ("M’Bappé", "typographic apostrophe"),
        ("Ç", "one capital letter"),
        ("e\u{301}", "a letter and its combining accent"),
        ("👍🏽", "an emoji with a skin tone"),
        ("👩\u{200d}💻", "an emoji sequence joined by ZWJ"),
        ("❤\u{fe0f}", "a heart with its emoji presentation selector"),
        ("🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}", "a flag of tag characters"),
        ("می\u{200c}خواهم", "Persian with its non-joiner"),
        ("Ἀθῆναι", "Greek"),
        ("0", "a digit"),
        ("-", "punctuation"),
    ];

    #[test]
    fn a_text_of_invisible_characters_has_nothing_visible() {
        for (text, what) in INVISIBLE {
            assert!(!has_visible(text), "{what}: {text:?}");
            if !text.contains(|c: char| c.is_control() && !c.is_whitespace()) {
                assert_eq!(trim_invisible(text), "", "{what}: {text:?}");
            }
            assert_eq!(clean_line(text), "", "{what}: {text:?}");
        }
    }

    #[test]
    fn text_one_can_see_stays_intact() {
        for (text, what) in VISIBLE {
            assert!(has_visible(text), "{what}: {text:?}");
            assert_eq!(trim_invisible(text), *text, "{what}");
            assert_eq!(clean_line(text), *text, "{what}");
        }
    }

    #[test]
    fn trimming_removes_invisible_ends_only() {
        for (text, trimmed) in [
            ("\u{200b}Dupont\u{200b}", "Dupont"),
            ("\u{feff} Dupont \u{2060}", "Dupont"),
            ("\u{202e}\u{301}Dupont", "Dupont"),
            ("Du\u{200b}pont", "Du\u{200b}pont"),
            ("Café\u{301}", "Café\u{301}"),
            ("Oui ❤\u{fe0f}\u{200d}", "Oui ❤\u{fe0f}"),
            ("  Ligne 1\nLigne 2 \n", "Ligne 1\nLigne 2"),
            ("\u{200b}Anne\u{0}\u{200b}", "Anne\u{0}"),
            ("\t\u{85}Anne\r\n", "Anne"),
        ] {
            assert_eq!(trim_invisible(text), trimmed, "{text:?}");
        }
    }

    #[test]
    fn a_mixed_text_is_visible_through_its_visible_characters() {
        for text in ["\u{200b}a\u{200b}", "\u{202e}gnp.exe.pdf", " \u{301}x", "\u{2800}⠁"] {
            assert!(has_visible(text), "{text:?}");
        }
    }

    #[test]
    fn a_name_loses_controls_and_runs_of_spaces() {
        for (name, cleaned) in [
            ("\u{202e}gnp.exe.pdf", "gnp.exe.pdf"),
            ("Du\u{202e}pont\u{202c}", "Dupont"),
            ("\u{2066}Martin\u{2069} \u{200f}", "Martin"),
            ("Jean\u{200b}-Pierre", "Jean-Pierre"),
            ("Anne\u{ad}Sophie", "AnneSophie"),
            ("  Jean \t\n  Dupont  ", "Jean Dupont"),
            ("Jean\u{a0}\u{202f}Dupont", "Jean Dupont"),
            ("Jean \u{200b} Dupont", "Jean Dupont"),
            ("re\u{0}ct\u{7f}o", "recto"),
            ("\u{301}Éloïse", "Éloïse"),
            ("a \u{301}b", "a b"),
            ("\u{200d}Zoé\u{200d}", "Zoé"),
            ("Zoé \u{200d} Lou", "Zoé Lou"),
            ("👩\u{200d}\u{200d}💻", "👩\u{200d}💻"),
            ("👩\u{200d}\u{202e}💻", "👩\u{200d}💻"),
            ("\u{3164}Kim", "Kim"),
        ] {
            assert_eq!(clean_line(name), cleaned, "{name:?}");
        }
    }

    #[test]
    fn the_character_classes_do_not_overlap() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            assert!(!(is_invisible(c) && is_attached(c)), "U+{:04X}", c as u32);
        }
    }
}
