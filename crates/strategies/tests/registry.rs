//! The strategy registry: the setups the runner records build the strategies they name, with the
//! exact configuration (also after the journal's JSON round trip); what it cannot build is an
//! error naming the kind.

use polybot_engine::session::StrategySetup;
use polybot_strategies::registry::{self, BuildError, COPY, FORECAST};
use polybot_strategies::{CopyConfig, ForecastTradingConfig, build};

fn copy_config() -> CopyConfig {
    CopyConfig {
        enabled: true,
        account: "mirror".to_owned(),
        max_price_move: 0.035,
        min_trader_score: 0.61,
        ..CopyConfig::default()
    }
}

fn forecast_config() -> ForecastTradingConfig {
    ForecastTradingConfig {
        enabled: true,
        account: "oracle".to_owned(),
        min_edge: 0.045,
        trade_offline: true,
        ..ForecastTradingConfig::default()
    }
}

/// The setup as a replay reads it back from a journal line.
fn through_json(setup: &StrategySetup) -> StrategySetup {
    serde_json::from_str(&serde_json::to_string(setup).unwrap()).unwrap()
}

#[test]
fn both_strategies_build_from_their_setups() {
    let copy = registry::copy_setup(&copy_config()).unwrap();
    assert_eq!(copy.kind, COPY);
    let built = build(&through_json(&copy)).unwrap();
    assert_eq!(built.name(), COPY);
    assert_eq!(built.account().0, "mirror");

    let forecast = registry::forecast_setup(&forecast_config()).unwrap();
    assert_eq!(forecast.kind, FORECAST);
    let built = build(&through_json(&forecast)).unwrap();
    assert_eq!(built.name(), FORECAST);
    assert_eq!(built.account().0, "oracle");
}

#[test]
fn a_setup_records_the_configuration_exactly() {
    let copy = through_json(&registry::copy_setup(&copy_config()).unwrap());
    let read: CopyConfig = serde_json::from_value(copy.config).unwrap();
    assert_eq!(read, copy_config());
    let forecast = through_json(&registry::forecast_setup(&forecast_config()).unwrap());
    let read: ForecastTradingConfig = serde_json::from_value(forecast.config).unwrap();
    assert_eq!(read, forecast_config());
}

#[test]
fn an_unknown_kind_is_an_error_naming_it() {
    let setup = StrategySetup {
        kind: "market_making".to_owned(),
        config: serde_json::json!({}),
    };
    let Err(err) = build(&setup) else {
        panic!("built an unknown strategy");
    };
    assert_eq!(
        err,
        BuildError::Unknown {
            kind: "market_making".to_owned()
        }
    );
    let text = err.to_string();
    assert!(text.contains("`market_making`"), "{text}");
    assert!(text.contains("copy, forecast"), "{text}");
    assert!(registry::build_for_engine(&setup).is_err());
}

#[test]
fn a_configuration_that_does_not_decode_is_an_error_naming_the_kind() {
    let setup = StrategySetup {
        kind: COPY.to_owned(),
        config: serde_json::json!({ "max_price_move": "a lot" }),
    };
    let Err(BuildError::Config { kind, message }) = build(&setup) else {
        panic!("decoded a bad configuration");
    };
    assert_eq!(kind, COPY);
    assert!(
        message.contains("max_price_move") || message.contains("string"),
        "{message}"
    );
    // Unknown keys too (the sections deny them): a misread setting would replay another run.
    let setup = StrategySetup {
        kind: FORECAST.to_owned(),
        config: serde_json::json!({ "min_edgee": 0.1 }),
    };
    let err = build(&setup).err().expect("refused");
    assert!(err.to_string().contains("strategy `forecast`"), "{err}");
}

#[test]
fn keys_a_setup_lacks_take_their_defaults() {
    // A journal written before a setting existed replays with the setting's default.
    let setup = StrategySetup {
        kind: FORECAST.to_owned(),
        config: serde_json::json!({ "enabled": true, "account": "oracle" }),
    };
    let built = build(&setup).unwrap();
    assert_eq!(built.account().0, "oracle");
}
