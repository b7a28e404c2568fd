//! Every real payload in the shared data goes through the connector's parsing without a panic,
//! and malformed input is reported with context and skipped.
//!
//! The shared data exists on the team's machines and in CI, not on a user's: without it these
//! tests say so and pass, unless `REQUIRE_SHARED_DATA=1` (set by `.ci/run`) demands it.

use std::path::{Path, PathBuf};

use polybot_model::TickSize;
use polybot_polymarket::books::BookManager;
use polybot_polymarket::parse;
use serde_json::Value;

fn shared_data() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("REQUIRE_SHARED_DATA").as_deref() != Ok("1"),
        "shared data missing at {}",
        dir.display()
    );
    eprintln!("shared data not found at {}; skipping", dir.display());
    None
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Kind {
    WsFrame,
    GammaMarkets,
    GammaEvents,
    ClobMarkets,
    RestBook,
    Other,
}

fn first_object(value: &Value) -> Option<&serde_json::Map<String, Value>> {
    match value {
        Value::Array(items) => items.first().and_then(Value::as_object),
        Value::Object(map) => Some(map),
        _ => None,
    }
}

fn sniff(value: &Value) -> Kind {
    let Some(obj) = first_object(value) else {
        return Kind::Other;
    };
    let has = |k: &str| obj.contains_key(k);
    if has("event_type") {
        Kind::WsFrame
    } else if has("markets") && (has("ticker") || has("slug")) {
        Kind::GammaEvents
    } else if has("conditionId") && has("outcomes") {
        Kind::GammaMarkets
    } else if (has("condition_id") && has("tokens"))
        || obj
            .get("data")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .is_some_and(|m| m.get("tokens").is_some())
    {
        Kind::ClobMarkets
    } else if has("asset_id") && has("bids") && has("tick_size") {
        Kind::RestBook
    } else {
        Kind::Other
    }
}

/// Tracks every asset id mentioned in a frame, so the book manager processes all of it.
fn track_assets(value: &Value, books: &mut BookManager) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if matches!(key.as_str(), "asset_id" | "winning_asset_id")
                    && let Some(id) = v
                        .as_str()
                        .and_then(|s| polybot_model::TokenId::parse(s).ok())
                {
                    books.track(id, TickSize::Hundredth);
                }
                track_assets(v, books);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| track_assets(v, books)),
        _ => {}
    }
}

#[test]
fn every_recorded_payload_parses_without_panic() {
    let Some(root) = shared_data() else { return };
    let mut files = Vec::new();
    for source in ["nautilus_trader", "wom_polymarket_strategy"] {
        json_files(&root.join(source), &mut files);
    }
    assert!(
        files.len() > 50,
        "expected the recorded payloads, found {}",
        files.len()
    );
    let parser = parse::market_frame_parser();
    let (mut markets, mut books_parsed, mut frames) = (0, 0, 0);
    for path in &files {
        let bytes = std::fs::read(path).expect("readable file");
        let value: Value = serde_json::from_slice(&bytes).expect("shared data files are JSON");
        let name = path.display();
        match sniff(&value) {
            Kind::GammaMarkets => {
                markets += parse::gamma_markets(&bytes)
                    .unwrap_or_else(|e| panic!("{name}: {e}"))
                    .items
                    .len()
            }
            Kind::GammaEvents => {
                markets += parse::gamma_events(&bytes)
                    .unwrap_or_else(|e| panic!("{name}: {e}"))
                    .items
                    .len()
            }
            Kind::ClobMarkets => {
                markets += parse::clob_markets(&bytes)
                    .unwrap_or_else(|e| panic!("{name}: {e}"))
                    .items
                    .len()
            }
            Kind::RestBook => {
                books_parsed += parse::rest_books(&bytes)
                    .unwrap_or_else(|e| panic!("{name}: {e}"))
                    .items
                    .len()
            }
            Kind::WsFrame => {
                // Frames with placeholder ids may be rejected by the SDK; that is an error, not a panic.
                use polymarket_client_sdk_v2::ws::MessageParser as _;
                let fast = parser
                    .parse(&bytes)
                    .map(|m| format!("{m:?}"))
                    .map_err(|_| ());
                let sdk = parser
                    .sdk_parser()
                    .parse(&bytes)
                    .map(|m| format!("{m:?}"))
                    .map_err(|_| ());
                assert_eq!(fast, sdk, "fast and SDK parsers disagree on {name}");
                let mut books = BookManager::new();
                track_assets(&value, &mut books);
                if let Ok(messages) = parse::ws_market_frame(&parser, &bytes) {
                    let mut out = Vec::new();
                    for m in &messages {
                        books.apply(m, &mut out);
                    }
                    frames += messages.len();
                }
            }
            Kind::Other => {}
        }
    }
    eprintln!("markets={markets} frames={frames} books={books_parsed}");
    // 600 Gamma markets + 20 + event markets + 1000 CLOB markets + fixtures, minus legacy records.
    assert!(markets > 1_500, "parsed only {markets} markets");
    assert!(frames >= 8, "parsed only {frames} websocket messages");
    assert!(books_parsed <= 1, "the only REST book fixture is synthetic");
}

#[test]
fn the_gamma_dump_keeps_nearly_every_market() {
    let Some(root) = shared_data() else { return };
    let bytes = std::fs::read(
        root.join("wom_polymarket_strategy/polymarket-backtest/data/raw/markets.json"),
    )
    .unwrap();
    let parsed = parse::gamma_markets(&bytes).unwrap();
    assert_eq!(parsed.items.len() + parsed.skipped.len(), 600);
    assert!(
        parsed.items.len() >= 590,
        "skipped: {:?}",
        &parsed.skipped[..parsed.skipped.len().min(5)]
    );
    let open = parsed.items.iter().filter(|m| m.is_tradable()).count();
    assert!(open >= 290, "{open} open markets");
    let resolved = parsed
        .items
        .iter()
        .filter(|m| matches!(m.status, polybot_model::MarketStatus::Resolved { .. }))
        .count();
    assert!(resolved >= 250, "{resolved} resolved markets");
}

#[test]
fn malformed_documents_are_errors_with_context() {
    let err = parse::gamma_markets(b"[{\"id\": \"1\", \"question\": ").unwrap_err();
    assert!(
        err.to_string().contains("gamma markets") && err.to_string().contains("not JSON"),
        "{err}"
    );
    assert!(parse::clob_markets(b"{\"data\": 5, \"next_cursor\": 1}").is_err());
    let parser = parse::market_frame_parser();
    assert!(parse::ws_market_frame(&parser, b"{\"event_type\":\"book\",\"asset_id\":").is_err());
}

#[test]
fn a_bad_record_is_skipped_and_named_while_the_rest_parse() {
    let good = r#"{"id":"11","question":"Q?","conditionId":"0x5a8c5193008f76941e75598a31ef2915125ef0a8a7cfcb7369e8c451511c4452",
        "slug":"q","outcomes":"[\"Yes\",\"No\"]","outcomePrices":"[\"0.4\",\"0.6\"]","clobTokenIds":"[\"1\",\"2\"]",
        "active":true,"closed":false,"orderPriceMinTickSize":0.01}"#;
    // outcomes as a raw array: the real API never sends that, and the SDK rejects it.
    let bad_schema = r#"{"id":"12","conditionId":"0x5a8c5193008f76941e75598a31ef2915125ef0a8a7cfcb7369e8c451511c4453","outcomes":["Yes","No"]}"#;
    // A tick size the venue does not have.
    let bad_tick = good
        .replace("\"11\"", "\"13\"")
        .replace("0.01}", "0.02}")
        .replace("4452", "4454");
    let doc = format!("[{good},{bad_schema},{bad_tick}]");
    let parsed = parse::gamma_markets(doc.as_bytes()).unwrap();
    assert_eq!(parsed.items.len(), 1);
    assert_eq!(parsed.skipped.len(), 2);
    assert!(
        parsed.skipped[0].locator.contains("12"),
        "{:?}",
        parsed.skipped
    );
    assert!(
        parsed.skipped[1].locator.contains("13") && parsed.skipped[1].reason.contains("tick"),
        "{:?}",
        parsed.skipped
    );
}
