use super::*;
use gru_domain::catalogue::CityCatalogue;

fn demo() -> CityCatalogue {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../infra/cities/demo");
    gru_domain::city_files::load(&root).expect("the demo city")
}

const URL: &str = "https://demarches.belleval.example";

fn built(catalogue: &CityCatalogue) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    build(&site(), catalogue, URL, out.path()).unwrap();
    out
}

fn read(out: &tempfile::TempDir, path: &str) -> String {
    std::fs::read_to_string(out.path().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn site() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../static-site")
}

#[test]
fn every_page_carries_the_citys_frame_from_its_first_byte() {
    let out = tempfile::tempdir().unwrap();
    let built = build(&site(), &demo(), URL, out.path()).unwrap();
    assert!(built.pages >= 20, "{built:?}");
    let page = std::fs::read_to_string(out.path().join("demarche.html")).unwrap();
    for expected in [
        "<title>Faire la demande en ligne – Ville de Belleval-sur-Loire</title>",
        "<meta name=\"theme-color\" content=\"#1d4f73\">",
        "<link rel=\"icon\" href=\"/city/logo.svg\">",
        "<link rel=\"stylesheet\" href=\"/css/city.",
        "<img class=\"brand-logo\" src=\"/city/logo.svg\" alt=\"\" width=\"56\" height=\"56\">",
        "<span class=\"brand-name\">Ville de Belleval-sur-Loire</span>",
        "<a href=\"tel:0261912000\">02 61 91 20 00</a>",
        "<script type=\"module\" src=\"/js/form.",
        "<link rel=\"modulepreload\" href=\"/js/ui.",
        "<h1 id=\"page-title\"",
    ] {
        assert!(page.contains(expected), "{expected} in\n{page}");
    }
    assert!(
        !page.contains("modulepreload\" href=\"/js/i18n/en.js"),
        "the English dictionary loads on demand"
    );
    assert!(!page.contains("+++"), "no front matter left");
    let agents = std::fs::read_to_string(out.path().join("admin/boite.html")).unwrap();
    assert!(
        agents.contains("<meta name=\"robots\" content=\"noindex\">") && agents.contains("Espace agents")
    );
    assert!(!out.path().join(FRAME).exists(), "the layout is not served");
    let city_css = page.split("href=\"/css/city.").nth(1).unwrap().split('"').next().unwrap();
    let css = std::fs::read_to_string(out.path().join(format!("css/city.{city_css}"))).unwrap();
    assert!(css.contains("--city-primary: #1d4f73;"), "{css}");
}

#[test]
fn markup_in_the_citys_files_is_text_in_the_frame() {
    let mut catalogue = demo();
    catalogue.city.name = "Ville <script>alert(1)</script> & Co".into();
    let out = built(&catalogue);
    let page = read(&out, "index.html");
    assert!(!page.contains("<script>alert(1)"), "{page}");
    assert!(page.contains("Ville &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"));
}

#[test]
fn a_page_without_its_front_matter_is_named() {
    let source = tempfile::tempdir().unwrap();
    std::fs::copy(site().join(FRAME), source.path().join(FRAME)).unwrap();
    std::fs::write(source.path().join("perdue.html"), "<main></main>").unwrap();
    let out = tempfile::tempdir().unwrap();
    let error = build(source.path(), &demo(), URL, &out.path().join("site")).unwrap_err();
    assert!(error.to_string().contains("perdue.html"), "{error}");
}

#[test]
fn every_service_has_its_page_readable_without_javascript() {
    let catalogue = demo();
    let out = built(&catalogue);
    for service in &catalogue.services {
        let page = read(&out, &format!("demarches/{}/index.html", service.slug));
        let title = text::escape(&service.title);
        assert!(page.contains(&format!("<title>{title} – ")), "{}: its title", service.slug);
        assert!(page.contains(&format!("<h1 id=\"page-title\">{title}</h1>")), "{}", service.slug);
        let description = text::escape(&text::excerpt(&service.summary));
        assert!(
            page.contains(&format!("<meta name=\"description\" content=\"{description}\">")),
            "{}",
            service.slug
        );
        assert!(page.contains("En bref"), "{}", service.slug);
        for document in &service.presentation.documents {
            assert!(
                page.contains(&format!("<h3>{}</h3>", text::escape(&document.title))),
                "{}",
                service.slug
            );
        }
        if service.form.is_some() {
            assert_eq!(page.matches(&format!("href=\"/demarche.html?service={}\"", service.slug)).count(), 2);
        }
    }
    let civil = read(&out, "demarches/acte-etat-civil/index.html");
    let category = catalogue.category("etat-civil").expect("the demo's civil-status category");
    assert!(civil.contains(&format!(
        "<li><a href=\"/themes/etat-civil/\">{}</a></li>",
        text::escape(&category.title)
    )));
    assert!(!out.path().join("_service.html").exists() && !out.path().join("_card.html").exists());
}

#[test]
fn every_category_lists_its_services_and_the_home_page_every_category() {
    let catalogue = demo();
    let out = built(&catalogue);
    let home = read(&out, "index.html");
    for category in &catalogue.categories {
        assert!(home.contains(&format!("<a href=\"/themes/{}/\">", category.slug)), "{}", category.slug);
        let page = read(&out, &format!("themes/{}/index.html", category.slug));
        for service in catalogue.services.iter().filter(|s| s.category == category.slug) {
            assert!(page.contains(&format!("<a href=\"/demarches/{}/\">", service.slug)), "{}", service.slug);
        }
    }
    for slug in &catalogue.city.featured {
        let featured = home.split("id=\"popular-list\"").nth(1).unwrap().split("</ul>").next().unwrap();
        assert!(featured.contains(&format!("/demarches/{slug}/")), "{slug} is featured");
    }
}

#[test]
fn markup_in_a_services_texts_is_text_on_its_page() {
    let mut catalogue = demo();
    let evil = "<img src=x onerror=alert(1)><script>alert(1)</script>";
    let service = catalogue.services.iter_mut().find(|s| s.slug == "acte-etat-civil").unwrap();
    service.title = format!("Titre {evil}");
    service.presentation.purpose = format!("Paragraphe {evil}\n\n- élément {evil}");
    service.presentation.documents[0].when = Some(evil.to_owned());
    let out = built(&catalogue);
    let page = read(&out, "demarches/acte-etat-civil/index.html");
    assert!(!page.contains("<img src=x") && !page.contains("<script>alert"), "{page}");
    assert!(page.contains("<li>élément &lt;img src=x onerror=alert(1)&gt;"));
}

#[test]
fn the_sitemap_lists_the_catalogues_pages_at_the_public_address() {
    let catalogue = demo();
    let out = built(&catalogue);
    let sitemap = read(&out, "sitemap.xml");
    assert!(sitemap.contains(&format!("<loc>{URL}/</loc>")));
    assert_eq!(
        sitemap.matches("<loc>").count(),
        1 + catalogue.categories.len() + catalogue.services.len(),
        "{sitemap}"
    );
    assert!(sitemap.contains(&format!("<loc>{URL}/demarches/acte-etat-civil/</loc>")));
    assert!(!sitemap.contains("/admin/"));
    assert!(read(&out, "robots.txt").contains(&format!("Sitemap: {URL}/sitemap.xml")));
}

#[test]
fn a_service_with_a_form_and_an_appointment_says_the_booking_comes_after_sending() {
    let mut catalogue = demo();
    let service = catalogue.services.iter_mut().find(|s| s.slug == "acte-etat-civil").unwrap();
    service.appointment =
        Some(gru_domain::catalogue::ServiceAppointment { appointment_type: "pacs".into(), required: true });
    let out = built(&catalogue);
    let page = read(&out, "demarches/acte-etat-civil/index.html");
    let block = page
        .split("<div class=\"start-appointment\">")
        .nth(1)
        .expect("the booking block")
        .split("</div>")
        .next()
        .unwrap();
    assert!(block.contains("après l'envoi de votre demande, vous choisirez votre créneau"), "{block}");
    assert!(block.contains("href=\"/rendez-vous/?type=pacs\""), "{block}");
    assert_eq!(page.matches("Faire la demande en ligne</a>").count(), 2, "the form stays the way to start");
}

#[test]
fn scripts_and_styles_are_named_by_their_content_and_import_each_other_by_those_names() {
    let out = built(&demo());
    let js = out.path().join("js");
    let names: Vec<String> =
        files(&js).unwrap().iter().map(|f| f.strip_prefix(&js).unwrap().display().to_string()).collect();
    let hashed = regex_lite::Regex::new(r"^[\w/-]+\.[0-9a-f]{10}\.js$").unwrap();
    assert!(names.iter().all(|n| hashed.is_match(n)), "{names:?}");
    let index = names.iter().find(|n| n.starts_with("i18n/index.")).unwrap();
    let text = std::fs::read_to_string(js.join(index)).unwrap();
    let fr = names.iter().find(|n| n.starts_with("i18n/fr.")).unwrap().trim_start_matches("i18n/");
    let en = names.iter().find(|n| n.starts_with("i18n/en.")).unwrap().trim_start_matches("i18n/");
    assert!(
        text.contains(&format!("from './{fr}'")) && text.contains(&format!("import('./{en}')")),
        "{text}"
    );
    // A page preloads and runs the hashed modules, every one of which exists.
    let page = read(&out, "demarche.html");
    for module in regex_lite::Regex::new(r#""(/js/[^"]+)""#).unwrap().captures_iter(&page) {
        assert!(out.path().join(&module[1][1..]).exists(), "{}", &module[1]);
    }
}

#[test]
fn a_changed_module_changes_the_names_of_the_modules_importing_it() {
    let source = tempfile::tempdir().unwrap();
    for (file, text) in [
        ("js/a.js", "import { b } from './lib/b.js';\nexport const a = b;\n"),
        ("js/lib/b.js", "export const b = 1;\n"),
        ("js/c.js", "export const c = 1;\n"),
    ] {
        write(&source.path().join(file), text.as_bytes()).unwrap();
    }
    std::fs::copy(site().join(FRAME), source.path().join(FRAME)).unwrap();
    let names = |out: &Path| -> Vec<String> {
        let mut names: Vec<String> = files(&out.join("js"))
            .unwrap()
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let first = tempfile::tempdir().unwrap();
    build(source.path(), &demo(), URL, first.path()).unwrap();
    write(&source.path().join("js/lib/b.js"), b"export const b = 2;\n").unwrap();
    let second = tempfile::tempdir().unwrap();
    build(source.path(), &demo(), URL, second.path()).unwrap();
    let (before, after) = (names(first.path()), names(second.path()));
    let changed: Vec<&str> = before.iter().filter(|n| !after.contains(n)).map(|n| &n[..1]).collect();
    assert_eq!(changed, ["a", "b"], "{before:?} → {after:?}");
}

#[test]
fn an_import_cycle_is_named() {
    let source = tempfile::tempdir().unwrap();
    write(&source.path().join("js/a.js"), b"import './b.js';\n").unwrap();
    write(&source.path().join("js/b.js"), b"import './a.js';\n").unwrap();
    std::fs::copy(site().join(FRAME), source.path().join(FRAME)).unwrap();
    let out = tempfile::tempdir().unwrap();
    let error = build(source.path(), &demo(), URL, out.path()).unwrap_err();
    assert!(error.to_string().contains("/js/a.js imports itself"), "{error}");
}

#[test]
fn text_files_get_their_brotli_and_gzip_forms() {
    let out = built(&demo());
    let written = precompress(out.path()).unwrap();
    let home = std::fs::read(out.path().join("index.html")).unwrap();
    let mut unbrotli = Vec::new();
    brotli::BrotliDecompress(
        &mut &std::fs::read(out.path().join("index.html.br")).unwrap()[..],
        &mut unbrotli,
    )
    .unwrap();
    assert_eq!(unbrotli, home);
    let mut ungzip = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&std::fs::read(out.path().join("index.html.gz")).unwrap()[..]),
        &mut ungzip,
    )
    .unwrap();
    assert_eq!(ungzip, home);
    assert!(written >= 2 * 40, "{written}");
    let css = files(&out.path().join("css")).unwrap();
    assert!(css.iter().any(|f| f.to_string_lossy().ends_with(".css.br")));
}
