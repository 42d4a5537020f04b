//! The site built for one city: every page of `static-site/` is its front
//! matter (title, description, script, space) and its `<main>`, a template
//! stamped into the one frame (`static-site/_frame.html`: head, header,
//! footer) with the city's name, logo, colours, favicon and contact, so its
//! look is there from the first byte, before any script. The catalogue's
//! pages are rendered to HTML, readable without JavaScript: the home page,
//! one page per category (`/themes/<slug>/`) and per service
//! (`/demarches/<slug>/`), from the templates whose front matter says
//! `each = "category"` or `each = "service"`; `sitemap.xml` lists them.
//! Each page preloads the modules its script imports, found by reading the
//! imports, not kept by hand. The other files are copied as they are, and
//! `css/city.css` holds the city's colours as CSS properties.
//!
//! Scripts and styles get names that say their content, to be cached for a
//! year. The all-in-one portal builds the site at each start and serves it,
//! compressing as it answers; the AWS deploy uploads the same output
//! (`portal site build`), with each text file's brotli and gzip forms beside
//! it ([`precompress`]) for the CDN.

pub mod addresses;
mod assets;
pub use assets::{is_hashed, precompress};
mod catalogue;
mod modules;
mod sitemap;
mod text;
mod theme;

use gru_domain::catalogue::{Category, CityCatalogue, Service};
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
    #[error(
        "{module} imports itself, through the modules it imports: a module's hashed name needs those of its imports first"
    )]
    ImportCycle { module: String },
    #[error("{module} is imported but does not exist")]
    MissingModule { module: String },
}

/// What a page says of itself, above its `<main>`. `title` and
/// `description` are templates too (`{{ service.title }}`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    /// The title before the city's name.
    title: String,
    /// What search engines show under the title.
    #[serde(default)]
    description: Option<String>,
    /// The page's module, from the site's root (`/js/service.js`).
    script: String,
    /// `agents` for the back office: its header, no indexing.
    #[serde(default)]
    space: Option<String>,
    /// A template rendered once per service or per category, at its address.
    #[serde(default)]
    each: Option<Each>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Each {
    Service,
    Category,
}

/// What a build wrote.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Built {
    pub pages: usize,
    pub files: usize,
}

/// Builds the site of `catalogue`'s city from `source` into `out` (emptied
/// first). `public_url` is where citizens reach it (the sitemap's addresses).
pub fn build(
    source: &Path,
    catalogue: &CityCatalogue,
    public_url: &str,
    out: &Path,
) -> Result<Built, SiteError> {
    let files = files(source).map_err(io(source))?;
    // Templates without front matter (the frame, a card) are not pages:
    // the pages include them.
    let mut partials = Vec::new();
    for file in &files {
        let name = file.strip_prefix(source).expect("under the source").to_string_lossy().into_owned();
        if name.starts_with('_') && name.ends_with(".html") {
            let text = std::fs::read_to_string(file).map_err(io(file))?;
            if !text.starts_with("+++\n") {
                partials.push((name, text));
            }
        }
    }
    let city = &catalogue.city;
    if out.exists() {
        std::fs::remove_dir_all(out).map_err(io(out))?;
    }
    let mut built = Built::default();
    let mut pages = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(source).expect("under the source");
        if partials.iter().any(|(name, _)| Path::new(name) == relative) {
            continue;
        }
        if file.extension().is_some_and(|e| e == "html") {
            pages.push(file);
        } else {
            write(&out.join(relative), &std::fs::read(file).map_err(io(file))?)?;
            built.files += 1;
        }
    }
    write(&out.join("css").join("city.css"), theme::css(&city.colours).as_bytes())?;
    let assets = std::sync::Arc::new(assets::Assets::hash(out)?);

    let mut env = environment();
    let names = assets.clone();
    env.add_function("asset", move |path: &str| names.name(path));
    for (name, text) in &partials {
        env.add_template(name, text)
            .map_err(|error| SiteError::Template { path: source.join(name), source: error })?;
    }
    let layout = env
        .get_template(FRAME)
        .map_err(|error| SiteError::Template { path: source.join(FRAME), source: error })?;
    let listing = catalogue::Listing::of(catalogue);
    let site = Site {
        env: &env,
        layout,
        source,
        assets: &assets,
        // Beside the name in the home link, an alt repeating it would be read twice.
        frame: context! {
            city => Value::from_serialize(city),
            brand_alt => if city.logo_alt.trim() == city.name.trim() { "" } else { city.logo_alt.as_str() },
            phone_href => city.contact.phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect::<String>(),
            themes => Value::from_serialize(&listing.themes),
            featured => Value::from_serialize(&listing.featured),
        },
    };
    for file in pages {
        let relative = file.strip_prefix(source).expect("under the source");
        let text = std::fs::read_to_string(file).map_err(io(file))?;
        let page = Page::read(&text, file)?;
        let each: Vec<(PathBuf, Value)> = match page.front.each {
            None => vec![(relative.to_owned(), Value::UNDEFINED)],
            Some(Each::Service) => catalogue
                .services
                .iter()
                .map(|service| {
                    (index_of(&addresses::service(&service.slug)), service_context(catalogue, service))
                })
                .collect(),
            Some(Each::Category) => catalogue
                .categories
                .iter()
                .zip(&listing.themes)
                .map(|(category, theme)| {
                    (index_of(&addresses::category(&category.slug)), category_context(category, theme))
                })
                .collect(),
        };
        for (target, item) in each {
            write(&out.join(target), site.stamp(&page, file, item)?.as_bytes())?;
            built.pages += 1;
        }
    }
    write(&out.join("sitemap.xml"), sitemap::xml(public_url, &listing).as_bytes())?;
    write(&out.join("robots.txt"), sitemap::robots(public_url).as_bytes())?;
    Ok(built)
}

/// The file that answers a directory address (`/demarches/x/`).
fn index_of(address: &str) -> PathBuf {
    Path::new(address.trim_start_matches('/')).join("index.html")
}

fn service_context(catalogue: &CityCatalogue, service: &Service) -> Value {
    context! {
        service => Value::from_serialize(service),
        category => catalogue.category(&service.category).map(|c| context! {
            title => c.title.clone(),
            href => addresses::category(&c.slug),
        }),
    }
}

fn category_context(category: &Category, theme: &catalogue::Theme<'_>) -> Value {
    context! { category => Value::from_serialize(category), services => Value::from_serialize(&theme.services) }
}

/// The templates' environment: HTML escaping for `.html` templates, the
/// catalogue's texts as paragraphs and lists.
fn environment<'source>() -> Environment<'source> {
    let mut env = Environment::new();
    env.set_formatter(html_text);
    env.add_filter("text", |text: &str| Value::from_safe_string(text::html(text)));
    env.add_filter("excerpt", |text: &str| text::excerpt(text));
    env
}

/// A page's source: its front matter and its `<main>` template.
struct Page<'a> {
    front: FrontMatter,
    main: &'a str,
}

impl<'a> Page<'a> {
    fn read(text: &'a str, path: &Path) -> Result<Self, SiteError> {
        let (head, main) = text
            .strip_prefix("+++\n")
            .and_then(|rest| rest.split_once("\n+++\n"))
            .ok_or_else(|| SiteError::NoFrontMatter { path: path.to_owned() })?;
        let front = toml::from_str(head)
            .map_err(|source| SiteError::FrontMatter { path: path.to_owned(), source })?;
        Ok(Self { front, main: main.trim_end() })
    }
}

/// What every page shares: the templates, the frame and the catalogue.
struct Site<'env, 'source> {
    env: &'env Environment<'source>,
    layout: minijinja::Template<'env, 'source>,
    source: &'source Path,
    assets: &'env assets::Assets,
    frame: Value,
}

impl Site<'_, '_> {
    /// `page` for one `item` (a service, a category, or none) in the frame.
    fn stamp(&self, page: &Page<'_>, path: &Path, item: Value) -> Result<String, SiteError> {
        let template = |source: minijinja::Error| SiteError::Template { path: path.to_owned(), source };
        let values = context! { ..item, ..self.frame.clone() };
        // The main is HTML (escaped); the title and description are text,
        // escaped once, by the frame.
        let main = self.env.template_from_named_str("main.html", page.main).map_err(template)?;
        let main = main.render(&values).map_err(template)?;
        let text = |source: &str| self.env.render_named_str("text.txt", source, &values).map_err(template);
        let title = text(&page.front.title)?;
        let description = page.front.description.as_deref().map(text).transpose()?;
        let preload: Vec<String> = modules::imported(self.source, &page.front.script)
            .map_err(|e| SiteError::Io { path: path.to_owned(), source: e })?
            .iter()
            .map(|module| self.assets.name(module))
            .collect();
        self.layout
            .render(context! {
                page => context! {
                    title,
                    description,
                    script => self.assets.name(&page.front.script),
                    agents => page.front.space.as_deref() == Some("agents"),
                    preload,
                },
                main => Value::from_safe_string(main),
                ..values
            })
            .map_err(template)
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SiteError {
    let path = path.to_owned();
    move |source| SiteError::Io { path, source }
}

fn write(target: &Path, bytes: &[u8]) -> Result<(), SiteError> {
    let parent = target.parent().expect("a file has a folder");
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    std::fs::write(target, bytes).map_err(io(target))
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
    out.write_str(&text::escape(&value.to_string())).map_err(|_| {
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
