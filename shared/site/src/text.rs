//! The catalogue's plain texts as HTML: blank lines separate paragraphs,
//! lines starting with `- ` (or `• `) are list items, an indented line
//! continues the item above. The same reading as `static-site/js/text.js`,
//! which renders the texts the API gives to the dynamic pages.

/// One block of a text.
#[derive(Debug, PartialEq, Eq)]
pub enum Block {
    Paragraph(String),
    List(Vec<String>),
}

/// The blocks of `text`, in order.
pub fn blocks(text: &str) -> Vec<Block> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut found = Vec::new();
    for chunk in split_paragraphs(&text) {
        // Which kind of block the chunk's last line went to.
        let mut open: Option<bool> = None;
        for raw in chunk.split('\n') {
            let line = raw.trim();
            if line.is_empty() {
                continue;
            }
            let item = line.strip_prefix("- ").or_else(|| line.strip_prefix("• "));
            match (item, open, found.last_mut()) {
                (Some(item), Some(true), Some(Block::List(items))) => {
                    items.push(item.trim_start().to_owned())
                }
                (Some(item), _, _) => {
                    found.push(Block::List(vec![item.trim_start().to_owned()]));
                    open = Some(true);
                }
                (None, Some(true), Some(Block::List(items))) if raw.starts_with(char::is_whitespace) => {
                    let last = items.last_mut().expect("a list has an item");
                    last.push(' ');
                    last.push_str(line);
                }
                (None, Some(false), Some(Block::Paragraph(paragraph))) => {
                    paragraph.push(' ');
                    paragraph.push_str(line);
                }
                (None, _, _) => {
                    found.push(Block::Paragraph(line.to_owned()));
                    open = Some(false);
                }
            }
        }
    }
    found
}

/// Chunks separated by a line holding only white space.
fn split_paragraphs(text: &str) -> Vec<String> {
    let mut chunks = vec![String::new()];
    for line in text.split('\n') {
        if line.trim().is_empty() {
            chunks.push(String::new());
        } else {
            let chunk = chunks.last_mut().expect("one chunk at least");
            if !chunk.is_empty() {
                chunk.push('\n');
            }
            chunk.push_str(line);
        }
    }
    chunks
}

/// `text` as `<p>` and `<ul>`, every character of it escaped.
pub fn html(text: &str) -> String {
    let mut out = String::new();
    for block in blocks(text) {
        match block {
            Block::Paragraph(text) => {
                out.push_str("<p>");
                out.push_str(&escape(&text));
                out.push_str("</p>");
            }
            Block::List(items) => {
                out.push_str("<ul>");
                for item in items {
                    out.push_str("<li>");
                    out.push_str(&escape(&item));
                    out.push_str("</li>");
                }
                out.push_str("</ul>");
            }
        }
    }
    out
}

/// The first paragraph of `text`, for a card or a description.
pub fn excerpt(text: &str) -> String {
    blocks(text)
        .into_iter()
        .find_map(|block| match block {
            Block::Paragraph(text) => Some(text),
            Block::List(_) => None,
        })
        .unwrap_or_default()
}

/// Text safe in an element and in a quoted attribute.
pub use gru_domain::text::escape_html as escape;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_lists_and_continued_items() {
        let text = "Première ligne\nsuite.\n\n- un\n  qui continue\n- deux\nAprès.\n\n\n• trois";
        assert_eq!(
            blocks(text),
            vec![
                Block::Paragraph("Première ligne suite.".into()),
                Block::List(vec!["un qui continue".into(), "deux".into()]),
                Block::Paragraph("Après.".into()),
                Block::List(vec!["trois".into()]),
            ]
        );
    }

    #[test]
    fn markup_is_text() {
        assert_eq!(
            html("<b>gras</b> & \"cité\"\n\n- <script>x</script>"),
            "<p>&lt;b&gt;gras&lt;/b&gt; &amp; &quot;cité&quot;</p><ul><li>&lt;script&gt;x&lt;/script&gt;</li></ul>"
        );
    }

    #[test]
    fn the_excerpt_is_the_first_paragraph() {
        assert_eq!(excerpt("- liste\n\nLe texte\nsuivi.\n\nAutre."), "Le texte suivi.");
        assert_eq!(excerpt(""), "");
    }
}
