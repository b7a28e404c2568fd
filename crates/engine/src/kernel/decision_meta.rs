//! What the decision log says about a [`Decision`] besides the decision itself: the pipeline
//! [`Stage`] it belongs to, the market it concerns and its stable reason codes.
//!
//! Every mapping below is a `match` without a wildcard arm, so a new `Decision` variant does not
//! compile until it is given its stage, market, codes, kind and order.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::Decision;
use crate::ledger::FillStatus;
use crate::orders::ClientOrderId;
use crate::sim::CloseReason;

/// The stage of the trading pipeline a decision was made in (the shared design's rule 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Stage {
    Scan,
    Research,
    Forecast,
    Edge,
    Risk,
    Size,
    Execute,
    Monitor,
    Exit,
}

impl Stage {
    /// Every stage, in pipeline order.
    pub const ALL: [Stage; 9] = [
        Stage::Scan,
        Stage::Research,
        Stage::Forecast,
        Stage::Edge,
        Stage::Risk,
        Stage::Size,
        Stage::Execute,
        Stage::Monitor,
        Stage::Exit,
    ];

    /// The stored and printed form: `SCAN`, `RESEARCH`, ….
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Stage::Scan => "SCAN",
            Stage::Research => "RESEARCH",
            Stage::Forecast => "FORECAST",
            Stage::Edge => "EDGE",
            Stage::Risk => "RISK",
            Stage::Size => "SIZE",
            Stage::Execute => "EXECUTE",
            Stage::Monitor => "MONITOR",
            Stage::Exit => "EXIT",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stage name that is not one of [`Stage::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown stage `{0}`: expected one of SCAN, RESEARCH, FORECAST, EDGE, RISK, SIZE, EXECUTE, MONITOR, EXIT"
)]
pub struct UnknownStage(pub String);

impl FromStr for Stage {
    type Err = UnknownStage;

    /// Case-insensitive: `risk`, `Risk` and `RISK` are all [`Stage::Risk`].
    fn from_str(s: &str) -> Result<Stage, UnknownStage> {
        Stage::ALL
            .into_iter()
            .find(|stage| stage.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownStage(s.to_owned()))
    }
}

/// Where a strategy let a signal go: a forecast judged unusable at FORECAST, one without the
/// edge at EDGE, and a signal filtered before any of that (copy trading's `stale_signal`,
/// `price_moved`, ...) at SCAN.
fn skip_stage(code: &str) -> Stage {
    match code {
        "stale_forecast" | "offline_forecast" => Stage::Forecast,
        "edge_below_min" | "no_book" => Stage::Edge,
        _ => Stage::Scan,
    }
}

impl Decision {
    /// The pipeline stage this decision belongs to.
    #[must_use]
    pub fn stage(&self) -> Stage {
        match self {
            Decision::Placed { .. }
            | Decision::CancelSent { .. }
            | Decision::Rejected { .. }
            | Decision::CancelRefused { .. }
            | Decision::OperatorRefused { .. }
            | Decision::AlgoStarted { .. }
            | Decision::AlgoDone { .. } => Stage::Execute,
            Decision::Refused { .. }
            | Decision::RiskRejected { .. }
            | Decision::RiskState { .. } => Stage::Risk,
            Decision::Sized { .. } => Stage::Size,
            Decision::Skipped { code, .. } => skip_stage(code),
            Decision::Forecast { .. } => Stage::Forecast,
            Decision::ExitSignal { .. } => Stage::Exit,
            Decision::Filled { .. }
            | Decision::Closed { .. }
            | Decision::TradeStatus { .. }
            | Decision::Anomaly { .. }
            | Decision::Redeemed { .. } => Stage::Monitor,
        }
    }

    /// The market the decision names directly: a token id (decimal) or, for market-wide
    /// decisions, a condition id (`0x…`). `None` for decisions that name only an order or a trade
    /// (see [`Decision::order_id`]; the store resolves those to their token) or no market at all.
    #[must_use]
    pub fn market(&self) -> Option<String> {
        match self {
            Decision::Placed { order, .. } => Some(order.token_id.to_string()),
            Decision::Refused { token, .. }
            | Decision::AlgoStarted { token, .. }
            | Decision::Sized { token, .. }
            | Decision::RiskRejected { token, .. }
            | Decision::ExitSignal { token, .. }
            | Decision::Skipped { token, .. } => Some(token.to_string()),
            Decision::Redeemed { condition } | Decision::Forecast { condition, .. } => {
                Some(condition.to_string())
            }
            Decision::CancelSent { .. }
            | Decision::Filled { .. }
            | Decision::Closed { .. }
            | Decision::Rejected { .. }
            | Decision::TradeStatus { .. }
            | Decision::CancelRefused { .. }
            | Decision::OperatorRefused { .. }
            | Decision::AlgoDone { .. }
            | Decision::Anomaly { .. }
            | Decision::RiskState { .. } => None,
        }
    }

    /// The order (or algo) the decision is about, when it is about one: how the log finds the
    /// market of a fill, a close or a cancel, which name only the order.
    #[must_use]
    pub fn order_id(&self) -> Option<ClientOrderId> {
        match self {
            Decision::Placed { order, .. } => Some(order.client_id),
            Decision::CancelSent { client_id }
            | Decision::Filled { client_id, .. }
            | Decision::Closed { client_id, .. }
            | Decision::Rejected { client_id, .. }
            | Decision::CancelRefused { client_id, .. } => Some(*client_id),
            Decision::AlgoStarted { id, .. } | Decision::AlgoDone { id, .. } => Some(*id),
            Decision::Refused { .. }
            | Decision::TradeStatus { .. }
            | Decision::OperatorRefused { .. }
            | Decision::Redeemed { .. }
            | Decision::Anomaly { .. }
            | Decision::Sized { .. }
            | Decision::RiskRejected { .. }
            | Decision::ExitSignal { .. }
            | Decision::Skipped { .. }
            | Decision::RiskState { .. }
            | Decision::Forecast { .. } => None,
        }
    }

    /// The stable reason codes behind the decision (`insufficient_cash`, `take_profit`,
    /// `completed`, …). Free text (a venue's error message, an anomaly's detail) is not a code:
    /// it stays in the decision's data and the decision gets its class's code instead.
    #[must_use]
    pub fn reason_codes(&self) -> Vec<&str> {
        match self {
            Decision::Placed { reason, .. } => vec![code_or(reason, "placed")],
            Decision::Refused { code, .. }
            | Decision::CancelRefused { code, .. }
            | Decision::OperatorRefused { code, .. }
            | Decision::AlgoDone { code, .. } => vec![code_or(code, "refused")],
            Decision::CancelSent { .. } => vec!["cancel_requested"],
            Decision::Filled { .. } => vec!["fill"],
            Decision::Closed { reason, .. } => vec![close_code(*reason)],
            Decision::Rejected { reason, .. } => {
                if is_code(reason) {
                    vec!["venue_rejected", reason]
                } else {
                    vec!["venue_rejected"]
                }
            }
            Decision::TradeStatus { status, .. } => vec![trade_code(*status)],
            Decision::AlgoStarted { kind, .. } => vec![code_or(kind, "algo")],
            Decision::Redeemed { .. } => vec!["redeemed"],
            Decision::Anomaly { .. } => vec!["anomaly"],
            Decision::Sized { bound_by, .. } => vec![code_or(bound_by, "sized")],
            Decision::RiskRejected { codes, .. } => codes.iter().map(String::as_str).collect(),
            Decision::ExitSignal { reason, .. } => vec![code_or(reason, "exit")],
            Decision::Skipped { code, .. } => vec![code_or(code, "skipped")],
            Decision::RiskState { event, .. } => vec![code_or(event, "risk_state")],
            Decision::Forecast { source, .. } => vec!["forecast", code_or(source, "unknown")],
        }
    }

    /// The variant's name in snake case (`placed`, `cancel_sent`, …): the store's `kind` column.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Decision::Placed { .. } => "placed",
            Decision::Refused { .. } => "refused",
            Decision::CancelSent { .. } => "cancel_sent",
            Decision::Filled { .. } => "filled",
            Decision::Closed { .. } => "closed",
            Decision::Rejected { .. } => "rejected",
            Decision::TradeStatus { .. } => "trade_status",
            Decision::Anomaly { .. } => "anomaly",
            Decision::CancelRefused { .. } => "cancel_refused",
            Decision::OperatorRefused { .. } => "operator_refused",
            Decision::AlgoStarted { .. } => "algo_started",
            Decision::AlgoDone { .. } => "algo_done",
            Decision::Redeemed { .. } => "redeemed",
            Decision::Sized { .. } => "sized",
            Decision::RiskRejected { .. } => "risk_rejected",
            Decision::ExitSignal { .. } => "exit_signal",
            Decision::Skipped { .. } => "skipped",
            Decision::RiskState { .. } => "risk_state",
            Decision::Forecast { .. } => "forecast",
        }
    }
}

/// A reason code: non-empty lowercase ASCII letters, digits and underscores.
fn is_code(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn code_or<'a>(text: &'a str, fallback: &'static str) -> &'a str {
    if is_code(text) { text } else { fallback }
}

fn close_code(reason: CloseReason) -> &'static str {
    match reason {
        CloseReason::Filled => "filled",
        CloseReason::Cancelled => "cancelled",
        CloseReason::Killed => "killed",
        CloseReason::Expired => "expired",
    }
}

fn trade_code(status: FillStatus) -> &'static str {
    match status {
        FillStatus::Matched => "trade_matched",
        FillStatus::Mined => "trade_mined",
        FillStatus::Confirmed => "trade_confirmed",
        FillStatus::Failed => "trade_failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_parse_and_print() {
        for stage in Stage::ALL {
            assert_eq!(stage.as_str().parse::<Stage>(), Ok(stage));
            assert_eq!(
                stage.as_str().to_lowercase().parse::<Stage>(),
                Ok(stage),
                "case-insensitive"
            );
            assert_eq!(
                serde_json::to_string(&stage).unwrap(),
                format!("\"{stage}\"")
            );
        }
        assert!("PLACE".parse::<Stage>().is_err());
    }

    #[test]
    fn free_text_is_not_a_code() {
        let d = Decision::Rejected {
            client_id: ClientOrderId(1),
            reason: "not enough balance".into(),
        };
        assert_eq!(d.reason_codes(), ["venue_rejected"]);
        let d = Decision::Rejected {
            client_id: ClientOrderId(1),
            reason: "post_only_would_cross".into(),
        };
        assert_eq!(
            d.reason_codes(),
            ["venue_rejected", "post_only_would_cross"]
        );
        assert_eq!(d.stage(), Stage::Execute);
        assert_eq!(d.market(), None);
        assert_eq!(d.order_id(), Some(ClientOrderId(1)));
    }
}
