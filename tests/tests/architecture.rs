//! The rules of ARCHITECTURE.md's « Invariants » that the compiler does not
//! check: what may depend on what, read from every crate's `Cargo.toml`, and
//! which AWS SDK crates each Lambda links, read from `cargo tree`.

use gru_tests::repository;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// The function crates (one per Lambda), by folder name.
fn functions() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repository().join("functions"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every dependency a manifest names, normal, dev and build alike.
fn dependencies(manifest: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let manifest: toml::Table = toml::from_str(&text).unwrap();
    ["dependencies", "dev-dependencies", "build-dependencies"]
        .iter()
        .filter_map(|section| manifest.get(*section).and_then(|deps| deps.as_table()))
        .flat_map(|deps| deps.keys().cloned())
        .collect()
}

#[test]
fn no_function_depends_on_another_function() {
    let functions = functions();
    for function in &functions {
        let deps = dependencies(&repository().join("functions").join(function).join("Cargo.toml"));
        let others: Vec<&String> = functions.iter().filter(|other| deps.contains(*other)).collect();
        assert!(
            others.is_empty(),
            "functions/{function} depends on {others:?}: what two functions share belongs in shared/"
        );
    }
}

#[test]
fn shared_crates_depend_on_no_function_and_the_domain_on_nothing_of_ours() {
    let functions = functions();
    for entry in std::fs::read_dir(repository().join("shared")).unwrap() {
        let dir = entry.unwrap().path();
        let deps = dependencies(&dir.join("Cargo.toml"));
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let on_functions: Vec<&String> = functions.iter().filter(|f| deps.contains(*f)).collect();
        assert!(on_functions.is_empty(), "shared/{name} depends on functions {on_functions:?}");
        if name == "domain" || name == "ports" {
            let ours: Vec<&String> = deps.iter().filter(|d| d.starts_with("gru-")).collect();
            assert!(ours.is_empty(), "shared/{name} must stay free of our other crates, not {ours:?}");
        }
    }
}

/// The crates `package` links (its normal dependencies, as a Lambda is
/// built), by name.
fn linked_crates(package: &str) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["tree", "--offline", "--locked", "-p", package, "-e", "normal", "--prefix", "none"])
        .args(["--format", "{p}"])
        .current_dir(repository())
        .output()
        .unwrap();
    assert!(output.status.success(), "cargo tree -p {package}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// The AWS service clients `package` links. With no aws-config, there is no
/// STS (its credential chain's) either.
fn aws_sdk_crates(package: &str) -> BTreeSet<String> {
    linked_crates(package).into_iter().filter(|name| name.starts_with("aws-sdk-")).collect()
}

#[test]
fn each_lambda_links_only_the_aws_sdk_crates_it_calls() {
    let expected: &[(&str, &[&str])] = &[
        ("catalogue", &["aws-sdk-dynamodb"]),
        ("tracking", &["aws-sdk-dynamodb"]),
        ("messaging", &["aws-sdk-dynamodb"]),
        ("booking", &["aws-sdk-dynamodb"]),
        ("open311", &["aws-sdk-dynamodb"]),
        ("accounts", &["aws-sdk-dynamodb", "aws-sdk-ses"]),
        ("attachments", &["aws-sdk-dynamodb", "aws-sdk-s3"]),
        ("reporting", &["aws-sdk-dynamodb", "aws-sdk-s3"]),
        ("submissions", &["aws-sdk-dynamodb", "aws-sdk-ses"]),
        ("notifier", &["aws-sdk-dynamodb", "aws-sdk-s3", "aws-sdk-ses"]),
    ];
    assert_eq!(
        expected.iter().map(|(f, _)| f.to_string()).collect::<BTreeSet<_>>(),
        functions().into_iter().collect::<BTreeSet<_>>(),
        "every function is listed here"
    );
    for (function, sdks) in expected {
        let wanted: BTreeSet<String> = sdks.iter().map(|s| s.to_string()).collect();
        assert_eq!(aws_sdk_crates(function), wanted, "the AWS SDK crates {function} links");
    }
}

/// What keeps each package under 2.5 MB and its start quick
/// (docs/performance.md, « Lambda package »): the SDK configured from the
/// environment by gru-aws, not by aws-config and its credential chain; TLS
/// on ring with Amazon's roots compiled in, not on aws-lc (the system's
/// trust store is never read); logs filtered without a regex engine.
#[test]
fn no_lambda_links_aws_config_aws_lc_or_a_regex_engine() {
    let unwanted = ["aws-config", "aws-sdk-sts", "aws-lc-rs", "aws-lc-sys", "regex-automata", "regex"];
    for function in functions() {
        let crates = linked_crates(&function);
        let found: Vec<&str> = unwanted.iter().copied().filter(|name| crates.contains(*name)).collect();
        assert!(found.is_empty(), "{function} links {found:?}");
        assert!(
            crates.contains("ring") && crates.contains("gru-aws"),
            "{function} reaches AWS through gru-aws on ring"
        );
    }
}
