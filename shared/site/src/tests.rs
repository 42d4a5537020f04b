use super::*;

fn demo_city() -> City {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../infra/cities/demo");
    gru_domain::city_files::load(&root).expect("the demo city").city
}

fn site() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../static-site")
}

#[test]
fn every_page_carries_the_citys_frame_from_its_first_byte() {
    let out = tempfile::tempdir().unwrap();
    let city = demo_city();
    let built = build(&site(), &city, out.path()).unwrap();
    assert!(built.pages >= 20, "{built:?}");
    let page = std::fs::read_to_string(out.path().join("service.html")).unwrap();
    for expected in [
        "<title>Services en ligne – Ville de Belleval-sur-Loire</title>",
        "<meta name=\"theme-color\" content=\"#1d4f73\">",
        "<link rel=\"icon\" href=\"/city/logo.svg\">",
        "<link rel=\"stylesheet\" href=\"/css/city.css\">",
        "<img class=\"brand-logo\" src=\"/city/logo.svg\" alt=\"\" width=\"56\" height=\"56\">",
        "<span class=\"brand-name\">Ville de Belleval-sur-Loire</span>",
        "<a href=\"tel:0261912000\">02 61 91 20 00</a>",
        "<script type=\"module\" src=\"/js/service.js\"></script>",
        "<link rel=\"modulepreload\" href=\"/js/ui.js\">",
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
    let css = std::fs::read_to_string(out.path().join("css/city.css")).unwrap();
    assert!(css.contains("--city-primary: #1d4f73;"), "{css}");
}

#[test]
fn markup_in_the_citys_files_is_text_in_the_frame() {
    let out = tempfile::tempdir().unwrap();
    let mut city = demo_city();
    city.name = "Ville <script>alert(1)</script> & Co".into();
    build(&site(), &city, out.path()).unwrap();
    let page = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    assert!(!page.contains("<script>alert(1)"), "{page}");
    assert!(page.contains("Ville &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"));
}

#[test]
fn a_page_without_its_front_matter_is_named() {
    let source = tempfile::tempdir().unwrap();
    std::fs::copy(site().join(FRAME), source.path().join(FRAME)).unwrap();
    std::fs::write(source.path().join("perdue.html"), "<main></main>").unwrap();
    let out = tempfile::tempdir().unwrap();
    let error = build(source.path(), &demo_city(), &out.path().join("site")).unwrap_err();
    assert!(error.to_string().contains("perdue.html"), "{error}");
}
