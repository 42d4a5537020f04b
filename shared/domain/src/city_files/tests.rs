use super::*;
use std::fs;

const CITY: &str = r##"name = "Ville de Test"
short_name = "Test"
logo = "/city/logo.svg"
logo_alt = "Ville de Test"

[colours]
primary = "#1d4f91"
on_primary = "#ffffff"
accent = "#b34700"

[contact]
address = "1 place de la Mairie"
phone = "02 00 00 00 00"
email = "contact@test.example"
hours = "Du lundi au vendredi"

[[links]]
label = "Site de la ville"
url = "https://www.test.example"
"##;

const CATEGORIES: &str = r#"[[category]]
slug = "etat-civil"
title = "État civil"
description = "Naissances, mariages, décès."

[[category]]
slug = "voirie"
title = "Voirie"
description = "Rues et trottoirs."
"#;

fn service(slug: &str, category: &str) -> String {
    format!(
        r#"slug = "{slug}"
title = "Acte d'état civil"
category = "{category}"
summary = "Obtenir un acte."
keywords = ["naissance"]

[presentation]
purpose = "Obtenir une copie."
audience = "Toute personne."
conditions = "Aucune."
process = "En ligne."
delay = "5 jours"
cost = "Gratuit"

[[presentation.steps]]
title = "Reçue"
description = "Nous avons reçu la demande."

[[presentation.documents]]
title = "Pièce d'identité"
description = "Carte ou passeport."
when = "Pour l'acte d'un tiers"

[[presentation.channels]]
kind = "counter"
label = "Accueil"
details = "Hôtel de ville"
"#
    )
}

/// A valid city in a temporary folder, with `edit` applied to its files.
fn city_with(edit: impl FnOnce(&Path)) -> (tempfile::TempDir, Result<CityCatalogue, Vec<Problem>>) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir(root.join("services")).unwrap();
    fs::write(root.join("city.toml"), CITY).unwrap();
    fs::write(root.join("categories.toml"), CATEGORIES).unwrap();
    fs::write(root.join("services/acte.toml"), service("acte", "etat-civil")).unwrap();
    fs::write(root.join("services/nid-de-poule.toml"), service("nid-de-poule", "voirie")).unwrap();
    edit(root);
    let result = load(root);
    (dir, result)
}

fn replace(root: &Path, file: &str, from: &str, to: &str) {
    let path = root.join(file);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from:?} not in {file}");
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_valid_city_loads() {
    let (_dir, result) = city_with(|_| {});
    let catalogue = result.expect("valid city");
    assert_eq!(catalogue.city.timezone.name(), "Europe/Paris", "default time zone");
    assert_eq!(catalogue.categories.len(), 2);
    let slugs: Vec<_> = catalogue.services.iter().map(|s| s.slug.as_str()).collect();
    assert_eq!(slugs, ["acte", "nid-de-poule"]);
    assert_eq!(catalogue.service_count("voirie"), 1);
}

type Edit = Box<dyn Fn(&Path)>;

/// Each case: an edit of the valid city, then the file, line and words of
/// the one problem it must cause.
fn cases() -> Vec<(&'static str, Edit, &'static str, Option<usize>, &'static str)> {
    vec![
        (
            "bad TOML",
            Box::new(|r| replace(r, "services/acte.toml", "cost = \"Gratuit\"", "cost = Gratuit")),
            "services/acte.toml",
            Some(13),
            "erreur de syntaxe TOML : valeur manquante, ou texte sans guillemets : écrivez cle = \"texte\"",
        ),
        (
            "unknown key",
            Box::new(|r| replace(r, "services/acte.toml", "keywords", "mots")),
            "services/acte.toml",
            Some(5),
            "clé inconnue « mots » (clés possibles : slug, title, category, summary, keywords,",
        ),
        (
            "missing key",
            Box::new(|r| replace(r, "services/acte.toml", "delay = \"5 jours\"\n", "")),
            "services/acte.toml",
            Some(7),
            "clé obligatoire « delay » manquante : ajoutez la ligne delay = …",
        ),
        (
            "unknown category",
            Box::new(|r| replace(r, "services/acte.toml", "\"etat-civil\"", "\"etat-civi\"")),
            "services/acte.toml",
            Some(3),
            "catégorie inconnue « etat-civi » (connues : etat-civil, voirie)",
        ),
        (
            "slug differs from file",
            Box::new(|r| replace(r, "services/acte.toml", "slug = \"acte\"", "slug = \"acte-2\"")),
            "services/acte.toml",
            Some(1),
            "le slug « acte-2 » diffère du nom du fichier : nommez le fichier acte-2.toml",
        ),
        (
            "duplicate slug",
            Box::new(|r| fs::write(r.join("services/nid-de-poule.toml"), service("acte", "voirie")).unwrap()),
            "services/nid-de-poule.toml",
            Some(1),
            "slug « acte » en double :",
        ),
        (
            "empty text",
            Box::new(|r| {
                replace(r, "services/acte.toml", "audience = \"Toute personne.\"", "audience = \"  \"")
            }),
            "services/acte.toml",
            Some(9),
            "texte manquant : « presentation.audience » est vide",
        ),
        (
            "empty step text",
            Box::new(|r| {
                replace(
                    r,
                    "services/acte.toml",
                    "description = \"Nous avons reçu la demande.\"",
                    "description = \"\"",
                )
            }),
            "services/acte.toml",
            Some(15),
            "texte manquant : « description » du [[presentation.steps]] n° 1 est vide",
        ),
        (
            "no channel",
            Box::new(|r| {
                replace(
                    r,
                    "services/acte.toml",
                    "[[presentation.channels]]\nkind = \"counter\"\nlabel = \"Accueil\"\ndetails = \"Hôtel de ville\"\n",
                    "",
                )
            }),
            "services/acte.toml",
            Some(7),
            "la présentation a besoin d'au moins un [[presentation.channels]]",
        ),
        (
            "bad colour",
            Box::new(|r| replace(r, "city.toml", "#b34700", "orange")),
            "city.toml",
            Some(9),
            "couleur « orange » (accent) : écrivez-la sous la forme #rrggbb",
        ),
        (
            "misspelt time zone",
            Box::new(|r| {
                replace(
                    r,
                    "city.toml",
                    "short_name = \"Test\"\n",
                    "short_name = \"Test\"\ntimezone = \"Europe/Pariss\"\n",
                )
            }),
            "city.toml",
            Some(3),
            "« Europe/Pariss » n'est pas un fuseau horaire connu",
        ),
        (
            "time zone in other letters",
            Box::new(|r| {
                replace(
                    r,
                    "city.toml",
                    "short_name = \"Test\"\n",
                    "short_name = \"Test\"\ntimezone = \"europe/paris\"\n",
                )
            }),
            "city.toml",
            Some(3),
            "fuseau horaire",
        ),
        (
            "primary colour",
            Box::new(|r| replace(r, "city.toml", "#1d4f91", "#1d4f9")),
            "city.toml",
            Some(7),
            "couleur « #1d4f9 » (primary) : écrivez-la sous la forme #rrggbb",
        ),
        (
            "colour on primary",
            Box::new(|r| replace(r, "city.toml", "#ffffff", "white")),
            "city.toml",
            Some(8),
            "couleur « white » (on_primary)",
        ),
        (
            "bad email",
            Box::new(|r| replace(r, "city.toml", "contact@test.example", "contact at test.example")),
            "city.toml",
            Some(14),
            "adresse électronique",
        ),
        (
            "email with a display name",
            Box::new(|r| {
                replace(r, "city.toml", "\"contact@test.example\"", "\"Mairie <contact@test.example>\"")
            }),
            "city.toml",
            Some(14),
            "adresse électronique",
        ),
        (
            "logo from a script address",
            Box::new(|r| replace(r, "city.toml", "/city/logo.svg", "javascript:alert(1)")),
            "city.toml",
            Some(3),
            "logo",
        ),
        (
            "logo from another protocol",
            Box::new(|r| replace(r, "city.toml", "/city/logo.svg", "//evil.example/logo.svg")),
            "city.toml",
            Some(3),
            "logo",
        ),
        (
            "link with a space",
            Box::new(|r| replace(r, "city.toml", "https://www.test.example", "https://www.test .example")),
            "city.toml",
            Some(19),
            "lien « https://www.test .example » : il faut un libellé (label) et une adresse http(s) sans espace",
        ),
        (
            "bad link",
            Box::new(|r| replace(r, "city.toml", "https://www.test.example", "javascript:alert(1)")),
            "city.toml",
            Some(19),
            "lien « javascript:alert(1) »",
        ),
        (
            "bad slug",
            Box::new(|r| replace(r, "categories.toml", "slug = \"voirie\"", "slug = \"Voirie\"")),
            "categories.toml",
            Some(7),
            "slug « Voirie » : minuscules sans accent, chiffres et tirets seulement",
        ),
        (
            "empty category",
            Box::new(|r| fs::remove_file(r.join("services/nid-de-poule.toml")).unwrap()),
            "categories.toml",
            Some(7),
            "la catégorie « voirie » n'a aucun service",
        ),
        (
            "not TOML",
            Box::new(|r| fs::write(r.join("services/notes.txt"), "x").unwrap()),
            "services/notes.txt",
            None,
            "ce n'est pas un fichier .toml",
        ),
        (
            "missing city file",
            Box::new(|r| fs::remove_file(r.join("city.toml")).unwrap()),
            "city.toml",
            None,
            "impossible de lire le fichier : il n'existe pas",
        ),
        (
            "bad channel kind",
            Box::new(|r| replace(r, "services/acte.toml", "kind = \"counter\"", "kind = \"fax\"")),
            "services/acte.toml",
            Some(25),
            "valeur inconnue « fax » (valeurs possibles : counter, phone, post, email)",
        ),
        // The parser's messages, one row per shape.
        (
            "text where a list goes",
            Box::new(|r| replace(r, "services/acte.toml", "[\"naissance\"]", "\"naissance\"")),
            "services/acte.toml",
            Some(5),
            "type incorrect (le texte « naissance ») : écrivez une liste entre crochets",
        ),
        (
            "number where a text goes",
            Box::new(|r| replace(r, "services/acte.toml", "summary = \"Obtenir un acte.\"", "summary = 3")),
            "services/acte.toml",
            Some(4),
            "type incorrect (le nombre entier 3) : écrivez un texte entre guillemets",
        ),
        (
            "date where a text goes",
            Box::new(|r| replace(r, "services/acte.toml", "\"Acte d'état civil\"", "2024-01-01")),
            "services/acte.toml",
            Some(2),
            "type incorrect (la date ou l'heure 2024-01-01, sans guillemets) : écrivez un texte entre guillemets",
        ),
        (
            "yes in words",
            Box::new(|r| {
                let path = r.join("services/acte.toml");
                let text = fs::read_to_string(&path).unwrap();
                fs::write(path, text + "\n[appointment]\ntype = \"pacs\"\nrequired = \"oui\"\n").unwrap();
            }),
            "services/acte.toml",
            Some(31),
            "type incorrect (le texte « oui ») : écrivez un booléen : true ou false",
        ),
        (
            "text where a number goes",
            Box::new(|r| {
                with_agenda(r, &AGENDA.replace("duration_minutes = 20", "duration_minutes = \"20\""))
            }),
            "agendas/mairie-titres.toml",
            Some(10),
            "type incorrect (le texte « 20 ») : écrivez un nombre entier positif",
        ),
        (
            "negative number",
            Box::new(|r| with_agenda(r, &AGENDA.replace("duration_minutes = 20", "duration_minutes = -1"))),
            "agendas/mairie-titres.toml",
            Some(10),
            "valeur incorrecte (le nombre entier -1) : écrivez un nombre entier positif",
        ),
        (
            "number too big",
            Box::new(|r| {
                with_agenda(r, &AGENDA.replace("duration_minutes = 20", "duration_minutes = 5000000000"))
            }),
            "agendas/mairie-titres.toml",
            Some(10),
            "nombre trop grand (5000000000) : écrivez un nombre entier de 4294967295 au plus",
        ),
        (
            "number where a time goes",
            Box::new(|r| with_agenda(r, &AGENDA.replace("from = 09:00:00", "from = 9"))),
            "agendas/mairie-titres.toml",
            Some(14),
            "écrivez une heure HH:MM, par exemple 09:00",
        ),
        (
            "unknown variant in a list",
            Box::new(|r| with_agenda(r, &AGENDA.replace("\"monday\", \"friday\"", "\"lundi\""))),
            "agendas/mairie-titres.toml",
            Some(13),
            "valeur inconnue « lundi » (valeurs possibles : monday, tuesday, wednesday, thursday, friday, saturday, sunday)",
        ),
        (
            "unknown variant of two",
            Box::new(|r| {
                replace(
                    r,
                    "city.toml",
                    "short_name = \"Test\"\n",
                    "short_name = \"Test\"\nholidays = \"alsace\"\n",
                )
            }),
            "city.toml",
            Some(3),
            "valeur inconnue « alsace » (valeurs possibles : france, alsace-moselle)",
        ),
        (
            "unknown variant in a workflow",
            Box::new(|r| {
                with_workflow(
                    r,
                    "etat-civil.toml",
                    &WORKFLOW.replace("phase = \"accepted\"", "phase = \"ok\""),
                )
            }),
            "workflows/etat-civil.toml",
            Some(24),
            "valeur inconnue « ok » (valeurs possibles : submitted, in_progress, waiting_for_citizen, accepted, refused, closed)",
        ),
        (
            "unknown key in a table",
            Box::new(|r| replace(r, "city.toml", "[colours]\n", "[colours]\nsecondary = \"#000000\"\n")),
            "city.toml",
            Some(7),
            "clé inconnue « secondary » (clés possibles : primary, on_primary, accent)",
        ),
        (
            "missing key in an entry",
            Box::new(|r| replace(r, "categories.toml", "slug = \"voirie\"\n", "")),
            "categories.toml",
            Some(6),
            "clé obligatoire « slug » manquante : ajoutez la ligne slug = …",
        ),
        (
            "duplicate key",
            Box::new(|r| replace(r, "services/acte.toml", "summary = ", "title = \"Autre\"\nsummary = ")),
            "services/acte.toml",
            Some(4),
            "erreur de syntaxe TOML : clé ou table définie deux fois : gardez-en une seule",
        ),
        (
            "duplicate table",
            Box::new(|r| {
                replace(
                    r,
                    "services/acte.toml",
                    "[[presentation.steps]]",
                    "[presentation]\n[[presentation.steps]]",
                )
            }),
            "services/acte.toml",
            Some(15),
            "erreur de syntaxe TOML : clé ou table définie deux fois",
        ),
        (
            "unclosed string",
            Box::new(|r| replace(r, "services/acte.toml", "\"Acte d'état civil\"", "\"Acte d'état civil")),
            "services/acte.toml",
            Some(2),
            "erreur de syntaxe TOML : texte entre guillemets mal formé (guillemet fermant manquant ?) (attendu : « \" »)",
        ),
        (
            "unclosed table header",
            Box::new(|r| replace(r, "services/acte.toml", "[presentation]", "[presentation")),
            "services/acte.toml",
            Some(7),
            "erreur de syntaxe TOML : en-tête de table non fermé : terminez-le par ]",
        ),
        (
            "missing comma",
            Box::new(|r| replace(r, "services/acte.toml", "[\"naissance\"]", "[\"naissance\" \"acte\"]")),
            "services/acte.toml",
            Some(5),
            "erreur de syntaxe TOML : virgule manquante entre deux éléments de la liste",
        ),
        (
            "two values on a line",
            Box::new(|r| {
                replace(r, "services/acte.toml", "\"Acte d'état civil\"", "\"Acte\" \"d'état civil\"")
            }),
            "services/acte.toml",
            Some(2),
            "erreur de syntaxe TOML : contenu inattendu après la valeur : une seule « clé = valeur » par ligne",
        ),
        (
            "impossible date",
            Box::new(|r| replace(r, "services/acte.toml", "[\"naissance\"]", "1979-13-45")),
            "services/acte.toml",
            Some(5),
            "erreur de syntaxe TOML : date mal formée (attendu : un mois de 01 à 12)",
        ),
        (
            "key missing before the equals sign",
            Box::new(|r| replace(r, "services/acte.toml", "summary = ", "= ")),
            "services/acte.toml",
            Some(4),
            "erreur de syntaxe TOML : clé manquante avant le signe =",
        ),
    ]
}

#[test]
fn every_problem_is_reported_with_file_line_and_message() {
    for (name, edit, file, line, words) in cases() {
        let (dir, result) = city_with(edit);
        let problems = result.expect_err(name);
        let problem = problems
            .iter()
            .find(|p| p.message.contains(words))
            .unwrap_or_else(|| panic!("{name}: no problem says {words:?}: {problems:#?}"));
        // A duplicate slug also differs from its file name; a bad category
        // slug also leaves its services in an unknown category.
        let expected = if matches!(name, "duplicate slug" | "bad slug") { 2 } else { 1 };
        assert_eq!(problems.len(), expected, "{name}: no cascade of problems: {problems:#?}");
        assert_eq!(problem.file, dir.path().join(file), "{name}");
        assert_eq!(problem.line, line, "{name}: {problem}");
        assert!(problem.message.contains(words), "{name}: {:?} lacks {words:?}", problem.message);
    }
}

/// What serde and toml write in English: none of it reaches the city.
const ENGLISH: [&str; 7] = [
    "invalid type",
    "invalid value",
    "expected",
    "missing field",
    "unknown field",
    "unknown variant",
    "duplicate key",
];

#[test]
fn no_problem_is_in_english() {
    for (name, edit, ..) in cases() {
        let (_dir, result) = city_with(edit);
        for problem in result.expect_err(name) {
            for english in ENGLISH {
                assert!(!problem.message.contains(english), "{name}: {:?} says {english:?}", problem.message);
            }
        }
    }
}

#[test]
fn several_problems_are_all_reported() {
    let (_dir, result) = city_with(|r| {
        replace(r, "services/acte.toml", "\"etat-civil\"", "\"nope\"");
        replace(r, "city.toml", "#1d4f91", "blue");
    });
    let problems = result.unwrap_err();
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems.iter().any(|p| p.message.contains("catégorie inconnue « nope »")));
    assert!(problems.iter().any(|p| p.message.contains("couleur « blue » (primary)")));
}

#[test]
fn problems_print_as_file_line_message() {
    let problem =
        Problem {
            file: "services/a.toml".into(), line: Some(3), message: "catégorie inconnue « x »".into()
        };
    assert_eq!(problem.to_string(), "services/a.toml:3: catégorie inconnue « x »");
}

const FORM: &str = r#"
[form]
version = 1

[[form.pages]]
id = "acte"
title = "L'acte"

[[form.pages.fields]]
id = "record_kind"
type = "choice"
label = "Quel acte ?"
help = "Choisissez l'acte."
required = true
options = [
  { value = "birth", label = "Naissance" },
  { value = "death", label = "Décès" },
]

[[form.pages.fields]]
id = "children"
type = "group"
label = "Enfants"
help = "Un par enfant."
fields = [{ id = "child_name", type = "text", label = "Prénom", help = "Comme à l'état civil." }]

[[form.pages]]
id = "naissance"
title = "La naissance"
when = { field = "record_kind", equals = "birth" }

[[form.pages.fields]]
id = "born"
type = "date"
label = "Date de naissance"
help = "Telle qu'elle figure sur l'acte."
pattern = "[0-9]+"

[[form.documents]]
id = "identity"
title = "Pièce d'identité"
description = "Carte d'identité ou passeport."
when = { field = "record_kind", in = ["birth", "death"] }
"#;

/// The valid city, with a form added to `acte` and `edit` applied to it.
fn city_with_form(edit: impl FnOnce(&Path)) -> (tempfile::TempDir, Result<CityCatalogue, Vec<Problem>>) {
    city_with(|root| {
        let path = root.join("services/acte.toml");
        let text = fs::read_to_string(&path).unwrap();
        fs::write(path, text + FORM).unwrap();
        edit(root);
    })
}

#[test]
fn a_service_with_a_valid_form_loads() {
    let (_dir, result) = city_with_form(|r| replace(r, "services/acte.toml", "pattern = \"[0-9]+\"\n", ""));
    let catalogue = result.expect("valid form");
    let form = catalogue.services[0].form.as_ref().expect("acte has a form");
    assert_eq!((form.version, form.pages.len(), form.documents.len()), (1, 2, 1));
    assert!(catalogue.services[1].form.is_none());
}

/// Each case: an edit of the form (the base form has one problem, a
/// `pattern` on a date, which every case but the first removes), then the
/// text on the line the problem must point at, and words of its message.
#[test]
fn every_form_problem_is_reported_at_its_line() {
    type Edit = Box<dyn Fn(&Path)>;
    let edit = |from: &'static str, to: &'static str| -> Edit {
        Box::new(move |r: &Path| {
            replace(r, "services/acte.toml", "pattern = \"[0-9]+\"\n", "");
            replace(r, "services/acte.toml", from, to);
        })
    };
    let cases: Vec<(&str, Edit, &str, &str)> = vec![
        (
            "constraint of another type",
            Box::new(|_| {}),
            "pattern = \"[0-9]+\"",
            "form.pages[1].fields[0].pattern: « pattern » ne s'applique pas à un champ de type date",
        ),
        ("version 0", edit("version = 1", "version = 0"), "version = 0", "form.version: la version"),
        (
            "bad page id",
            edit("id = \"naissance\"", "id = \"Naissance\""),
            "id = \"Naissance\"",
            "form.pages[1].id",
        ),
        (
            "duplicate field id",
            edit("id = \"born\"", "id = \"record_kind\""),
            "id = \"record_kind\"\ntype = \"date\"",
            "déjà utilisé",
        ),
        ("empty label", edit("label = \"Date de naissance\"", "label = \"\""), "label = \"\"", "libellé"),
        (
            "missing help",
            edit("help = \"Telle qu'elle figure sur l'acte.\"\n", ""),
            "[[form.pages.fields]]\nid = \"born\"",
            "form.pages[1].fields[0].help",
        ),
        (
            "choice without options",
            edit("options = [", "choices = ["),
            "choices = [",
            "clé inconnue « choices » (clés possibles : id, type,",
        ),
        (
            "duplicate option",
            edit(
                "label = \"Décès\" },\n",
                "label = \"Décès\" },\n  { value = \"death\", label = \"Mort\" },\n",
            ),
            "{ value = \"death\", label = \"Mort\" }",
            "form.pages[0].fields[0].options[2].value: la valeur « death » est proposée deux fois",
        ),
        (
            "group sub-field with a condition",
            edit(
                "help = \"Comme à l'état civil.\" }",
                "help = \"Comme à l'état civil.\", when = { field = \"born\", filled = true } }",
            ),
            "fields = [{ id = \"child_name\"",
            "form.pages[0].fields[1].fields[0].when: les champs d'un groupe n'ont pas de condition",
        ),
        (
            "condition on an unknown field",
            edit("field = \"record_kind\", equals", "field = \"kind\", equals"),
            "when = { field = \"kind\"",
            "champ inconnu « kind »",
        ),
        (
            "condition on a later page",
            edit("field = \"record_kind\", in", "field = \"born\", in"),
            "when = { field = \"born\"",
            "form.documents[0].when",
        ),
        (
            "not an option",
            edit("equals = \"birth\"", "equals = \"marriage\""),
            "equals = \"marriage\"",
            "n'est pas une des options",
        ),
        (
            "page that can never show",
            edit(
                "when = { field = \"record_kind\", equals = \"birth\" }",
                "when = { all = [{ field = \"record_kind\", equals = \"birth\" }, { field = \"record_kind\", filled = false }] }",
            ),
            "when = { all = [",
            "cette page ne peut jamais s'afficher",
        ),
        (
            "bad pattern",
            edit("type = \"date\"", "type = \"text\"\npattern = \"(\""),
            "pattern = \"(\"",
            "expression régulière invalide",
        ),
        (
            "empty document description",
            edit("description = \"Carte d'identité ou passeport.\"", "description = \" \""),
            "description = \" \"",
            "form.documents[0].description",
        ),
    ];
    for (name, edit, needle, words) in cases {
        let (dir, result) = city_with_form(edit);
        let problems = result.expect_err(name);
        assert_eq!(problems.len(), 1, "{name}: one problem: {problems:#?}");
        let problem = &problems[0];
        let text = fs::read_to_string(dir.path().join("services/acte.toml")).unwrap();
        let line =
            text.find(needle).map(|at| line_at(&text, at)).unwrap_or_else(|| panic!("{name}: no {needle:?}"));
        assert_eq!(problem.file, dir.path().join("services/acte.toml"), "{name}");
        assert_eq!(problem.line, Some(line), "{name}: {problem}");
        assert!(problem.message.contains(words), "{name}: {:?} lacks {words:?}", problem.message);
    }
}

const AGENDA: &str = r#"id = "mairie-titres"
title = "Mairie — passeports et cartes d'identité"
place = "mairie"
address = "1 place de la Mairie"
services = ["acte"]

[[appointment_types]]
id = "titre-identite"
title = "Passeport ou carte d'identité"
duration_minutes = 20

[[opening]]
days = ["monday", "friday"]
from = 09:00:00
to = 12:00:00

[[closures]]
from = 2027-08-09
until = 2027-08-13
reason = "Fermeture estivale"
"#;

#[test]
fn agendas_load_from_their_folder_and_report_problems_at_their_entry() {
    let (_dir, result) = city_with(|root| {
        fs::create_dir(root.join("agendas")).unwrap();
        fs::write(root.join("agendas/mairie-titres.toml"), AGENDA).unwrap();
    });
    let catalogue = result.expect("a valid agenda");
    assert_eq!(catalogue.agendas.len(), 1);
    assert_eq!(catalogue.agendas[0].closures[0].until, Some("2027-08-13".parse().unwrap()));

    let (_dir, result) = city_with(|root| {
        fs::create_dir(root.join("agendas")).unwrap();
        let broken = AGENDA
            .replace("to = 12:00:00", "to = 08:00:00")
            .replace("reason = \"Fermeture estivale\"", "reason = \"\"");
        fs::write(root.join("agendas/autre-nom.toml"), broken).unwrap();
    });
    let problems = result.unwrap_err();
    let found: Vec<(String, Option<usize>)> = problems
        .iter()
        .map(|p| (p.file.file_name().unwrap().to_string_lossy().into_owned(), p.line))
        .collect();
    let file = "autre-nom.toml".to_owned();
    assert_eq!(found, [(file.clone(), Some(1)), (file.clone(), Some(12)), (file, Some(17))], "{problems:#?}");
    assert!(problems[1].message.contains("doit précéder"), "{}", problems[1].message);
}

fn with_agenda(root: &Path, text: &str) {
    fs::create_dir_all(root.join("agendas")).unwrap();
    fs::write(root.join("agendas/mairie-titres.toml"), text).unwrap();
}

fn books(root: &Path, kind: &str) {
    let path = root.join("services/acte.toml");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(path, format!("{text}\n[appointment]\ntype = \"{kind}\"\nrequired = true\n")).unwrap();
}

#[test]
fn services_book_the_appointment_types_agendas_offer() {
    let (_dir, result) = city_with(|root| {
        with_agenda(root, AGENDA);
        books(root, "titre-identite");
    });
    let catalogue = result.expect("a service booking an offered type");
    let acte = catalogue.services.iter().find(|s| s.slug == "acte").unwrap();
    let appointment = acte.appointment.as_ref().unwrap();
    assert_eq!((appointment.appointment_type.as_str(), appointment.required), ("titre-identite", true));
    assert_eq!(catalogue.agenda("mairie-titres").unwrap().services, ["acte"]);

    let (dir, result) = city_with(|root| {
        with_agenda(root, AGENDA);
        books(root, "pacs");
    });
    let problems = result.unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let text = fs::read_to_string(dir.path().join("services/acte.toml")).unwrap();
    assert_eq!(problems[0].file, dir.path().join("services/acte.toml"));
    assert_eq!(problems[0].line, Some(text.lines().position(|l| l == "type = \"pacs\"").unwrap() + 1));
    assert!(
        problems[0]
            .message
            .contains("aucun agenda ne propose le type de rendez-vous « pacs » (proposés : titre-identite)"),
        "{}",
        problems[0].message
    );

    let (_dir, result) = city_with(|root| books(root, "pacs"));
    let problems = result.unwrap_err();
    assert!(problems[0].message.contains("(proposés : aucun, ajoutez agendas/<id>.toml)"), "{problems:#?}");

    // A broken agenda file has its own problem, not one more on the service.
    let (_dir, result) = city_with(|root| {
        with_agenda(root, "id = \"mairie-titres\"\ncolour = 1\n");
        books(root, "titre-identite");
    });
    let problems = result.unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].file.ends_with("agendas/mairie-titres.toml"));

    let (_dir, result) = city_with(|root| {
        with_agenda(root, AGENDA);
        books(root, "titre-identite");
        let path = root.join("services/acte.toml");
        fs::write(&path, fs::read_to_string(&path).unwrap() + "places = 2\n").unwrap();
    });
    let problems = result.unwrap_err();
    assert!(problems[0].message.contains("clé inconnue « places »"), "{problems:#?}");
}

#[test]
fn agendas_name_existing_services() {
    let (_dir, result) = city_with(|root| {
        with_agenda(root, &AGENDA.replace("services = [\"acte\"]", "services = [\"acte\", \"passeport\"]"))
    });
    let problems = result.unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].file.ends_with("agendas/mairie-titres.toml"));
    assert_eq!(problems[0].line, Some(5));
    assert!(
        problems[0].message.contains("service inconnu « passeport » dans « services »"),
        "{}",
        problems[0].message
    );

    let (_dir, result) = city_with(|root| with_agenda(root, &AGENDA.replace("services = [\"acte\"]\n", "")));
    let problems = result.unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].message.contains("services"), "{}", problems[0].message);

    // A service file that does not parse is no unknown service on top.
    let (_dir, result) = city_with(|root| {
        with_agenda(root, AGENDA);
        fs::write(root.join("services/acte.toml"), "slug = \"acte\"\n").unwrap();
    });
    let problems = result.unwrap_err();
    assert!(problems.iter().all(|p| p.file.ends_with("services/acte.toml")), "{problems:#?}");
}

const WORKFLOW: &str = r#"id = "etat-civil"
title = "Actes d'état civil"
max_days = 10
alert_days = 7

[[statuses]]
id = "recue"
citizen_label = "Demande reçue"
agent_label = "Nouvelle demande"
phase = "submitted"
deadline = "start"

[[statuses]]
id = "piece-demandee"
citizen_label = "Pièce complémentaire demandée"
agent_label = "Pièce demandée"
phase = "waiting_for_citizen"
deadline = "pause"

[[statuses]]
id = "delivree"
citizen_label = "Acte envoyé"
agent_label = "Acte envoyé"
phase = "accepted"
deadline = "stop"

[[transitions]]
from = ["recue"]
to = "piece-demandee"
label = "Demander une pièce"

[[transitions]]
from = ["piece-demandee"]
to = "recue"
label = "Reprendre"
by = ["agent", "citizen"]

[[transitions]]
from = ["recue"]
to = "delivree"
label = "Envoyer l'acte"
"#;

fn with_workflow(root: &Path, file: &str, text: &str) {
    fs::create_dir_all(root.join("workflows")).unwrap();
    fs::write(root.join("workflows").join(file), text).unwrap();
    replace(root, "services/acte.toml", "keywords = ", "workflow = \"etat-civil\"\nkeywords = ");
}

#[test]
fn workflows_load_from_their_folder_and_services_name_them() {
    let (_dir, result) = city_with(|root| with_workflow(root, "etat-civil.toml", WORKFLOW));
    let catalogue = result.expect("a valid workflow");
    assert_eq!(catalogue.workflows.len(), 1);
    let workflow = catalogue.workflow("etat-civil").unwrap();
    assert_eq!((workflow.max_days, workflow.alert_days), (Some(10), Some(7)));
    let acte = catalogue.services.iter().find(|s| s.slug == "acte").unwrap();
    assert_eq!(acte.workflow.as_deref(), Some("etat-civil"));
    let other = catalogue.services.iter().find(|s| s.slug == "nid-de-poule").unwrap();
    assert_eq!(other.workflow, None, "the standard workflow then");

    let (_dir, result) = city_with(|_| {});
    assert!(result.unwrap().workflows.is_empty(), "the folder is optional");
}

#[test]
fn workflow_problems_are_reported_at_their_entry() {
    let (dir, result) = city_with(|root| {
        let broken = WORKFLOW
            .replace("to = \"delivree\"", "to = \"delivre\"")
            .replace("alert_days = 7", "alert_days = 12");
        with_workflow(root, "autre-nom.toml", &broken);
    });
    let problems = result.unwrap_err();
    let found: Vec<(String, Option<usize>)> = problems
        .iter()
        .map(|p| (p.file.strip_prefix(dir.path()).unwrap().display().to_string(), p.line))
        .collect();
    let file = "workflows/autre-nom.toml".to_owned();
    assert_eq!(
        found,
        [
            (file.clone(), Some(1)),                    // id is not the file's name
            (file.clone(), None),                       // alert after the maximum
            (file.clone(), Some(20)),                   // "delivree" is now unreachable
            (file, Some(38)),                           // unknown target
            ("services/acte.toml".to_owned(), Some(5)), // no workflow "etat-civil"
        ],
        "{problems:#?}"
    );
    assert!(problems[1].message.contains("alert_days vaut 12"), "{}", problems[1].message);
    assert!(problems[3].message.contains("« delivre »"), "{}", problems[3].message);
    assert!(
        problems[4].message.contains(
            "workflow inconnu « etat-civil » : pas de fichier workflows/etat-civil.toml (connus : autre-nom)"
        ),
        "{}",
        problems[4].message
    );

    let (_dir, result) =
        city_with(|root| with_workflow(root, "etat-civil.toml", "id = \"etat-civil\"\ncolour = 1\n"));
    let problems = result.unwrap_err();
    assert_eq!(problems.len(), 1, "a broken file is no unknown workflow on top: {problems:#?}");
    assert_eq!(problems[0].line, Some(2));

    let (_dir, result) = city_with(|root| {
        replace(root, "services/acte.toml", "keywords = ", "workflow = \"etat-civil\"\nkeywords = ")
    });
    let problems = result.unwrap_err();
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].message.contains("(connus : aucun, ajoutez workflows/<id>.toml)"),
        "{}",
        problems[0].message
    );
}

#[test]
fn a_presented_step_names_only_statuses_of_its_services_workflow() {
    let step = "description = \"Nous avons reçu la demande.\"\n";
    let (_dir, result) = city_with(|root| {
        with_workflow(root, "etat-civil.toml", WORKFLOW);
        replace(
            root,
            "services/acte.toml",
            step,
            &format!("{step}statuses = [\"recue\", \"piece-demandee\"]\n"),
        );
    });
    assert!(result.is_ok(), "{:#?}", result.err());

    let (_dir, result) = city_with(|root| {
        with_workflow(root, "etat-civil.toml", WORKFLOW);
        replace(root, "services/acte.toml", step, &format!("{step}statuses = [\"recu\"]\n"));
    });
    let problems = result.unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].line, Some(16), "at the step's [[presentation.steps]] line");
    assert!(
        problems[0].message.contains("l'étape « Reçue » nomme le statut inconnu « recu » : le workflow « etat-civil » a recue, piece-demandee, delivree"),
        "{}",
        problems[0].message
    );

    // Without a workflow of its own, a service's steps name the standard's statuses.
    let (_dir, result) = city_with(|root| {
        replace(root, "services/acte.toml", step, &format!("{step}statuses = [\"recue\"]\n"))
    });
    let problems = result.unwrap_err();
    assert!(
        problems[0].message.contains("le workflow « standard » a submitted, in_review"),
        "{}",
        problems[0].message
    );
}

#[test]
fn featured_services_are_services_of_the_city_each_once() {
    let (_dir, result) =
        city_with(|root| replace(root, "city.toml", "logo_alt", "featured = [\"acte\"]\nlogo_alt"));
    assert_eq!(result.expect("a known service").city.featured, ["acte"]);

    let (_dir, result) = city_with(|root| {
        replace(root, "city.toml", "logo_alt", "featured = [\"acte\", \"passeport\", \"acte\"]\nlogo_alt")
    });
    let messages: Vec<String> = result.unwrap_err().into_iter().map(|p| p.message).collect();
    assert_eq!(
        messages,
        [
            "featured nomme « passeport », qui n'est pas un service de la ville (services/<slug>.toml)",
            "featured nomme « acte » deux fois",
        ]
    );
}
