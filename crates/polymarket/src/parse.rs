//! Parsing of recorded Polymarket payloads (files saved from the real API) through the SDK's
//! own response types and then into model types — the same path live data takes, so tests,
//! benchmarks and backtests exercise the connector's real parsing.
//!
//! Nothing here panics on bad input: a malformed document is an error naming what it was
//! supposed to be, and a malformed record inside a good document is skipped and reported.

use polybot_model::{Market, OrderBook};
use polymarket_client_sdk_v2::clob::types::response::{
    MarketResponse, OrderBookSummaryResponse, Page,
};
use polymarket_client_sdk_v2::clob::ws::WsMessage;
use polymarket_client_sdk_v2::gamma::types::response::{Event, Market as GammaMarket};
use polymarket_client_sdk_v2::ws::MessageParser as _;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::client::Skipped;
use crate::convert;
use crate::error::ConnectorError;
use crate::frames::MarketFrameParser;

/// Markets parsed from a document, and the records that were skipped with the reason.
#[derive(Debug)]
pub struct Parsed<T> {
    pub items: Vec<T>,
    pub skipped: Vec<Skipped>,
}

impl<T> Default for Parsed<T> {
    fn default() -> Self {
        Parsed {
            items: Vec::new(),
            skipped: Vec::new(),
        }
    }
}

fn document(what: &'static str, bytes: &[u8]) -> Result<Value, ConnectorError> {
    serde_json::from_slice(bytes).map_err(|e| ConnectorError::Decode {
        op: what,
        message: format!("not JSON: {e}"),
    })
}

/// Parses each element of `records` as `S` and converts it, skipping (and reporting) failures.
fn records<S: DeserializeOwned, T>(
    what: &'static str,
    records: Vec<Value>,
    convert: impl Fn(&S) -> Result<T, ConnectorError>,
) -> Parsed<T> {
    let mut parsed = Parsed {
        items: Vec::with_capacity(records.len()),
        skipped: Vec::new(),
    };
    for (index, record) in records.into_iter().enumerate() {
        let locator = record
            .get("id")
            .or_else(|| record.get("condition_id"))
            .or_else(|| record.get("conditionId"))
            .map_or_else(|| format!("{what} #{index}"), |id| format!("{what} {id}"));
        match serde_json::from_value::<S>(record) {
            Ok(sdk) => match convert(&sdk) {
                Ok(item) => parsed.items.push(item),
                Err(e) => parsed.skipped.push(Skipped {
                    locator,
                    reason: e.to_string(),
                }),
            },
            Err(e) => parsed.skipped.push(Skipped {
                locator,
                reason: format!("does not match the API schema: {e}"),
            }),
        }
    }
    for s in &parsed.skipped {
        tracing::warn!(locator = %s.locator, reason = %s.reason, "skipped a record");
    }
    parsed
}

/// Array elements, or the single object as a one-element list.
fn elements(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        other => vec![other],
    }
}

/// A Gamma `/markets` response (array) or a single market object.
pub fn gamma_markets(bytes: &[u8]) -> Result<Parsed<Market>, ConnectorError> {
    let value = document("gamma markets", bytes)?;
    Ok(records::<GammaMarket, _>(
        "gamma market",
        elements(value),
        convert::market_from_gamma,
    ))
}

/// A Gamma `/events` response (array) or a single event: the markets of every event.
pub fn gamma_events(bytes: &[u8]) -> Result<Parsed<Market>, ConnectorError> {
    let value = document("gamma events", bytes)?;
    let mut out = Parsed::default();
    for event in elements(value) {
        let id = event.get("id").cloned().unwrap_or(Value::Null);
        match serde_json::from_value::<Event>(event) {
            Ok(event) => {
                for m in event.markets.iter().flatten() {
                    match convert::market_from_gamma(m) {
                        Ok(market) => out.items.push(market),
                        Err(e) => out.skipped.push(Skipped {
                            locator: format!("event {} market {}", event.id, m.id),
                            reason: e.to_string(),
                        }),
                    }
                }
            }
            Err(e) => out.skipped.push(Skipped {
                locator: format!("gamma event {id}"),
                reason: format!("does not match the API schema: {e}"),
            }),
        }
    }
    Ok(out)
}

/// A CLOB market page (`{"data": [...]}`), an array of CLOB markets, or one market object.
pub fn clob_markets(bytes: &[u8]) -> Result<Parsed<Market>, ConnectorError> {
    let value = document("clob markets", bytes)?;
    let list = match value {
        Value::Object(mut page) if page.contains_key("data") => {
            // Validate the page envelope with the SDK's type, then parse records one by one.
            let data = page.remove("data").unwrap_or(Value::Null);
            let envelope = Value::Object(
                page.into_iter()
                    .chain([("data".to_owned(), Value::Array(Vec::new()))])
                    .collect(),
            );
            serde_json::from_value::<Page<Value>>(envelope).map_err(|e| {
                ConnectorError::Decode {
                    op: "clob markets",
                    message: format!("page envelope: {e}"),
                }
            })?;
            elements(data)
        }
        other => elements(other),
    };
    Ok(records::<MarketResponse, _>(
        "clob market",
        list,
        convert::market_from_clob,
    ))
}

/// A REST `/book` response or a `/books` array.
pub fn rest_books(bytes: &[u8]) -> Result<Parsed<OrderBook>, ConnectorError> {
    let value = document("books", bytes)?;
    Ok(records::<OrderBookSummaryResponse, _>(
        "book",
        elements(value),
        convert::book_from_rest,
    ))
}

/// The market-channel parser the stream's connections use.
#[must_use]
pub fn market_frame_parser() -> MarketFrameParser {
    MarketFrameParser::new()
}

/// One WebSocket text frame of the market channel (an object or an array of objects), exactly
/// as the stream's connection parses it.
pub fn ws_market_frame(
    parser: &MarketFrameParser,
    bytes: &[u8],
) -> Result<Vec<WsMessage>, ConnectorError> {
    parser.parse(bytes).map_err(|e| ConnectorError::Decode {
        op: "market ws frame",
        message: e.to_string(),
    })
}
