//! Which decisions an operator hears about: fills, halts and kills, breaches, anomalies.
//! Pure mapping; the dispatcher (`polybot-alerts`) sends without ever blocking the engine.

use polybot_alerts::{Alert, AlertKind, Severity};
use polybot_engine::Decision;

/// The alert for `decision`, if it deserves one.
#[must_use]
pub fn alert_for(decision: &Decision, ts: i64) -> Option<Alert> {
    Some(match decision {
        Decision::Filled {
            client_id,
            side,
            price,
            size,
            fee,
            ..
        } => Alert::new(AlertKind::Trade, format!("fill {client_id}"), ts)
            .with_field("side", format!("{side:?}"))
            .with_field("size", size)
            .with_field("price", price)
            .with_field("fee", fee),
        Decision::RiskState { event, detail } => {
            let (kind, severity) = match event.as_str() {
                "halted" | "drawdown_kill" => (AlertKind::Kill, Severity::Critical),
                "circuit_breaker" | "trader_cutoff" => (AlertKind::RiskBreach, Severity::Warning),
                _ => (AlertKind::Info, Severity::Info),
            };
            Alert::new(kind, event.replace('_', " "), ts)
                .with_severity(severity)
                .with_body(detail.clone())
        }
        Decision::Rejected { client_id, reason } => {
            Alert::new(AlertKind::Error, format!("order {client_id} rejected"), ts)
                .with_severity(Severity::Warning)
                .with_body(reason.clone())
        }
        Decision::Anomaly { detail } => Alert::new(AlertKind::Error, "anomaly", ts)
            .with_severity(Severity::Error)
            .with_body(detail.clone()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kills_are_critical_breaches_warn_and_quiet_decisions_stay_quiet() {
        let halted = Decision::RiskState {
            event: "halted".to_owned(),
            detail: "maintenance".to_owned(),
        };
        let alert = alert_for(&halted, 1).unwrap();
        assert_eq!(
            (alert.kind, alert.severity),
            (AlertKind::Kill, Severity::Critical)
        );
        let breaker = Decision::RiskState {
            event: "circuit_breaker".to_owned(),
            detail: String::new(),
        };
        assert_eq!(alert_for(&breaker, 1).unwrap().kind, AlertKind::RiskBreach);
        let skipped = Decision::Skipped {
            account: polybot_engine::AccountId::new("copy"),
            token: polybot_model::TokenId(alloy_primitives::U256::from(1)),
            code: "stale_signal".to_owned(),
            detail: String::new(),
        };
        assert!(alert_for(&skipped, 1).is_none());
    }
}
