//! The condition language of forms (`docs/forms.md`): when a page, a field
//! or a supporting document applies, as a small tree of JSON (or TOML
//! inline tables).
//!
//! ```toml
//! when = { all = [{ field = "record_kind", equals = "birth" }, { field = "copies", gt = 1 }] }
//! ```
//!
//! This is the authority; `static-site/js/conditions.js` follows it, and both
//! run `tests/vectors/conditions.json`.

use crate::text;
use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::cmp::Ordering;

/// A citizen's answers, keyed by field id.
pub type Answers = serde_json::Map<String, Value>;

/// One condition. Built from its serialised form, which refuses unknown keys,
/// a node with no operator or with two, and values the operator cannot use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawCondition", into = "RawCondition")]
pub enum Condition {
    /// The answer equals the value (same JSON type; numbers by value, `1 == 1.0`).
    Equals { field: String, value: Value },
    /// Not `Equals`: holds when the answer is missing.
    NotEquals { field: String, value: Value },
    /// The answer equals one of the values.
    In { field: String, values: Vec<Value> },
    /// The answer is an array holding the value.
    Contains { field: String, value: Value },
    /// The answer is not missing (`filled: false`: it is missing).
    Filled { field: String, filled: bool },
    /// The answer compares to the value: numbers with numbers, dates with dates.
    Compare { field: String, op: Comparison, value: Value },
    /// Every one holds (an empty list holds).
    All(Vec<Condition>),
    /// At least one holds (an empty list does not).
    Any(Vec<Condition>),
    /// The condition does not hold.
    Not(Box<Condition>),
}

/// The order comparisons of [`Condition::Compare`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Comparison {
    /// The key that writes it.
    pub fn name(self) -> &'static str {
        match self {
            Comparison::Gt => "gt",
            Comparison::Gte => "gte",
            Comparison::Lt => "lt",
            Comparison::Lte => "lte",
        }
    }

    fn accepts(self, ordering: Ordering) -> bool {
        match self {
            Comparison::Gt => ordering.is_gt(),
            Comparison::Gte => ordering.is_ge(),
            Comparison::Lt => ordering.is_lt(),
            Comparison::Lte => ordering.is_le(),
        }
    }
}

impl Condition {
    /// Whether the condition holds on these answers. The caller removes the
    /// answers of hidden fields first: a hidden field counts as missing.
    pub fn holds(&self, answers: &Answers) -> bool {
        match self {
            Condition::Equals { field, value } => equals(answers.get(field), value),
            Condition::NotEquals { field, value } => !equals(answers.get(field), value),
            Condition::In { field, values } => values.iter().any(|v| equals(answers.get(field), v)),
            Condition::Contains { field, value } => match answers.get(field) {
                Some(Value::Array(items)) => items.iter().any(|item| same(item, value)),
                _ => false,
            },
            Condition::Filled { field, filled } => is_missing(answers.get(field)) != *filled,
            Condition::Compare { field, op, value } => {
                answers.get(field).and_then(|answer| compare(answer, value)).is_some_and(|o| op.accepts(o))
            }
            Condition::All(conditions) => conditions.iter().all(|c| c.holds(answers)),
            Condition::Any(conditions) => conditions.iter().any(|c| c.holds(answers)),
            Condition::Not(condition) => !condition.holds(answers),
        }
    }

    /// The fields this condition reads, in the order they appear (a field
    /// read twice is listed twice).
    pub fn fields(&self) -> Vec<&str> {
        let mut fields = Vec::new();
        self.collect_fields(&mut fields);
        fields
    }

    fn collect_fields<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Condition::Equals { field, .. }
            | Condition::NotEquals { field, .. }
            | Condition::In { field, .. }
            | Condition::Contains { field, .. }
            | Condition::Filled { field, .. }
            | Condition::Compare { field, .. } => out.push(field),
            Condition::All(conditions) | Condition::Any(conditions) => {
                conditions.iter().for_each(|c| c.collect_fields(out));
            }
            Condition::Not(condition) => condition.collect_fields(out),
        }
    }
}

/// An answer is missing when it is absent, `null`, a string with nothing
/// visible in it or an empty array (`docs/forms.md`). "Nothing visible" is
/// [`text::has_visible`] false: whitespace, zero-width and bidirectional
/// controls and the like; the browser spells the same sets out
/// (`static-site/js/visible.js`).
pub fn is_missing(answer: Option<&Value>) -> bool {
    match answer {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => !text::has_visible(s),
        Some(Value::Array(items)) => items.is_empty(),
        Some(_) => false,
    }
}

/// A date written exactly `YYYY-MM-DD` (what `<input type="date">` sends),
/// and a real day of the calendar. Stricter than jiff's own parser, which
/// also takes other ISO 8601 spellings the browser would not.
pub fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    let shape = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes.iter().enumerate().all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape {
        return None;
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<i16>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
}

fn equals(answer: Option<&Value>, value: &Value) -> bool {
    !is_missing(answer) && answer.is_some_and(|answer| same(answer, value))
}

/// Equality of an answer with a condition's (scalar) value: same JSON type,
/// numbers compared as numbers so that `1` equals `1.0` as in JavaScript.
fn same(answer: &Value, value: &Value) -> bool {
    match (answer, value) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        _ => false,
    }
}

/// Numbers with numbers, dates with dates; anything else does not compare.
fn compare(answer: &Value, value: &Value) -> Option<Ordering> {
    match (answer, value) {
        (Value::Number(a), Value::Number(b)) => a.as_f64()?.partial_cmp(&b.as_f64()?),
        (Value::String(a), Value::String(b)) => Some(parse_date(a)?.cmp(&parse_date(b)?)),
        _ => None,
    }
}

/// The serialised shape: one map with every possible key, so that serde
/// refuses unknown keys and [`Condition::try_from`] can name what is wrong.
#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    // `Some(Null)` for an explicit `null`, so that it is refused rather than
    // read as an absent key.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    equals: Option<Value>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    not_equals: Option<Value>,
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    in_: Option<Vec<Value>>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    contains: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    filled: Option<bool>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    gt: Option<Value>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    gte: Option<Value>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    lt: Option<Value>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    lte: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    all: Option<Vec<Condition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    any: Option<Vec<Condition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    not: Option<Box<Condition>>,
}

fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

const OPERATORS: &str = "equals, not_equals, in, contains, filled, gt, gte, lt, lte, all, any ou not";

/// One operator of a [`RawCondition`] with its operand, before the checks.
enum Operator {
    Equals(Value),
    NotEquals(Value),
    In(Vec<Value>),
    Contains(Value),
    Filled(bool),
    Compare(Comparison, Value),
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
}

impl Operator {
    fn name(&self) -> &'static str {
        match self {
            Operator::Equals(_) => "equals",
            Operator::NotEquals(_) => "not_equals",
            Operator::In(_) => "in",
            Operator::Contains(_) => "contains",
            Operator::Filled(_) => "filled",
            Operator::Compare(op, _) => op.name(),
            Operator::All(_) => "all",
            Operator::Any(_) => "any",
            Operator::Not(_) => "not",
        }
    }
}

impl TryFrom<RawCondition> for Condition {
    type Error = String;

    fn try_from(raw: RawCondition) -> Result<Self, String> {
        let operators: Vec<Operator> = [
            raw.equals.map(Operator::Equals),
            raw.not_equals.map(Operator::NotEquals),
            raw.in_.map(Operator::In),
            raw.contains.map(Operator::Contains),
            raw.filled.map(Operator::Filled),
            raw.gt.map(|v| Operator::Compare(Comparison::Gt, v)),
            raw.gte.map(|v| Operator::Compare(Comparison::Gte, v)),
            raw.lt.map(|v| Operator::Compare(Comparison::Lt, v)),
            raw.lte.map(|v| Operator::Compare(Comparison::Lte, v)),
            raw.all.map(Operator::All),
            raw.any.map(Operator::Any),
            raw.not.map(Operator::Not),
        ]
        .into_iter()
        .flatten()
        .collect();
        let operator = match <[Operator; 1]>::try_from(operators) {
            Ok([operator]) => operator,
            Err(none) if none.is_empty() => {
                return Err(format!("une condition a besoin d'un opérateur : {OPERATORS}"));
            }
            Err(several) => {
                let names: Vec<&str> = several.iter().map(Operator::name).collect();
                return Err(format!(
                    "une condition a un seul opérateur, celle-ci en a plusieurs ({}) : combinez des conditions avec all = [...]",
                    names.join(" et ")
                ));
            }
        };
        match (operator, raw.field) {
            (Operator::All(conditions), None) => Ok(Condition::All(conditions)),
            (Operator::Any(conditions), None) => Ok(Condition::Any(conditions)),
            (Operator::Not(condition), None) => Ok(Condition::Not(condition)),
            (operator @ (Operator::All(_) | Operator::Any(_) | Operator::Not(_)), Some(_)) => {
                Err(format!("« {} » combine des conditions et ne prend pas de « field »", operator.name()))
            }
            (operator, None) => {
                Err(format!("« {} » a besoin d'un « field » : le champ à lire", operator.name()))
            }
            (Operator::Equals(value), Some(field)) => {
                Ok(Condition::Equals { value: scalar("equals", value)?, field })
            }
            (Operator::NotEquals(value), Some(field)) => {
                Ok(Condition::NotEquals { value: scalar("not_equals", value)?, field })
            }
            (Operator::Contains(value), Some(field)) => {
                Ok(Condition::Contains { value: scalar("contains", value)?, field })
            }
            (Operator::In(values), Some(field)) => {
                if values.is_empty() {
                    return Err("« in » a besoin d'au moins une valeur".into());
                }
                let values = values.into_iter().map(|v| scalar("in", v)).collect::<Result<_, _>>()?;
                Ok(Condition::In { field, values })
            }
            (Operator::Filled(filled), Some(field)) => Ok(Condition::Filled { field, filled }),
            (Operator::Compare(op, value), Some(field)) => {
                if value.is_number() || value.as_str().is_some_and(|s| parse_date(s).is_some()) {
                    Ok(Condition::Compare { field, op, value })
                } else {
                    Err(format!("« {} » compare à un nombre ou à une date écrite \"AAAA-MM-JJ\"", op.name()))
                }
            }
        }
    }
}

/// Answers are compared with strings, numbers and booleans only: a `null`
/// would never match (a null answer is missing), and an array or table is
/// most likely a TOML date written without quotes or a misplaced list.
fn scalar(operator: &str, value: Value) -> Result<Value, String> {
    match value {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => Ok(value),
        _ => Err(format!(
            "« {operator} » prend un texte, un nombre ou true/false (les dates entre guillemets : \"2024-01-31\")"
        )),
    }
}

impl From<Condition> for RawCondition {
    fn from(condition: Condition) -> Self {
        let leaf = |field: String| RawCondition { field: Some(field), ..RawCondition::default() };
        match condition {
            Condition::Equals { field, value } => RawCondition { equals: Some(value), ..leaf(field) },
            Condition::NotEquals { field, value } => RawCondition { not_equals: Some(value), ..leaf(field) },
            Condition::In { field, values } => RawCondition { in_: Some(values), ..leaf(field) },
            Condition::Contains { field, value } => RawCondition { contains: Some(value), ..leaf(field) },
            Condition::Filled { field, filled } => RawCondition { filled: Some(filled), ..leaf(field) },
            Condition::Compare { field, op, value } => {
                let mut raw = leaf(field);
                *match op {
                    Comparison::Gt => &mut raw.gt,
                    Comparison::Gte => &mut raw.gte,
                    Comparison::Lt => &mut raw.lt,
                    Comparison::Lte => &mut raw.lte,
                } = Some(value);
                raw
            }
            Condition::All(conditions) => RawCondition { all: Some(conditions), ..RawCondition::default() },
            Condition::Any(conditions) => RawCondition { any: Some(conditions), ..RawCondition::default() },
            Condition::Not(condition) => RawCondition { not: Some(condition), ..RawCondition::default() },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn condition(value: Value) -> Result<Condition, String> {
        serde_json::from_value(value).map_err(|e| e.to_string())
    }

    #[test]
    fn parses_from_toml_and_serialises_back_to_the_same_json() {
        let toml = r#"when = { all = [
            { field = "kind", in = ["birth", "death"] },
            { not = { field = "copies", gte = 3 } },
            { field = "born", lt = "2000-01-01" },
            { field = "topics", contains = "noise" },
            { field = "who", filled = true },
        ] }"#;
        #[derive(Deserialize)]
        struct Holder {
            when: Condition,
        }
        let parsed: Holder = toml::from_str(toml).unwrap();
        let json = serde_json::to_value(&parsed.when).unwrap();
        assert_eq!(
            json,
            json!({"all": [
                {"field": "kind", "in": ["birth", "death"]},
                {"not": {"field": "copies", "gte": 3}},
                {"field": "born", "lt": "2000-01-01"},
                {"field": "topics", "contains": "noise"},
                {"field": "who", "filled": true},
            ]})
        );
        assert_eq!(condition(json).unwrap(), parsed.when, "round trip");
        assert_eq!(parsed.when.fields(), ["kind", "copies", "born", "topics", "who"]);
    }

    #[test]
    fn refuses_malformed_conditions_with_a_reason() {
        let cases = [
            (json!({"field": "a"}), "a besoin d'un opérateur"),
            (json!({"field": "a", "equals": 1, "in": [1]}), "plusieurs (equals et in)"),
            (json!({"field": "a", "equal": 1}), "unknown field"),
            (json!({"equals": 1}), "« equals » a besoin d'un « field »"),
            (json!({"field": "a", "all": []}), "ne prend pas de « field »"),
            (json!({"field": "a", "equals": null}), "prend un texte"),
            (json!({"field": "a", "equals": [1]}), "prend un texte"),
            (json!({"field": "a", "in": []}), "au moins une valeur"),
            (json!({"field": "a", "in": [{"x": 1}]}), "prend un texte"),
            (json!({"field": "a", "gt": "soon"}), "un nombre ou à une date"),
            (json!({"field": "a", "gt": "2024-02-30"}), "un nombre ou à une date"),
            (json!({"field": "a", "gt": true}), "un nombre ou à une date"),
            (json!({"all": [{"field": "a"}]}), "a besoin d'un opérateur"),
            (json!({"field": "a", "filled": "yes"}), "invalid type"),
        ];
        for (json, words) in cases {
            let error = condition(json.clone()).expect_err(&json.to_string());
            assert!(error.contains(words), "{json}: {error:?} lacks {words:?}");
        }
    }

    #[test]
    fn a_toml_date_without_quotes_is_refused() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)] // only the error matters
        struct Holder {
            when: Condition,
        }
        let error = toml::from_str::<Holder>("when = { field = \"born\", equals = 2000-01-01 }").unwrap_err();
        assert!(error.message().contains("les dates entre guillemets"), "{error}");
    }

    #[test]
    fn dates_are_strict() {
        assert_eq!(parse_date("2024-02-29"), Some(jiff::civil::date(2024, 2, 29)));
        for bad in
            ["2023-02-29", "2024-1-05", "20240105", "2024-01-05T00:00", "+02024-01-05", "2024-13-01", ""]
        {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn blank_is_what_shows_nothing() {
        assert!(is_missing(Some(&json!("\u{85}\u{a0}\u{3000}"))));
        assert!(is_missing(Some(&json!("\u{feff}\u{200b}"))), "a BOM and a zero-width space show nothing");
        assert!(!is_missing(Some(&json!("\u{200b}x"))));
        assert!(!is_missing(Some(&json!({}))), "an empty object is an answer");
        assert!(!is_missing(Some(&json!(false))));
    }
}
