//! Parsing Data API trades/activity (through the SDK's own types) and RTDS payloads: the
//! outcome side, exact amounts, and bad records as errors that name the field.

use polybot_model::{Side, TokenId};
use polybot_wallets::parse::{
    from_activity, from_data_trade, from_rtds_message, from_rtds_payload,
};
use polybot_wallets::{BinarySide, Source};
use polymarket_client_sdk_v2::data::types::response::{Activity, Trade};
use polymarket_client_sdk_v2::rtds::RtdsMessage;
use serde_json::{Value, json};

const WALLET: &str = "0x56687bf447db6ffa42ffe2204a05edaa20f55839";
const CONDITION: &str = "0xb82c6573e0b0b71ac1fb8c4cb2a8a6d4c1b9d0a0f5a1c1b2a3d4e5f60718293a";
const TX: &str = "0x921936dfc9a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b";
const YES_TOKEN: &str =
    "71321045679252212594626385532706912750332728571942532289631379312455583992563";
const NO_TOKEN: &str =
    "52114319501245915516055106046884209969926127482827954674443846427813813222426";

/// A Data API trade of the NO token (outcome index 1).
fn no_trade() -> Value {
    json!({
        "proxyWallet": WALLET, "side": "BUY", "asset": NO_TOKEN, "conditionId": CONDITION,
        "size": 15.72, "price": 0.13, "timestamp": 1_766_913_243, "title": "Will it rain?",
        "slug": "will-it-rain", "icon": "", "eventSlug": "rain", "outcome": "No",
        "outcomeIndex": 1, "name": "gabagool22", "pseudonym": "Quiet-Falcon", "bio": "",
        "profileImage": "", "profileImageOptimized": "", "transactionHash": TX,
    })
}

fn sdk_trade(v: Value) -> Trade {
    serde_json::from_value(v).expect("the SDK parses the trade")
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

fn without(mut v: Value, key: &str) -> Value {
    v.as_object_mut().unwrap().remove(key);
    v
}

#[test]
fn buying_outcome_one_is_buying_the_no_token() {
    let t = from_data_trade(&sdk_trade(no_trade())).unwrap();
    assert_eq!(t.token, TokenId::parse(NO_TOKEN).unwrap());
    assert_ne!(t.token, TokenId::parse(YES_TOKEN).unwrap());
    assert_eq!(t.outcome_index, 1);
    assert_eq!(t.binary_side(), Some(BinarySide::No));
    assert_eq!(t.outcome.as_deref(), Some("No"));
    assert_eq!(t.side, Side::Buy);
    assert_eq!(t.price.micros(), 130_000);
    assert_eq!(t.size.micros(), 15_720_000);
    assert_eq!(t.usdc.micros(), 2_043_600);
    assert_eq!(t.timestamp_ms, 1_766_913_243_000);
    assert_eq!(t.source, Source::Poll);
    assert_eq!(format!("{:?}", t.wallet).to_lowercase(), WALLET);

    let yes = with(
        with(
            with(no_trade(), "outcomeIndex", json!(0)),
            "outcome",
            json!("Yes"),
        ),
        "asset",
        json!(YES_TOKEN),
    );
    let t = from_data_trade(&sdk_trade(yes)).unwrap();
    assert_eq!(
        (t.outcome_index, t.binary_side()),
        (0, Some(BinarySide::Yes))
    );
    assert_eq!(t.token, TokenId::parse(YES_TOKEN).unwrap());
}

#[test]
fn an_outcome_index_contradicting_the_outcome_name_is_an_error() {
    let bad = with(no_trade(), "outcomeIndex", json!(0));
    let e = from_data_trade(&sdk_trade(bad)).unwrap_err();
    assert_eq!(e.field, "outcomeIndex");
    assert!(e.to_string().contains("contradicts"), "{e}");
    assert!(
        e.to_string().contains(TX),
        "the error locates the record: {e}"
    );
    let e = from_data_trade(&sdk_trade(with(no_trade(), "outcomeIndex", json!(-1)))).unwrap_err();
    assert_eq!(e.field, "outcomeIndex");
    // A multi-outcome market's names say nothing about the index.
    let named = with(
        with(no_trade(), "outcome", json!("Trump")),
        "outcomeIndex",
        json!(3),
    );
    assert_eq!(
        from_data_trade(&sdk_trade(named)).unwrap().binary_side(),
        None
    );
}

#[test]
fn amounts_are_exact_and_float_noise_is_rounded_to_the_micro() {
    let noisy = with(
        with(no_trade(), "price", json!(0.350_000_005_25)),
        "size",
        json!("28.5714285714"),
    );
    let t = from_data_trade(&sdk_trade(noisy)).unwrap();
    assert_eq!(t.price.micros(), 350_000);
    assert_eq!(t.size.micros(), 28_571_429);
    for (key, value) in [
        ("price", json!(1.5)),
        ("price", json!(0)),
        ("size", json!(0)),
        ("size", json!(-3)),
    ] {
        let e = from_data_trade(&sdk_trade(with(no_trade(), key, value.clone()))).unwrap_err();
        assert_eq!(e.field, key, "{key} = {value}: {e}");
    }
    let e = from_data_trade(&sdk_trade(with(no_trade(), "timestamp", json!(0)))).unwrap_err();
    assert_eq!(e.field, "timestamp");
    let e = from_data_trade(&sdk_trade(with(no_trade(), "side", json!("HOLD")))).unwrap_err();
    assert_eq!(e.field, "side");
}

fn activity(v: Value) -> Activity {
    serde_json::from_value(v).expect("the SDK parses the activity")
}

#[test]
fn activity_trades_parse_and_other_activity_is_not_a_fill() {
    let trade = with(
        with(no_trade(), "type", json!("TRADE")),
        "usdcSize",
        json!(2.04),
    );
    let t = from_activity(&activity(trade.clone())).unwrap().unwrap();
    assert_eq!(
        t.usdc.micros(),
        2_040_000,
        "the venue's cash amount, not size × price"
    );
    assert_eq!(t.outcome_index, 1);
    let e = from_activity(&activity(without(trade.clone(), "outcomeIndex"))).unwrap_err();
    assert_eq!(e.field, "outcomeIndex");
    let e = from_activity(&activity(without(trade.clone(), "asset"))).unwrap_err();
    assert_eq!(e.field, "asset");
    let redeem = with(trade, "type", json!("REDEEM"));
    assert_eq!(from_activity(&activity(redeem)).unwrap(), None);
}

#[test]
fn rtds_payloads_parse_like_the_data_api_and_share_its_key() {
    let polled = from_data_trade(&sdk_trade(no_trade())).unwrap();
    let streamed = from_rtds_payload(&no_trade()).unwrap();
    assert_eq!(streamed.source, Source::Stream);
    assert_eq!(
        streamed.key(),
        polled.key(),
        "one fill, one key, whichever source"
    );
    assert_eq!(streamed.token, TokenId::parse(NO_TOKEN).unwrap());
    assert_eq!(streamed.binary_side(), Some(BinarySide::No));
    // The trader.address variant, numbers as strings, a ms timestamp.
    let variant = with(
        with(
            with(
                without(no_trade(), "proxyWallet"),
                "trader",
                json!({"address": WALLET, "name": "x"}),
            ),
            "price",
            json!("0.13"),
        ),
        "timestamp",
        json!(1_766_913_243_000_i64),
    );
    assert_eq!(from_rtds_payload(&variant).unwrap().key(), polled.key());
    let message: RtdsMessage = serde_json::from_value(
        json!({"topic": "activity", "type": "trades", "timestamp": 1, "payload": no_trade()}),
    )
    .unwrap();
    assert!(from_rtds_message(&message).unwrap().is_some());
    let other: RtdsMessage = serde_json::from_value(
        json!({"topic": "comments", "type": "comment_created", "timestamp": 1, "payload": {}}),
    )
    .unwrap();
    assert_eq!(from_rtds_message(&other).unwrap(), None);
}

#[test]
fn bad_rtds_payloads_are_errors_naming_the_field() {
    let cases = [
        (without(no_trade(), "proxyWallet"), "proxyWallet"),
        (
            with(no_trade(), "proxyWallet", json!("0x1234")),
            "proxyWallet",
        ),
        (without(no_trade(), "outcomeIndex"), "outcomeIndex"),
        (
            with(no_trade(), "outcomeIndex", json!("one")),
            "outcomeIndex",
        ),
        (with(no_trade(), "price", json!("cheap")), "price"),
        (with(no_trade(), "price", json!(null)), "price"),
        (with(no_trade(), "size", json!([1])), "size"),
        (with(no_trade(), "side", json!(1)), "side"),
        (
            with(no_trade(), "conditionId", json!("0xnothex")),
            "conditionId",
        ),
        (with(no_trade(), "asset", json!(-5)), "asset"),
        (without(no_trade(), "transactionHash"), "transactionHash"),
        (with(no_trade(), "timestamp", json!(-1)), "timestamp"),
        (json!("not an object"), "proxyWallet"),
    ];
    for (payload, field) in cases {
        let e = from_rtds_payload(&payload).unwrap_err();
        assert_eq!(e.field, field, "{payload}: {e}");
        assert_eq!(e.source_kind, "rtds");
    }
}
