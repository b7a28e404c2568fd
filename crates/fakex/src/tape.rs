//! The Data API's view of the venue: a tape of trades by wallet, and the positions and PnL
//! that follow from it.
//!
//! Recorded trades seed the tape; every simulated trade is appended with a pseudonymous
//! wallet drawn from a stable pool (real leaderboard wallets when a dump is available), so
//! `/trades`, `/activity`, `/positions`, `/value` and the leaderboard all move together and
//! agree with each other. Positions are maintained incrementally (average cost, realised
//! PnL), never recomputed from the tape, so capping the tape's length loses nothing.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use polybot_model::{Side, TokenId};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Map, Value, json};

use crate::seed::records::{RecordedTrade, Wallet};
use crate::styles::Styles;
use crate::util::{derive_seed, hex_digest, mix, num};

/// Most recent trades kept on the tape.
const TAPE_CAP: usize = 200_000;
/// Wallets the simulator trades with.
const POOL_SIZE: usize = 300;

/// Per-token descriptive fields repeated on every trade and position.
#[derive(Debug, Clone, Default)]
pub struct TradeMeta {
    pub asset: String,
    pub condition: String,
    pub title: String,
    pub slug: String,
    pub icon: String,
    pub event_slug: String,
    pub event_id: String,
    pub outcome: String,
    pub outcome_index: i32,
    pub opposite_outcome: String,
    pub opposite_asset: String,
    pub end_date: String,
    pub neg_risk: bool,
}

#[derive(Debug, Clone)]
pub struct TapeTrade {
    pub wallet: u32,
    pub token: TokenId,
    pub meta: Arc<TradeMeta>,
    pub side: Side,
    pub size: f64,
    pub price: f64,
    /// Unix seconds, as the Data API reports it.
    pub ts: i64,
    /// The venue time of the trade in ms (the Data API only shows seconds; tests measure
    /// detection latency against this).
    pub ts_ms: i64,
    /// The wallet's role: taker (the simulator's trades, recorded trades) or maker (only
    /// injected fills). `/trades` hides maker rows unless `takerOnly=false`, like the venue.
    pub taker: bool,
    pub tx: Box<str>,
}

impl TapeTrade {
    #[must_use]
    pub fn notional(&self) -> f64 {
        self.size * self.price
    }
}

/// A wallet's holding of one token.
#[derive(Debug, Clone, Copy, Default)]
pub struct Holding {
    pub size: f64,
    pub cost: f64,
    pub bought: f64,
    pub realized: f64,
}

/// The current price of a token as the Data API reports it, and whether it resolved.
#[derive(Debug, Clone, Copy)]
pub struct Mark {
    pub price: f64,
    pub resolved: bool,
}

#[derive(Debug)]
pub struct Tape {
    pub trades: VecDeque<TapeTrade>,
    pub wallets: Vec<Wallet>,
    pub wallet_index: HashMap<String, u32>,
    pub holdings: BTreeMap<(u32, TokenId), Holding>,
    pub metas: HashMap<TokenId, Arc<TradeMeta>>,
    /// Simulated + recorded tape volume per wallet (USDC).
    pub tape_volume: Vec<f64>,
    /// Recorded positions (fixtures), served as-is for their wallet.
    pub recorded_positions: Vec<Map<String, Value>>,
    /// Wallets with a recognisable trading style (see [`crate::styles`]).
    pub styles: Styles,
    pub(crate) pool: Vec<u32>,
    /// The crowd's picks (see [`Tape::pick_wallet`]).
    crowd_rng: StdRng,
    next_tx: u64,
    seed: u64,
}

const ADJECTIVES: &[&str] = &[
    "Jam-Packed",
    "Quiet",
    "Brisk",
    "Golden",
    "Hollow",
    "Lucky",
    "Frosty",
    "Velvet",
    "Bold",
    "Sly",
];
const NOUNS: &[&str] = &[
    "Sewer", "Falcon", "Harbor", "Lantern", "Meadow", "Comet", "Badger", "Willow", "Anvil", "Otter",
];

impl Tape {
    /// A tape over `wallets` (leaderboard dump) and recorded trades; invents wallets if none.
    #[must_use]
    pub fn new(seed: u64, mut wallets: Vec<Wallet>, positions: Vec<Map<String, Value>>) -> Tape {
        if wallets.is_empty() {
            wallets = (0..200u64).map(|i| generated_wallet(seed, i)).collect();
        }
        let mut tape = Tape {
            seed,
            recorded_positions: positions,
            crowd_rng: StdRng::seed_from_u64(derive_seed(seed, "crowd-wallets")),
            ..Tape::default()
        };
        for w in wallets {
            tape.add_wallet(w);
        }
        let holders: Vec<String> = tape
            .recorded_positions
            .iter()
            .filter_map(|p| {
                p.get("proxyWallet")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .collect();
        for address in holders {
            tape.add_wallet(Wallet {
                address,
                ..Wallet::default()
            });
        }
        let mut by_volume: Vec<u32> = (0..tape.wallets.len() as u32).collect();
        by_volume.sort_by(|a, b| {
            tape.wallets[*b as usize]
                .volume
                .total_cmp(&tape.wallets[*a as usize].volume)
        });
        tape.pool = by_volume.into_iter().take(POOL_SIZE).collect();
        tape.styles = Styles::choose(seed, &tape.pool);
        tape
    }

    fn add_wallet(&mut self, w: Wallet) -> u32 {
        if let Some(&i) = self.wallet_index.get(&w.address) {
            return i;
        }
        let i = self.wallets.len() as u32;
        self.wallet_index.insert(w.address.clone(), i);
        self.wallets.push(w);
        self.tape_volume.push(0.0);
        i
    }

    /// Appends a recorded trade; its wallet joins the simulator's pool.
    pub fn add_recorded(&mut self, t: RecordedTrade) {
        let wallet = Wallet {
            address: t.wallet.clone(),
            name: t.name.clone(),
            pseudonym: t.pseudonym.clone(),
            bio: t.bio.clone(),
            profile_image: t.profile_image.clone(),
            ..Wallet::default()
        };
        let known = self.wallet_index.contains_key(&wallet.address);
        let w = self.add_wallet(wallet);
        if !known {
            self.pool.push(w);
        }
        let meta = self.metas.entry(t.asset).or_insert_with(|| {
            Arc::new(TradeMeta {
                asset: t.asset.to_string(),
                condition: t.condition.clone(),
                title: t.title.clone(),
                slug: t.slug.clone(),
                icon: t.icon.clone(),
                event_slug: t.event_slug.clone(),
                outcome: t.outcome.clone(),
                outcome_index: t.outcome_index,
                ..TradeMeta::default()
            })
        });
        let meta = Arc::clone(meta);
        self.push(TapeTrade {
            wallet: w,
            token: t.asset,
            meta,
            side: t.side,
            size: t.size,
            price: t.price,
            ts: t.timestamp,
            ts_ms: t.timestamp.saturating_mul(1000),
            taker: true,
            tx: t.tx.into(),
        });
    }

    /// Picks the taker of a simulated trade: any pool wallet for a buy; for a sell, preferably
    /// one that holds enough of the token. The draws come from the tape's own stream: how many
    /// there are depends on the holdings, so drawing them from the simulator's stream would
    /// let every change of who traded move the books.
    pub fn pick_wallet(&mut self, side: Side, token: TokenId, size: f64) -> u32 {
        let pool = if self.pool.is_empty() {
            1
        } else {
            self.pool.len()
        };
        let any = |rng: &mut StdRng| {
            self.pool
                .get(rng.random_range(0..pool))
                .copied()
                .unwrap_or(0)
        };
        if side == Side::Sell {
            for _ in 0..8 {
                let w = any(&mut self.crowd_rng);
                if self
                    .holdings
                    .get(&(w, token))
                    .is_some_and(|h| h.size >= size)
                {
                    return w;
                }
            }
        }
        any(&mut self.crowd_rng)
    }

    /// Records a simulated trade, giving it a fresh transaction hash.
    pub fn add_simulated(&mut self, mut trade: TapeTrade) {
        trade.tx = self.fresh_tx().into();
        self.push(trade);
    }

    fn fresh_tx(&mut self) -> String {
        self.next_tx += 1;
        format!(
            "0x{}",
            hex_digest(mix(self.seed ^ 0x7478_6861_7368) ^ self.next_tx, 32)
        )
    }

    /// Records an injected trade (a test hook): placed in timestamp order, so a trade with an
    /// old timestamp appears where the venue's index would put a late-settled fill. Returns
    /// its position on the tape.
    pub fn insert_injected(&mut self, mut trade: TapeTrade) -> usize {
        trade.tx = self.fresh_tx().into();
        let at = self.trades.partition_point(|t| t.ts <= trade.ts);
        self.apply_holding(&trade);
        self.trades.insert(at, trade);
        if self.trades.len() > TAPE_CAP {
            self.trades.pop_front();
            return at.saturating_sub(1);
        }
        at
    }

    /// Puts a trade of the skilled wallets' simulated history on the tape, in timestamp order
    /// (see [`crate::styles::history`]).
    pub(crate) fn insert_history(&mut self, trade: TapeTrade) {
        let at = self.trades.partition_point(|t| t.ts <= trade.ts);
        self.apply_holding(&trade);
        self.trades.insert(at, trade);
    }

    /// The wallet index of `address` (lowercase), adding it outside the simulator's pool.
    pub fn wallet_for(&mut self, address: &str) -> u32 {
        self.add_wallet(Wallet {
            address: address.to_owned(),
            ..Wallet::default()
        })
    }

    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    pub(crate) fn push(&mut self, t: TapeTrade) {
        self.apply_holding(&t);
        self.trades.push_back(t);
        if self.trades.len() > TAPE_CAP {
            self.trades.pop_front();
        }
    }

    fn apply_holding(&mut self, t: &TapeTrade) {
        let h = self.holdings.entry((t.wallet, t.token)).or_default();
        match t.side {
            Side::Buy => {
                h.size += t.size;
                h.cost += t.size * t.price;
                h.bought += t.size;
            }
            Side::Sell => {
                let q = t.size.min(h.size);
                if q > 0.0 {
                    let avg = h.cost / h.size;
                    h.realized += q * (t.price - avg);
                    h.cost -= q * avg;
                    h.size -= q;
                }
            }
        }
        if let Some(v) = self.tape_volume.get_mut(t.wallet as usize) {
            *v += t.notional();
        }
    }

    #[must_use]
    pub fn wallet(&self, i: u32) -> &Wallet {
        &self.wallets[i as usize]
    }

    /// The Data API `Trade` object.
    #[must_use]
    pub fn trade_json(&self, t: &TapeTrade) -> Value {
        let w = self.wallet(t.wallet);
        json!({
            "proxyWallet": w.address, "side": t.side.as_str(), "asset": t.meta.asset,
            "conditionId": t.meta.condition, "size": num(t.size), "price": num(t.price), "timestamp": t.ts,
            "title": t.meta.title, "slug": t.meta.slug, "icon": t.meta.icon, "eventSlug": t.meta.event_slug,
            "outcome": t.meta.outcome, "outcomeIndex": t.meta.outcome_index, "name": w.name,
            "pseudonym": w.pseudonym, "bio": w.bio, "profileImage": w.profile_image,
            "profileImageOptimized": "", "transactionHash": &*t.tx,
        })
    }

    /// The Data API `Activity` object of a trade.
    #[must_use]
    pub fn activity_json(&self, t: &TapeTrade) -> Value {
        let mut v = self.trade_json(t);
        if let Some(obj) = v.as_object_mut() {
            obj.insert("type".into(), Value::from("TRADE"));
            obj.insert("usdcSize".into(), num(t.notional()));
        }
        v
    }

    /// The Data API positions of `wallet`, priced with `mark`.
    #[must_use]
    pub fn positions(&self, wallet: u32, mark: &dyn Fn(TokenId) -> Option<Mark>) -> Vec<Value> {
        let held = |token: &str| -> bool {
            TokenId::parse(token).ok().is_some_and(|t| {
                self.holdings
                    .get(&(wallet, t))
                    .is_some_and(|h| h.size >= 0.01)
            })
        };
        let mut out = Vec::new();
        for ((w, token), h) in self.holdings.range((wallet, TokenId(Default::default()))..) {
            if *w != wallet {
                break;
            }
            if h.size < 0.01 {
                continue;
            }
            let Some(meta) = self.metas.get(token) else {
                continue;
            };
            let avg = if h.size > 0.0 { h.cost / h.size } else { 0.0 };
            let m = mark(*token).unwrap_or(Mark {
                price: avg,
                resolved: false,
            });
            let current = h.size * m.price;
            let pct = |pnl: f64, base: f64| if base > 0.0 { pnl / base * 100.0 } else { 0.0 };
            out.push(json!({
                "proxyWallet": self.wallet(wallet).address, "asset": meta.asset, "conditionId": meta.condition,
                "size": num(h.size), "avgPrice": num(avg), "initialValue": num(h.cost), "currentValue": num(current),
                "cashPnl": num(current - h.cost), "percentPnl": num(pct(current - h.cost, h.cost)),
                "totalBought": num(h.bought), "realizedPnl": num(h.realized),
                "percentRealizedPnl": num(pct(h.realized, h.bought * avg)), "curPrice": num(m.price),
                "redeemable": m.resolved, "mergeable": !meta.opposite_asset.is_empty() && held(&meta.opposite_asset),
                "title": meta.title, "slug": meta.slug, "icon": meta.icon, "eventSlug": meta.event_slug,
                "eventId": meta.event_id, "outcome": meta.outcome, "outcomeIndex": meta.outcome_index,
                "oppositeOutcome": meta.opposite_outcome,
                "oppositeAsset": if meta.opposite_asset.is_empty() { "0" } else { meta.opposite_asset.as_str() },
                "endDate": meta.end_date, "negativeRisk": meta.neg_risk,
            }));
        }
        let address = &self.wallet(wallet).address;
        out.extend(
            self.recorded_positions
                .iter()
                .filter(|p| p.get("proxyWallet").and_then(Value::as_str) == Some(address.as_str()))
                .map(|p| Value::Object(p.clone())),
        );
        out
    }
}

impl Default for Tape {
    fn default() -> Self {
        Tape {
            trades: VecDeque::new(),
            wallets: Vec::new(),
            wallet_index: HashMap::new(),
            holdings: BTreeMap::new(),
            metas: HashMap::new(),
            tape_volume: Vec::new(),
            recorded_positions: Vec::new(),
            styles: Styles::default(),
            pool: Vec::new(),
            crowd_rng: StdRng::seed_from_u64(0),
            next_tx: 0,
            seed: 0,
        }
    }
}

fn generated_wallet(seed: u64, i: u64) -> Wallet {
    let k = mix(seed ^ 0x7761_6c6c ^ i.wrapping_mul(0x9e37));
    let adj = ADJECTIVES[(k % ADJECTIVES.len() as u64) as usize];
    let noun = NOUNS[((k >> 8) % NOUNS.len() as u64) as usize];
    let adj2 = ADJECTIVES[((k >> 16) % ADJECTIVES.len() as u64) as usize];
    let volume = 10f64.powf(3.0 + (k >> 24) as f64 / (1u64 << 40) as f64 * 4.0);
    Wallet {
        address: format!("0x{}", hex_digest(k, 20)),
        name: String::new(),
        pseudonym: format!("{adj}-{adj2}-{noun}"),
        volume,
        pnl: volume * (((k >> 32) % 200) as f64 / 1000.0 - 0.1),
        ..Wallet::default()
    }
}
