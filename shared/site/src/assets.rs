//! Scripts and styles under names that say their content
//! (`/js/ui.3f2a9c1b7e.js`), so they can be cached for a year: a changed
//! file is a new name. A module's name covers the names it imports, which
//! are rewritten in it, so a change reaches every module above it. And, for
//! the CDN, every text file beside its brotli and gzip forms (`.br`, `.gz`),
//! compressed once at the highest levels rather than at each answer.

use crate::SiteError;
use crate::modules;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// Whether the site path `path` is a hashed name (`/js/ui.3f2a9c1b7e.js`),
/// whose content never changes.
pub fn is_hashed(path: &str) -> bool {
    let Some((stem, extension)) = path.rsplit_once('.') else { return false };
    let hash = stem.rsplit_once('.').map_or("", |(_, hash)| hash);
    matches!(extension, "js" | "css")
        && hash.len() == 10
        && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Site paths and their hashed names.
#[derive(Debug, Default)]
pub struct Assets {
    names: BTreeMap<String, String>,
}

impl Assets {
    /// The hashed name of `path` (`/js/ui.js`); `path` itself when it has none.
    pub fn name(&self, path: &str) -> String {
        self.names.get(path).cloned().unwrap_or_else(|| path.to_owned())
    }

    /// Renames every `.js` and `.css` file of the built site `out` to its
    /// hashed name, imports rewritten.
    pub fn hash(out: &Path) -> Result<Self, SiteError> {
        let mut modules = BTreeMap::new();
        let mut styles = Vec::new();
        for file in crate::files(out).map_err(crate::io(out))? {
            let path = format!("/{}", file.strip_prefix(out).expect("under out").to_string_lossy());
            match file.extension().and_then(|e| e.to_str()) {
                Some("js") => {
                    modules.insert(path, std::fs::read_to_string(&file).map_err(crate::io(&file))?);
                }
                Some("css") => styles.push(path),
                _ => {}
            }
        }
        let mut assets = Self::default();
        for path in styles {
            let file = out.join(path.trim_start_matches('/'));
            let bytes = std::fs::read(&file).map_err(crate::io(&file))?;
            assets.rename(out, &path, &bytes)?;
        }
        for path in order(&modules)? {
            let text = &modules[&path];
            let mut rewritten = String::with_capacity(text.len());
            let mut last = 0;
            for import in modules::imports(&path, text) {
                let hashed = assets.name(&import.path);
                let name = hashed.rsplit('/').next().expect("a name");
                let specifier = &text[import.at.clone()];
                rewritten.push_str(&text[last..import.at.start]);
                // The specifier's own folder part (`./`, `../form/`), then the new name.
                rewritten.push_str(&specifier[..=specifier.rfind('/').expect("a relative specifier")]);
                rewritten.push_str(name);
                last = import.at.end;
            }
            rewritten.push_str(&text[last..]);
            assets.rename(out, &path, rewritten.as_bytes())?;
        }
        Ok(assets)
    }

    /// Writes `bytes` at `path`'s hashed name and removes `path`.
    fn rename(&mut self, out: &Path, path: &str, bytes: &[u8]) -> Result<(), SiteError> {
        let digest = Sha256::digest(bytes);
        // Ten hexadecimal digits, as `is_hashed` reads them.
        let hash: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
        let (stem, extension) = path.rsplit_once('.').expect("a file with an extension");
        let hashed = format!("{stem}.{hash}.{extension}");
        let old = out.join(path.trim_start_matches('/'));
        std::fs::remove_file(&old).map_err(crate::io(&old))?;
        crate::write(&out.join(hashed.trim_start_matches('/')), bytes)?;
        self.names.insert(path.to_owned(), hashed);
        Ok(())
    }
}

/// The modules, each after every module it imports.
fn order(modules: &BTreeMap<String, String>) -> Result<Vec<String>, SiteError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    fn visit(
        path: &str,
        modules: &BTreeMap<String, String>,
        marks: &mut BTreeMap<String, Mark>,
        ordered: &mut Vec<String>,
    ) -> Result<(), SiteError> {
        match marks.get(path) {
            Some(Mark::Done) => return Ok(()),
            Some(Mark::Visiting) => return Err(SiteError::ImportCycle { module: path.to_owned() }),
            None => {}
        }
        let Some(text) = modules.get(path) else {
            return Err(SiteError::MissingModule { module: path.to_owned() });
        };
        marks.insert(path.to_owned(), Mark::Visiting);
        for import in modules::imports(path, text) {
            visit(&import.path, modules, marks, ordered)?;
        }
        marks.insert(path.to_owned(), Mark::Done);
        ordered.push(path.to_owned());
        Ok(())
    }
    let mut marks = BTreeMap::new();
    let mut ordered = Vec::new();
    for path in modules.keys() {
        visit(path, modules, &mut marks, &mut ordered)?;
    }
    Ok(ordered)
}

/// The files worth compressing: text.
const TEXT: [&str; 7] = ["html", "js", "css", "svg", "xml", "txt", "json"];

/// Writes `x.br` and `x.gz` beside every text file `x` of the built site
/// `out`; returns how many files it wrote.
pub fn precompress(out: &Path) -> Result<usize, SiteError> {
    let mut written = 0;
    for file in crate::files(out).map_err(crate::io(out))? {
        if !file.extension().and_then(|e| e.to_str()).is_some_and(|e| TEXT.contains(&e)) {
            continue;
        }
        let bytes = std::fs::read(&file).map_err(crate::io(&file))?;
        let mut br = Vec::new();
        let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
        brotli::BrotliCompress(&mut &bytes[..], &mut br, &params).map_err(crate::io(&file))?;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&bytes).map_err(crate::io(&file))?;
        let gz = gz.finish().map_err(crate::io(&file))?;
        let name = file.file_name().expect("a file").to_string_lossy().into_owned();
        crate::write(&file.with_file_name(format!("{name}.br")), &br)?;
        crate::write(&file.with_file_name(format!("{name}.gz")), &gz)?;
        written += 2;
    }
    Ok(written)
}
