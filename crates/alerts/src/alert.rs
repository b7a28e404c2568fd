//! [`Alert`]: one message for the operator, with its [`AlertKind`] and [`Severity`].
//!
//! Alerts are plain data: the engine builds them from events (whose time it stamps), the
//! dispatcher routes them, and each channel renders them with [`crate::format`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What happened. Channels filter on it (`min_severity_by_kind`, `exclude_kinds`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// An order was filled (paper or live).
    Trade,
    /// The kill switch stopped trading.
    Kill,
    /// Drawdown crossed a heat level; sizes are being cut.
    DrawdownWarning,
    /// A risk limit was hit (an intent rejected, an exposure cap reached).
    RiskBreach,
    /// A component failed (connector down, store error, reconciliation mismatch).
    Error,
    /// The end-of-day portfolio report.
    DailySummary,
    /// Anything else worth telling: start-up, shutdown, recovery.
    Info,
}

impl AlertKind {
    pub const ALL: [AlertKind; 7] = [
        AlertKind::Trade,
        AlertKind::Kill,
        AlertKind::DrawdownWarning,
        AlertKind::RiskBreach,
        AlertKind::Error,
        AlertKind::DailySummary,
        AlertKind::Info,
    ];

    /// The configuration spelling (`drawdown_warning`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Trade => "trade",
            AlertKind::Kill => "kill",
            AlertKind::DrawdownWarning => "drawdown_warning",
            AlertKind::RiskBreach => "risk_breach",
            AlertKind::Error => "error",
            AlertKind::DailySummary => "daily_summary",
            AlertKind::Info => "info",
        }
    }

    /// A human label (`Kill switch`).
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            AlertKind::Trade => "Trade",
            AlertKind::Kill => "Kill switch",
            AlertKind::DrawdownWarning => "Drawdown warning",
            AlertKind::RiskBreach => "Risk breach",
            AlertKind::Error => "Error",
            AlertKind::DailySummary => "Daily summary",
            AlertKind::Info => "Info",
        }
    }

    /// The severity an alert of this kind gets unless its sender says otherwise.
    #[must_use]
    pub fn default_severity(self) -> Severity {
        match self {
            AlertKind::Trade | AlertKind::DailySummary | AlertKind::Info => Severity::Info,
            AlertKind::DrawdownWarning | AlertKind::RiskBreach => Severity::Warning,
            AlertKind::Error => Severity::Error,
            AlertKind::Kill => Severity::Critical,
        }
    }
}

impl fmt::Display for AlertKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How urgent an alert is, in increasing order.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    #[default]
    Info,
    #[serde(alias = "warn")]
    Warning,
    Error,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Info,
        Severity::Warning,
        Severity::Error,
        Severity::Critical,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
            Severity::Critical => "critical",
        }
    }

    /// Upper-case tag for plain text (`[CRITICAL]`).
    #[must_use]
    pub fn tag(self) -> &'static str {
        match self {
            Severity::Info => "INFO",
            Severity::Warning => "WARNING",
            Severity::Error => "ERROR",
            Severity::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown severity name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity `{0}`; expected info, warning, error or critical")]
pub struct ParseSeverityError(pub String);

impl FromStr for Severity {
    type Err = ParseSeverityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "warning" | "warn" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            "critical" => Ok(Severity::Critical),
            _ => Err(ParseSeverityError(s.to_owned())),
        }
    }
}

/// One alert. Build with [`Alert::new`] (explicit time, as the kernel does: it never reads the
/// clock) or [`Alert::now`], then add a body and key/value fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub kind: AlertKind,
    pub severity: Severity,
    /// One line; also the key for de-duplication.
    pub title: String,
    /// Free text, may span lines; may be empty.
    pub body: String,
    /// Ordered key/value details (market, price, size, drawdown, ...).
    pub fields: Vec<(String, String)>,
    /// Unix epoch milliseconds (UTC) of the event the alert is about.
    pub timestamp_ms: i64,
}

impl Alert {
    /// An alert with the kind's default severity, no body and no fields.
    #[must_use]
    pub fn new(kind: AlertKind, title: impl Into<String>, timestamp_ms: i64) -> Self {
        Alert {
            kind,
            severity: kind.default_severity(),
            title: title.into(),
            body: String::new(),
            fields: Vec::new(),
            timestamp_ms,
        }
    }

    /// [`Alert::new`] stamped with the system clock, for callers outside the kernel.
    #[must_use]
    pub fn now(kind: AlertKind, title: impl Into<String>) -> Self {
        Alert::new(kind, title, chrono::Utc::now().timestamp_millis())
    }

    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    #[must_use]
    pub fn with_body(mut self, body: impl Into<String>) -> Self {
        self.body = body.into();
        self
    }

    #[must_use]
    pub fn with_field(mut self, key: impl Into<String>, value: impl fmt::Display) -> Self {
        self.fields.push((key.into(), value.to_string()));
        self
    }
}
