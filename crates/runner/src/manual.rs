//! Manual trading: what `polybot order place|cancel` and `polybot paper --script FILE` ask for,
//! checked field by field here and then handed to the engine as operator commands (through the
//! store's command queue, so a running engine picks them up and a crash loses none).

use std::path::Path;

use polybot_engine::AccountId;
use polybot_engine::operator::{ManualOrder, OperatorCommand};
use polybot_engine::orders::algos::AlgoSpec;
use polybot_engine::orders::{ClientOrderId, Quantity, TimeInForce};
use polybot_model::{FieldError, Price, Side, Size, TokenId, Usdc};
use serde::{Deserialize, Serialize};

/// The account manual orders trade for (its own bankroll, separate from every strategy's).
pub const MANUAL_ACCOUNT: &str = "manual";

/// The store's command kind for operator requests.
pub const COMMAND_KIND: &str = "operator";

/// What the engine is asked to do, and from when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorRequest {
    pub account: AccountId,
    pub command: OperatorCommand,
    /// Not before this unix time in milliseconds (a script's later steps).
    pub not_before_ms: i64,
}

/// One order as a person writes it (CLI flags or a script step); every field is text so that a
/// mistake is reported with the field's name and value rather than as a parse failure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrderSpec {
    /// Decimal token id.
    pub token: String,
    /// `buy` or `sell`.
    pub side: String,
    /// Limit price (for market orders the worst price accepted).
    pub price: String,
    /// Shares (limit orders, sells, algos).
    pub size: Option<String>,
    /// USDC to spend (market buys).
    pub usdc: Option<String>,
    /// `limit` (default), `market` (= FOK), `fok` or `fak`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Limit orders: `gtd` (default, expires after `ttl_secs`) or `gtc`.
    pub tif: Option<String>,
    pub ttl_secs: Option<u64>,
    pub post_only: bool,
    /// TWAP: this many slices over `twap_secs`.
    pub twap_slices: Option<u32>,
    pub twap_secs: Option<u64>,
    /// Iceberg: show this many shares at a time.
    pub iceberg_display: Option<String>,
}

fn err(key: &str, value: impl std::fmt::Display, reason: impl Into<String>) -> FieldError {
    FieldError::new(key, value, reason)
}

impl OrderSpec {
    /// The operator command, or every problem found (each naming its field).
    pub fn command(
        &self,
        now_ms: i64,
        default_ttl_secs: u64,
    ) -> Result<OperatorCommand, Vec<FieldError>> {
        let mut errors = Vec::new();
        let token = self
            .token
            .parse::<TokenId>()
            .map_err(|e| errors.push(err("token", &self.token, e.to_string())))
            .ok();
        let side = match self.side.to_ascii_lowercase().as_str() {
            "buy" => Some(Side::Buy),
            "sell" => Some(Side::Sell),
            _ => {
                errors.push(err("side", &self.side, "must be buy or sell"));
                None
            }
        };
        let price = Price::parse(&self.price)
            .map_err(|e| errors.push(err("price", &self.price, e.to_string())))
            .ok();
        let kind = self.kind.as_deref().unwrap_or("limit").to_ascii_lowercase();
        let ttl = self.ttl_secs.unwrap_or(default_ttl_secs);
        let tif = match (
            kind.as_str(),
            self.tif.as_deref().map(str::to_ascii_lowercase),
        ) {
            ("limit", None) => Some(gtd(now_ms, ttl)),
            ("limit", Some(t)) if t == "gtd" => Some(gtd(now_ms, ttl)),
            ("limit", Some(t)) if t == "gtc" => Some(TimeInForce::Gtc),
            ("limit", Some(t)) => {
                errors.push(err("tif", t, "must be gtd or gtc"));
                None
            }
            ("market" | "fok", None) => Some(TimeInForce::Fok),
            ("fak", None) => Some(TimeInForce::Fak),
            ("market" | "fok" | "fak", Some(t)) => {
                errors.push(err("tif", t, "applies to limit orders only"));
                None
            }
            (other, _) => {
                errors.push(err("type", other, "must be limit, market, fok or fak"));
                None
            }
        };
        let quantity = match (&self.size, &self.usdc) {
            (Some(s), None) => Size::parse(s)
                .map(Quantity::Shares)
                .map_err(|e| errors.push(err("size", s, e.to_string())))
                .ok(),
            (None, Some(u)) => Usdc::parse(u)
                .map(Quantity::Usdc)
                .map_err(|e| errors.push(err("usdc", u, e.to_string())))
                .ok(),
            (Some(_), Some(_)) => {
                errors.push(err(
                    "size",
                    "",
                    "give either size (shares) or usdc, not both",
                ));
                None
            }
            (None, None) => {
                errors.push(err("size", "", "is required (or usdc for a market buy)"));
                None
            }
        };
        let algo = self.algo(&mut errors);
        if self.post_only && kind != "limit" {
            errors.push(err("post_only", "true", "applies to limit orders only"));
        }
        match (token, side, price, tif, quantity) {
            (Some(token), Some(side), Some(price), Some(time_in_force), Some(quantity))
                if errors.is_empty() =>
            {
                Ok(OperatorCommand::Place(ManualOrder {
                    token,
                    side,
                    price,
                    quantity,
                    time_in_force,
                    post_only: self.post_only,
                    algo,
                }))
            }
            _ => Err(errors),
        }
    }

    fn algo(&self, errors: &mut Vec<FieldError>) -> Option<AlgoSpec> {
        let twap = match (self.twap_slices, self.twap_secs) {
            (None, None) => None,
            (Some(slices), Some(secs)) if (1..=1000).contains(&slices) && secs <= 86_400 => {
                Some(AlgoSpec::Twap {
                    slices,
                    duration_ms: i64::try_from(secs).unwrap_or(0) * 1000,
                })
            }
            (Some(slices), Some(secs)) => {
                errors.push(err(
                    "twap_slices",
                    format!("{slices} over {secs}s"),
                    "slices must be in [1, 1000] and the duration at most 86400 s",
                ));
                None
            }
            _ => {
                errors.push(err(
                    "twap_slices",
                    "",
                    "TWAP needs both slices and a duration",
                ));
                None
            }
        };
        let iceberg = self.iceberg_display.as_ref().and_then(|d| {
            Size::parse(d)
                .map(|display| AlgoSpec::Iceberg { display })
                .map_err(|e| errors.push(err("iceberg_display", d, e.to_string())))
                .ok()
        });
        match (twap, iceberg) {
            (Some(_), Some(_)) => {
                errors.push(err(
                    "iceberg_display",
                    "",
                    "choose TWAP or iceberg, not both",
                ));
                None
            }
            (a, b) => a.or(b),
        }
    }
}

fn gtd(now_ms: i64, ttl_secs: u64) -> TimeInForce {
    TimeInForce::Gtd {
        expires_at_secs: now_ms / 1000 + i64::try_from(ttl_secs).unwrap_or(i64::MAX / 2),
    }
}

/// A cancel as a person writes it: `c12` or `12`.
pub fn parse_client_id(text: &str) -> Result<ClientOrderId, FieldError> {
    text.trim_start_matches('c')
        .parse::<u64>()
        .map(ClientOrderId)
        .map_err(|_| {
            err(
                "order",
                text,
                "must be an order id such as c12 (see `polybot orders`)",
            )
        })
}

/// A scripted sequence of manual orders (`polybot paper --script FILE`), each step at an offset
/// from the moment the script is loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    #[serde(rename = "step", default)]
    pub steps: Vec<ScriptStep>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScriptStep {
    /// Seconds after the script is loaded.
    pub at_secs: u64,
    pub order: Option<OrderSpec>,
    /// An order id (`c12`) to cancel.
    pub cancel: Option<String>,
    /// Cancel all open manual orders.
    pub cancel_all: bool,
}

impl Script {
    /// Reads and checks a script file; errors name the step and field.
    pub fn load(path: &Path) -> Result<Script, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read script {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("script {}: {e}", path.display()))
    }

    /// The operator requests of every step, timed from `now_ms`.
    pub fn requests(
        &self,
        now_ms: i64,
        default_ttl_secs: u64,
    ) -> Result<Vec<OperatorRequest>, Vec<FieldError>> {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for (i, step) in self.steps.iter().enumerate() {
            let at = now_ms + i64::try_from(step.at_secs).unwrap_or(0) * 1000;
            let prefix = |e: FieldError| e.in_section(&format!("step[{i}]"));
            let command = match (&step.order, &step.cancel, step.cancel_all) {
                (Some(order), None, false) => order
                    .command(at, default_ttl_secs)
                    .map_err(|es| {
                        errors.extend(es.into_iter().map(|e| prefix(e.in_section("order"))))
                    })
                    .ok(),
                (None, Some(id), false) => parse_client_id(id)
                    .map(|client_id| OperatorCommand::Cancel { client_id })
                    .map_err(|e| errors.push(prefix(e)))
                    .ok(),
                (None, None, true) => Some(OperatorCommand::CancelAll { token: None }),
                _ => {
                    errors.push(prefix(err(
                        "order",
                        "",
                        "each step needs exactly one of order, cancel, cancel_all",
                    )));
                    None
                }
            };
            if let Some(command) = command {
                out.push(OperatorRequest {
                    account: AccountId::new(MANUAL_ACCOUNT),
                    command,
                    not_before_ms: at,
                });
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}
