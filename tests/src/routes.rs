//! The functions' route tables: the `//! | `METHOD /path` ... |` rows of each
//! `functions/<name>/src/lib.rs`, read as data. The permission table tries
//! every row (`tests/permissions.rs`), and `docs/openapi.json` is written from
//! them (`tests/openapi.rs`), so the published description, the documentation
//! and the routers cannot drift apart.

use crate::repository;

/// The functions whose routes are public, as (folder under `functions/`,
/// prefix): every prefix of `portal::FUNCTION_PREFIXES` is `/api/<folder>`,
/// but the standard's `/open311/v2`.
pub fn functions() -> impl Iterator<Item = (&'static str, &'static str)> {
    portal::FUNCTION_PREFIXES.iter().map(|prefix| (folder_of(prefix), *prefix))
}

/// The folder of the function serving `prefix`: its first segment that is
/// not `api`.
pub fn folder_of(prefix: &'static str) -> &'static str {
    prefix.split('/').find(|segment| !segment.is_empty() && *segment != "api").expect("a named prefix")
}

/// Every `.route("<path>", <methods>)` of the functions' routers, as
/// (method, full path), read from their sources: what the tables must list.
pub fn router_routes() -> Vec<(String, String)> {
    const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];
    let mut routes = Vec::new();
    for (function, prefix) in functions() {
        for file in rust_files(&repository().join(format!("functions/{function}/src"))) {
            let source = std::fs::read_to_string(&file).unwrap();
            for (at, _) in source.match_indices(".route(") {
                // The path may start on the next line, as rustfmt wraps long calls.
                let Some(rest) = source[at + ".route(".len()..].trim_start().strip_prefix('"') else {
                    continue;
                };
                let (path, call) = rest.split_once('"').unwrap();
                let call = &call[..closing_paren(call)];
                for method in METHODS {
                    let named = call.match_indices(&format!("{method}(")).any(|(i, _)| {
                        call[..i].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
                    });
                    if named {
                        routes.push((method.to_uppercase(), format!("{prefix}{path}")));
                    }
                }
            }
        }
    }
    routes
}

/// Where the call whose arguments `text` continues ends: the first `)`
/// that closes more than it opened.
fn closing_paren(text: &str) -> usize {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return i,
            ')' => depth -= 1,
            _ => {}
        }
    }
    text.len()
}

fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// One row of a route table.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub function: &'static str,
    /// `GET`, `POST`...: a row may name several, one route each.
    pub method: String,
    /// The full path pattern, `{name}` for a segment: `/api/booking/holds`.
    pub path: String,
    /// The query parameters the row names (`?q=&cursor=`, `?type&agenda`).
    pub query: Vec<String>,
    /// The JSON body's fields the row names (`{email, password, name?}`),
    /// with whether each is required; `None` when the row names no body.
    pub body: Option<Vec<(String, bool)>>,
    /// Who may call it (the catalogue's table has no column: anyone).
    pub who: String,
    /// What it answers.
    pub answer: String,
}

/// Every row of every function's route table, in table order.
pub fn route_tables() -> Vec<Route> {
    let mut routes = Vec::new();
    for (function, prefix) in functions() {
        let path = repository().join(format!("functions/{function}/src/lib.rs"));
        let source = std::fs::read_to_string(&path).unwrap();
        for line in source.lines().filter(|line| line.starts_with("//! | `")) {
            routes.extend(parse_row(function, prefix, line));
        }
    }
    assert!(routes.len() > 50, "the route tables are read: {routes:?}");
    routes
}

/// The routes of one table row (one per method).
fn parse_row(function: &'static str, prefix: &str, line: &str) -> Vec<Route> {
    let cells = split_cells(line.trim_start_matches("//!").trim());
    let (first, who, answer) = match cells.as_slice() {
        [first, answer] => (first, "anyone".to_owned(), answer.clone()),
        [first, who, answer] => (first, who.clone(), answer.clone()),
        other => panic!("a route row has two or three cells: {other:?}"),
    };
    let groups: Vec<&str> = first.split('`').skip(1).step_by(2).collect();
    let (methods, target) = groups[0].rsplit_once(' ').expect("`METHOD /path`");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut query = names(query);
    let mut body = None;
    for group in &groups[1..] {
        if let Some(more) = group.strip_prefix('?') {
            query.extend(names(more));
        } else if let Some(fields) = group.strip_prefix('{').and_then(|g| g.strip_suffix('}')) {
            body = Some(body_fields(fields));
        }
    }
    methods
        .split(", ")
        .map(|method| Route {
            function,
            method: method.to_owned(),
            path: format!("{prefix}{path}"),
            query: query.clone(),
            body: body.clone(),
            who: who.clone(),
            answer: answer.clone(),
        })
        .collect()
}

/// The cells of a Markdown table row; `\|` is a pipe inside a cell.
fn split_cells(row: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut chars = row.trim().trim_matches('|').chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => cells.last_mut().unwrap().push(chars.next().unwrap()),
            '|' => cells.push(String::new()),
            c => cells.last_mut().unwrap().push(c),
        }
    }
    cells.into_iter().map(|cell| cell.trim().to_owned()).collect()
}

/// Parameter names of a query: `q=&cursor=`, `type&agenda`, `agenda|place&from`.
fn names(query: &str) -> Vec<String> {
    query
        .split(['&', '|'])
        .map(|part| part.split('=').next().unwrap().trim())
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The top-level fields of a body hint: `email, password, name?` (the
/// last optional), `hold | agenda+type+start` (alternatives: all optional),
/// `ask?: {version}` (a nested object, named by its key).
fn body_fields(hint: &str) -> Vec<(String, bool)> {
    let mut fields = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in hint.chars().chain(std::iter::once(',')) {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                let field = std::mem::take(&mut current);
                let key = field.split(':').next().unwrap().trim();
                let alternatives = key.contains('|') || key.contains('+');
                for name in key.split(['|', '+']).map(str::trim).filter(|n| !n.is_empty()) {
                    let optional = alternatives || name.ends_with('?');
                    fields.push((name.trim_end_matches('?').to_owned(), !optional));
                }
            }
            c if depth == 0 => current.push(c),
            _ => {}
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_give_their_methods_queries_and_bodies() {
        let rows = parse_row(
            "submissions",
            "/api/submissions",
            "//! | `GET, PUT, DELETE /drafts/{id}` | the draft's owner | read |",
        );
        assert_eq!(rows.iter().map(|r| r.method.as_str()).collect::<Vec<_>>(), ["GET", "PUT", "DELETE"]);
        assert_eq!(rows[0].path, "/api/submissions/drafts/{id}");
        let row =
            &parse_row("catalogue", "/api/catalogue", "//! | `GET /services?q=&cursor=` | summaries |")[0];
        assert_eq!((row.query.clone(), row.who.as_str()), (vec!["q".into(), "cursor".into()], "anyone"));
        let row = &parse_row(
            "booking",
            "/api/booking",
            "//! | `POST /appointments` `{hold \\| agenda+type+start, name, email?}` | anyone | 201 |",
        )[0];
        let body = row.body.clone().unwrap();
        assert!(body.contains(&("name".into(), true)) && body.contains(&("email".into(), false)));
        assert!(body.contains(&("hold".into(), false)) && body.contains(&("start".into(), false)));
        let row = &parse_row(
            "booking",
            "/api/booking",
            "//! | `GET /agent/planning` `?agenda\\|place&from&days` | agent | days |",
        )[0];
        assert_eq!(row.query, ["agenda", "place", "from", "days"]);
        let row = &parse_row(
            "messaging",
            "/api/messaging",
            "//! | `POST /t` `{text, ask?: {version}}` | agent | 201 |",
        )[0];
        assert_eq!(row.body.clone().unwrap(), [("text".to_owned(), true), ("ask".to_owned(), false)]);
    }
}
