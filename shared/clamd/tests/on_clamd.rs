//! The adapter against a real clamd, named by `GRU_CLAMD_ADDRESS`. `cargo
//! xtask test` starts one with a database that knows only the EICAR test
//! file; `cargo xtask clamd` starts the same by hand.

use gru_clamd::ClamdScanner;
use gru_ports::{Scanner, Verdict};

/// The clamd started by `cargo xtask test` or `cargo xtask clamd`.
fn clamd() -> ClamdScanner {
    let address = std::env::var("GRU_CLAMD_ADDRESS").unwrap_or_else(|_| {
        panic!(
            "GRU_CLAMD_ADDRESS is not set: these tests run against a real clamd. \
             Run them with `cargo xtask test`, or start one with `cargo xtask clamd` and export \
             the address it prints."
        )
    });
    ClamdScanner::new(address)
}

/// The EICAR anti-virus test file (68 bytes), put together at run time: a
/// source file holding it whole would be flagged by the antivirus of every
/// developer who clones the repository. The second half is stored reversed,
/// otherwise the compiler may place both halves side by side in the test
/// binary, which would then be flagged under `target/`.
fn eicar() -> Vec<u8> {
    let first = r"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-";
    let second_reversed = "*H+H$!ELIF-TSET-SURIVITNA";
    let eicar: String = first.chars().chain(second_reversed.chars().rev()).collect();
    assert_eq!(eicar.len(), 68);
    eicar.into_bytes()
}

#[tokio::test]
async fn the_eicar_test_file_is_infected() {
    let verdict = clamd().scan("requests/R-1/eicar.com", &eicar()).await.unwrap();
    // clamd appends `.UNOFFICIAL` to signatures from a database it did not
    // download itself, as the test database is.
    assert!(
        matches!(&verdict, Verdict::Infected { signature } if signature.starts_with("Eicar-Test-Signature")),
        "{verdict:?}"
    );
}

#[tokio::test]
async fn a_small_pdf_is_clean() {
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
                2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n\
                trailer << /Root 1 0 R >>\n%%EOF\n";
    assert_eq!(clamd().scan("requests/R-1/scan.pdf", pdf).await.unwrap(), Verdict::Clean);
}

#[tokio::test]
async fn a_three_megabyte_file_in_many_chunks_is_clean() {
    let body: Vec<u8> = (0..3_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    assert_eq!(clamd().scan("requests/R-1/photo.jpg", &body).await.unwrap(), Verdict::Clean);
}

#[tokio::test]
async fn concurrent_scans_each_get_their_verdict() {
    let scanner = clamd();
    let eicar = eicar();
    let (infected, clean) = tokio::join!(scanner.scan("a", &eicar), scanner.scan("b", b"hello"));
    assert!(matches!(infected.unwrap(), Verdict::Infected { .. }));
    assert_eq!(clean.unwrap(), Verdict::Clean);
}
