//! The city's colours as CSS custom properties (`css/city.css`), with the
//! same corrections `static-site/js/city.js` makes: a pair that would not be
//! readable is corrected, never shown (WCAG 2 contrast ratios).

use gru_domain::catalogue::Colours;

/// The stylesheet of `colours`, loaded after `site.css`.
pub fn css(colours: &Colours) -> String {
    let mut properties = Vec::new();
    if luminance(&colours.primary).is_some() {
        let on_primary = if contrast(&colours.primary, &colours.on_primary).unwrap_or(0.0) >= 4.5 {
            colours.on_primary.as_str()
        } else if contrast(&colours.primary, "#ffffff") >= contrast(&colours.primary, "#161616") {
            "#ffffff"
        } else {
            "#161616"
        };
        properties.push(("--city-primary", colours.primary.as_str()));
        properties.push(("--city-on-primary", on_primary));
        // Links and headings in the primary colour only where it reads on light backgrounds.
        let ink = if contrast(&colours.primary, "#f3f3f3").unwrap_or(0.0) >= 4.5 {
            &colours.primary
        } else {
            "#161616"
        };
        properties.push(("--city-ink", ink));
    }
    if let Some(on_white) = contrast(&colours.accent, "#ffffff") {
        properties.push(("--city-accent", colours.accent.as_str()));
        // Focus rings in the accent colour when it stands out on white (non-text contrast 3:1).
        if on_white >= 3.0 {
            properties.push(("--focus", colours.accent.as_str()));
        }
    }
    let body: String = properties.iter().map(|(name, value)| format!("  {name}: {value};\n")).collect();
    format!("/* The city's colours (shared/site), from its city.toml. */\n:root {{\n{body}}}\n")
}

/// The relative luminance of `#rgb` or `#rrggbb`.
fn luminance(hex: &str) -> Option<f64> {
    let digits = hex.strip_prefix('#')?;
    let full: String = match digits.len() {
        3 => digits.chars().flat_map(|c| [c, c]).collect(),
        6 => digits.to_owned(),
        _ => return None,
    };
    let channel = |i: usize| -> Option<f64> {
        let c = f64::from(u8::from_str_radix(full.get(i..i + 2)?, 16).ok()?) / 255.0;
        Some(if c <= 0.03928 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) })
    };
    Some(0.2126 * channel(0)? + 0.7152 * channel(2)? + 0.0722 * channel(4)?)
}

fn contrast(a: &str, b: &str) -> Option<f64> {
    let (la, lb) = (luminance(a)?, luminance(b)?);
    Some((la.max(lb) + 0.05) / (la.min(lb) + 0.05))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn colours(primary: &str, on_primary: &str, accent: &str) -> Colours {
        Colours { primary: primary.into(), on_primary: on_primary.into(), accent: accent.into() }
    }

    #[test]
    fn readable_colours_are_kept_and_unreadable_pairs_corrected() {
        let kept = css(&colours("#1d4f73", "#ffffff", "#a63d16"));
        for line in [
            "--city-primary: #1d4f73;",
            "--city-on-primary: #ffffff;",
            "--city-ink: #1d4f73;",
            "--focus: #a63d16;",
        ] {
            assert!(kept.contains(line), "{line} in {kept}");
        }
        // Yellow with yellow text: the text turns dark; yellow links would not read on white.
        let corrected = css(&colours("#ffe600", "#fff200", "#ffee00"));
        for line in ["--city-on-primary: #161616;", "--city-ink: #161616;"] {
            assert!(corrected.contains(line), "{line} in {corrected}");
        }
        assert!(!corrected.contains("--focus"), "a pale accent is no focus ring: {corrected}");
    }
}
