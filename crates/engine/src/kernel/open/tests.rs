//! Randomized runs through the kernel and the simulated venue: after every event the open-order
//! index (ids per account and token, committed totals) must equal what walking every order
//! gives, and the venue's indexes must hold exactly its resting orders.

use alloy_primitives::U256;
use polybot_model::{BookSide, Level, Price, Side, Size, TickSize, TokenId, Usdc};
use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng as _};

use super::OpenIndex;
use crate::event::Event;
use crate::kernel::{Kernel, Restored};
use crate::ledger::AccountId;
use crate::orders::algos::AlgoSpec;
use crate::orders::{MarketRules, Quantity, TimeInForce};
use crate::sim::{SimConfig, SimMarket, SimVenue, VenueReport};
use crate::strategy::{Intent, Strategy, View};

const T0: i64 = 1_800_000_000_000;

fn tokens() -> Vec<TokenId> {
    (1u64..=3)
        .map(|i| TokenId(U256::from(i) << 128 | U256::from(i * 7)))
        .collect()
}

fn cents(c: u32) -> Price {
    Price::from_micros(c * 10_000).unwrap()
}

/// Sends random orders, cancels and cancel-alls on a few tokens.
struct Chaos {
    account: AccountId,
    rng: StdRng,
    tokens: Vec<TokenId>,
}

impl Chaos {
    fn act(&mut self, view: &View<'_>, intents: &mut Vec<Intent>) {
        let token = self.tokens[self.rng.random_range(0..self.tokens.len())];
        let side = if self.rng.random_bool(0.5) {
            Side::Buy
        } else {
            Side::Sell
        };
        let price = cents(self.rng.random_range(35..66));
        match self.rng.random_range(0..20) {
            0..=9 => {
                let time_in_force = match self.rng.random_range(0..4) {
                    0 => TimeInForce::Gtc,
                    1 => TimeInForce::Gtd {
                        expires_at_secs: view.now_ms / 1000 + self.rng.random_range(61..400),
                    },
                    2 => TimeInForce::Fok,
                    _ => TimeInForce::Fak,
                };
                let quantity =
                    if side == Side::Buy && !time_in_force.rests() && self.rng.random_bool(0.5) {
                        Quantity::Usdc(Usdc::dollars(self.rng.random_range(1..30)))
                    } else {
                        Quantity::Shares(Size::shares(self.rng.random_range(4..60)))
                    };
                intents.push(Intent::Place {
                    token,
                    side,
                    price,
                    quantity,
                    time_in_force,
                    post_only: time_in_force.rests() && self.rng.random_bool(0.3),
                    reason: "chaos",
                });
            }
            10..=13 => {
                let open: Vec<_> = view
                    .open_orders(&self.account)
                    .map(|o| o.request.client_id)
                    .collect();
                if let Some(&client_id) = open.get(self.rng.random_range(0..open.len().max(1))) {
                    intents.push(Intent::Cancel { client_id });
                }
            }
            14 => intents.push(Intent::CancelAll {
                token: self.rng.random_bool(0.7).then_some(token),
            }),
            15 => intents.push(Intent::Algo {
                token,
                side,
                price,
                total: Size::shares(self.rng.random_range(10..80)),
                time_in_force: TimeInForce::Gtc,
                post_only: false,
                algo: if self.rng.random_bool(0.5) {
                    AlgoSpec::Twap {
                        slices: self.rng.random_range(1..5),
                        duration_ms: self.rng.random_range(0..120_000),
                    }
                } else {
                    AlgoSpec::Iceberg {
                        display: Size::shares(self.rng.random_range(5..20)),
                    }
                },
                reason: "chaos algo",
            }),
            16 => intents.push(Intent::Cancel {
                client_id: crate::orders::ClientOrderId(self.rng.random_range(1..400)),
            }),
            _ => {}
        }
    }
}

impl Strategy for Chaos {
    fn name(&self) -> &str {
        "chaos"
    }
    fn account(&self) -> &AccountId {
        &self.account
    }
    fn on_event(&mut self, view: &View<'_>, _event: &Event, intents: &mut Vec<Intent>) {
        for _ in 0..self.rng.random_range(0..3) {
            self.act(view, intents);
        }
    }
    fn on_report(&mut self, view: &View<'_>, _report: &VenueReport, intents: &mut Vec<Intent>) {
        if self.rng.random_bool(0.2) {
            self.act(view, intents);
        }
    }
}

fn kernel(seed: u64) -> Kernel<SimVenue> {
    let mut venue = SimVenue::new(SimConfig { latency_ms: 40 });
    for token in tokens() {
        venue.add_market(
            token,
            SimMarket {
                rules: MarketRules::polymarket(TickSize::Hundredth),
                taker_fee_bps: 200,
            },
        );
    }
    let mut k = Kernel::new(venue);
    for token in tokens() {
        k.add_market(token, MarketRules::polymarket(TickSize::Hundredth));
    }
    // A small bankroll, so funds checks refuse often; and a large one.
    for (name, dollars, salt) in [("small", 250, 1), ("large", 20_000, 2)] {
        k.open_account(AccountId::new(name), Usdc::dollars(dollars))
            .unwrap();
        k.add_strategy(Box::new(Chaos {
            account: AccountId::new(name),
            rng: StdRng::seed_from_u64(seed * 10 + salt),
            tokens: tokens(),
        }));
    }
    k
}

fn random_event(rng: &mut StdRng, ts: i64) -> Event {
    let tokens = tokens();
    let token = tokens[rng.random_range(0..tokens.len())];
    let level =
        |rng: &mut StdRng, c: u32| Level::new(cents(c), Size::shares(rng.random_range(1..200)));
    match rng.random_range(0..20) {
        0 => Event::Book {
            token,
            bids: (40..50).map(|c| level(rng, c)).collect(),
            asks: (51..61).map(|c| level(rng, c)).collect(),
            ts,
        },
        1..=10 => {
            let side = if rng.random_bool(0.5) {
                BookSide::Bid
            } else {
                BookSide::Ask
            };
            let c = match side {
                BookSide::Bid => rng.random_range(38..53),
                BookSide::Ask => rng.random_range(48..63),
            };
            let size = if rng.random_bool(0.25) {
                Size::ZERO
            } else {
                Size::shares(rng.random_range(1..200))
            };
            Event::Level {
                token,
                side,
                price: cents(c),
                size,
                ts,
            }
        }
        11..=17 => Event::Trade {
            token,
            price: cents(rng.random_range(38..63)),
            size: Size::shares(rng.random_range(1..150)),
            side: None,
            ts,
        },
        _ => Event::Tick { ts },
    }
}

fn assert_indexes_agree(k: &Kernel<SimVenue>, step: usize) {
    assert_eq!(
        k.open_index.snapshot(&k.orders),
        OpenIndex::recomputed(k.orders.values()),
        "step {step}"
    );
    let open: Vec<_> = k
        .orders
        .values()
        .filter(|o| o.state.is_open())
        .map(|o| o.request.client_id)
        .collect();
    assert_eq!(
        k.open.iter().copied().collect::<Vec<_>>(),
        open,
        "step {step}"
    );
    k.venue.check_indexes();
}

#[test]
fn the_open_order_index_always_equals_the_walk_over_every_order() {
    let (mut placed, mut refused, mut filled, mut expired) = (0, 0, 0, 0);
    for seed in 0..12 {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut k = kernel(seed);
        let mut ts = T0;
        for token in tokens() {
            k.handle(&Event::Book {
                token,
                bids: (40..50)
                    .map(|c| Level::new(cents(c), Size::shares(100)))
                    .collect(),
                asks: (51..61)
                    .map(|c| Level::new(cents(c), Size::shares(100)))
                    .collect(),
                ts,
            });
        }
        for step in 0..1_500 {
            ts += rng.random_range(0..20_000);
            k.handle(&random_event(&mut rng, ts));
            assert_indexes_agree(&k, step);
            if step % 300 == 299 {
                // What a restart does: the same state, restored into the kernel.
                let _ = k.prune_closed();
                let restored = Restored {
                    ledger: k.ledger().clone(),
                    orders: k.orders().values().cloned().collect(),
                    algos: k.algos().cloned().collect(),
                    next_id: k.next_id(),
                    closed: Vec::new(),
                };
                k.restore(restored);
                assert_indexes_agree(&k, step);
            }
        }
        for d in k.take_decisions() {
            match d {
                crate::Decision::Placed { .. } => placed += 1,
                crate::Decision::Refused { .. } => refused += 1,
                crate::Decision::Filled { .. } => filled += 1,
                crate::Decision::Closed {
                    reason: crate::sim::CloseReason::Expired,
                    ..
                } => expired += 1,
                _ => {}
            }
        }
    }
    // The runs went through every path worth checking.
    assert!(
        placed > 10_000 && refused > 1_000 && filled > 5_000 && expired > 100,
        "placed {placed}, refused {refused}, filled {filled}, expired {expired}"
    );
}
