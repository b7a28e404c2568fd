//! [`ChannelFilter`]: which alerts a channel wants, by severity and kind. Pure.

use std::collections::{BTreeMap, BTreeSet};

use crate::alert::{Alert, AlertKind, Severity};

/// An alert passes when its kind is not excluded and its severity reaches the kind's minimum
/// (`by_kind`), or else the channel's `min_severity`.
///
/// A per-kind minimum may be *lower* than the channel's: an email channel at `warning` can
/// still take the `info` daily summary with `by_kind = { daily_summary = "info" }`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelFilter {
    pub min_severity: Severity,
    pub by_kind: BTreeMap<AlertKind, Severity>,
    pub exclude: BTreeSet<AlertKind>,
}

impl ChannelFilter {
    /// Lets everything through.
    #[must_use]
    pub fn all() -> Self {
        ChannelFilter::default()
    }

    /// Everything at or above `min`.
    #[must_use]
    pub fn at_least(min: Severity) -> Self {
        ChannelFilter {
            min_severity: min,
            ..ChannelFilter::default()
        }
    }

    #[must_use]
    pub fn allows(&self, alert: &Alert) -> bool {
        if self.exclude.contains(&alert.kind) {
            return false;
        }
        let min = self
            .by_kind
            .get(&alert.kind)
            .copied()
            .unwrap_or(self.min_severity);
        alert.severity >= min
    }
}
