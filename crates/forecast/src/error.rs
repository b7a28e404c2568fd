//! Errors. Every variant names the provider (or config key) it concerns; none ever carries an
//! API key, and response bodies are cut to a short, single-line snippet.

use thiserror::Error;

/// A failure of one provider call or one forecaster.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ForecastError {
    /// The call, retries included, did not complete within the provider's `timeout_ms`.
    #[error("provider {provider}: timed out after {timeout_ms} ms{}", attempts_note(*.attempts))]
    Timeout {
        provider: String,
        timeout_ms: u64,
        /// HTTP attempts made, the one cut short included.
        attempts: u32,
    },
    /// Connection or transport failure (of the last attempt, when retried).
    #[error("provider {provider}: transport error{}: {reason}", attempts_note(*.attempts))]
    Transport {
        provider: String,
        reason: String,
        /// HTTP attempts made; 0 when the request was never sent (client setup, a bad key).
        attempts: u32,
    },
    /// The server answered with a non-success HTTP status (the last attempt's, when retried).
    #[error("provider {provider}: HTTP {status}{}: {body}", attempts_note(*.attempts))]
    Status {
        provider: String,
        status: u16,
        body: String,
        /// HTTP attempts made.
        attempts: u32,
    },
    /// The response body is not the provider's wire format.
    #[error("provider {provider}: unexpected response: {reason}")]
    Protocol { provider: String, reason: String },
    /// The model's answer failed validation twice (first answer and the corrective retry).
    #[error("provider {provider}: answer rejected after retry: {reason}")]
    Rejected { provider: String, reason: String },
    /// No API key: neither the provider's `api_key_env` nor the default variable is set.
    #[error("provider {provider}: no API key (set {env})")]
    MissingKey { provider: String, env: String },
    /// Too few ensemble members succeeded and the fallback (if any) failed too.
    #[error("ensemble: {succeeded} of {required} required models succeeded; failures: {failures}")]
    TooFewModels {
        succeeded: usize,
        required: usize,
        failures: String,
    },
}

impl ForecastError {
    /// The provider the error concerns (`"ensemble"` for ensemble-level errors).
    #[must_use]
    pub fn provider(&self) -> &str {
        match self {
            ForecastError::Timeout { provider, .. }
            | ForecastError::Transport { provider, .. }
            | ForecastError::Status { provider, .. }
            | ForecastError::Protocol { provider, .. }
            | ForecastError::Rejected { provider, .. }
            | ForecastError::MissingKey { provider, .. } => provider,
            ForecastError::TooFewModels { .. } => "ensemble",
        }
    }
}

/// `" (3 attempts)"`, so an error says whether retrying was tried; empty for 0 (never sent).
fn attempts_note(attempts: u32) -> String {
    match attempts {
        0 => String::new(),
        1 => " (1 attempt)".to_owned(),
        n => format!(" ({n} attempts)"),
    }
}

/// At most `max` characters of `text` on one line, for error messages.
#[must_use]
pub(crate) fn snippet(text: &str, max: usize) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() <= max {
        one_line
    } else {
        let cut: String = one_line.chars().take(max).collect();
        format!("{cut}…")
    }
}
