//! What the kernel decided: the decision log's entries and the replay fingerprint over them.

use polybot_model::{ConditionId, Price, Probability, Side, Size, TokenId, Usdc};
use polybot_risk::Confidence;
use serde::{Deserialize, Serialize};

use crate::event::ForecastSignal;
use crate::fingerprint::Fingerprint;
use crate::ledger::{AccountId, FillStatus};
use crate::orders::{ClientOrderId, OrderRequest, Quantity};
use crate::sim::CloseReason;

/// What the kernel decided, for the decision log and the replay fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    Placed {
        order: OrderRequest,
        reason: String,
    },
    Refused {
        account: AccountId,
        token: TokenId,
        code: String,
    },
    CancelSent {
        client_id: ClientOrderId,
    },
    Filled {
        client_id: ClientOrderId,
        trade_id: String,
        side: Side,
        price: Price,
        size: Size,
        fee: Usdc,
    },
    Closed {
        client_id: ClientOrderId,
        reason: CloseReason,
    },
    Rejected {
        client_id: ClientOrderId,
        reason: String,
    },
    TradeStatus {
        trade_id: String,
        status: FillStatus,
    },
    /// A cancel for an order or algo this account does not have open.
    CancelRefused {
        client_id: ClientOrderId,
        code: String,
    },
    /// An operator command that cannot become an intent.
    OperatorRefused {
        account: AccountId,
        code: String,
    },
    AlgoStarted {
        id: ClientOrderId,
        account: AccountId,
        token: TokenId,
        side: Side,
        price: Price,
        kind: String,
    },
    /// An algo finished: `completed`, `cancelled`, `slices_refused` (a TWAP that placed no
    /// slice), `child_refused`, `child_expired`, ...
    AlgoDone {
        id: ClientOrderId,
        code: String,
    },
    Redeemed {
        condition: ConditionId,
    },
    /// A report the order state machine or the ledger could not accept.
    Anomaly {
        detail: String,
    },
    /// The risk engine sized a buy (approved or not): the numbers behind it.
    Sized {
        account: AccountId,
        token: TokenId,
        shares: Size,
        notional: Usdc,
        /// Net edge after the fee and costs, in basis points.
        net_edge_bp: i64,
        /// The fraction of the bankroll staked after every multiplier, in basis points.
        kelly_bp: i64,
        /// What bound the size: Kelly, the strategy's request, or a cap.
        bound_by: String,
    },
    /// The risk engine rejected an entry or exit: every failing check's code.
    RiskRejected {
        account: AccountId,
        token: TokenId,
        side: Side,
        codes: Vec<String>,
        detail: String,
        reason: String,
    },
    /// An exit rule fired for a position (`take_profit`, `stop_loss`, `max_holding`, ...).
    ExitSignal {
        account: AccountId,
        token: TokenId,
        reason: String,
    },
    /// A strategy let a signal go (`price_moved`, `stale_signal`, `low_trader_score`, ...).
    Skipped {
        account: AccountId,
        token: TokenId,
        code: String,
        detail: String,
    },
    /// The risk state changed: halted, resumed, drawdown kill, breaker, trader cutoff.
    RiskState {
        event: String,
        detail: String,
    },
    /// A forecast arrived, traded or not: what was believed, against what market, and how
    /// firmly, so every later entry, skip or exit on it can be read against it.
    Forecast {
        condition: ConditionId,
        market_id: String,
        question: String,
        /// `llm` or `offline`.
        source: String,
        probability_yes: Probability,
        raw_probability_yes: Probability,
        market_probability_yes: Option<Probability>,
        confidence: Confidence,
        evidence_quality: Option<Probability>,
        forecast_id: Option<i64>,
    },
}

impl Decision {
    /// The log entry of a forecast event.
    pub(crate) fn forecast(signal: &ForecastSignal) -> Decision {
        Decision::Forecast {
            condition: signal.condition,
            market_id: signal.market_id.clone(),
            question: signal.question.clone(),
            source: signal.source.clone(),
            probability_yes: signal.probability_yes,
            raw_probability_yes: signal.raw_probability_yes,
            market_probability_yes: signal.market_probability_yes,
            confidence: signal.confidence,
            evidence_quality: signal.evidence_quality,
            forecast_id: signal.forecast_id,
        }
    }
}

pub(super) fn record(fp: &mut Fingerprint, decision: &Decision) {
    match decision {
        Decision::Placed { order, .. } => fp.record(&[
            b"P",
            &order.client_id.0.to_le_bytes(),
            &order.token_id.0.to_le_bytes::<32>(),
            &[order.side as u8],
            &order.price.micros().to_le_bytes(),
            &match order.quantity {
                Quantity::Shares(s) => s.micros().to_le_bytes(),
                Quantity::Usdc(u) => u.micros().to_le_bytes(),
            },
        ]),
        Decision::Refused { token, code, .. } => {
            fp.record(&[b"R", &token.0.to_le_bytes::<32>(), code.as_bytes()])
        }
        Decision::CancelSent { client_id } => fp.record(&[b"C", &client_id.0.to_le_bytes()]),
        Decision::Filled {
            client_id,
            trade_id,
            price,
            size,
            fee,
            ..
        } => {
            fp.record(&[
                b"F",
                &client_id.0.to_le_bytes(),
                trade_id.as_bytes(),
                &price.micros().to_le_bytes(),
                &size.micros().to_le_bytes(),
                &fee.micros().to_le_bytes(),
            ]);
        }
        Decision::Closed { client_id, reason } => {
            fp.record(&[b"X", &client_id.0.to_le_bytes(), &[*reason as u8]])
        }
        Decision::Rejected { client_id, reason } => {
            fp.record(&[b"J", &client_id.0.to_le_bytes(), reason.as_bytes()])
        }
        Decision::TradeStatus { trade_id, status } => {
            fp.record(&[b"T", trade_id.as_bytes(), &[*status as u8]])
        }
        Decision::Anomaly { detail } => fp.record(&[b"A", detail.as_bytes()]),
        Decision::CancelRefused { client_id, code } => {
            fp.record(&[b"c", &client_id.0.to_le_bytes(), code.as_bytes()])
        }
        Decision::OperatorRefused { code, .. } => fp.record(&[b"O", code.as_bytes()]),
        Decision::AlgoStarted {
            id,
            token,
            side,
            price,
            kind,
            ..
        } => fp.record(&[
            b"G",
            &id.0.to_le_bytes(),
            &token.0.to_le_bytes::<32>(),
            &[*side as u8],
            &price.micros().to_le_bytes(),
            kind.as_bytes(),
        ]),
        Decision::AlgoDone { id, code } => fp.record(&[b"g", &id.0.to_le_bytes(), code.as_bytes()]),
        Decision::Redeemed { condition } => fp.record(&[b"D", condition.0.as_slice()]),
        Decision::Sized {
            token,
            shares,
            net_edge_bp,
            kelly_bp,
            bound_by,
            ..
        } => fp.record(&[
            b"S",
            &token.0.to_le_bytes::<32>(),
            &shares.micros().to_le_bytes(),
            &net_edge_bp.to_le_bytes(),
            &kelly_bp.to_le_bytes(),
            bound_by.as_bytes(),
        ]),
        Decision::RiskRejected {
            token, side, codes, ..
        } => {
            fp.record(&[b"K", &token.0.to_le_bytes::<32>(), &[*side as u8]]);
            for code in codes {
                fp.record(&[b"k", code.as_bytes()]);
            }
        }
        Decision::ExitSignal { token, reason, .. } => {
            fp.record(&[b"E", &token.0.to_le_bytes::<32>(), reason.as_bytes()])
        }
        Decision::Skipped { token, code, .. } => {
            fp.record(&[b"s", &token.0.to_le_bytes::<32>(), code.as_bytes()])
        }
        Decision::RiskState { event, detail } => {
            fp.record(&[b"H", event.as_bytes(), detail.as_bytes()])
        }
        Decision::Forecast {
            condition,
            source,
            probability_yes,
            raw_probability_yes,
            confidence,
            ..
        } => fp.record(&[
            b"f",
            condition.0.as_slice(),
            source.as_bytes(),
            &probability_yes.micros().to_le_bytes(),
            &raw_probability_yes.micros().to_le_bytes(),
            &[*confidence as u8],
        ]),
    }
}
