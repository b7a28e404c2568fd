//! The shipped config files: the example documents every key at its default (so it cannot drift
//! from the code), and the fake-exchange config loads and points only at the loopback.

use std::collections::BTreeMap;
use std::path::PathBuf;

use polybot_config::{Config, OPTIONAL_KEYS};
use toml::{Table, Value};

fn repo_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../config")
        .join(name)
}

fn example_text() -> String {
    std::fs::read_to_string(repo_file("polybot.example.toml")).unwrap()
}

#[test]
fn example_equals_the_defaults() {
    let loaded = Config::load(Some(&repo_file("polybot.example.toml")), &BTreeMap::new()).unwrap();
    assert_eq!(loaded, Config::default());
}

/// Every `section.key` path of the defaults, as serialized.
fn default_key_paths() -> Vec<(String, String)> {
    let Value::Table(defaults) = Value::try_from(Config::default()).unwrap() else {
        panic!("Config must serialize to a table");
    };
    let mut paths = Vec::new();
    for (section, value) in defaults {
        let Value::Table(keys) = value else {
            panic!("section {section} is not a table");
        };
        for key in keys.keys() {
            paths.push((section.clone(), key.clone()));
        }
    }
    paths
}

#[test]
fn example_has_every_key_of_every_section() {
    let text = example_text();
    let example: Table = toml::from_str(&text).unwrap();
    let mut missing = Vec::new();
    for (section, key) in default_key_paths() {
        let present = example
            .get(&section)
            .and_then(Value::as_table)
            .is_some_and(|t| t.contains_key(&key));
        if !present {
            missing.push(format!("{section}.{key}"));
        }
    }
    // Optional keys cannot be set to their default (unset), so they appear commented out.
    for (section, key) in OPTIONAL_KEYS {
        let header = text.find(&format!("[{section}]")).unwrap_or(usize::MAX);
        let commented = text.find(&format!("\n# {key} = ")).unwrap_or(0);
        if commented < header || header == usize::MAX {
            missing.push(format!("{section}.{key} (commented out)"));
        }
    }
    assert!(missing.is_empty(), "missing from the example: {missing:?}");
}

#[test]
fn every_example_key_has_a_comment_with_its_default() {
    let text = example_text();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let is_key = line.contains(" = ") && !line.starts_with('#');
        if !is_key {
            continue;
        }
        // The comment block directly above the key must mention its default.
        let comment: Vec<&str> = lines[..i]
            .iter()
            .rev()
            .take_while(|l| l.starts_with('#'))
            .copied()
            .collect();
        assert!(
            comment.iter().any(|l| l.contains("Default:")),
            "line {}: `{line}` has no comment stating its default",
            i + 1
        );
    }
}

#[test]
fn fake_config_points_at_the_local_fake_exchange() {
    let c = Config::load(Some(&repo_file("fake.toml")), &BTreeMap::new()).unwrap();
    assert!(c.polymarket.all_loopback());
    assert_eq!(c.polymarket.clob_url, "http://127.0.0.1:18080");
    assert_eq!(c.polymarket.ws_url, "ws://127.0.0.1:18080");
    assert_eq!(c.polymarket.gamma_url, "http://127.0.0.1:18081");
    assert_eq!(c.polymarket.data_url, "http://127.0.0.1:18082");
    assert!(c.http.timeout_ms < Config::default().http.timeout_ms);
    assert_eq!(c.scanning, Config::default().scanning);
    assert!(
        std::fs::read_to_string(repo_file("fake.toml"))
            .unwrap()
            .lines()
            .next()
            .is_some_and(|l| l.starts_with('#') && l.contains("polybot fakex"))
    );
}

/// The example's commented-out profiles (seed 003's three strategies) load when uncommented,
/// validate, and apply to their strategies only.
#[test]
fn the_example_profiles_load_when_uncommented() {
    let text = example_text();
    let (head, rest) = text.split_at(text.find("[risk.profiles]").unwrap());
    let (profiles, tail) = rest.split_at(rest.find("[safety]").unwrap());
    let uncommented: String = profiles
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(body) if body.starts_with("[risk.profiles.") || body.contains(" = ") => body,
            _ => l,
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("polybot.toml");
    std::fs::write(&path, format!("{head}{uncommented}{tail}")).unwrap();
    let c = Config::load(Some(&path), &BTreeMap::new()).unwrap();
    assert_eq!(c.risk.profiles.len(), 3);
    let conservative = c.risk.profile_for("conservative");
    assert_eq!(conservative.kelly_fraction, 0.15);
    assert_eq!(conservative.max_entries_per_day, 3);
    assert_eq!(conservative.min_bet_usdc, polybot_model::Usdc::dollars(15));
    assert_eq!(c.risk.profile_for("aggressive").min_edge, 0.05);
    assert_eq!(
        c.risk.profile_for("copy"),
        Config::default().risk.profile_for("copy")
    );

    std::fs::write(&path, "[risk.profiles.copy]\nkelly_fraction = 2.0\n").unwrap();
    let keys: Vec<String> = match Config::load(Some(&path), &BTreeMap::new()) {
        Err(polybot_config::ConfigError::Invalid(errors)) => {
            errors.into_iter().map(|e| e.key).collect()
        }
        other => panic!("expected Invalid, got {other:?}"),
    };
    assert_eq!(keys, ["risk.profiles.copy.kelly_fraction"]);
}
