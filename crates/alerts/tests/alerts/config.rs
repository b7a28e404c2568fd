use std::collections::BTreeMap;

use polybot_alerts::{
    AlertDispatcher, AlertKind, AlertsConfig, BuildError, ConsoleNotifier, SecretString, Severity,
    SmtpTls,
};

const EXAMPLE: &str = r#"
enabled = true
min_severity = "info"
queue_capacity = 64
dedup_window_secs = 120
max_per_minute = 10

[console]
min_severity = "warning"

[telegram]
enabled = true
chat_id = "-1001234567890"
min_severity = "warning"
min_severity_by_kind = { trade = "info", daily_summary = "info" }

[discord]
enabled = false
exclude_kinds = ["trade", "daily_summary"]

[email]
enabled = true
host = "smtp.example.com"
port = 465
tls = "tls"
username = "alerts@example.com"
from = "polybot <alerts@example.com>"
to = ["ops@example.com"]
min_severity = "error"
"#;

#[test]
fn defaults_are_valid_and_round_trip_through_toml() {
    let d = AlertsConfig::default();
    d.validate().unwrap();
    assert!(d.enabled && d.console.enabled);
    assert!(!d.telegram.enabled && !d.discord.enabled && !d.slack.enabled && !d.email.enabled);
    assert_eq!(d.telegram.api_base, "https://api.telegram.org");
    assert_eq!((d.email.port, d.email.tls), (587, SmtpTls::Starttls));
    let text = toml::to_string(&d).unwrap();
    let back: AlertsConfig = toml::from_str(&text).unwrap();
    assert_eq!(back, d);
    assert!(
        text.contains("[telegram]") && !text.contains("bot_token") && !text.contains("password"),
        "{text}"
    );
}

#[test]
fn the_example_parses_with_per_channel_filters() {
    let mut cfg: AlertsConfig = toml::from_str(EXAMPLE).unwrap();
    assert_eq!(cfg.queue_capacity, 64);
    assert_eq!(cfg.console.min_severity, Severity::Warning);
    assert_eq!(
        cfg.telegram.min_severity_by_kind,
        BTreeMap::from([
            (AlertKind::Trade, Severity::Info),
            (AlertKind::DailySummary, Severity::Info)
        ])
    );
    assert_eq!(
        cfg.discord.exclude_kinds,
        [AlertKind::Trade, AlertKind::DailySummary]
    );
    assert_eq!(cfg.email.tls, SmtpTls::Tls);
    // Secrets are missing until the environment supplies them.
    let keys: Vec<String> = cfg
        .validate()
        .unwrap_err()
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(keys, ["telegram.bot_token", "email.password"]);
    cfg.apply_secret_env(|k| match k {
        "POLYBOT_TELEGRAM_BOT_TOKEN" => Some("1:abc".into()),
        "POLYBOT_SMTP_PASSWORD" => Some("pw".into()),
        _ => None,
    });
    cfg.validate().unwrap();
    // A non-empty per-kind map still serializes.
    let again: AlertsConfig = toml::from_str(&toml::to_string(&cfg).unwrap()).unwrap();
    assert_eq!(
        again.telegram.min_severity_by_kind,
        cfg.telegram.min_severity_by_kind
    );
}

#[test]
fn unknown_keys_and_values_are_rejected() {
    for bad in [
        "enable = true",
        "[telegram]\nchat = \"1\"",
        "[email]\ntls = \"ssl\"",
        "min_severity = \"loud\"",
        "[slack]\nexclude_kinds = [\"trades\"]",
    ] {
        assert!(toml::from_str::<AlertsConfig>(bad).is_err(), "{bad}");
    }
}

#[test]
fn validation_names_every_bad_field() {
    let mut cfg = AlertsConfig {
        queue_capacity: 0,
        send_timeout_ms: 1,
        retry_initial_ms: 1_000,
        retry_max_ms: 10,
        daily_summary_hour: 24,
        ..AlertsConfig::default()
    };
    cfg.telegram.enabled = true;
    cfg.telegram.api_base = "api.telegram.org".into();
    cfg.discord.enabled = true;
    cfg.email.enabled = true;
    cfg.email.host = "smtp.example.com".into();
    cfg.email.tls = SmtpTls::None;
    cfg.email.username = "me".into();
    cfg.email.password = Some(SecretString::from("pw"));
    cfg.email.from = "not an address".into();
    let errors = cfg.validate().unwrap_err();
    let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "queue_capacity",
            "send_timeout_ms",
            "retry_max_ms",
            "daily_summary_hour",
            "telegram.api_base",
            "telegram.chat_id",
            "telegram.bot_token",
            "discord.webhook_url",
            "email.from",
            "email.to",
            "email.tls",
        ]
    );
    let token = errors
        .iter()
        .find(|e| e.key == "telegram.bot_token")
        .unwrap();
    assert!(
        token.reason.contains("POLYBOT_TELEGRAM_BOT_TOKEN"),
        "{token}"
    );
}

#[test]
fn a_plaintext_password_is_fine_for_a_loopback_relay() {
    let mut cfg = AlertsConfig::default();
    cfg.email.enabled = true;
    cfg.email.host = "127.0.0.1".into();
    cfg.email.tls = SmtpTls::None;
    cfg.email.username = "me".into();
    cfg.email.password = Some(SecretString::from("pw"));
    cfg.email.from = "a@example.com".into();
    cfg.email.to = vec!["b@example.com".into()];
    cfg.validate().unwrap();
}

#[test]
fn the_section_floor_applies_to_every_channel() {
    let cfg: AlertsConfig = toml::from_str(EXAMPLE).unwrap();
    let mut raised = cfg.clone();
    raised.min_severity = Severity::Error;
    let f = raised.channel_options(raised.telegram.common()).filter;
    assert_eq!(f.min_severity, Severity::Error);
    assert_eq!(f.by_kind[&AlertKind::Trade], Severity::Error);
    let f = cfg.channel_options(cfg.telegram.common()).filter;
    assert_eq!(
        (f.min_severity, f.by_kind[&AlertKind::Trade]),
        (Severity::Warning, Severity::Info)
    );
}

#[tokio::test]
async fn from_config_validates_and_honours_the_master_switch() {
    let sink = || ConsoleNotifier::with_writer(std::io::sink());
    let mut cfg = AlertsConfig::default();
    cfg.telegram.enabled = true;
    let err = AlertDispatcher::from_config_with_console(&cfg, sink())
        .err()
        .unwrap();
    assert!(
        matches!(&err, BuildError::Invalid(e) if e.iter().any(|e| e.key == "alerts.telegram.bot_token")),
        "{err}"
    );

    cfg.enabled = false;
    cfg.telegram.enabled = false;
    let d = AlertDispatcher::from_config_with_console(&cfg, sink()).unwrap();
    assert!(d.stats().is_empty());

    let d = AlertDispatcher::from_config_with_console(&AlertsConfig::default(), sink()).unwrap();
    let names: Vec<String> = d.stats().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["console"]);
}
