//! Loading end to end: file, environment, validation and the errors an operator sees.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polybot_config::{Config, ConfigError, LogFormat};

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Writes `text` to a config file in a fresh temp dir and loads it with `vars`.
fn load_text(text: &str, vars: &[(&str, &str)]) -> (Result<Config, ConfigError>, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("polybot.toml");
    std::fs::write(&path, text).unwrap();
    (Config::load(Some(&path), &env(vars)), path)
}

fn load_err(text: &str, vars: &[(&str, &str)]) -> ConfigError {
    match load_text(text, vars).0 {
        Ok(c) => panic!("expected an error, loaded {c:?}"),
        Err(e) => e,
    }
}

fn invalid_keys(e: &ConfigError) -> Vec<String> {
    match e {
        ConfigError::Invalid(errors) => errors.iter().map(|e| e.key.clone()).collect(),
        other => panic!("expected Invalid, got {other}"),
    }
}

#[test]
fn no_file_no_env_is_the_defaults() {
    assert_eq!(Config::load(None, &env(&[])).unwrap(), Config::default());
}

#[test]
fn file_values_are_used() {
    let text = "[scanning]\nmax_spread = 0.05\ninclude_categories = [\"SPORTS\"]\n\
                [logging]\nformat = \"json\"\n";
    let c = load_text(text, &[]).0.unwrap();
    assert_eq!(c.scanning.max_spread, 0.05);
    assert_eq!(c.scanning.include_categories, ["SPORTS"]);
    assert_eq!(c.logging.format, LogFormat::Json);
    assert_eq!(c.http, Config::default().http);
}

#[test]
fn invalid_values_are_rejected_naming_the_key() {
    let cases = [
        ("[scanning]\nmax_spread = 1.5", "scanning.max_spread", "1.5"),
        ("[http]\ntimeout_ms = 0", "http.timeout_ms", "0"),
        (
            "[polymarket]\nws_url = \"ftp://x\"",
            "polymarket.ws_url",
            "ftp://x",
        ),
        ("[polymarket]\nchain_id = 1", "polymarket.chain_id", "1"),
        (
            "[websocket]\nmax_assets_per_connection = 0",
            "websocket.max_assets_per_connection",
            "0",
        ),
        ("[logging]\nlevel = \"\"", "logging.level", "\"\""),
        (
            "[storage]\ndatabase_url = \"postgres://h/db\"",
            "storage.database_url",
            "postgres://h/db",
        ),
        (
            "[scanning]\nexclude_categories = [\"NOPE\"]",
            "scanning.exclude_categories",
            "NOPE",
        ),
    ];
    for (text, key, value) in cases {
        let e = load_err(text, &[]);
        assert_eq!(invalid_keys(&e), [key], "{text}");
        let msg = e.to_string();
        assert!(msg.contains(&format!("{key} = {value}: ")), "{msg}");
    }
}

#[test]
fn every_invalid_value_is_reported_at_once() {
    let text = "[scanning]\nmax_spread = 1.5\n[http]\ntimeout_ms = 0\n[logging]\nlevel = \"a b\"\n";
    let e = load_err(text, &[]);
    assert_eq!(
        invalid_keys(&e),
        ["http.timeout_ms", "scanning.max_spread", "logging.level"]
    );
    assert_eq!(e.to_string().lines().count(), 4, "{e}");
}

#[test]
fn type_errors_name_the_key_and_the_file() {
    let cases = [
        (
            "[scanning]\nmax_spread = \"abc\"",
            "scanning.max_spread",
            "invalid type: string \"abc\", expected f64",
        ),
        (
            "[logging]\nformat = \"xml\"",
            "logging.format",
            "unknown variant `xml`, expected `text` or `json`",
        ),
        (
            "[http]\nmax_retries = -1",
            "http.max_retries",
            "invalid value: integer `-1`, expected u32",
        ),
        (
            "[scanning]\ninclude_categories = [\"SPORTS\", 3]",
            "scanning.include_categories[1]",
            "invalid type: integer `3`, expected a string",
        ),
    ];
    for (text, key, message) in cases {
        let (result, path) = load_text(text, &[]);
        let e = result.unwrap_err();
        let ConfigError::Type {
            key: k,
            message: m,
            origin,
        } = &e
        else {
            panic!("expected a type error for {text}, got {e}");
        };
        assert_eq!(k, key);
        assert_eq!(m, message);
        assert!(origin.contains(&path.display().to_string()), "{origin}");
        assert!(
            e.to_string().starts_with(&format!("{key}: {message}")),
            "{e}"
        );
    }
}

#[test]
fn unknown_keys_in_the_file_are_named() {
    let cases = [
        ("[scanning]\nmax_spraed = 0.1", "scanning.max_spraed"),
        ("[scaning]\nmax_spread = 0.1", "scaning"),
        ("verbose = true", "verbose"),
    ];
    for (text, key) in cases {
        let e = load_err(text, &[]);
        assert!(
            matches!(&e, ConfigError::UnknownKey { key: k, .. } if k == key),
            "{text}: {e}"
        );
        assert!(e.to_string().contains(&format!("`{key}`")), "{e}");
    }
    let e = load_err("[scanning]\nmax_spraed = 0.1", &[]);
    assert!(
        e.to_string().contains("max_spread"),
        "lists valid keys: {e}"
    );
}

#[test]
fn unknown_polybot_env_vars_are_named() {
    for var in [
        "POLYBOT_SCANNING_MAX_SPRAED",
        "POLYBOT_SCANING_MAX_SPREAD",
        "POLYBOT_VERBOSE",
    ] {
        let e = Config::load(None, &env(&[(var, "1")])).unwrap_err();
        assert!(
            matches!(&e, ConfigError::UnknownEnvVar { var: v, .. } if v == var),
            "{e}"
        );
        assert!(e.to_string().contains(var), "{e}");
    }
}

#[test]
fn reserved_polybot_vars_are_not_overrides() {
    let vars = [
        ("POLYBOT_CONFIG", "/x.toml"),
        ("POLYBOT_LIVE", "1"),
        ("POLYBOT_LOG", "debug"),
        ("POLYBOT_KEYSTORE_PASSWORD", "not-a-real-password"),
        ("POLYBOT_CLOB_API_KEY", "k"),
        ("POLYBOT_CLOB_API_SECRET", "s"),
        ("POLYBOT_CLOB_API_PASSPHRASE", "p"),
        ("POLYBOT_PRIVATE_KEY", "0xnot-a-key"),
        ("HOME", "/root"),
    ];
    assert_eq!(Config::load(None, &env(&vars)).unwrap(), Config::default());
}

#[test]
fn environment_overrides_the_file() {
    let text = "[scanning]\nmin_volume_usd = 2000.0\nmax_spread = 0.05\n\
                [polymarket]\nclob_url = \"https://example.com\"\n";
    let vars = [
        ("POLYBOT_SCANNING_MIN_VOLUME_USD", "5000"),
        ("POLYBOT_POLYMARKET_CLOB_URL", "http://127.0.0.1:18080"),
        (
            "POLYBOT_SCANNING_INCLUDE_CATEGORIES",
            "[\"SPORTS\",\"CRYPTO\"]",
        ),
        ("POLYBOT_LOGGING_FILE", "true"),
        ("POLYBOT_HTTP_RATE_LIMIT_FRACTION", "1"),
    ];
    let c = load_text(text, &vars).0.unwrap();
    assert_eq!(c.scanning.min_volume_usd, 5000.0);
    assert_eq!(c.scanning.max_spread, 0.05, "file value kept");
    assert_eq!(c.polymarket.clob_url, "http://127.0.0.1:18080");
    assert_eq!(c.scanning.include_categories, ["SPORTS", "CRYPTO"]);
    assert!(c.logging.file);
    assert_eq!(c.http.rate_limit_fraction, 1.0);
}

#[test]
fn data_dir_alias() {
    let c = Config::load(None, &env(&[("POLYBOT_DATA_DIR", "/srv/polybot")])).unwrap();
    assert_eq!(c.storage.data_dir, Path::new("/srv/polybot"));
    assert_eq!(
        c.storage.database_path(),
        Some(PathBuf::from("/srv/polybot/polybot.db"))
    );
    let c = Config::load(
        None,
        &env(&[("POLYBOT_SECRETS_KEYSTORE_PATH", "/srv/k.json")]),
    )
    .unwrap();
    assert_eq!(c.secrets.keystore_path, Some(PathBuf::from("/srv/k.json")));
}

#[test]
fn env_errors_name_the_variable_and_the_key() {
    let e = Config::load(None, &env(&[("POLYBOT_SCANNING_MAX_SPREAD", "1.5")])).unwrap_err();
    assert_eq!(invalid_keys(&e), ["scanning.max_spread"]);
    let msg = e.to_string();
    assert!(msg.contains("POLYBOT_SCANNING_MAX_SPREAD"), "{msg}");

    let e = load_err(
        "[http]\ntimeout_ms = 5",
        &[("POLYBOT_HTTP_TIMEOUT_MS", "abc")],
    );
    let msg = e.to_string();
    assert!(matches!(e, ConfigError::Type { .. }), "{msg}");
    assert!(msg.starts_with("http.timeout_ms: "), "{msg}");
    assert!(msg.contains("POLYBOT_HTTP_TIMEOUT_MS"), "{msg}");
}

#[test]
fn secret_looking_keys_in_the_file_are_rejected() {
    // Obviously fake: a repeated pattern, never a real key.
    let value = format!("0x{}", "a1b2c3d4".repeat(8));
    let cases = [
        (
            format!("[secrets]\nprivate_key = \"{value}\""),
            "secrets.private_key",
        ),
        (
            format!("[polymarket]\napi_secret = \"{value}\""),
            "polymarket.api_secret",
        ),
        (format!("passphrase = \"{value}\""), "passphrase"),
        (
            format!("[custom]\nclob_api_passphrase = \"{value}\""),
            "custom.clob_api_passphrase",
        ),
        (
            format!("[alerts.telegram]\nbot_token = \"{value}\""),
            "alerts.telegram.bot_token",
        ),
        (
            format!("[alerts.slack]\nwebhook_url = \"https://hooks.example/{value}\""),
            "alerts.slack.webhook_url",
        ),
        // Unparseable TOML is still checked, and the syntax error does not quote the line.
        (format!("[secrets]\nprivate_key = {value}"), "private_key"),
    ];
    for (text, key) in cases {
        let e = load_err(&text, &[]);
        let msg = format!("{e} {e:?}");
        assert!(
            matches!(&e, ConfigError::SecretInFile { key: k, .. } if k == key),
            "{msg}"
        );
        assert!(msg.contains("environment"), "{msg}");
        assert!(!msg.contains(&value[2..12]), "secret echoed: {msg}");
    }
}

#[test]
fn missing_file_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.toml");
    let e = Config::load(Some(&path), &env(&[])).unwrap_err();
    assert!(matches!(e, ConfigError::Read { .. }), "{e}");
    assert!(e.to_string().contains(&path.display().to_string()), "{e}");
}

#[test]
fn syntax_errors_show_file_and_line() {
    let (result, path) = load_text("[scanning]\nmax_spread = 0.1\nbatch_size = = 3\n", &[]);
    let e = result.unwrap_err();
    let ConfigError::Syntax { line, .. } = &e else {
        panic!("expected a syntax error, got {e}");
    };
    assert_eq!(*line, 3);
    let msg = e.to_string();
    assert!(msg.starts_with(&format!("{}:3:", path.display())), "{msg}");
    assert!(msg.contains("TOML syntax error"), "{msg}");
}

#[test]
fn alert_channel_secrets_come_from_the_environment() {
    let text = "[alerts.telegram]\nenabled = true\nchat_id = \"42\"\n";
    assert_eq!(
        invalid_keys(&load_err(text, &[])),
        ["alerts.telegram.bot_token"],
        "an enabled channel without its token names the missing key"
    );
    let (config, _) = load_text(text, &[("POLYBOT_TELEGRAM_BOT_TOKEN", "123:fake-token")]);
    let config = config.unwrap();
    assert!(config.alerts.telegram.bot_token.is_some());
    assert!(
        !format!("{config:?}").contains("fake-token"),
        "never printed"
    );
}

#[test]
fn forecast_providers_take_their_keys_from_the_environment() {
    let text = "[[forecast.providers]]\nname = \"gpt\"\nkind = \"openai\"\nmodel = \"gpt-test\"\n";
    let (config, _) = load_text(text, &[("POLYBOT_OPENAI_API_KEY", "sk-fake-test-key")]);
    let config = config.unwrap();
    assert_eq!(config.forecast.providers.len(), 1);
    assert!(config.forecast.providers[0].api_key.is_some());
    assert!(!format!("{config:?}").contains("sk-fake-test-key"));
    let e = load_err("[[forecast.providers]]\nname = \"\"\nmodel = \"m\"\n", &[]);
    assert!(
        invalid_keys(&e)
            .iter()
            .any(|k| k.starts_with("forecast.providers")),
        "{e}"
    );
}
