//! Errors of wallet tracking. A bad record names the field that made it bad, so a log line is
//! enough to find the offending payload; nothing here panics on venue data.

use polybot_polymarket::ConnectorError;
use thiserror::Error;

/// A trade or position record that cannot become a model value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{source_kind} record {locator}: field `{field}`: {reason}")]
pub struct ParseError {
    /// Which payload kind it came from: `trade`, `activity`, `rtds`, `position`, `leaderboard`.
    pub source_kind: &'static str,
    /// The venue's name of the field (camelCase, as on the wire).
    pub field: &'static str,
    pub reason: String,
    /// What identifies the record (its transaction hash when known), for the log.
    pub locator: String,
}

impl ParseError {
    pub(crate) fn new(
        source_kind: &'static str,
        field: &'static str,
        reason: impl Into<String>,
    ) -> Self {
        ParseError {
            source_kind,
            field,
            reason: reason.into(),
            locator: String::from("?"),
        }
    }

    #[must_use]
    pub(crate) fn at(mut self, locator: impl Into<String>) -> Self {
        self.locator = locator.into();
        self
    }
}

/// Errors of the fetch operations (discovery, positions, a poll).
#[derive(Debug, Error)]
pub enum WalletsError {
    /// The request failed or its body did not match the SDK's types (after retries).
    #[error(transparent)]
    Connector(#[from] ConnectorError),
    /// The body parsed, but a record is not valid.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// The `[wallets]` section is invalid (each problem names its key).
    #[error("invalid [wallets] configuration: {0}")]
    Config(String),
    /// A request parameter the SDK rejects before sending (limits out of range).
    #[error("invalid request parameter {param}: {reason}")]
    Request { param: &'static str, reason: String },
}
