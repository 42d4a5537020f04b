//! The standard's two formats: every answer is built once as JSON and
//! written as XML by the Spark convention the standard's JSON follows
//! (a list is an element named like the list, holding one element per
//! item named in the singular; `null` is an empty element).

use crate::api::Open311Error;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// The format a resource's extension asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Xml,
    Json,
}

/// The format of the resource the path names, by its extension (the
/// path's last segment): 404 in XML, the standard's required format, for an
/// extension it does not know.
impl<S: Send + Sync> FromRequestParts<S> for Format {
    type Rejection = Open311Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Format::of_path(parts.uri.path()).ok_or_else(|| {
            Open311Error::not_found(Format::Xml, "Ajoutez .xml ou .json au nom de la ressource.")
        })
    }
}

impl Format {
    /// The format a path's last segment's extension names.
    pub fn of_path(path: &str) -> Option<Format> {
        let last = path.rsplit('/').next().unwrap_or_default();
        Format::split(last).map(|(_, format)| format)
    }

    /// Splits `"services.json"` into its stem and format; `None` for an
    /// extension the standard does not know.
    pub fn split(file: &str) -> Option<(&str, Format)> {
        let (stem, extension) = file.rsplit_once('.')?;
        let format = match extension {
            "xml" => Format::Xml,
            "json" => Format::Json,
            _ => return None,
        };
        (!stem.is_empty()).then_some((stem, format))
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Xml => "text/xml; charset=utf-8",
            Format::Json => "application/json; charset=utf-8",
        }
    }
}

/// An answer in the format asked for: `root` names the XML document's
/// element (`services`, `service_requests`...).
pub fn answer(format: Format, status: StatusCode, root: &str, value: &Value) -> Response {
    let body = match format {
        Format::Json => value.to_string(),
        Format::Xml => {
            let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
            element(&mut xml, root, value);
            xml
        }
    };
    (status, [(header::CONTENT_TYPE, format.content_type())], body).into_response()
}

/// The element of one item of the list named `list`.
fn item_name(list: &str) -> &str {
    match list {
        "service_requests" => "request",
        "services" => "service",
        "attributes" => "attribute",
        "values" => "value",
        "endpoints" => "endpoint",
        "formats" => "format",
        "errors" => "error",
        other => other.strip_suffix('s').unwrap_or(other),
    }
}

fn element(xml: &mut String, name: &str, value: &Value) {
    xml.push('<');
    xml.push_str(name);
    if value.is_null() {
        xml.push_str("/>");
        return;
    }
    xml.push('>');
    match value {
        Value::Array(items) => {
            let item = item_name(name);
            for value in items {
                element(xml, item, value);
            }
        }
        Value::Object(fields) => {
            for (field, value) in fields {
                element(xml, field, value);
            }
        }
        Value::String(text) => escape(xml, text),
        other => xml.push_str(&other.to_string()),
    }
    xml.push_str("</");
    xml.push_str(name);
    xml.push('>');
}

/// Text as XML character data: markup characters escaped, and the control
/// characters XML 1.0 cannot carry left out.
fn escape(xml: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => xml.push_str("&amp;"),
            '<' => xml.push_str("&lt;"),
            '>' => xml.push_str("&gt;"),
            '"' => xml.push_str("&quot;"),
            '\'' => xml.push_str("&apos;"),
            '\t' | '\n' | '\r' => xml.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => xml.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn xml(root: &str, value: Value) -> String {
        let mut out = String::new();
        element(&mut out, root, &value);
        out
    }

    #[test]
    fn lists_hold_one_element_per_item_named_in_the_singular() {
        let value = json!([{ "service_code": "a", "metadata": true, "group": null }]);
        assert_eq!(
            xml("services", value),
            "<services><service><group/><metadata>true</metadata><service_code>a</service_code></service></services>"
        );
        let value = json!({ "formats": ["text/xml", "application/json"] });
        assert_eq!(
            xml("endpoint", value),
            "<endpoint><formats><format>text/xml</format><format>application/json</format></formats></endpoint>"
        );
    }

    #[test]
    fn text_cannot_become_markup() {
        assert_eq!(
            xml("description", json!("<script>\"a\" & 'b'</script>\u{1}\n")),
            "<description>&lt;script&gt;&quot;a&quot; &amp; &apos;b&apos;&lt;/script&gt;\n</description>"
        );
    }

    #[test]
    fn extensions_choose_the_format() {
        assert_eq!(Format::split("services.json"), Some(("services", Format::Json)));
        assert_eq!(Format::split("ABCD-2345.xml"), Some(("ABCD-2345", Format::Xml)));
        for file in ["services", "services.html", ".json", "services.JSON"] {
            assert_eq!(Format::split(file), None, "{file}");
        }
    }
}
