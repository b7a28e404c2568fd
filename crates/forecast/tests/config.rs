//! `[forecast]` parsing, defaults, validation naming keys, and secrets from the environment.

use polybot_forecast::config::{ENV_ANTHROPIC_API_KEY, ENV_OPENAI_API_KEY};
use polybot_forecast::{Aggregation, ForecastConfig, ProviderKind, parse_answer};
use rust_decimal::Decimal;

const TOML: &str = r#"
[[providers]]
name = "gpt"
kind = "openai"
model = "gpt-4o"
input_usd_per_mtok = 2.5
output_usd_per_mtok = "10.00"
weight = 0.4

[[providers]]
name = "claude"
kind = "anthropic"
model = "claude-3-5-sonnet"
api_key_env = "MY_CLAUDE_KEY"

[[providers]]
name = "local"
kind = "openai_compatible"
model = "llama3.1"
base_url = "http://127.0.0.1:11434/"

[ensemble]
aggregation = "median"
fallback = "gpt"
"#;

#[test]
fn parses_with_defaults_and_exact_prices() {
    let cfg: ForecastConfig = toml::from_str(TOML).unwrap();
    assert!(
        !cfg.show_market_price,
        "models are not shown the price by default"
    );
    assert_eq!(cfg.providers[0].input_usd_per_mtok, Decimal::new(25, 1));
    assert_eq!(cfg.providers[0].output_usd_per_mtok, Decimal::new(10, 0));
    assert_eq!(cfg.providers[0].timeout_ms, 60_000);
    assert_eq!(
        (
            cfg.providers[0].max_retries,
            cfg.providers[0].retry_backoff_ms
        ),
        (2, 500)
    );
    assert_eq!(
        cfg.providers[0].effective_base_url(),
        "https://api.openai.com"
    );
    assert_eq!(
        cfg.providers[2].effective_base_url(),
        "http://127.0.0.1:11434"
    );
    assert_eq!(cfg.providers[2].kind, ProviderKind::OpenaiCompatible);
    assert_eq!(cfg.ensemble.aggregation, Aggregation::Median);
    assert_eq!(cfg.ensemble.min_models_required, 1);
    assert_eq!(cfg.ensemble.weights_full_after, 50);
    assert_eq!(cfg.calibration.min_samples_refit, 30);
    assert_eq!(cfg.calibration.max_evidence_penalty, 0.15);
    assert_eq!(cfg.calibration.market_weight_prior, 0.3);
    assert!(cfg.validate().is_empty(), "{:?}", cfg.validate());
    let default = ForecastConfig::default();
    assert_eq!(default.ensemble.aggregation, Aggregation::TrimmedMean);
    assert!(default.validate().is_empty());
}

#[test]
fn unknown_keys_are_rejected() {
    let err = toml::from_str::<ForecastConfig>("show_price = true").unwrap_err();
    assert!(err.to_string().contains("show_price"), "{err}");
    let err =
        toml::from_str::<ForecastConfig>("[[providers]]\nname='x'\napi_key='sk-1'").unwrap_err();
    assert!(
        err.to_string().contains("api_key"),
        "keys never come from the file: {err}"
    );
}

#[test]
fn validation_names_each_key() {
    let mut cfg: ForecastConfig = toml::from_str(TOML).unwrap();
    cfg.providers[0].timeout_ms = 0;
    cfg.providers[1].base_url = "ftp://x".into();
    cfg.providers[2].name = "gpt".into();
    cfg.providers[2].temperature = f64::NAN;
    cfg.ensemble.fallback = "nope".into();
    cfg.ensemble.min_models_required = 0;
    cfg.calibration.max_evidence_penalty = 1.5;
    cfg.calibration.min_samples_refit = 0;
    cfg.research.extraction_provider = "nobody".into();
    cfg.providers[0].api_key_env = "sk-secret key".into();
    cfg.providers[1].max_retries = 11;
    cfg.providers[2].retry_backoff_ms = 0;
    let errors = cfg.validate();
    assert!(
        errors.iter().all(|e| !e.to_string().contains("sk-secret")),
        "a key pasted as api_key_env is never echoed: {errors:?}"
    );
    let keys: Vec<String> = errors.into_iter().map(|e| e.key).collect();
    for k in [
        "providers[0].timeout_ms",
        "providers[1].base_url",
        "providers[2].name",
        "providers[2].temperature",
        "ensemble.fallback",
        "ensemble.min_models_required",
        "calibration.max_evidence_penalty",
        "calibration.min_samples_refit",
        "research.extraction_provider",
        "providers[0].api_key_env",
        "providers[1].max_retries",
        "providers[2].retry_backoff_ms",
    ] {
        assert!(keys.iter().any(|x| x == k), "{k} missing from {keys:?}");
    }
}

#[test]
fn keys_come_from_env_vars_and_never_print() {
    let mut cfg: ForecastConfig = toml::from_str(TOML).unwrap();
    cfg.apply_secret_env(|name| match name {
        n if n == ENV_OPENAI_API_KEY => Some("sk-openai-SECRET".into()),
        "MY_CLAUDE_KEY" => Some("sk-ant-SECRET".into()),
        n if n == ENV_ANTHROPIC_API_KEY => Some("wrong-var".into()),
        _ => None,
    });
    assert!(cfg.providers[0].is_usable());
    assert!(cfg.providers[1].is_usable());
    assert!(
        cfg.providers[2].is_usable(),
        "compatible servers need no key"
    );
    let shown = format!("{cfg:?} {}", serde_json::to_string(&cfg).unwrap());
    assert!(
        !shown.contains("SECRET") && !shown.contains("wrong-var"),
        "{shown}"
    );
}

#[test]
fn answers_are_validated_strictly() {
    let fenced = "```json\n{\"probability\": 0.3, \"confidence\": \"high\", \"reasoning\": \"r\", \"invalidation_triggers\": []}\n```";
    let a = parse_answer(fenced).unwrap();
    assert_eq!(a.probability, 0.3);
    for (bad, why) in [
        ("", "no JSON object"),
        (
            "{\"probability\": -0.1, \"confidence\": \"LOW\", \"reasoning\": \"r\", \"invalidation_triggers\": []}",
            "[0, 1]",
        ),
        (
            "{\"probability\": 1e999, \"confidence\": \"LOW\", \"reasoning\": \"r\", \"invalidation_triggers\": []}",
            "out of range",
        ),
        (
            "{\"confidence\": \"LOW\", \"reasoning\": \"r\", \"invalidation_triggers\": []}",
            "missing field `probability`",
        ),
        (
            "{\"probability\": 0.5, \"reasoning\": \"r\", \"invalidation_triggers\": []}",
            "missing field `confidence`",
        ),
        (
            "{\"probability\": 0.5, \"confidence\": \"LOW\", \"reasoning\": \" \", \"invalidation_triggers\": []}",
            "empty",
        ),
        (
            "{\"probability\": 0.5, \"confidence\": \"LOW\", \"reasoning\": \"r\"}",
            "invalidation_triggers",
        ),
        (
            "{\"probability\": 0.5, \"confidence\": \"LOW\", \"reasoning\": \"r\", \"invalidation_triggers\": [1]}",
            "strings only",
        ),
        (
            "{\"probability\": 0.5, \"confidence\": \"LOW\", \"reasoning\": \"r\", \"invalidation_triggers\": [], \"extra\": 1}",
            "unknown field",
        ),
    ] {
        let err = parse_answer(bad).unwrap_err();
        assert!(err.contains(why), "{bad}: {err}");
    }
}
