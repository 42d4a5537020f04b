//! The site built for one city: every page of `static-site/` is its front
//! matter (title, script, space) and its `<main>`; the build stamps each
//! into the one frame (`static-site/_frame.html`: head, header, footer)
//! with the city's name, logo, colours, favicon and contact, so its look is
//! there from the first byte, before any script. Each page preloads the
//! modules its script imports, found by reading the imports, not kept by
//! hand. The other files are copied as they are, and `css/city.css` holds
//! the city's colours as CSS properties.
//!
//! The all-in-one portal builds it when it imports the city and serves the
//! output; the AWS deploy uploads the same output (`portal site build`).

mod modules;
mod theme;

use gru_domain::catalogue::City;
use minijinja::{Environment, Value, context};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The layout every page is stamped into.
pub const FRAME: &str = "_frame.html";

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: the page must start with its front matter between two `+++` lines")]
    NoFrontMatter { path: PathBuf },
    #[error("{path}: front matter: {source}")]
    FrontMatter { path: PathBuf, source: toml::de::Error },
    #[error("{path}: {source}")]
    Template { path: PathBuf, source: minijinja::Error },
}

/// What a page says of itself, above its `<main>`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    /// The title before the city's name, until the page's script sets its own.
    title: String,
    /// The page's module, from the site's root (`/js/service.js`).
    script: String,
    /// `agents` for the back office: its header, no indexing.
    #[serde(default)]
    space: Option<String>,
}

/// What a build wrote.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Built {
    pub pages: usize,
    pub files: usize,
}

/// Builds the site of `city` from `source` into `out` (emptied first).
pub fn build(source: &Path, city: &City, out: &Path) -> Result<Built, SiteError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| SiteError::Io { path, source }
    };
    let frame_path = source.join(FRAME);
    let frame = std::fs::read_to_string(&frame_path).map_err(io(&frame_path))?;
    let mut env = Environment::new();
    env.set_formatter(html_text);
    env.add_template(FRAME, &frame)
        .map_err(|source| SiteError::Template { path: frame_path.clone(), source })?;
    let layout =
        env.get_template(FRAME).map_err(|source| SiteError::Template { path: frame_path.clone(), source })?;

    if out.exists() {
        std::fs::remove_dir_all(out).map_err(io(out))?;
    }
    let mut built = Built::default();
    for file in files(source).map_err(io(source))? {
        let relative = file.strip_prefix(source).expect("under the source");
        if relative == Path::new(FRAME) {
            continue;
        }
        let target = out.join(relative);
        let parent = target.parent().expect("a file has a folder");
        std::fs::create_dir_all(parent).map_err(io(parent))?;
        if file.extension().is_some_and(|e| e == "html") {
            let text = std::fs::read_to_string(&file).map_err(io(&file))?;
            let page = stamp(&layout, &text, &file, source, city)?;
            std::fs::write(&target, page).map_err(io(&target))?;
            built.pages += 1;
        } else {
            std::fs::copy(&file, &target).map_err(io(&file))?;
            built.files += 1;
        }
    }
    let css = out.join("css").join("city.css");
    std::fs::create_dir_all(out.join("css")).map_err(io(out))?;
    std::fs::write(&css, theme::css(&city.colours)).map_err(io(&css))?;
    Ok(built)
}

/// One page: its front matter and `<main>` in the frame, for `city`.
fn stamp(
    layout: &minijinja::Template<'_, '_>,
    text: &str,
    path: &Path,
    source: &Path,
    city: &City,
) -> Result<String, SiteError> {
    let (head, main) = text
        .strip_prefix("+++\n")
        .and_then(|rest| rest.split_once("\n+++\n"))
        .ok_or_else(|| SiteError::NoFrontMatter { path: path.to_owned() })?;
    let front: FrontMatter =
        toml::from_str(head).map_err(|source| SiteError::FrontMatter { path: path.to_owned(), source })?;
    let preload = modules::imported(source, &front.script)
        .map_err(|e| SiteError::Io { path: path.to_owned(), source: e })?;
    // Beside the name in the home link, an alt repeating it would be read twice.
    let brand_alt = if city.logo_alt.trim() == city.name.trim() { "" } else { city.logo_alt.as_str() };
    let phone_href: String = city.contact.phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
    layout
        .render(context! {
            city => Value::from_serialize(city),
            brand_alt,
            phone_href,
            page => context! {
                title => front.title,
                script => front.script,
                agents => front.space.as_deref() == Some("agents"),
                preload,
            },
            main => Value::from_safe_string(main.trim_end().to_owned()),
        })
        .map_err(|source| SiteError::Template { path: path.to_owned(), source })
}

/// Values written as HTML text: `& < > " '` escaped (not `/`, which
/// minijinja's own escaping writes `&#x2f;` in every address), safe strings
/// (a page's `<main>`) as they are.
fn html_text(
    out: &mut minijinja::Output<'_>,
    state: &minijinja::State<'_, '_>,
    value: &Value,
) -> Result<(), minijinja::Error> {
    if value.is_safe() || state.auto_escape() == minijinja::AutoEscape::None {
        return minijinja::escape_formatter(out, state, value);
    }
    let text = value.to_string();
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
    out.write_str(&escaped).map_err(|_| {
        minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "the page could not be written")
    })
}

/// Every file under `dir`, in a stable order.
fn files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let path = entry?.path();
            if path.is_dir() {
                // The browser tests' packages live beside the site in a checkout, never in it.
                if path.file_name().is_some_and(|n| n != "node_modules") {
                    stack.push(path);
                }
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests;
