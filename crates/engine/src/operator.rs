//! Operator commands: manual trading (`polybot order place|cancel`) enters the kernel as an
//! [`crate::Event::Operator`], so it is journaled, replayed and held to exactly the same rules and
//! funds checks as a strategy's intents.

use polybot_model::{Price, Side, TokenId};
use serde::{Deserialize, Serialize};

use crate::orders::algos::AlgoSpec;
use crate::orders::{ClientOrderId, Quantity, TimeInForce};
use crate::strategy::Intent;

/// What an operator asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OperatorCommand {
    Place(ManualOrder),
    /// Cancel an order or a running algo (by the id its start decision named).
    Cancel {
        client_id: ClientOrderId,
    },
    /// Cancel the account's open orders and algos, on one token or all.
    CancelAll {
        token: Option<TokenId>,
    },
    /// Halt or resume new entries, cut a copied trader off or restore them.
    Risk(crate::kernel::RiskCommand),
}

/// A manual order: a limit or market order, or the parent of a TWAP or iceberg.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManualOrder {
    pub token: TokenId,
    pub side: Side,
    /// The limit price (for market orders the worst price accepted).
    pub price: Price,
    pub quantity: Quantity,
    pub time_in_force: TimeInForce,
    pub post_only: bool,
    /// Work the order through an algorithm instead of sending it whole.
    pub algo: Option<AlgoSpec>,
}

impl OperatorCommand {
    /// The intent this command is, for the kernel's ordinary execution path. An algo needs a
    /// share quantity (it slices shares); a USDC-sized algo is refused with a reason code.
    pub fn intent(&self) -> Result<Intent, &'static str> {
        Ok(match self {
            OperatorCommand::Place(o) => match (o.algo, o.quantity) {
                (None, quantity) => Intent::Place {
                    token: o.token,
                    side: o.side,
                    price: o.price,
                    quantity,
                    time_in_force: o.time_in_force,
                    post_only: o.post_only,
                    reason: "manual",
                },
                (Some(algo), Quantity::Shares(total)) => Intent::Algo {
                    token: o.token,
                    side: o.side,
                    price: o.price,
                    total,
                    time_in_force: o.time_in_force,
                    post_only: o.post_only,
                    algo,
                    reason: "manual",
                },
                (Some(_), Quantity::Usdc(_)) => return Err("algo_needs_shares"),
            },
            OperatorCommand::Cancel { client_id } => Intent::Cancel {
                client_id: *client_id,
            },
            OperatorCommand::CancelAll { token } => Intent::CancelAll { token: *token },
            OperatorCommand::Risk(_) => return Err("not_an_order"),
        })
    }
}
