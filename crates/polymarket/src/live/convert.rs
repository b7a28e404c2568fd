//! Conversions at the live venue's edge: kernel orders into signable specs, and the venue's two
//! shapes of a trade (user-channel message, `/data/trades` item) into one [`TradeView`], so the
//! fill logic exists once. Bad venue data becomes an error to log, never a panic or a default.

use polybot_engine::FillStatus;
use polybot_engine::orders::{OrderRequest, Quantity, TimeInForce};
use polybot_model::{Price, Side, Size, TokenId};
use polymarket_client_sdk_v2::clob::types::response::TradeResponse;
use polymarket_client_sdk_v2::clob::types::{Side as SdkSide, TradeStatusType};
use polymarket_client_sdk_v2::clob::ws::TradeMessage;
use polymarket_client_sdk_v2::clob::ws::types::response::TradeMessageStatus;
use polymarket_client_sdk_v2::error::{Error as SdkError, Status};
use polymarket_client_sdk_v2::types::Decimal;
use rand::RngExt as _;

use super::TokenRules;
use crate::convert::{decimal_micros, price, size};
use crate::signing::{MAX_SALT, MarketAmount, MarketKind, MarketOrderSpec, OrderKind, OrderSpec};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConvertError {
    #[error("a USDC-sized order must be a FOK/FAK BUY")]
    UsdcNotMarketBuy,
    #[error("GTD expiry {0} is not a valid unix time")]
    BadExpiry(i64),
    #[error("{field} {value:?} is not a valid {kind}")]
    Field {
        field: &'static str,
        value: String,
        kind: &'static str,
    },
    #[error("unknown side")]
    Side,
}

/// What to sign for a kernel order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signable {
    Limit(OrderSpec),
    Market(MarketOrderSpec),
}

/// A kernel order as a spec, with a fresh random salt (≤ 2^53 − 1) and the current time.
pub fn spec(
    order: &OrderRequest,
    rules: TokenRules,
    now_ms: u64,
) -> Result<Signable, ConvertError> {
    let salt = rand::rng().random_range(1..=MAX_SALT);
    let kind = match order.time_in_force {
        TimeInForce::Gtc => OrderKind::Gtc,
        TimeInForce::Gtd { expires_at_secs } => OrderKind::Gtd {
            expiration_secs: u64::try_from(expires_at_secs)
                .map_err(|_| ConvertError::BadExpiry(expires_at_secs))?,
        },
        TimeInForce::Fok => OrderKind::Fok,
        TimeInForce::Fak => OrderKind::Fak,
    };
    match order.quantity {
        Quantity::Shares(shares) => Ok(Signable::Limit(OrderSpec {
            token_id: order.token_id,
            side: order.side,
            price: order.price,
            size: shares,
            tick: rules.tick,
            neg_risk: rules.neg_risk,
            order_type: kind,
            post_only: order.post_only,
            salt,
            timestamp_ms: now_ms,
        })),
        Quantity::Usdc(usdc) => {
            let order_type = match (order.side, kind) {
                (Side::Buy, OrderKind::Fok) => MarketKind::Fok,
                (Side::Buy, OrderKind::Fak) => MarketKind::Fak,
                _ => return Err(ConvertError::UsdcNotMarketBuy),
            };
            Ok(Signable::Market(MarketOrderSpec {
                token_id: order.token_id,
                amount: MarketAmount::BuyUsdc(usdc),
                worst_price: order.price,
                tick: rules.tick,
                neg_risk: rules.neg_risk,
                order_type,
                salt,
                timestamp_ms: now_ms,
            }))
        }
    }
}

/// One maker order inside a trade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MakerView {
    pub order_id: String,
    pub size: Size,
    pub price: Price,
}

/// A trade as we need it, from either the user channel or `/data/trades`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeView {
    pub id: String,
    pub taker_order_id: Option<String>,
    pub token: TokenId,
    pub side: Side,
    pub size: Size,
    pub price: Price,
    /// The taker fee rate; makers pay nothing.
    pub fee_bps: u32,
    /// `None` for RETRYING and unknown statuses: nothing to report yet.
    pub status: Option<FillStatus>,
    pub match_ms: i64,
    pub makers: Vec<MakerView>,
}

fn bad(field: &'static str, value: &Decimal, kind: &'static str) -> ConvertError {
    ConvertError::Field {
        field,
        value: value.to_string(),
        kind,
    }
}

pub(super) fn side(s: SdkSide) -> Result<Side, ConvertError> {
    match s {
        SdkSide::Buy => Ok(Side::Buy),
        SdkSide::Sell => Ok(Side::Sell),
        _ => Err(ConvertError::Side),
    }
}

pub(super) fn price_of(field: &'static str, v: &Decimal) -> Result<Price, ConvertError> {
    price(v).ok_or_else(|| bad(field, v, "price"))
}

pub(super) fn size_of(field: &'static str, v: &Decimal) -> Result<Size, ConvertError> {
    size(v).ok_or_else(|| bad(field, v, "size"))
}

fn bps(v: Option<&Decimal>) -> Result<u32, ConvertError> {
    let Some(v) = v else { return Ok(0) };
    decimal_micros(v)
        .filter(|m| m % 1_000_000 == 0)
        .and_then(|m| u32::try_from(m / 1_000_000).ok())
        .ok_or_else(|| bad("fee_rate_bps", v, "basis points"))
}

fn ws_status(s: &TradeMessageStatus) -> Option<FillStatus> {
    match s {
        TradeMessageStatus::Matched => Some(FillStatus::Matched),
        TradeMessageStatus::Mined => Some(FillStatus::Mined),
        TradeMessageStatus::Confirmed => Some(FillStatus::Confirmed),
        TradeMessageStatus::Failed => Some(FillStatus::Failed),
        _ => None,
    }
}

fn rest_status(s: &TradeStatusType) -> Option<FillStatus> {
    match s {
        TradeStatusType::Matched => Some(FillStatus::Matched),
        TradeStatusType::Mined => Some(FillStatus::Mined),
        TradeStatusType::Confirmed => Some(FillStatus::Confirmed),
        TradeStatusType::Failed => Some(FillStatus::Failed),
        _ => None,
    }
}

impl MakerView {
    /// One of our maker orders inside a trade (the user channel and REST name the same fields).
    fn new(
        order_id: &str,
        matched_amount: &Decimal,
        price: &Decimal,
    ) -> Result<Self, ConvertError> {
        Ok(MakerView {
            order_id: order_id.to_owned(),
            size: size_of("matched_amount", matched_amount)?,
            price: price_of("maker price", price)?,
        })
    }
}

impl TryFrom<&TradeMessage> for TradeView {
    type Error = ConvertError;

    fn try_from(t: &TradeMessage) -> Result<Self, ConvertError> {
        let makers = t
            .maker_orders
            .iter()
            .map(|m| MakerView::new(&m.order_id, &m.matched_amount, &m.price))
            .collect::<Result<_, ConvertError>>()?;
        // The venue stamps seconds in `matchtime`; the event's own timestamp is milliseconds.
        let match_ms = t
            .matchtime
            .map(|s| s.saturating_mul(1000))
            .or(t.timestamp)
            .unwrap_or_else(super::now_ms);
        Ok(TradeView {
            id: t.id.clone(),
            taker_order_id: t.taker_order_id.clone(),
            token: TokenId(t.asset_id),
            side: side(t.side)?,
            size: size_of("size", &t.size)?,
            price: price_of("price", &t.price)?,
            fee_bps: bps(t.fee_rate_bps.as_ref())?,
            status: ws_status(&t.status),
            match_ms,
            makers,
        })
    }
}

impl TryFrom<&TradeResponse> for TradeView {
    type Error = ConvertError;

    fn try_from(t: &TradeResponse) -> Result<Self, ConvertError> {
        let makers = t
            .maker_orders
            .iter()
            .map(|m| MakerView::new(&m.order_id, &m.matched_amount, &m.price))
            .collect::<Result<_, ConvertError>>()?;
        Ok(TradeView {
            id: t.id.clone(),
            taker_order_id: Some(t.taker_order_id.clone()),
            token: TokenId(t.asset_id),
            side: side(t.side)?,
            size: size_of("size", &t.size)?,
            price: price_of("price", &t.price)?,
            fee_bps: bps(Some(&t.fee_rate_bps))?,
            status: rest_status(&t.status),
            match_ms: t.match_time.timestamp_millis(),
            makers,
        })
    }
}

/// What became of a `POST /order`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostFailure {
    /// The venue refused it: it does not exist.
    Rejected(String),
    /// It may exist: reconcile, never resend.
    Unknown(String),
}

/// Sorts an SDK error from `POST /order`: only a 4xx other than 425 proves the order was not
/// taken. A 425 (matching engine restarting) is treated as unknown like a 5xx, because a
/// request may have been accepted just before the window began.
pub fn post_failure(err: &SdkError) -> PostFailure {
    match err.downcast_ref::<Status>() {
        Some(status) => {
            let code = status.status_code.as_u16();
            let reason = format!("HTTP {code}: {}", status.message);
            if (400..500).contains(&code) && code != 425 {
                PostFailure::Rejected(reason)
            } else {
                PostFailure::Unknown(reason)
            }
        }
        None => PostFailure::Unknown(err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polybot_engine::AccountId;
    use polybot_engine::orders::ClientOrderId;
    use polybot_model::Usdc;
    use polymarket_client_sdk_v2::error::{Method, StatusCode};

    fn request(quantity: Quantity, side: Side, tif: TimeInForce) -> OrderRequest {
        OrderRequest {
            client_id: ClientOrderId(1),
            account: AccountId::new("a"),
            token_id: TokenId(alloy_primitives::U256::from(7u8)),
            side,
            price: Price::parse("0.5").unwrap(),
            quantity,
            time_in_force: tif,
            post_only: false,
        }
    }

    fn rules() -> TokenRules {
        TokenRules {
            tick: "0.01".parse().unwrap(),
            neg_risk: true,
        }
    }

    #[test]
    fn shares_become_limit_specs_with_a_json_safe_salt() {
        let r = request(
            Quantity::Shares(Size::shares(5)),
            Side::Sell,
            TimeInForce::Fak,
        );
        let Signable::Limit(s) = spec(&r, rules(), 42).unwrap() else {
            panic!("limit expected")
        };
        assert_eq!(s.order_type, OrderKind::Fak);
        assert!(s.neg_risk && s.salt <= MAX_SALT && s.timestamp_ms == 42);
    }

    #[test]
    fn usdc_needs_a_marketable_buy() {
        let usdc = Quantity::Usdc(Usdc::dollars(5));
        let ok = request(usdc, Side::Buy, TimeInForce::Fok);
        assert!(matches!(spec(&ok, rules(), 1), Ok(Signable::Market(_))));
        let gtc = request(usdc, Side::Buy, TimeInForce::Gtc);
        assert_eq!(spec(&gtc, rules(), 1), Err(ConvertError::UsdcNotMarketBuy));
        let past = request(
            Quantity::Shares(Size::shares(5)),
            Side::Buy,
            TimeInForce::Gtd {
                expires_at_secs: -1,
            },
        );
        assert_eq!(spec(&past, rules(), 1), Err(ConvertError::BadExpiry(-1)));
    }

    #[test]
    fn only_plain_4xx_proves_rejection() {
        let status = |code: u16| {
            SdkError::status(
                StatusCode::from_u16(code).unwrap(),
                Method::POST,
                "/order".into(),
                "x",
            )
        };
        assert!(matches!(
            post_failure(&status(400)),
            PostFailure::Rejected(_)
        ));
        assert!(matches!(
            post_failure(&status(425)),
            PostFailure::Unknown(_)
        ));
        assert!(matches!(
            post_failure(&status(503)),
            PostFailure::Unknown(_)
        ));
    }

    #[test]
    fn fee_rate_must_be_whole_basis_points() {
        assert_eq!(bps(Some(&Decimal::from(30))), Ok(30));
        assert!(bps(Some(&Decimal::new(15, 1))).is_err());
        assert_eq!(bps(None), Ok(0));
    }
}
