//! Conversion of the SDK's response types into polybot's exact model types.
//!
//! This is the edge where bad data is stopped: a value that is not exact, off-tick or out of
//! bounds becomes a [`ConnectorError::Invalid`] naming the record, never a silent default.
//! `Decimal → fixed-point` works on the mantissa and scale directly, without formatting, because
//! it runs for every level of every book message.

use chrono::{DateTime, NaiveTime, Utc};
use polybot_model::{
    ConditionId, Level, Market, MarketStatus, OrderBook, Outcome, Price, Probability, Size,
    TickSize, TokenId, Usdc,
};
use polymarket_client_sdk_v2::clob::types::response::{MarketResponse, OrderBookSummaryResponse};
use polymarket_client_sdk_v2::gamma::types::response::Market as GammaMarket;
use polymarket_client_sdk_v2::types::{B256, Decimal, U256};

use crate::error::ConnectorError;

const SCALE_DIGITS: u32 = 6;
const POW10: [i128; 29] = {
    let mut table = [1i128; 29];
    let mut i = 1;
    while i < 29 {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

/// The decimal in millionths, if it is exactly representable.
#[must_use]
pub fn decimal_micros(value: &Decimal) -> Option<i128> {
    let mantissa = value.mantissa();
    let scale = value.scale();
    if scale <= SCALE_DIGITS {
        mantissa.checked_mul(POW10[(SCALE_DIGITS - scale) as usize])
    } else {
        let divisor = POW10[(scale - SCALE_DIGITS) as usize];
        (mantissa % divisor == 0).then_some(mantissa / divisor)
    }
}

/// The decimal in millionths, rounded half away from zero (for informational figures).
#[must_use]
pub fn decimal_micros_rounded(value: &Decimal) -> i128 {
    let scale = value.scale();
    if scale <= SCALE_DIGITS {
        return value
            .mantissa()
            .saturating_mul(POW10[(SCALE_DIGITS - scale) as usize]);
    }
    let divisor = POW10[(scale - SCALE_DIGITS) as usize];
    let (q, r) = (value.mantissa() / divisor, value.mantissa() % divisor);
    if r.abs() * 2 >= divisor {
        q + r.signum()
    } else {
        q
    }
}

#[must_use]
pub fn price(value: &Decimal) -> Option<Price> {
    let micros = u32::try_from(decimal_micros(value)?).ok()?;
    Price::from_micros(micros).ok()
}

#[must_use]
pub fn size(value: &Decimal) -> Option<Size> {
    u64::try_from(decimal_micros(value)?)
        .ok()
        .map(Size::from_micros)
}

/// A quote in [0, 1]; `None` when missing or outside.
#[must_use]
pub fn probability(value: &Decimal) -> Option<Probability> {
    u32::try_from(decimal_micros_rounded(value))
        .ok()
        .and_then(|m| Probability::from_micros(m).ok())
}

#[must_use]
pub fn usdc_rounded(value: &Decimal) -> Usdc {
    Usdc::from_micros(i64::try_from(decimal_micros_rounded(value)).unwrap_or(i64::MAX))
}

#[must_use]
pub fn tick_size(value: &Decimal) -> Option<TickSize> {
    u32::try_from(decimal_micros(value)?)
        .ok()
        .and_then(|m| TickSize::from_micros(m).ok())
}

#[must_use]
pub fn token_id(value: U256) -> TokenId {
    TokenId(value)
}

#[must_use]
pub fn condition_id(value: B256) -> ConditionId {
    ConditionId(value)
}

/// Levels of a book message; a level that is not exact or out of bounds is reported, not
/// silently dropped, because a book missing a level would mislead everything downstream.
pub fn level(price_value: &Decimal, size_value: &Decimal) -> Result<Level, String> {
    let p =
        price(price_value).ok_or_else(|| format!("price {price_value} is not a valid price"))?;
    let s = size(size_value).ok_or_else(|| format!("size {size_value} is not a valid size"))?;
    Ok(Level::new(p, s))
}

/// A REST `/book` response as a model book.
pub fn book_from_rest(response: &OrderBookSummaryResponse) -> Result<OrderBook, ConnectorError> {
    let token = token_id(response.asset_id);
    let invalid = |reason: String| ConnectorError::Invalid {
        what: "book of token",
        id: token.to_string(),
        reason,
    };
    let tick = tick_size(&response.tick_size.as_decimal()).ok_or_else(|| {
        invalid(format!(
            "tick size {} unsupported",
            response.tick_size.as_decimal()
        ))
    })?;
    let mut book = OrderBook::new(token, tick);
    let bids = response
        .bids
        .iter()
        .map(|l| level(&l.price, &l.size))
        .collect::<Result<Vec<_>, _>>()
        .map_err(invalid)?;
    let asks = response
        .asks
        .iter()
        .map(|l| level(&l.price, &l.size))
        .collect::<Result<Vec<_>, _>>()
        .map_err(invalid)?;
    book.apply_snapshot(bids, asks, response.timestamp.timestamp_millis());
    Ok(book)
}

/// A Gamma market as a model market.
pub fn market_from_gamma(m: &GammaMarket) -> Result<Market, ConnectorError> {
    let invalid = |reason: &str| ConnectorError::Invalid {
        what: "gamma market",
        id: m.id.clone(),
        reason: reason.to_owned(),
    };
    let condition = m
        .condition_id
        .ok_or_else(|| invalid("has no conditionId"))?;
    let names = m
        .outcomes
        .as_deref()
        .ok_or_else(|| invalid("has no outcomes"))?;
    let tokens = m
        .clob_token_ids
        .as_deref()
        .ok_or_else(|| invalid("has no clobTokenIds (not on the order book)"))?;
    if names.len() != tokens.len() {
        return Err(invalid(&format!(
            "{} outcomes but {} token ids",
            names.len(),
            tokens.len()
        )));
    }
    let prices = m.outcome_prices.as_deref().unwrap_or(&[]);
    let outcomes: Vec<Outcome> = names
        .iter()
        .zip(tokens)
        .enumerate()
        .map(|(i, (name, token))| Outcome {
            name: name.clone(),
            token_id: token_id(*token),
            price: prices.get(i).and_then(probability),
        })
        .collect();
    let tick = match &m.order_price_min_tick_size {
        Some(t) => tick_size(t).ok_or_else(|| invalid(&format!("tick size {t} unsupported")))?,
        None => TickSize::Hundredth,
    };
    let event = m.events.as_ref().and_then(|e| e.first());
    let category = m
        .category
        .clone()
        .or_else(|| event.and_then(|e| e.category.clone()))
        .filter(|c| !c.is_empty());
    let tags: Vec<String> = m
        .tags
        .iter()
        .flatten()
        .chain(event.and_then(|e| e.tags.as_ref()).into_iter().flatten())
        .filter_map(|t| t.label.clone())
        .collect();
    let end_date = m.end_date.or_else(|| {
        m.end_date_iso
            .map(|d| DateTime::from_naive_utc_and_offset(d.and_time(NaiveTime::MIN), Utc))
    });
    let active = m.active.unwrap_or(true);
    let closed = m.closed.unwrap_or(false);
    let status = market_status(active, closed, &outcomes);
    let market = Market {
        condition_id: condition_id(condition),
        question: m.question.clone().unwrap_or_default(),
        slug: m.slug.clone().unwrap_or_default(),
        description: m.description.clone().unwrap_or_default(),
        outcomes,
        category,
        tags,
        end_date,
        neg_risk: m.neg_risk.unwrap_or(false),
        event_id: event.map(|e| e.id.clone()),
        event_title: event.and_then(|e| e.title.clone()),
        tick_size: tick,
        min_order_size: m
            .order_min_size
            .as_ref()
            .and_then(size)
            .unwrap_or(Size::shares(5)),
        taker_fee_bps: m
            .taker_base_fee
            .map_or(0, |f| u32::try_from(f).unwrap_or(0)),
        volume: m
            .volume_num
            .as_ref()
            .or(m.volume.as_ref())
            .map_or(Usdc::ZERO, usdc_rounded),
        volume_24h: m.volume_24hr.as_ref().map_or(Usdc::ZERO, usdc_rounded),
        liquidity: m
            .liquidity_num
            .as_ref()
            .or(m.liquidity.as_ref())
            .map_or(Usdc::ZERO, usdc_rounded),
        best_bid: m.best_bid.as_ref().and_then(probability),
        best_ask: m.best_ask.as_ref().and_then(probability),
        status,
        accepting_orders: m.accepting_orders.unwrap_or(active && !closed)
            && m.enable_order_book.unwrap_or(true)
            && !closed,
    };
    market.validate().map_err(|e| invalid(&e.to_string()))?;
    Ok(market)
}

/// A CLOB market (`/markets`, `/sampling-markets`) as a model market. The CLOB carries no
/// volume or liquidity figures, so those are zero: Gamma is the source for them.
pub fn market_from_clob(m: &MarketResponse) -> Result<Market, ConnectorError> {
    let id = m
        .condition_id
        .map_or_else(|| m.market_slug.clone(), |c| format!("{c:#x}"));
    let invalid = |reason: String| ConnectorError::Invalid {
        what: "clob market",
        id: id.clone(),
        reason,
    };
    let condition = m
        .condition_id
        .ok_or_else(|| invalid("has no condition_id".into()))?;
    let outcomes: Vec<Outcome> = m
        .tokens
        .iter()
        .map(|t| Outcome {
            name: t.outcome.clone(),
            token_id: token_id(t.token_id),
            price: probability(&t.price),
        })
        .collect();
    let tick = tick_size(&m.minimum_tick_size)
        .ok_or_else(|| invalid(format!("tick size {} unsupported", m.minimum_tick_size)))?;
    let status = match m.tokens.iter().position(|t| t.winner) {
        Some(winner) if m.closed => MarketStatus::Resolved { winner },
        _ if m.closed || !m.active => MarketStatus::Closed,
        _ => MarketStatus::Active,
    };
    let market = Market {
        condition_id: condition_id(condition),
        question: m.question.clone(),
        slug: m.market_slug.clone(),
        description: m.description.clone(),
        outcomes,
        category: None,
        tags: m.tags.clone(),
        end_date: m.end_date_iso,
        neg_risk: m.neg_risk,
        event_id: m.neg_risk_market_id.map(|id| format!("{id:#x}")),
        event_title: None,
        tick_size: tick,
        min_order_size: size(&m.minimum_order_size).unwrap_or(Size::shares(5)),
        taker_fee_bps: u32::try_from(decimal_micros_rounded(&m.taker_base_fee) / 1_000_000)
            .unwrap_or(0),
        volume: Usdc::ZERO,
        volume_24h: Usdc::ZERO,
        liquidity: Usdc::ZERO,
        best_bid: None,
        best_ask: None,
        status,
        accepting_orders: m.accepting_orders && m.enable_order_book && !m.closed,
    };
    market.validate().map_err(|e| invalid(e.to_string()))?;
    Ok(market)
}

/// Resolved when closed with exactly one outcome priced at 1 (Gamma's settlement prices).
fn market_status(active: bool, closed: bool, outcomes: &[Outcome]) -> MarketStatus {
    if !closed {
        return if active {
            MarketStatus::Active
        } else {
            MarketStatus::Closed
        };
    }
    let winners: Vec<usize> = outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| o.price == Some(Probability::ONE))
        .map(|(i, _)| i)
        .collect();
    match winners.as_slice() {
        [winner] => MarketStatus::Resolved { winner: *winner },
        _ => MarketStatus::Closed,
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn decimal_conversion_is_exact() {
        assert_eq!(decimal_micros(&d("0.5")), Some(500_000));
        assert_eq!(decimal_micros(&d("219.217767")), Some(219_217_767));
        assert_eq!(decimal_micros(&d("0.50000000")), Some(500_000));
        assert_eq!(decimal_micros(&d("0.0000001")), None);
        assert_eq!(decimal_micros_rounded(&d("0.21999995306666104")), 220_000);
        assert_eq!(decimal_micros_rounded(&d("-1.0000005")), -1_000_001);
        assert_eq!(price(&d("0.999")), Price::from_micros(999_000).ok());
        assert_eq!(price(&d("1")), None);
        assert_eq!(tick_size(&d("0.0025")), Some(TickSize::QuarterHundredth));
        assert_eq!(tick_size(&d("0.02")), None);
        assert!(level(&d("0.5"), &d("-1")).is_err());
    }
}
