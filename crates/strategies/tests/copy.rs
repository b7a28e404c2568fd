//! Copy trading through the kernel: a leader's buy becomes a risk-sized copy on the simulated
//! venue, stale or moved signals and unscored or uncopyable leaders are skipped with their codes,
//! and the leader's sell is mirrored.

use alloy_primitives::{B256, U256};
use polybot_engine::event::LeaderTrade;
use polybot_engine::kernel::{MarketMeta, RiskSetup};
use polybot_engine::orders::MarketRules;
use polybot_engine::session::{FORMAT, Mode, SessionHeader, SessionMarket, SimSetup};
use polybot_engine::sim::{SimConfig, SimVenue};
use polybot_engine::{AccountId, Decision, Event, Kernel};
use polybot_model::{ConditionId, Level, Price, Probability, Side, Size, TickSize, TokenId, Usdc};
use polybot_risk::{MarketKey, OutcomeSide};
use polybot_strategies::{CopyConfig, CopyStrategy};

const T0: i64 = 1_800_000_000_000;
const LEADER: &str = "0x1111111111111111111111111111111111111111";

fn tok(n: u8) -> TokenId {
    TokenId(U256::from(n))
}

fn px(s: &str) -> Price {
    Price::parse(s).unwrap()
}

fn meta(outcome: OutcomeSide) -> Box<MarketMeta> {
    Box::new(MarketMeta {
        key: MarketKey {
            market: ConditionId(B256::repeat_byte(7)),
            event_id: Some("event".to_owned()),
            neg_risk: None,
            category: "SPORTS".to_owned(),
            tags: Vec::new(),
        },
        market_type: "SPORTS".to_owned(),
        outcome,
        end_time_ms: Some(T0 + 20 * 86_400_000),
        fee_rate_bps: 0,
    })
}

/// YES is token 1, NO token 2, both with deep books.
fn kernel() -> Kernel<SimVenue> {
    let market = |token, outcome| SessionMarket {
        token,
        rules: MarketRules::polymarket(TickSize::Hundredth),
        taker_fee_bps: 0,
        meta: Some(meta(outcome)),
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
        accounts: vec![(AccountId::new("copy"), Usdc::dollars(1_000))],
        fills: Vec::new(),
        resolutions: Vec::new(),
        orders: Vec::new(),
        algos: Vec::new(),
        next_id: 1,
        risk: RiskSetup::default(),
        strategies: Vec::new(),
        closed_orders: Vec::new(),
    };
    let mut k = header.build_kernel(header.sim_venue()).unwrap();
    k.add_strategy(Box::new(CopyStrategy::new(CopyConfig {
        enabled: true,
        ..CopyConfig::default()
    })));
    for (token, bid, ask) in [(tok(1), "0.39", "0.40"), (tok(2), "0.60", "0.61")] {
        k.handle(&Event::Book {
            token,
            bids: vec![Level {
                price: px(bid),
                size: Size::shares(10_000),
            }],
            asks: vec![Level {
                price: px(ask),
                size: Size::shares(10_000),
            }],
            ts: T0,
        });
    }
    k.take_changes();
    k
}

fn leader_trade(token: TokenId, side: Side, price: &str, age_ms: i64, now: i64) -> Event {
    Event::LeaderTrade {
        trade: Box::new(LeaderTrade {
            wallet: LEADER.to_owned(),
            label: None,
            token,
            side,
            price: px(price),
            size: Size::shares(200),
            timestamp_ms: now - age_ms,
            tx_hash: format!("0x{now:x}"),
            score: Some(Probability::parse("0.75").unwrap()),
            uncopyable: None,
        }),
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
        .account(&AccountId::new("copy"))
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

#[test]
fn a_leaders_no_buy_is_copied_on_the_no_token_and_mirrored_on_their_sell() {
    let mut k = kernel();
    // The leader bought NO (outcome index 1): the copy buys token 2, never YES.
    let d = step(
        &mut k,
        &leader_trade(tok(2), Side::Buy, "0.605", 2_000, T0 + 100),
    );
    assert!(
        d.iter().any(|d| matches!(d, Decision::Sized { .. })),
        "{d:#?}"
    );
    assert!(
        d.iter().any(|d| matches!(d, Decision::Placed { .. })),
        "{d:#?}"
    );
    step(&mut k, &Event::Tick { ts: T0 + 200 });
    assert!(held(&k, tok(2)) > Size::ZERO);
    assert_eq!(held(&k, tok(1)), Size::ZERO);
    let key = polybot_engine::kernel::position_key("copy", tok(2));
    assert_eq!(
        k.risk_memory().positions[&key].leader.as_deref(),
        Some(LEADER)
    );

    // The leader sells: the copy follows.
    let d = step(
        &mut k,
        &leader_trade(tok(2), Side::Sell, "0.60", 1_000, T0 + 1_000),
    );
    assert!(
        d.iter()
            .any(|d| matches!(d, Decision::Placed { order, .. } if order.side == Side::Sell)),
        "{d:#?}"
    );
    step(&mut k, &Event::Tick { ts: T0 + 1_100 });
    assert_eq!(held(&k, tok(2)), Size::ZERO);
    // A leader's sell of a token we do not hold is nothing to do.
    let d = step(
        &mut k,
        &leader_trade(tok(1), Side::Sell, "0.40", 1_000, T0 + 2_000),
    );
    assert!(d.is_empty(), "{d:#?}");
    // One closed copy (a small loss on the spread) does not cut the leader off.
    let d = step(
        &mut k,
        &leader_trade(tok(2), Side::Buy, "0.605", 1_000, T0 + 3_000),
    );
    assert!(
        d.iter().any(|d| matches!(d, Decision::Placed { .. })),
        "still copied: {d:#?}"
    );
}

#[test]
fn bad_signals_are_skipped_with_their_codes() {
    let mut k = kernel();
    let now = T0 + 100;
    // Stale: 31 s old.
    let d = step(
        &mut k,
        &leader_trade(tok(1), Side::Buy, "0.40", 31_000, now),
    );
    assert_eq!(skipped(&d), ["stale_signal"]);
    // Moved: the leader paid 0.37, the ask is 0.40 (8% above).
    let d = step(&mut k, &leader_trade(tok(1), Side::Buy, "0.37", 1_000, now));
    assert_eq!(skipped(&d), ["price_moved"]);
    // A low score and an uncopyable scalper.
    let mut low = leader_trade(tok(1), Side::Buy, "0.40", 1_000, now);
    if let Event::LeaderTrade { trade, .. } = &mut low {
        trade.score = Some(Probability::parse("0.4").unwrap());
    }
    assert_eq!(skipped(&step(&mut k, &low)), ["low_trader_score"]);
    let mut scalper = leader_trade(tok(1), Side::Buy, "0.40", 1_000, now);
    if let Event::LeaderTrade { trade, .. } = &mut scalper {
        trade.uncopyable = Some("high_frequency".to_owned());
    }
    assert_eq!(skipped(&step(&mut k, &scalper)), ["low_trader_score"]);
    assert_eq!(held(&k, tok(1)), Size::ZERO);
}

#[test]
fn a_cut_off_trader_is_not_copied() {
    use polybot_engine::kernel::RiskCommand;
    use polybot_engine::operator::OperatorCommand;
    let mut k = kernel();
    let cut = Event::Operator {
        command_id: 1,
        account: AccountId::new("manual"),
        command: OperatorCommand::Risk(RiskCommand::Cutoff {
            wallet: LEADER.to_owned(),
            reason: "test".to_owned(),
        }),
        ts: T0 + 50,
    };
    step(&mut k, &cut);
    let d = step(
        &mut k,
        &leader_trade(tok(1), Side::Buy, "0.40", 1_000, T0 + 100),
    );
    let codes: Vec<String> = d
        .iter()
        .filter_map(|d| match d {
            Decision::RiskRejected { codes, .. } => Some(codes.join(",")),
            _ => None,
        })
        .collect();
    assert!(codes.iter().any(|c| c.contains("trader_cutoff")), "{d:#?}");
    let restore = Event::Operator {
        command_id: 2,
        account: AccountId::new("manual"),
        command: OperatorCommand::Risk(RiskCommand::Uncutoff {
            wallet: LEADER.to_owned(),
        }),
        ts: T0 + 150,
    };
    step(&mut k, &restore);
    let d = step(
        &mut k,
        &leader_trade(tok(1), Side::Buy, "0.40", 1_000, T0 + 200),
    );
    assert!(
        d.iter().any(|d| matches!(d, Decision::Placed { .. })),
        "copied again after uncutoff: {d:#?}"
    );
}

#[test]
fn the_config_section_validates_naming_the_key() {
    let bad: CopyConfig = toml::from_str("max_price_move = 2.0\naccount = \"\"").unwrap();
    let keys: Vec<String> = bad
        .validate()
        .unwrap_err()
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(keys, ["account", "max_price_move"]);
    assert!(CopyConfig::default().validate().is_ok());
}
