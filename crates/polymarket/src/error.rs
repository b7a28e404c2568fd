//! Typed connector errors. Each carries the operation it came from, so a log line says which
//! call failed and why without a backtrace.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ConnectorError {
    #[error("{op}: no answer within {timeout_ms} ms (after {attempts} attempts)")]
    Timeout {
        op: &'static str,
        timeout_ms: u64,
        attempts: u32,
    },
    #[error("{op}: HTTP {status}: {body}")]
    Status {
        op: &'static str,
        status: u16,
        body: String,
    },
    #[error("{op}: could not reach the server: {message}")]
    Network { op: &'static str, message: String },
    #[error("{op}: unexpected response: {message}")]
    Decode { op: &'static str, message: String },
    #[error("{op}: {message}")]
    Sdk { op: &'static str, message: String },
    #[error("{what} {id}: {reason}")]
    Invalid {
        what: &'static str,
        id: String,
        reason: String,
    },
    #[error("{op}: not found")]
    NotFound { op: &'static str },
}

impl ConnectorError {
    /// The HTTP status behind this error, if the server answered.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            ConnectorError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

pub type Result<T> = core::result::Result<T, ConnectorError>;
