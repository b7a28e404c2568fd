//! Forecast trading through the kernel: a forecast becomes a risk-checked, Kelly-sized entry on
//! the outcome with the edge, bad or untradable forecasts are skipped with their codes, and a
//! re-forecast that turns against a held outcome exits it (at once on a decisive reversal,
//! through the kernel's edge-reversal rule otherwise).

use alloy_primitives::{B256, U256};
use polybot_engine::event::ForecastSignal;
use polybot_engine::kernel::{MarketMeta, RiskSetup, position_key};
use polybot_engine::orders::MarketRules;
use polybot_engine::session::{FORMAT, Mode, SessionHeader, SessionMarket, SimSetup};
use polybot_engine::sim::{SimConfig, SimVenue};
use polybot_engine::{AccountId, Decision, Event, Kernel, Stage};
use polybot_model::{ConditionId, Level, Price, Probability, Side, Size, TickSize, TokenId, Usdc};
use polybot_risk::{Confidence, MarketKey, OutcomeSide, RiskConfig};
use polybot_strategies::{ForecastStrategy, ForecastTradingConfig};

const T0: i64 = 1_800_000_000_000;
const MINUTE: i64 = 60_000;
const ACCOUNT: &str = "forecast";

fn tok(n: u8) -> TokenId {
    TokenId(U256::from(n))
}

fn px(s: &str) -> Price {
    Price::parse(s).unwrap()
}

fn prob(s: &str) -> Probability {
    Probability::parse(s).unwrap()
}

fn condition() -> ConditionId {
    ConditionId(B256::repeat_byte(7))
}

fn meta(outcome: OutcomeSide, fee_rate_bps: u32) -> Box<MarketMeta> {
    Box::new(MarketMeta {
        key: MarketKey {
            market: condition(),
            event_id: Some("event".to_owned()),
            neg_risk: None,
            category: "SPORTS".to_owned(),
            tags: Vec::new(),
        },
        market_type: "SPORTS".to_owned(),
        outcome,
        end_time_ms: Some(T0 + 20 * 86_400_000),
        fee_rate_bps,
    })
}

/// YES is token 1 (0.39 / 0.40), NO token 2 (0.60 / 0.61), both deep.
fn kernel_with(config: ForecastTradingConfig, risk: RiskConfig, fee_bps: u32) -> Kernel<SimVenue> {
    let market = |token, outcome| SessionMarket {
        token,
        rules: MarketRules::polymarket(TickSize::Hundredth),
        taker_fee_bps: fee_bps,
        meta: Some(meta(outcome, fee_bps)),
    };
    let header = SessionHeader {
        format: FORMAT,
        mode: Mode::Paper,
        started_ms: T0,
        markets: vec![
            market(tok(1), OutcomeSide::Yes),
            market(tok(2), OutcomeSide::No),
        ],
        sim: Some(SimSetup {
            config: SimConfig { latency_ms: 10 },
            trade_prefix: 1,
        }),
        accounts: vec![(AccountId::new(ACCOUNT), Usdc::dollars(1_000))],
        fills: Vec::new(),
        resolutions: Vec::new(),
        orders: Vec::new(),
        algos: Vec::new(),
        next_id: 1,
        risk: RiskSetup {
            config: risk,
            ..RiskSetup::default()
        },
        strategies: Vec::new(),
        closed_orders: Vec::new(),
    };
    let mut k = header.build_kernel(header.sim_venue()).unwrap();
    k.add_strategy(Box::new(ForecastStrategy::new(config)));
    for (token, bid, ask) in [(tok(1), "0.39", "0.40"), (tok(2), "0.60", "0.61")] {
        k.handle(&Event::Book {
            token,
            bids: vec![Level::new(px(bid), Size::shares(10_000))],
            asks: vec![Level::new(px(ask), Size::shares(10_000))],
            ts: T0,
        });
    }
    k.take_changes();
    k
}

fn enabled() -> ForecastTradingConfig {
    ForecastTradingConfig {
        enabled: true,
        ..ForecastTradingConfig::default()
    }
}

fn kernel() -> Kernel<SimVenue> {
    kernel_with(enabled(), RiskConfig::default(), 0)
}

fn signal(p_yes: &str, made_ms: i64) -> ForecastSignal {
    ForecastSignal {
        condition: condition(),
        market_id: "512".to_owned(),
        question: "Will the home team win?".to_owned(),
        category: "SPORTS".to_owned(),
        yes_token: tok(1),
        no_token: tok(2),
        probability_yes: prob(p_yes),
        raw_probability_yes: prob(p_yes),
        confidence: Confidence::High,
        evidence_quality: Some(prob("0.8")),
        market_probability_yes: Some(prob("0.395")),
        source: ForecastSignal::LLM.to_owned(),
        forecast_id: Some(42),
        made_ms,
    }
}

fn forecast(signal: ForecastSignal, now: i64) -> Event {
    Event::Forecast {
        forecast: Box::new(signal),
        ts: now,
    }
}

fn step(k: &mut Kernel<SimVenue>, event: &Event) -> Vec<Decision> {
    k.handle(event);
    let changes = k.take_changes();
    k.prune_closed();
    changes.decisions
}

fn held(k: &Kernel<SimVenue>, token: TokenId) -> Size {
    k.ledger()
        .account(&AccountId::new(ACCOUNT))
        .and_then(|a| a.state().positions.get(&token).map(|p| p.size))
        .unwrap_or(Size::ZERO)
}

fn skipped(decisions: &[Decision]) -> Vec<String> {
    decisions
        .iter()
        .filter_map(|d| match d {
            Decision::Skipped { code, .. } => Some(code.clone()),
            _ => None,
        })
        .collect()
}

/// The orders placed: token, side, price and reason.
fn placed(decisions: &[Decision]) -> Vec<(TokenId, Side, Price, String)> {
    decisions
        .iter()
        .filter_map(|d| match d {
            Decision::Placed { order, reason } => {
                Some((order.token_id, order.side, order.price, reason.clone()))
            }
            _ => None,
        })
        .collect()
}

fn memo_probability(k: &Kernel<SimVenue>, token: TokenId) -> Option<Probability> {
    k.risk_memory()
        .positions
        .get(&position_key(ACCOUNT, token))
        .and_then(|m| m.probability)
}

#[test]
fn a_forecast_above_the_yes_ask_buys_yes_sized_by_the_risk_engine() {
    let mut k = kernel();
    let d = step(&mut k, &forecast(signal("0.55", T0), T0 + 100));
    let Some(Decision::Forecast {
        probability_yes,
        source,
        confidence,
        forecast_id,
        ..
    }) = d.first()
    else {
        panic!("the forecast is logged first: {d:#?}");
    };
    assert_eq!(
        (*probability_yes, source.as_str(), *confidence, *forecast_id),
        (prob("0.55"), "llm", Confidence::High, Some(42))
    );
    assert_eq!(d[0].stage(), Stage::Forecast);
    assert!(
        d.iter()
            .any(|d| matches!(d, Decision::Sized { token, shares, .. } if *token == tok(1) && *shares > Size::ZERO)),
        "{d:#?}"
    );
    // The limit stays at the ask: 0.42 would break risk.max_slippage (1.5%) against it.
    assert_eq!(
        placed(&d),
        [(tok(1), Side::Buy, px("0.40"), "forecast".to_owned())]
    );
    step(&mut k, &Event::Tick { ts: T0 + 200 });
    assert!(held(&k, tok(1)) > Size::ZERO);
    assert_eq!(held(&k, tok(2)), Size::ZERO);
    assert_eq!(memo_probability(&k, tok(1)), Some(prob("0.55")));
}

#[test]
fn a_forecast_below_the_yes_bid_buys_no_at_its_probability() {
    let mut k = kernel();
    let d = step(&mut k, &forecast(signal("0.30", T0), T0 + 100));
    assert_eq!(
        placed(&d),
        [(tok(2), Side::Buy, px("0.61"), "forecast".to_owned())],
        "{d:#?}"
    );
    step(&mut k, &Event::Tick { ts: T0 + 200 });
    assert!(held(&k, tok(2)) > Size::ZERO);
    assert_eq!(memo_probability(&k, tok(2)), Some(prob("0.70")));
}

#[test]
fn the_limit_takes_the_configured_slippage_only_while_the_edge_and_the_gate_allow() {
    let risk = RiskConfig {
        max_slippage: 0.05,
        ..RiskConfig::default()
    };
    // P(NO) = 0.75: 0.61 + 0.02 = 0.63, within 5% of the ask and still 0.12 of edge.
    let mut k = kernel_with(enabled(), risk.clone(), 0);
    let d = step(&mut k, &forecast(signal("0.25", T0), T0 + 100));
    assert_eq!(placed(&d)[0].2, px("0.63"), "{d:#?}");
    // P(NO) = 0.665: at 0.63 the edge would be 0.035 < min_edge, so one tick lower.
    let mut k = kernel_with(enabled(), risk, 0);
    let d = step(&mut k, &forecast(signal("0.335", T0), T0 + 100));
    assert_eq!(placed(&d)[0].2, px("0.62"), "{d:#?}");
}

#[test]
fn untradable_forecasts_are_skipped_with_their_codes() {
    let mut k = kernel();
    let now = T0 + 100;
    let stale = signal("0.55", now - 31 * MINUTE);
    assert_eq!(
        skipped(&step(&mut k, &forecast(stale, now))),
        ["stale_forecast"]
    );
    let mut offline = signal("0.55", now);
    offline.source = ForecastSignal::OFFLINE.to_owned();
    let d = step(&mut k, &forecast(offline, now));
    assert_eq!(skipped(&d), ["offline_forecast"]);
    assert!(
        matches!(&d[0], Decision::Forecast { source, .. } if source == "offline"),
        "offline forecasts are still logged: {d:#?}"
    );
    let mut unbooked = signal("0.55", now);
    (unbooked.yes_token, unbooked.no_token) = (tok(3), tok(4));
    assert_eq!(
        skipped(&step(&mut k, &forecast(unbooked, now))),
        ["no_book"]
    );
    // YES: 0.42 − 0.40 = 0.02 < risk.min_edge 0.04; NO has none.
    assert_eq!(
        skipped(&step(&mut k, &forecast(signal("0.42", now), now))),
        ["edge_below_min"]
    );
    // The strategy's own minimum replaces the gate's when set.
    let own = ForecastTradingConfig {
        min_edge: 0.01,
        ..enabled()
    };
    let mut lenient = kernel_with(own, RiskConfig::default(), 0);
    let d = step(&mut lenient, &forecast(signal("0.42", now), now));
    assert!(skipped(&d).is_empty(), "{d:#?}");
    assert!(
        d.iter().any(|d| matches!(d, Decision::RiskRejected { codes, .. } if codes.contains(&"min_edge".to_owned()))),
        "the gate still applies its own: {d:#?}"
    );
    assert_eq!(held(&k, tok(1)), Size::ZERO);
}

#[test]
fn the_edge_is_net_of_the_taker_fee() {
    // 10% rate at 0.40: 0.024 a share, so 0.45 − 0.424 = 0.026 < 0.04.
    let mut k = kernel_with(enabled(), RiskConfig::default(), 1_000);
    let d = step(&mut k, &forecast(signal("0.45", T0), T0 + 100));
    assert_eq!(skipped(&d), ["edge_below_min"], "{d:#?}");
    let mut free = kernel();
    let d = step(&mut free, &forecast(signal("0.45", T0), T0 + 100));
    assert_eq!(placed(&d).len(), 1, "{d:#?}");
}

#[test]
fn offline_forecasts_are_traded_only_when_asked() {
    let config = ForecastTradingConfig {
        trade_offline: true,
        ..enabled()
    };
    let mut k = kernel_with(config, RiskConfig::default(), 0);
    let mut offline = signal("0.55", T0);
    offline.source = ForecastSignal::OFFLINE.to_owned();
    let d = step(&mut k, &forecast(offline, T0 + 100));
    assert_eq!(placed(&d).len(), 1, "{d:#?}");
}

#[test]
fn a_low_confidence_forecast_is_refused_by_the_risk_gate() {
    let mut k = kernel();
    let mut low = signal("0.55", T0);
    low.confidence = Confidence::Low;
    let d = step(&mut k, &forecast(low, T0 + 100));
    assert!(skipped(&d).is_empty(), "the strategy passes it on: {d:#?}");
    assert!(
        d.iter().any(|d| matches!(d, Decision::RiskRejected { codes, .. } if codes.contains(&"low_confidence".to_owned()))),
        "{d:#?}"
    );
    assert!(placed(&d).is_empty());
}

#[test]
fn a_held_market_is_not_added_to() {
    let mut k = kernel();
    step(&mut k, &forecast(signal("0.55", T0), T0 + 100));
    step(&mut k, &Event::Tick { ts: T0 + 200 });
    let before = held(&k, tok(1));
    let d = step(&mut k, &forecast(signal("0.60", T0 + 300), T0 + 300));
    assert_eq!(skipped(&d), ["already_holding"], "{d:#?}");
    assert_eq!(held(&k, tok(1)), before);
    // The re-forecast is what the position is now judged on.
    assert_eq!(memo_probability(&k, tok(1)), Some(prob("0.60")));
}

#[test]
fn a_decisive_reversal_exits_at_once() {
    let mut k = kernel();
    step(&mut k, &forecast(signal("0.55", T0), T0 + 100));
    step(&mut k, &Event::Tick { ts: T0 + 200 });
    assert!(held(&k, tok(1)) > Size::ZERO);
    // NO now has 0.70 − 0.61 = 0.09 of edge: sell YES, do not buy NO yet.
    let d = step(&mut k, &forecast(signal("0.30", T0 + 300), T0 + 300));
    let orders = placed(&d);
    assert_eq!(orders.len(), 1, "{d:#?}");
    assert_eq!(
        (orders[0].0, orders[0].1, orders[0].3.as_str()),
        (tok(1), Side::Sell, "edge_reversal")
    );
    step(&mut k, &Event::Tick { ts: T0 + 400 });
    assert_eq!(held(&k, tok(1)), Size::ZERO);
    assert_eq!(held(&k, tok(2)), Size::ZERO);
}

#[test]
fn a_mild_reversal_is_exited_by_the_kernels_rule_on_the_new_probability() {
    let mut k = kernel();
    step(&mut k, &forecast(signal("0.55", T0), T0 + 100));
    step(&mut k, &Event::Tick { ts: T0 + 200 });
    // P(YES) 0.36 < bid 0.39, but NO's edge (0.64 − 0.61) is below min_edge: no exit by the
    // strategy; the position's probability is updated and the next tick's rule sells.
    let d = step(&mut k, &forecast(signal("0.36", T0 + 300), T0 + 300));
    assert_eq!(skipped(&d), ["already_holding"], "{d:#?}");
    assert_eq!(memo_probability(&k, tok(1)), Some(prob("0.36")));
    let d = step(&mut k, &Event::Tick { ts: T0 + 400 });
    assert!(
        d.iter().any(
            |d| matches!(d, Decision::ExitSignal { token, reason, .. } if *token == tok(1) && reason == "edge_reversal")
        ),
        "{d:#?}"
    );
    step(&mut k, &Event::Tick { ts: T0 + 500 });
    assert_eq!(held(&k, tok(1)), Size::ZERO);
}

#[test]
fn without_exit_on_reversal_the_strategy_leaves_exits_to_the_rules() {
    let config = ForecastTradingConfig {
        exit_on_reversal: false,
        ..enabled()
    };
    let risk = RiskConfig {
        // The rule would fire too; switch it off to see the strategy hold.
        edge_reversal_threshold: 0.5,
        ..RiskConfig::default()
    };
    let mut k = kernel_with(config, risk, 0);
    step(&mut k, &forecast(signal("0.55", T0), T0 + 100));
    step(&mut k, &Event::Tick { ts: T0 + 200 });
    let d = step(&mut k, &forecast(signal("0.30", T0 + 300), T0 + 300));
    assert_eq!(skipped(&d), ["already_holding"], "{d:#?}");
    step(&mut k, &Event::Tick { ts: T0 + 400 });
    assert!(held(&k, tok(1)) > Size::ZERO);
}

#[test]
fn the_config_section_validates_naming_the_key() {
    let bad: ForecastTradingConfig =
        toml::from_str("max_forecast_age_minutes = 0\nmax_entry_slippage = 1.5\naccount = \"\"")
            .unwrap();
    let keys: Vec<String> = bad.validate().into_iter().map(|e| e.key).collect();
    assert_eq!(
        keys,
        ["account", "max_forecast_age_minutes", "max_entry_slippage"]
    );
    assert!(ForecastTradingConfig::default().validate().is_empty());
    assert!(toml::from_str::<ForecastTradingConfig>("max_age = 3").is_err());
}
