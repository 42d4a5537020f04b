//! The modules a script imports, read from its `import` statements: what a
//! page preloads, so the browser fetches them at once rather than one
//! import at a time, and what a module's hashed name depends on.

use regex_lite::Regex;
use std::collections::BTreeSet;
use std::ops::Range;
use std::path::Path;
use std::sync::LazyLock;

/// One relative import of a module's text.
pub struct Import {
    /// Where the specifier (`./x.js`, without its quotes) is in the text.
    pub at: Range<usize>,
    /// The imported module's site path (`/js/x.js`).
    pub path: String,
    /// `import('./x.js')`: loaded on demand, not preloaded.
    pub dynamic: bool,
}

/// `import … from './x.js'`, `export … from './x.js'`, `import './x.js'` and `import('./x.js')`.
static IMPORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?m)^\s*(?:import|export)\b[^'";]*?\bfrom\s*['"](\.{1,2}/[^'"]+)['"]|^\s*import\s*['"](\.{1,2}/[^'"]+)['"]|\bimport\(\s*['"](\.{1,2}/[^'"]+)['"]\s*\)"#,
    )
    .expect("a valid pattern")
});

/// The relative imports of `text`, the module at site path `module`.
pub fn imports(module: &str, text: &str) -> Vec<Import> {
    IMPORT
        .captures_iter(text)
        .filter_map(|found| {
            let (specifier, dynamic) = match (found.get(1), found.get(2), found.get(3)) {
                (Some(s), _, _) | (_, Some(s), _) => (s, false),
                (_, _, Some(s)) => (s, true),
                _ => return None,
            };
            Some(Import { at: specifier.range(), path: resolve(module, specifier.as_str()), dynamic })
        })
        .collect()
}

/// The site paths (`/js/ui.js`) of every module `script` imports
/// statically, directly or not, in a stable order, `script` itself left
/// out. A module loaded on demand (`import('./en.js')`, the English
/// dictionary) is left to load when it is needed.
pub fn imported(site: &Path, script: &str) -> std::io::Result<Vec<String>> {
    let mut seen = BTreeSet::new();
    let mut queue = vec![script.to_owned()];
    while let Some(module) = queue.pop() {
        let text = std::fs::read_to_string(site.join(module.trim_start_matches('/')))?;
        for import in imports(&module, &text).into_iter().filter(|i| !i.dynamic) {
            if import.path != script && seen.insert(import.path.clone()) {
                queue.push(import.path);
            }
        }
    }
    Ok(seen.into_iter().collect())
}

/// `relative` (`./x.js`, `../y.js`) seen from the module at `from` (`/js/a/b.js`).
pub fn resolve(from: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = from.split('/').filter(|p| !p.is_empty()).collect();
    parts.pop();
    for part in relative.split('/') {
        match part {
            "." => {}
            ".." => {
                parts.pop();
            }
            name => parts.push(name),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::{imports, resolve};

    #[test]
    fn relative_imports_resolve_from_their_module() {
        assert_eq!(resolve("/js/form.js", "./form/flow.js"), "/js/form/flow.js");
        assert_eq!(resolve("/js/admin/inbox.js", "../ui.js"), "/js/ui.js");
        assert_eq!(resolve("/js/i18n/index.js", "./fr.js"), "/js/i18n/fr.js");
    }

    #[test]
    fn static_and_dynamic_imports_are_found_where_they_are() {
        let text = "import { a } from './a.js';\nimport './b.js';\nexport { c } from \"../c.js\";\nconst d = () => import('./d.js');\n// from 'x' in a comment: not a module\n";
        let found: Vec<(String, bool, &str)> =
            imports("/js/m/x.js", text).into_iter().map(|i| (i.path, i.dynamic, &text[i.at])).collect();
        assert_eq!(
            found,
            vec![
                ("/js/m/a.js".to_owned(), false, "./a.js"),
                ("/js/m/b.js".to_owned(), false, "./b.js"),
                ("/js/c.js".to_owned(), false, "../c.js"),
                ("/js/m/d.js".to_owned(), true, "./d.js"),
            ]
        );
    }
}
