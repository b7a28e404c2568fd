//! [`ForecastConfig`]: the `[forecast]` configuration section and its validation.
//!
//! ```toml
//! [forecast]
//! show_market_price = false        # models never see the market price (see `combine`)
//!
//! [[forecast.providers]]
//! name = "gpt"                     # unique; keys the cost ledger and the adaptive weights
//! kind = "openai"                  # openai | anthropic | gemini | openai_compatible
//! model = "gpt-4o"
//! # base_url defaults per kind; api_key_env defaults to POLYBOT_{OPENAI,ANTHROPIC,GEMINI}_API_KEY
//! timeout_ms = 60000               # the whole call, retries included
//! max_retries = 2                  # transient failures: 429, 5xx, 529, no response
//! retry_backoff_ms = 500           # doubled per retry, jittered, at most 8 s; or Retry-After
//! input_usd_per_mtok = 2.5         # USD per 1M prompt tokens
//! output_usd_per_mtok = 10.0       # USD per 1M completion tokens
//! weight = 0.40                    # prior weight for `weighted` aggregation
//!
//! [forecast.ensemble]
//! aggregation = "trimmed_mean"     # trimmed_mean | median | weighted
//! min_models_required = 1
//! fallback = "gpt"                 # a provider name, queried alone when too few succeed
//!
//! [forecast.calibration]
//! min_samples_refit = 30
//! ```
//!
//! API keys are never read from the file: [`ForecastConfig::apply_secret_env`] fills them from
//! the environment as [`SecretString`]s, which print as `[REDACTED]` and are never serialized.

use std::collections::BTreeSet;

use polybot_model::FieldError;
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::calibration::CalibrationConfig;
use crate::ensemble::EnsembleConfig;
use crate::research::ResearchConfig;

/// OpenAI key, the default for `kind = "openai"`.
pub const ENV_OPENAI_API_KEY: &str = "POLYBOT_OPENAI_API_KEY";
/// Anthropic key, the default for `kind = "anthropic"`.
pub const ENV_ANTHROPIC_API_KEY: &str = "POLYBOT_ANTHROPIC_API_KEY";
/// Gemini key, the default for `kind = "gemini"`.
pub const ENV_GEMINI_API_KEY: &str = "POLYBOT_GEMINI_API_KEY";
/// Every default secret variable (LLM and search keys), for the config loader's list of
/// non-override names.
pub const SECRET_ENV_VARS: [&str; 7] = [
    ENV_OPENAI_API_KEY,
    ENV_ANTHROPIC_API_KEY,
    ENV_GEMINI_API_KEY,
    crate::research::config::ENV_TAVILY_API_KEY,
    crate::research::config::ENV_SERPAPI_API_KEY,
    crate::research::config::ENV_BING_API_KEY,
    crate::research::config::ENV_BRAVE_API_KEY,
];

/// `[forecast]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ForecastConfig {
    /// Show the market price to the models. Off by default: models shown the price mostly copy
    /// it; the independent forecast is combined with the price afterwards instead.
    pub show_market_price: bool,
    pub providers: Vec<ProviderConfig>,
    pub ensemble: EnsembleConfig,
    pub calibration: CalibrationConfig,
    pub research: ResearchConfig,
}

/// The wire protocol a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// `POST {base_url}/v1/chat/completions`.
    Openai,
    /// `POST {base_url}/v1/messages`.
    Anthropic,
    /// `POST {base_url}/v1beta/models/{model}:generateContent`.
    Gemini,
    /// OpenAI chat completions at any base URL (Ollama, vLLM, llama.cpp); the key is optional.
    OpenaiCompatible,
}

impl ProviderKind {
    /// The base URL used when `base_url` is empty.
    #[must_use]
    pub fn default_base_url(self) -> &'static str {
        match self {
            ProviderKind::Openai => "https://api.openai.com",
            ProviderKind::Anthropic => "https://api.anthropic.com",
            ProviderKind::Gemini => "https://generativelanguage.googleapis.com",
            ProviderKind::OpenaiCompatible => "http://127.0.0.1:11434",
        }
    }

    /// The key variable used when `api_key_env` is empty (`None`: no key needed).
    #[must_use]
    pub fn default_key_env(self) -> Option<&'static str> {
        match self {
            ProviderKind::Openai => Some(ENV_OPENAI_API_KEY),
            ProviderKind::Anthropic => Some(ENV_ANTHROPIC_API_KEY),
            ProviderKind::Gemini => Some(ENV_GEMINI_API_KEY),
            ProviderKind::OpenaiCompatible => None,
        }
    }
}

/// One `[[forecast.providers]]` entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProviderConfig {
    pub name: String,
    pub kind: ProviderKind,
    pub enabled: bool,
    pub model: String,
    /// Empty: [`ProviderKind::default_base_url`].
    pub base_url: String,
    /// Environment variable holding the key. Empty: [`ProviderKind::default_key_env`].
    pub api_key_env: String,
    /// Bound of one whole call (ms): every attempt and every wait between them. A retry is
    /// only made while time remains, so retries never stretch the ensemble's wait.
    pub timeout_ms: u64,
    /// Further attempts after a transient failure (429, 500, 502, 503, 504, 529, no response).
    pub max_retries: u32,
    /// Wait before the first retry (ms), doubled for each further one (with jitter, at most
    /// 8 s); a server's `Retry-After` replaces it.
    pub retry_backoff_ms: u64,
    pub max_tokens: u32,
    pub temperature: f64,
    /// USD per 1M prompt tokens (exact).
    pub input_usd_per_mtok: Decimal,
    /// USD per 1M completion tokens (exact).
    pub output_usd_per_mtok: Decimal,
    /// Prior weight for `weighted` aggregation (and the adaptive weights' prior).
    pub weight: f64,
    /// Not an ensemble member: queried only as `ensemble.fallback`.
    pub fallback_only: bool,
    /// Filled by [`ForecastConfig::apply_secret_env`]; never serialized.
    #[serde(skip)]
    pub api_key: Option<SecretString>,
}

/// By hand: a key is compared by its value (configurations are compared in tests; the key is
/// never printed either way).
impl PartialEq for ProviderConfig {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.kind == other.kind
            && self.enabled == other.enabled
            && self.model == other.model
            && self.base_url == other.base_url
            && self.api_key_env == other.api_key_env
            && self.timeout_ms == other.timeout_ms
            && self.max_retries == other.max_retries
            && self.retry_backoff_ms == other.retry_backoff_ms
            && self.max_tokens == other.max_tokens
            && self.temperature == other.temperature
            && self.input_usd_per_mtok == other.input_usd_per_mtok
            && self.output_usd_per_mtok == other.output_usd_per_mtok
            && self.weight == other.weight
            && self.fallback_only == other.fallback_only
            && same_key(&self.api_key, &other.api_key)
    }
}

impl Default for ProviderConfig {
    fn default() -> Self {
        ProviderConfig {
            name: String::new(),
            kind: ProviderKind::Openai,
            enabled: true,
            model: String::new(),
            base_url: String::new(),
            api_key_env: String::new(),
            timeout_ms: 60_000,
            max_retries: 2,
            retry_backoff_ms: 500,
            max_tokens: 1024,
            temperature: 0.2,
            input_usd_per_mtok: Decimal::ZERO,
            output_usd_per_mtok: Decimal::ZERO,
            weight: 1.0,
            fallback_only: false,
            api_key: None,
        }
    }
}

impl ProviderConfig {
    /// `base_url` or the kind's default, without a trailing `/`.
    #[must_use]
    pub fn effective_base_url(&self) -> String {
        base_url_or(&self.base_url, self.kind.default_base_url())
    }

    /// `api_key_env` or the kind's default variable.
    #[must_use]
    pub fn effective_key_env(&self) -> Option<String> {
        if self.api_key_env.trim().is_empty() {
            self.kind.default_key_env().map(str::to_owned)
        } else {
            Some(self.api_key_env.trim().to_owned())
        }
    }

    /// Whether the provider can be called: enabled, and keyed if its kind needs a key.
    #[must_use]
    pub fn is_usable(&self) -> bool {
        self.enabled && (self.api_key.is_some() || self.kind == ProviderKind::OpenaiCompatible)
    }
}

impl ForecastConfig {
    /// Fills each provider's `api_key` from `get(effective_key_env)` when set and non-empty.
    pub fn apply_secret_env(&mut self, get: impl Fn(&str) -> Option<String>) {
        for p in &mut self.providers {
            let Some(env) = p.effective_key_env() else {
                continue;
            };
            if let Some(v) = get(&env).filter(|v| !v.trim().is_empty()) {
                p.api_key = Some(SecretString::from(v.trim().to_owned()));
            }
        }
        self.research.apply_secret_env(&get);
    }

    /// True when at least one provider can be called; otherwise the offline forecaster runs.
    #[must_use]
    pub fn has_usable_provider(&self) -> bool {
        self.providers.iter().any(ProviderConfig::is_usable)
    }

    /// Every problem, each naming its key (`providers[1].timeout_ms`, `ensemble.fallback`, ...).
    #[must_use]
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut names = BTreeSet::new();
        for (i, p) in self.providers.iter().enumerate() {
            validate_provider(p, &format!("providers[{i}]"), &mut errors);
            if p.fallback_only && p.name != self.ensemble.fallback {
                errors.push(FieldError::new(
                    format!("providers[{i}].fallback_only"),
                    "true",
                    "only the provider named by ensemble.fallback may be fallback_only",
                ));
            }
            if !names.insert(p.name.as_str()) {
                errors.push(FieldError::new(
                    format!("providers[{i}].name"),
                    &p.name,
                    "duplicate provider name",
                ));
            }
        }
        self.ensemble.validate(&names, &mut errors);
        self.calibration.validate(&mut errors);
        errors.extend(self.research.validate());
        let extractor = self.research.extraction_provider.trim();
        if !extractor.is_empty() && !names.contains(extractor) {
            errors.push(FieldError::new(
                "research.extraction_provider",
                extractor,
                "must name one of [[forecast.providers]] (empty: the first usable one)",
            ));
        }
        errors
    }
}

fn validate_provider(p: &ProviderConfig, at: &str, errors: &mut Vec<FieldError>) {
    let mut push = |key: &str, value: String, reason: &str| {
        errors.push(FieldError::new(format!("{at}.{key}"), value, reason));
    };
    if p.name.trim().is_empty() {
        push("name", format!("{:?}", p.name), "required, unique");
    }
    if p.model.trim().is_empty() {
        push("model", format!("{:?}", p.model), "required");
    } else if p
        .model
        .chars()
        .any(|c| c.is_whitespace() || "/?#%:".contains(c))
    {
        // Gemini puts the model in the URL path; no provider's model id needs these.
        push(
            "model",
            format!("{:?}", p.model),
            "must not contain spaces, /, ?, #, % or :",
        );
    }
    let url = p.effective_base_url();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        push("base_url", url, "must start with http:// or https://");
    }
    validate_call_bounds(p, &mut push);
    if let Some(env) = p.effective_key_env()
        && !is_env_name(&env)
    {
        // The value is not echoed: it may be a key pasted in the wrong place.
        push(
            "api_key_env",
            "(not shown)".to_owned(),
            "must be the NAME of an environment variable (letters, digits, _); keys are never \
             put in the file",
        );
    }
    if p.max_tokens == 0 {
        push("max_tokens", "0".into(), "must be positive");
    }
    if !(0.0..=2.0).contains(&p.temperature) {
        push(
            "temperature",
            p.temperature.to_string(),
            "must be in [0, 2]",
        );
    }
    if !(p.weight.is_finite() && p.weight >= 0.0) {
        push("weight", p.weight.to_string(), "must be finite and ≥ 0");
    }
    for (key, price) in [
        ("input_usd_per_mtok", p.input_usd_per_mtok),
        ("output_usd_per_mtok", p.output_usd_per_mtok),
    ] {
        if price.is_sign_negative() && !price.is_zero() {
            push(key, price.to_string(), "must be ≥ 0");
        }
    }
}

/// The timeout and the retries of one call.
fn validate_call_bounds(p: &ProviderConfig, push: &mut impl FnMut(&str, String, &str)) {
    if p.timeout_ms == 0 || p.timeout_ms > 600_000 {
        push("timeout_ms", p.timeout_ms.to_string(), "must be 1..=600000");
    }
    if p.max_retries > 10 {
        push("max_retries", p.max_retries.to_string(), "must be 0..=10");
    }
    // 0 would retry a rate-limited provider in a tight loop.
    if p.retry_backoff_ms == 0 || p.retry_backoff_ms > 60_000 {
        push(
            "retry_backoff_ms",
            p.retry_backoff_ms.to_string(),
            "must be 1..=60000",
        );
    }
}

/// `configured` (trimmed), or `default` when it is empty; without a trailing `/`.
pub(crate) fn base_url_or(configured: &str, default: &str) -> String {
    let url = match configured.trim() {
        "" => default,
        url => url,
    };
    url.trim_end_matches('/').to_owned()
}

/// Whether two optional keys hold the same value: configurations are compared in tests, and a
/// key is compared by value without ever being printed.
pub(crate) fn same_key(a: &Option<SecretString>, b: &Option<SecretString>) -> bool {
    use secrecy::ExposeSecret as _;
    match (a, b) {
        (Some(a), Some(b)) => a.expose_secret() == b.expose_secret(),
        (None, None) => true,
        _ => false,
    }
}

/// Whether `name` can name an environment variable (and is not a key pasted in its place).
pub(crate) fn is_env_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `true` when `x` is a finite number in `[lo, hi]`.
pub(crate) fn in_range(x: f64, lo: f64, hi: f64) -> bool {
    x.is_finite() && x >= lo && x <= hi
}
