//! The TOML parser's and serde's messages, in French for a city's IT team.
//!
//! toml (the syntax) and serde (the data that does not fit the format) write
//! their messages in English, in a few shapes (toml 1.2, serde 1.0). Each
//! known shape is rewritten with the same details: the value at fault, the
//! keys or values allowed, what to write instead. Our own messages (serde's
//! `custom`, e.g. the time zone's) are French already and pass unchanged; a
//! syntax message of an unknown shape keeps its text after a French lead.

/// `message`: toml's `Error::message()`; `syntax`: whether the text is not
/// TOML at all (otherwise its data do not fit the format); `value`: the text
/// the error's span covers, when it has one.
pub(super) fn parser_message_in_french(message: &str, syntax: bool, value: Option<&str>) -> String {
    let message = message.trim();
    if let Some(french) = data_message(message, value) {
        return french;
    }
    if let Some(french) = syntax_message(message) {
        return format!("erreur de syntaxe TOML : {french}");
    }
    if syntax {
        format!("erreur de syntaxe TOML : {}", message.replace('`', "\""))
    } else {
        message.to_owned()
    }
}

/// serde's shapes (`invalid type: …, expected …` and the others), then the
/// messages toml's deserializer writes itself.
fn data_message(message: &str, value: Option<&str>) -> Option<String> {
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, wanted) = rest.rsplit_once(", expected ")?;
        return Some(format!(
            "type incorrect ({}) : écrivez {}",
            found_in_french(found, value),
            wanted_in_french(wanted)
        ));
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        let (found, wanted) = rest.rsplit_once(", expected ")?;
        let too_big = integer(found).zip(unsigned_max(wanted)).filter(|(n, _)| *n >= 0);
        return Some(match too_big {
            Some((n, max)) => format!("nombre trop grand ({n}) : écrivez un nombre entier de {max} au plus"),
            None => {
                format!(
                    "valeur incorrecte ({}) : écrivez {}",
                    found_in_french(found, value),
                    wanted_in_french(wanted)
                )
            }
        });
    }
    if let Some(rest) = message.strip_prefix("invalid length ") {
        let (length, wanted) = rest.split_once(", expected ")?;
        return Some(format!(
            "nombre d'éléments incorrect ({length}) : écrivez {}",
            wanted_in_french(wanted)
        ));
    }
    if let Some(key) = backticked(message, "missing field ") {
        return Some(format!("clé obligatoire « {key} » manquante : ajoutez la ligne {key} = …"));
    }
    if let Some(key) = backticked(message, "duplicate field ") {
        return Some(format!("clé « {key} » écrite deux fois : gardez-en une seule"));
    }
    if let Some(key) = backticked(message, "unknown field ") {
        return Some(match allowed(message) {
            Some(keys) => format!("clé inconnue « {key} » (clés possibles : {keys})"),
            None => format!("clé inconnue « {key} » : cette table n'accepte aucune clé"),
        });
    }
    if let Some(variant) = backticked(message, "unknown variant ") {
        return Some(match allowed(message) {
            Some(values) => format!("valeur inconnue « {variant} » (valeurs possibles : {values})"),
            None => format!("valeur inconnue « {variant} » : aucune valeur n'est possible ici"),
        });
    }
    if let Some(rest) = message.strip_prefix("unexpected keys in table: ") {
        let (keys, available) = rest.split_once(", available keys: ")?;
        return Some(format!("clés inconnues : {keys} (clés possibles : {available})"));
    }
    if let Some(found) = message.strip_prefix("expected table, found ") {
        return Some(format!("écrivez une table, pas {}", type_in_french(found)));
    }
    if let Some(length) = message.strip_prefix("expected tuple with length ") {
        return Some(format!("écrivez une liste de {length} éléments"));
    }
    if message.starts_with("data did not match any variant of untagged enum ") {
        return Some(
            "valeur d'une forme inattendue : voyez les formes possibles dans docs/city-files.md".into(),
        );
    }
    let (_, french) = DESERIALIZER.iter().find(|(english, _)| *english == message)?;
    Some((*french).to_owned())
}

/// What toml's deserializer says in its own words.
const DESERIALIZER: &[(&str, &str)] = &[
    ("wanted string or table", "écrivez un texte entre guillemets ou une table"),
    ("wanted exactly 1 element, found 0 elements", "écrivez une table d'une seule clé"),
    ("wanted exactly 1 element, more than 1 element", "écrivez une table d'une seule clé"),
    ("expected table with exactly 1 entry, found empty table", "écrivez une table d'une seule clé"),
    ("expected empty array", "écrivez une liste vide : []"),
    ("expected empty table", "écrivez une table vide : {}"),
    ("integer number overflowed", "nombre entier trop grand"),
    ("floating-point number overflowed", "nombre trop grand"),
];

/// The value serde found (`string "x"`, ``integer `3` ``, `map`…).
fn found_in_french(found: &str, value: Option<&str>) -> String {
    if let Some(text) = found.strip_prefix("string ") {
        let text = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(text);
        return format!("le texte « {text} »");
    }
    if let Some(n) = backticked(found, "integer ") {
        return format!("le nombre entier {n}");
    }
    if let Some(n) = backticked(found, "floating point ") {
        return format!("le nombre décimal {n}");
    }
    if let Some(b) = backticked(found, "boolean ") {
        return format!("le booléen {b}");
    }
    if let Some(c) = backticked(found, "character ") {
        return format!("le caractère « {c} »");
    }
    match found {
        "sequence" => "une liste".into(),
        // A TOML date or time reaches serde as a table.
        "map" => match value.map(str::trim).filter(|v| v.starts_with(|c: char| c.is_ascii_digit())) {
            Some(date) => format!("la date ou l'heure {date}, sans guillemets"),
            None => "une table".into(),
        },
        "unit value" => "une valeur vide".into(),
        "Option value" => "une valeur facultative".into(),
        "byte array" => "des octets".into(),
        "enum" | "unit variant" | "newtype variant" | "tuple variant" | "struct variant" => {
            "une variante".into()
        }
        other => other.to_owned(),
    }
}

/// What serde expected (`a string`, `u32`, `struct Service`…).
fn wanted_in_french(wanted: &str) -> String {
    if let Some((_, french)) = WANTED.iter().find(|(english, _)| *english == wanted) {
        return (*french).to_owned();
    }
    if wanted.starts_with("struct ") {
        return "une table".into();
    }
    if wanted.starts_with("enum ") {
        return "un texte entre guillemets, parmi les valeurs prévues".into();
    }
    let length = ["a tuple of size ", "an array of length ", "tuple struct "]
        .iter()
        .find_map(|prefix| wanted.strip_prefix(prefix))
        .filter(|n| n.parse::<usize>().is_ok());
    match length {
        Some(n) => format!("une liste de {n} éléments"),
        None => wanted.to_owned(),
    }
}

const WANTED: &[(&str, &str)] = &[
    ("a string", "un texte entre guillemets"),
    ("a borrowed string", "un texte entre guillemets"),
    ("a boolean", "un booléen : true ou false"),
    ("a sequence", "une liste entre crochets : [ … ]"),
    ("a map", "une table"),
    ("a character", "un seul caractère entre guillemets"),
    ("u8", "un nombre entier de 0 à 255"),
    ("u16", "un nombre entier de 0 à 65535"),
    ("u32", "un nombre entier positif"),
    ("u64", "un nombre entier positif"),
    ("u128", "un nombre entier positif"),
    ("usize", "un nombre entier positif"),
    ("i8", "un nombre entier de -128 à 127"),
    ("i16", "un nombre entier"),
    ("i32", "un nombre entier"),
    ("i64", "un nombre entier"),
    ("i128", "un nombre entier"),
    ("isize", "un nombre entier"),
    ("f32", "un nombre"),
    ("f64", "un nombre"),
    ("unit", "aucune valeur"),
    ("option", "une valeur"),
    ("a TOML datetime", "une date ou une heure"),
    // `form::Bound`'s own words.
    (
        "a number, or a date in quotes: \"2024-01-31\"",
        "un nombre, ou une date entre guillemets : \"2024-01-31\"",
    ),
];

/// The largest value of an unsigned type serde names (`u32`).
fn unsigned_max(wanted: &str) -> Option<u64> {
    match wanted {
        "u8" => Some(u8::MAX.into()),
        "u16" => Some(u16::MAX.into()),
        "u32" => Some(u32::MAX.into()),
        "u64" | "usize" => Some(u64::MAX),
        _ => None,
    }
}

/// The number of ``integer `-1` `` (or ``integer `…` as i128``).
fn integer(found: &str) -> Option<i128> {
    backticked(found, "integer ")?.parse().ok()
}

/// The name between the backticks that follow `prefix`: ``missing field `x` ``.
fn backticked<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    message.strip_prefix(prefix)?.strip_prefix('`')?.split('`').next()
}

/// The names serde lists after a field or variant it does not know
/// (``expected one of `a`, `b` ``, ``expected `a` or `b` ``), or `None` when
/// there are none (`there are no fields`).
fn allowed(message: &str) -> Option<String> {
    let (_, list) = message.split_once("`, expected ")?;
    let names: Vec<&str> = list.split('`').skip(1).step_by(2).collect();
    (!names.is_empty()).then(|| names.join(", "))
}

/// TOML's syntax errors: a description, then what the parser expected.
fn syntax_message(message: &str) -> Option<String> {
    let (description, expected) = match message.split_once(", expected ") {
        Some((description, expected)) => (description, Some(expected)),
        None => (message, None),
    };
    let (french, with_expected) = if let Some((_, french, with_expected)) =
        SYNTAX.iter().find(|(english, ..)| *english == description)
    {
        ((*french).to_owned(), *with_expected)
    } else if let Some(kind) = description
        .strip_prefix("cannot extend value of type ")
        .and_then(|d| d.strip_suffix(" with a dotted key"))
    {
        (format!("impossible d'ajouter une clé pointée (a.b = …) à {}", type_in_french(kind)), false)
    } else {
        (DATETIME.iter().find(|(english, _)| *english == description)?.1.to_owned(), true)
    };
    Some(match expected.filter(|_| with_expected) {
        Some(expected) => format!("{french} (attendu : {})", expected_in_french(expected)),
        None => french,
    })
}

/// Each description toml's parser writes, in French, and whether what it
/// expected adds to it.
const SYNTAX: &[(&str, &str, bool)] = &[
    (
        "string values must be quoted",
        "valeur manquante, ou texte sans guillemets : écrivez cle = \"texte\"",
        false,
    ),
    ("invalid string", "texte mal formé", true),
    ("invalid basic string", "texte entre guillemets mal formé (guillemet fermant manquant ?)", true),
    ("invalid literal string", "texte entre apostrophes mal formé (apostrophe fermante manquante ?)", true),
    ("invalid multi-line basic string", "texte sur plusieurs lignes (\"\"\") mal formé", true),
    ("invalid multi-line literal string", "texte sur plusieurs lignes (''') mal formé", true),
    ("missing opening quote", "guillemet ouvrant manquant", true),
    (
        "missing escaped value",
        "caractère inconnu après \\ (écrivez \\\\ pour une barre oblique inverse)",
        true,
    ),
    ("too few unicode value digits", "séquence \\u ou \\U incomplète", true),
    (
        "carriage return must be followed by newline",
        "retour chariot isolé : il doit être suivi d'un saut de ligne",
        false,
    ),
    ("duplicate key", "clé ou table définie deux fois : gardez-en une seule", false),
    ("unclosed table", "en-tête de table non fermé : terminez-le par ]", false),
    ("unclosed array table", "en-tête [[…]] non fermé : terminez-le par ]]", false),
    ("unclosed array", "liste non fermée : terminez-la par ]", false),
    ("unclosed inline table", "table en ligne non fermée : terminez-la par }", false),
    ("invalid table", "en-tête de table mal formé", true),
    ("missing table open", "[ manquant au début de l'en-tête de table", false),
    ("missing array opening", "[ manquant au début de la liste", false),
    ("missing inline table opening", "{ manquant au début de la table en ligne", false),
    ("invalid key", "clé mal formée", true),
    (
        "invalid unquoted key",
        "clé mal formée : lettres, chiffres, - et _ seulement, ou entre guillemets",
        false,
    ),
    ("unquoted keys cannot be empty", "clé manquante avant le signe =", false),
    ("keys cannot be multi-line basic strings", "une clé ne s'écrit pas sur plusieurs lignes", false),
    ("keys cannot be multi-line literal strings", "une clé ne s'écrit pas sur plusieurs lignes", false),
    ("missing assignment between key-value pairs", "signe = manquant entre la clé et la valeur", false),
    ("extra assignment between key-value pairs", "signe = en trop", false),
    ("extra `=`", "signe = en trop", false),
    ("unexpected `=` in array", "signe = inattendu dans une liste", false),
    ("missing value for key", "valeur manquante après le signe =", false),
    ("key with no value", "valeur manquante après le signe =", false),
    ("missing value", "valeur manquante", true),
    ("invalid value", "valeur mal formée", true),
    ("invalid key-value pair", "ligne « clé = valeur » mal formée", true),
    (
        "unexpected key or value",
        "contenu inattendu après la valeur : une seule « clé = valeur » par ligne",
        false,
    ),
    ("unexpected content", "contenu inattendu", true),
    ("unexpected content between comment and newline", "contenu inattendu après le commentaire", true),
    ("invalid comment character", "caractère interdit dans un commentaire", false),
    ("missing comment start", "# manquant au début du commentaire", false),
    (
        "missing comma between array elements",
        "virgule manquante entre deux éléments de la liste (ou ] manquant à la fin)",
        false,
    ),
    ("extra comma in array", "virgule en trop dans la liste", false),
    (
        "missing comma between key-value pairs",
        "virgule manquante entre deux clés de la table en ligne",
        false,
    ),
    ("extra comma in inline table", "virgule en trop dans la table en ligne", false),
    (
        "missing key for inline table element",
        "clé manquante dans la table en ligne (ou } manquant à la fin)",
        false,
    ),
    ("invalid inline table element", "élément de table en ligne mal formé", true),
    ("invalid integer number", "nombre entier mal formé", true),
    ("invalid float", "nombre décimal mal formé (le séparateur décimal est un point)", true),
    ("invalid fraction", "partie décimale mal formée", true),
    ("invalid exponent", "exposant mal formé", true),
    ("invalid mantissa", "nombre mal formé", true),
    ("invalid binary number", "nombre binaire (0b…) mal formé", true),
    ("invalid octal number", "nombre octal (0o…) mal formé", true),
    ("invalid hexadecimal number", "nombre hexadécimal (0x…) mal formé", true),
    ("invalid boolean", "booléen mal formé : écrivez true ou false", false),
    (
        "unexpected leading zero",
        "zéro en tête de nombre : retirez-le, ou mettez la valeur entre guillemets",
        false,
    ),
    ("unexpected sign", "signe + ou - inattendu", false),
    ("redundant numeric sign", "signe + ou - en double", false),
    ("redundant integer number prefix", "préfixe 0x, 0o ou 0b en double", false),
    ("integers with a radix cannot be signed", "un nombre 0x, 0o ou 0b ne prend pas de signe", false),
    ("radix must be lowercase", "le préfixe 0x, 0o ou 0b s'écrit en minuscules", false),
    ("`_` may only go between digits", "« _ » ne peut être qu'entre deux chiffres", false),
    ("recursion limit", "imbrication trop profonde", false),
    ("cannot recurse further; max recursion depth met", "imbrication trop profonde", false),
];

/// toml_datetime's descriptions.
const DATETIME: &[(&str, &str)] = &[
    ("invalid date", "date mal formée"),
    ("invalid time", "heure mal formée"),
    ("invalid offset", "décalage horaire mal formé"),
    ("invalid date-time", "date et heure mal formées"),
    ("invalid datetime", "date ou heure mal formée"),
];

/// What the parser expected: literals, descriptions, datetime parts.
fn expected_in_french(expected: &str) -> String {
    if let Some((_, french)) = EXPECTED.iter().find(|(english, _)| *english == expected) {
        return (*french).to_owned();
    }
    let items: Vec<String> = expected
        .split(", ")
        .map(|item| {
            if let Some((_, french)) = EXPECTED.iter().find(|(english, _)| *english == item) {
                (*french).to_owned()
            } else if let Some(literal) = item
                .strip_prefix('`')
                .and_then(|i| i.strip_suffix('`'))
                .or_else(|| (item == "'`'").then_some("`"))
            {
                format!("« {literal} »")
            } else {
                item.to_owned()
            }
        })
        .collect();
    items.join(", ")
}

const EXPECTED: &[(&str, &str)] = &[
    ("newline", "un saut de ligne"),
    ("nothing", "rien"),
    ("etc", "…"),
    ("value", "une valeur"),
    ("key", "une clé"),
    ("basic string", "un texte entre guillemets"),
    ("literal string", "un texte entre apostrophes"),
    ("multi-line basic string", "un texte entre triples guillemets"),
    ("letters", "des lettres"),
    ("numbers", "des chiffres"),
    ("digits", "des chiffres"),
    ("characters", "des caractères"),
    ("printable characters", "des caractères imprimables"),
    ("non-double-quote visible characters", "des caractères visibles"),
    ("non-single-quote visible characters", "des caractères visibles"),
    ("non-single-quote characters", "des caractères"),
    ("unicode hexadecimal value", "une valeur Unicode en hexadécimal"),
    ("year or hour", "une année ou une heure"),
    ("month", "un mois"),
    ("day", "un jour"),
    ("hour", "une heure"),
    ("minute", "des minutes"),
    ("second", "des secondes"),
    ("nanosecond", "des fractions de seconde"),
    ("nanoseconds overflowed", "moins de chiffres après la virgule des secondes"),
    ("`-` (MM-DD)", "« - » (MM-JJ)"),
    ("`:` (HH:MM)", "« : » (HH:MM)"),
    ("`-` (YYYY-MM) or `:` (HH:MM)", "« - » (AAAA-MM) ou « : » (HH:MM)"),
    ("`T` between date and time", "« T » entre la date et l'heure"),
    ("`Z`, +OFFSET, -OFFSET", "« Z », +DÉCALAGE ou -DÉCALAGE"),
    ("a four-digit year (YYYY)", "une année sur quatre chiffres (AAAA)"),
    ("a two-digit month (MM)", "un mois sur deux chiffres (MM)"),
    ("a two-digit day (DD)", "un jour sur deux chiffres (JJ)"),
    ("a two-digit hour (HH)", "une heure sur deux chiffres (HH)"),
    ("a two-digit minute (MM)", "des minutes sur deux chiffres (MM)"),
    ("a two-digit second (SS)", "des secondes sur deux chiffres (SS)"),
    ("month between 01 and 12", "un mois de 01 à 12"),
    ("hour between 00 and 23", "une heure de 00 à 23"),
    ("hours between 00 and 23", "des heures de 00 à 23"),
    ("minute between 00 and 59", "des minutes de 00 à 59"),
    ("minutes between 00 and 59", "des minutes de 00 à 59"),
    ("second between 00 and 60", "des secondes de 00 à 60"),
];

/// toml's names of its value types (`DeValue::type_str`).
fn type_in_french(kind: &str) -> String {
    match kind {
        "string" => "un texte",
        "integer" => "un nombre entier",
        "float" => "un nombre décimal",
        "boolean" => "un booléen",
        "datetime" => "une date",
        "array" => "une liste",
        "table" => "une table",
        "inline table" => "une table en ligne",
        other => other,
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each message as toml and serde write it, and words of its French.
    #[test]
    fn every_shape_is_translated() {
        let cases = [
            (
                "invalid type: string \"20\", expected u32",
                "type incorrect (le texte « 20 ») : écrivez un nombre entier positif",
            ),
            (
                "invalid type: integer `1`, expected a string",
                "type incorrect (le nombre entier 1) : écrivez un texte entre guillemets",
            ),
            ("invalid type: boolean `true`, expected a sequence", "(le booléen true) : écrivez une liste"),
            (
                "invalid type: floating point `2.5`, expected u8",
                "(le nombre décimal 2.5) : écrivez un nombre entier de 0 à 255",
            ),
            (
                "invalid type: map, expected a boolean",
                "type incorrect (une table) : écrivez un booléen : true ou false",
            ),
            (
                "invalid type: sequence, expected struct Presentation",
                "type incorrect (une liste) : écrivez une table",
            ),
            (
                "invalid type: integer `99999999999999999999` as i128, expected a string",
                "(le nombre entier 99999999999999999999)",
            ),
            (
                "invalid value: integer `-1`, expected u32",
                "valeur incorrecte (le nombre entier -1) : écrivez un nombre entier positif",
            ),
            (
                "invalid value: integer `99999999999`, expected u32",
                "nombre trop grand (99999999999) : écrivez un nombre entier de 4294967295 au plus",
            ),
            (
                "invalid length 3, expected a tuple of size 2",
                "nombre d'éléments incorrect (3) : écrivez une liste de 2 éléments",
            ),
            ("missing field `delay`", "clé obligatoire « delay » manquante : ajoutez la ligne delay = …"),
            ("duplicate field `slug`", "clé « slug » écrite deux fois"),
            (
                "unknown field `mots`, expected one of `slug`, `title`",
                "clé inconnue « mots » (clés possibles : slug, title)",
            ),
            ("unknown field `x`, expected `slug`", "clé inconnue « x » (clés possibles : slug)"),
            (
                "unknown field `x`, there are no fields",
                "clé inconnue « x » : cette table n'accepte aucune clé",
            ),
            (
                "unknown variant `fax`, expected one of `counter`, `phone`",
                "valeur inconnue « fax » (valeurs possibles : counter, phone)",
            ),
            (
                "unknown variant `passe`, expected `past` or `future`",
                "valeur inconnue « passe » (valeurs possibles : past, future)",
            ),
            ("unknown variant `x`, there are no variants", "valeur inconnue « x »"),
            ("wanted string or table", "écrivez un texte entre guillemets ou une table"),
            (
                "unexpected keys in table: a, b, available keys: c, d",
                "clés inconnues : a, b (clés possibles : c, d)",
            ),
            ("data did not match any variant of untagged enum Written", "valeur d'une forme inattendue"),
            (
                "string values must be quoted, expected literal string",
                "erreur de syntaxe TOML : valeur manquante, ou texte sans guillemets",
            ),
            ("duplicate key", "erreur de syntaxe TOML : clé ou table définie deux fois"),
            (
                "unclosed table, expected `]`",
                "erreur de syntaxe TOML : en-tête de table non fermé : terminez-le par ]",
            ),
            (
                "invalid basic string, expected `\"`",
                "texte entre guillemets mal formé (guillemet fermant manquant ?) (attendu : « \" »)",
            ),
            ("unexpected key or value, expected newline, `#`", "une seule « clé = valeur » par ligne"),
            (
                "unquoted keys cannot be empty, expected letters, numbers, `-`, `_`",
                "clé manquante avant le signe =",
            ),
            ("missing escaped value, expected `b`, `e`, `\\`", "(attendu : « b », « e », « \\ »)"),
            (
                "invalid date, expected month between 01 and 12",
                "erreur de syntaxe TOML : date mal formée (attendu : un mois de 01 à 12)",
            ),
            (
                "invalid time, expected `Z`, +OFFSET, -OFFSET",
                "heure mal formée (attendu : « Z », +DÉCALAGE ou -DÉCALAGE)",
            ),
            ("cannot extend value of type integer with a dotted key", "à un nombre entier"),
        ];
        for (english, words) in cases {
            let french = parser_message_in_french(english, false, None);
            assert!(french.contains(words), "{english:?} gives {french:?}, not {words:?}");
            for phrase in ENGLISH {
                assert!(!french.contains(phrase), "{english:?} gives {french:?}, still in English");
            }
        }
    }

    const ENGLISH: [&str; 6] =
        ["invalid type", "invalid value", "expected", "missing field", "unknown field", "unknown variant"];

    #[test]
    fn a_toml_date_where_a_text_goes_is_named() {
        let french =
            parser_message_in_french("invalid type: map, expected a string", false, Some("2024-01-01"));
        assert_eq!(
            french,
            "type incorrect (la date ou l'heure 2024-01-01, sans guillemets) : écrivez un texte entre guillemets"
        );
    }

    #[test]
    fn our_messages_pass_and_unknown_syntax_keeps_its_text() {
        let ours = "« Europe/Pariss » n'est pas un fuseau horaire connu";
        assert_eq!(parser_message_in_french(ours, false, None), ours);
        assert_eq!(
            parser_message_in_french("something `new`", true, None),
            "erreur de syntaxe TOML : something \"new\""
        );
    }
}
