//! The kernel in backtest mode: a scripted strategy trades through the simulated venue, the
//! ledger agrees with the fills to the micro-dollar, and replaying the journal reproduces the
//! same decision fingerprint.

use alloy_primitives::U256;
use polybot_engine::journal::{JournalWriter, read};
use polybot_engine::orders::algos::Twap;
use polybot_engine::orders::{MarketRules, Quantity, TimeInForce};
use polybot_engine::sim::{SimConfig, SimMarket, SimVenue};
use polybot_engine::{AccountId, Decision, Event, Intent, Kernel, Strategy, View};
use polybot_model::{BookSide, Level, Price, Side, Size, TickSize, TokenId, Usdc};

const T0: i64 = 1_800_000_000_000;

fn token() -> TokenId {
    TokenId(U256::from(77u8))
}
fn px(s: &str) -> Price {
    Price::parse(s).unwrap()
}
fn sz(s: &str) -> Size {
    Size::parse(s).unwrap()
}

/// Places a resting bid, a marketable FAK buy, a FOK sell later, and a three-slice TWAP.
struct Scripted {
    account: AccountId,
    step: u32,
    twap: Twap,
    twap_sent: u32,
}

impl Strategy for Scripted {
    fn name(&self) -> &str {
        "scripted"
    }
    fn account(&self) -> &AccountId {
        &self.account
    }
    fn on_event(&mut self, view: &View<'_>, _event: &Event, intents: &mut Vec<Intent>) {
        let place = |side, price: &str, quantity, tif, reason| Intent::Place {
            token: token(),
            side,
            price: px(price),
            quantity,
            time_in_force: tif,
            post_only: false,
            reason,
        };
        match self.step {
            0 => {
                intents.push(place(
                    Side::Buy,
                    "0.48",
                    Quantity::Shares(sz("20")),
                    TimeInForce::Gtc,
                    "rest",
                ));
                intents.push(place(
                    Side::Buy,
                    "0.52",
                    Quantity::Shares(sz("30")),
                    TimeInForce::Fak,
                    "take",
                ));
                intents.push(place(
                    Side::Buy,
                    "0.40",
                    Quantity::Shares(sz("1")),
                    TimeInForce::Gtc,
                    "too_small",
                ));
            }
            5 => intents.push(place(
                Side::Sell,
                "0.45",
                Quantity::Shares(sz("10")),
                TimeInForce::Fok,
                "exit",
            )),
            _ => {}
        }
        for (_, size) in self
            .twap
            .due(view.now_ms, self.twap_sent)
            .collect::<Vec<_>>()
        {
            self.twap_sent += 1;
            intents.push(place(
                Side::Buy,
                "0.53",
                Quantity::Shares(size),
                TimeInForce::Fak,
                "twap",
            ));
        }
        self.step += 1;
    }
}

fn events() -> Vec<Event> {
    let lv = |p: &str, s: &str| Level::new(px(p), sz(s));
    let mut events = vec![Event::Book {
        token: token(),
        bids: vec![lv("0.47", "100"), lv("0.48", "50")],
        asks: vec![lv("0.52", "100"), lv("0.51", "40")],
        ts: T0,
    }];
    for i in 1..40i64 {
        let ts = T0 + i * 100;
        events.push(match i % 4 {
            0 => Event::Trade {
                token: token(),
                price: px("0.48"),
                size: sz("20"),
                side: Some(Side::Sell),
                ts,
            },
            1 => Event::Level {
                token: token(),
                side: BookSide::Ask,
                price: px("0.51"),
                size: sz("40"),
                ts,
            },
            2 => Event::Level {
                token: token(),
                side: BookSide::Bid,
                price: px("0.46"),
                size: sz(&format!("{}", 10 + i)),
                ts,
            },
            _ => Event::Tick { ts },
        });
    }
    events
}

fn kernel() -> Kernel<SimVenue> {
    let mut venue = SimVenue::new(SimConfig { latency_ms: 20 });
    venue.add_market(
        token(),
        SimMarket {
            rules: MarketRules::polymarket(TickSize::Hundredth),
            taker_fee_bps: 400,
        },
    );
    let mut k = Kernel::new(venue);
    k.add_market(token(), MarketRules::polymarket(TickSize::Hundredth));
    k.open_account(AccountId::new("strategy:scripted"), Usdc::dollars(1_000))
        .unwrap();
    k.add_strategy(Box::new(Scripted {
        account: AccountId::new("strategy:scripted"),
        step: 0,
        twap: Twap {
            total: sz("15"),
            slices: 3,
            start_ms: T0 + 1_000,
            duration_ms: 1_500,
        },
        twap_sent: 0,
    }));
    k
}

#[test]
fn scripted_orders_fill_and_the_ledger_agrees_with_the_fills() {
    let mut k = kernel();
    for e in events() {
        k.handle(&e);
    }
    let decisions = k.take_changes().decisions;
    let placed = decisions
        .iter()
        .filter(|d| matches!(d, Decision::Placed { .. }))
        .count();
    assert_eq!(
        placed, 6,
        "rest, take, exit and three TWAP slices: {decisions:#?}"
    );
    assert!(
        decisions
            .iter()
            .any(|d| matches!(d, Decision::Refused { code, .. } if code == "below_min_size"))
    );
    assert!(
        !decisions
            .iter()
            .any(|d| matches!(d, Decision::Anomaly { .. })),
        "{decisions:#?}"
    );

    // Rebuild cash and position from the fills the venue reported, to the micro-dollar.
    let mut cash = Usdc::dollars(1_000);
    let mut shares = Size::ZERO;
    let mut bought = false;
    for d in &decisions {
        if let Decision::Filled {
            side,
            price,
            size,
            fee,
            ..
        } = d
        {
            let notional = size.notional(*price);
            match side {
                Side::Buy => {
                    cash = cash.saturating_sub(notional).saturating_sub(*fee);
                    shares = shares.saturating_add(*size);
                    bought = true;
                }
                Side::Sell => {
                    cash = cash.saturating_add(notional).saturating_sub(*fee);
                    shares = shares.saturating_sub(*size);
                }
            }
        }
    }
    assert!(bought, "nothing was bought: {decisions:#?}");
    let state = k
        .ledger()
        .account(&AccountId::new("strategy:scripted"))
        .unwrap()
        .state();
    assert_eq!(state.cash, cash);
    assert_eq!(
        state.positions.get(&token()).map_or(Size::ZERO, |p| p.size),
        shares
    );
    assert!(state.fees > Usdc::ZERO, "takers pay fees");
    // Every order's filled quantity equals the sum of its fills.
    for order in k.orders().values() {
        let sum = decisions
            .iter()
            .filter_map(|d| match d {
                Decision::Filled {
                    client_id, size, ..
                } if *client_id == order.request.client_id => Some(*size),
                _ => None,
            })
            .fold(Size::ZERO, Size::saturating_add);
        assert_eq!(order.filled, sum, "{:?}", order.request.client_id);
    }
    // Finished orders can be handed over and dropped; only orders that may still trade stay.
    let total = k.orders().len();
    let closed = k.prune_closed();
    assert!(!closed.is_empty() && closed.iter().all(|o| !o.state.is_open()));
    assert!(k.orders().values().all(|o| o.state.is_open()));
    assert_eq!(closed.len() + k.orders().len(), total);
    assert!(k.prune_closed().is_empty());
}

#[test]
fn replaying_the_journal_reproduces_the_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal/events.jsonl");
    let mut original = kernel();
    let mut journal = JournalWriter::open(&path).unwrap();
    for e in events() {
        journal.append(&e).unwrap();
        original.handle(&e);
    }
    journal.flush().unwrap();
    let mut replay = kernel();
    for e in read(&path).unwrap() {
        replay.handle(&e);
    }
    assert_eq!(replay.fingerprint(), original.fingerprint());
    assert!(original.fingerprint().decisions > 10);

    // A different event stream gives a different fingerprint.
    let mut other = kernel();
    for e in events().into_iter().take(20) {
        other.handle(&e);
    }
    assert_ne!(other.fingerprint(), original.fingerprint());
}

#[test]
fn a_torn_last_line_ends_the_journal_and_a_corrupt_middle_line_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let mut journal = JournalWriter::open(&path).unwrap();
    for e in events().into_iter().take(3) {
        journal.append(&e).unwrap();
    }
    journal.flush().unwrap();
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("{\"Tick\":{\"ts\":");
    std::fs::write(&path, &text).unwrap();
    assert_eq!(read(&path).unwrap().len(), 3);
    let broken = text.replacen("{\"Book\"", "{\"Bok\"", 1);
    std::fs::write(&path, broken).unwrap();
    let err = read(&path).unwrap_err().to_string();
    assert!(err.contains("line 1"), "{err}");
}
