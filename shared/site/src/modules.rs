//! The modules a page's script imports, directly or not: what the page
//! preloads, so the browser fetches them at once rather than one import at a
//! time. Static imports only (`import … from './x.js'`): a module loaded on
//! demand (`import('./en.js')`, the English dictionary) is left to load when
//! it is needed.

use regex_lite::Regex;
use std::collections::BTreeSet;
use std::path::Path;

/// The site paths (`/js/ui.js`) of every module `script` imports, in a
/// stable order, `script` itself left out.
pub fn imported(site: &Path, script: &str) -> std::io::Result<Vec<String>> {
    let import = Regex::new(r#"(?m)^\s*(?:import|export)\b[^'";]*?\bfrom\s*['"](\.{1,2}/[^'"]+)['"]|^\s*import\s*['"](\.{1,2}/[^'"]+)['"]"#)
        .expect("a valid pattern");
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    let mut queue = vec![script.to_owned()];
    while let Some(module) = queue.pop() {
        let text = std::fs::read_to_string(site.join(module.trim_start_matches('/')))?;
        for found in import.captures_iter(&text) {
            let Some(relative) = found.get(1).or_else(|| found.get(2)) else { continue };
            let path = resolve(&module, relative.as_str());
            if path != script && seen.insert(path.clone()) {
                order.push(path.clone());
                queue.push(path);
            }
        }
    }
    order.sort();
    Ok(order)
}

/// `relative` (`./x.js`, `../y.js`) seen from the module at `from` (`/js/a/b.js`).
fn resolve(from: &str, relative: &str) -> String {
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
    use super::resolve;

    #[test]
    fn relative_imports_resolve_from_their_module() {
        assert_eq!(resolve("/js/form.js", "./form/flow.js"), "/js/form/flow.js");
        assert_eq!(resolve("/js/admin/inbox.js", "../ui.js"), "/js/ui.js");
        assert_eq!(resolve("/js/i18n/index.js", "./fr.js"), "/js/i18n/fr.js");
    }
}
