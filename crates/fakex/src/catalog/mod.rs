//! The market catalog: every market and event fakex serves, merged across sources.
//!
//! The same condition can appear in several recorded files (a Gamma dump, a CLOB page, an
//! event listing); they are merged into one [`Market`] keeping the original JSON objects,
//! which are served back with only live fields patched. Markets known from one API only get
//! the other half synthesised ([`synth`]), so discovery on Gamma and trading on the CLOB work
//! for every market.

pub mod generate;
pub mod spec;
pub mod synth;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use polybot_model::{ConditionId, TickSize, TokenId};
use serde_json::{Map, Value};

use crate::seed::sniff::EventRecord;
use crate::util::{as_bool, as_f64, as_str, fnv64, parse_datetime};
use spec::{Quote, Spec};

type Obj = Map<String, Value>;

/// One market as fakex runs it.
#[derive(Debug, Clone)]
pub struct Market {
    pub condition: ConditionId,
    /// The condition id as written on the wire (`0x` + 64 lowercase hex digits).
    pub cid: String,
    /// The Gamma object as recorded (time-shifted) or synthesised; live fields are patched
    /// at serve time.
    pub gamma: Obj,
    /// The CLOB `MarketResponse` object, likewise.
    pub clob: Obj,
    pub gamma_id: String,
    pub slug: String,
    pub question: String,
    pub description: String,
    pub icon: String,
    pub tokens: Vec<TokenId>,
    pub outcomes: Vec<String>,
    pub tick: TickSize,
    pub min_size: f64,
    pub neg_risk: bool,
    pub active: bool,
    pub closed: bool,
    pub archived: bool,
    pub accepting: bool,
    /// Set when fakex resolved the market: the winning outcome's index.
    pub resolved: Option<usize>,
    /// Indices into [`Catalog::events`].
    pub events: Vec<usize>,
    pub end_date: Option<DateTime<Utc>>,
    pub start_date: Option<DateTime<Utc>>,
    /// Recorded volume (USDC); simulated trades add to `sim_volume`.
    pub base_volume: f64,
    pub sim_volume: f64,
    /// Whether the recorded object has a liquidity figure (then it is not recomputed).
    pub has_liquidity: bool,
    pub taker_base_fee: u32,
    /// V2 platform fee rate (`fd.r` of `/clob-markets`).
    pub fee_rate: f64,
    pub category: &'static str,
    /// Listed on `/sampling-markets` (markets with a liquidity-rewards programme).
    pub sampling: bool,
    pub quote: Quote,
    /// Whether the market trades: it has an order book fakex simulates.
    pub live: bool,
}

impl Market {
    /// The other outcome of a binary market (whose book mirrors this one's).
    #[must_use]
    pub fn complement(&self, outcome: usize) -> Option<usize> {
        (self.tokens.len() == 2).then_some(1 - outcome.min(1))
    }
}

/// One Gamma event and the markets it groups.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: String,
    pub slug: String,
    /// The event object as recorded, without `markets` (rebuilt from live markets on output).
    pub obj: Obj,
    pub markets: Vec<usize>,
    pub base_volume: f64,
    pub has_liquidity: bool,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    pub tag_ids: Vec<String>,
    pub tag_slugs: Vec<String>,
}

/// All markets and events, with lookup indices.
#[derive(Debug, Default)]
pub struct Catalog {
    pub markets: Vec<Market>,
    pub events: Vec<Event>,
    pub by_condition: HashMap<ConditionId, usize>,
    pub by_token: HashMap<TokenId, (usize, usize)>,
    pub by_gamma_id: HashMap<String, usize>,
    pub by_slug: HashMap<String, usize>,
    pub event_by_id: HashMap<String, usize>,
    pub event_by_slug: HashMap<String, usize>,
}

/// Records to build a catalog from (recorded or generated).
#[derive(Debug, Default)]
pub struct CatalogInput {
    pub gamma_markets: Vec<Obj>,
    pub events: Vec<EventRecord>,
    pub clob_markets: Vec<Obj>,
}

#[derive(Default)]
struct Draft {
    condition: Option<ConditionId>,
    gamma: Option<Obj>,
    clob: Option<Obj>,
}

#[derive(Default)]
struct Builder {
    drafts: Vec<Draft>,
    index: HashMap<ConditionId, usize>,
    events: Vec<(Obj, Vec<ConditionId>)>,
    event_index: HashMap<String, usize>,
}

/// Adds the keys of `extra` missing from `base`.
fn merge_missing(base: &mut Obj, extra: Obj) {
    for (k, v) in extra {
        base.entry(k).or_insert(v);
    }
}

impl Builder {
    fn draft(&mut self, cid: ConditionId) -> &mut Draft {
        let next = self.drafts.len();
        let i = *self.index.entry(cid).or_insert(next);
        if i == next {
            self.drafts.push(Draft {
                condition: Some(cid),
                ..Draft::default()
            });
        }
        &mut self.drafts[i]
    }

    fn add_gamma(&mut self, mut gamma: Obj) {
        let Some(cid) = as_str(gamma.get("conditionId")).and_then(|c| ConditionId::parse(c).ok())
        else {
            return;
        };
        if let Some(Value::Array(events)) = gamma.get("events") {
            for e in events.clone() {
                if let Value::Object(mut obj) = e {
                    obj.remove("markets");
                    self.add_event(obj, vec![cid]);
                }
            }
        }
        gamma.remove("markets");
        let draft = self.draft(cid);
        match &mut draft.gamma {
            Some(existing) => merge_missing(existing, gamma),
            None => draft.gamma = Some(gamma),
        }
    }

    fn add_clob(&mut self, clob: Obj) {
        let Some(cid) = as_str(clob.get("condition_id")).and_then(|c| ConditionId::parse(c).ok())
        else {
            return;
        };
        let draft = self.draft(cid);
        match &mut draft.clob {
            Some(existing) => merge_missing(existing, clob),
            None => draft.clob = Some(clob),
        }
    }

    fn add_event(&mut self, obj: Obj, conditions: Vec<ConditionId>) {
        let Some(id) = as_str(obj.get("id")).map(str::to_owned) else {
            return;
        };
        match self.event_index.get(&id) {
            Some(&i) => {
                let (existing, conds) = &mut self.events[i];
                merge_missing(existing, obj);
                for c in conditions {
                    if !conds.contains(&c) {
                        conds.push(c);
                    }
                }
            }
            None => {
                self.event_index.insert(id, self.events.len());
                self.events.push((obj, conditions));
            }
        }
    }
}

/// Builds the catalog: merges, synthesises missing halves, links events, indexes.
#[must_use]
pub fn build(input: CatalogInput) -> Catalog {
    let mut b = Builder::default();
    for e in input.events {
        b.add_event(e.obj, e.market_conditions);
        e.full_markets.into_iter().for_each(|m| b.add_gamma(m));
    }
    input.gamma_markets.into_iter().for_each(|m| b.add_gamma(m));
    input.clob_markets.into_iter().for_each(|m| b.add_clob(m));

    let mut cat = Catalog::default();
    let mut used_ids: HashSet<String> = b
        .drafts
        .iter()
        .filter_map(|d| {
            d.gamma
                .as_ref()
                .and_then(|g| as_str(g.get("id")))
                .map(str::to_owned)
        })
        .collect();
    for draft in b.drafts {
        if let Some(market) = finish_market(draft, &mut used_ids, &cat) {
            cat.add_market(market);
        }
    }
    for (obj, conditions) in b.events {
        let markets: Vec<usize> = conditions
            .iter()
            .filter_map(|c| cat.by_condition.get(c).copied())
            .collect();
        cat.add_event(make_event(obj, markets));
    }
    cat
}

/// A stable numeric Gamma id for a market that has none.
fn synth_id(cid: &str, used: &mut HashSet<String>) -> String {
    let mut n = 900_000_000 + fnv64(cid.as_bytes()) % 99_999_999;
    while !used.insert(n.to_string()) {
        n += 1;
    }
    n.to_string()
}

fn finish_market(draft: Draft, used_ids: &mut HashSet<String>, cat: &Catalog) -> Option<Market> {
    let condition = draft.condition?;
    let cid = condition.to_string();
    let s: Spec = spec::extract(draft.gamma.as_ref(), draft.clob.as_ref());
    if s.tokens.iter().any(|t| cat.by_token.contains_key(t)) {
        tracing::warn!(market = %cid, "fakex: skipping market whose token ids belong to another market");
        return None;
    }
    let category = spec::category(&s.labels, &s.question);
    let (gamma, clob) = complete_halves(draft.gamma, draft.clob, &s, &cid, category, used_ids)?;
    let live = s.enable_book && s.active && !s.closed && s.accepting && !s.tokens.is_empty();
    Some(Market {
        condition,
        gamma_id: as_str(gamma.get("id")).unwrap_or_default().to_owned(),
        sampling: live && (s.rewards_min_size > 0.0 || s.rewards_rates),
        fee_rate: if s.fees_enabled {
            spec::fee_rate(category)
        } else {
            0.0
        },
        cid,
        gamma,
        clob,
        slug: s.slug,
        question: s.question,
        description: s.description,
        icon: s.icon,
        tokens: s.tokens,
        outcomes: s.outcomes,
        tick: s.tick,
        min_size: s.min_size,
        neg_risk: s.neg_risk,
        active: s.active,
        closed: s.closed,
        archived: s.archived,
        accepting: s.accepting,
        resolved: None,
        events: Vec::new(),
        end_date: s.end_date,
        start_date: s.start_date,
        base_volume: s.volume,
        sim_volume: 0.0,
        has_liquidity: s.has_liquidity,
        taker_base_fee: s.taker_base_fee,
        category,
        quote: s.quote,
        live,
    })
}

/// Both API objects of a market: the recorded ones, with whichever is missing synthesised,
/// and a stable id for a Gamma object that has none.
fn complete_halves(
    gamma: Option<Obj>,
    clob: Option<Obj>,
    s: &Spec,
    cid: &str,
    category: &str,
    used_ids: &mut HashSet<String>,
) -> Option<(Obj, Obj)> {
    let with_id = |mut g: Obj, used: &mut HashSet<String>| {
        if as_str(g.get("id")).is_none() {
            g.insert("id".into(), Value::from(synth_id(cid, used)));
        }
        g
    };
    match (gamma, clob) {
        (Some(g), Some(c)) => Some((with_id(g, used_ids), c)),
        (Some(g), None) => {
            let g = with_id(g, used_ids);
            let c = synth::clob_from_gamma(&g, s, cid, category);
            Some((g, c))
        }
        (None, Some(c)) => {
            let id = synth_id(cid, used_ids);
            Some((synth::gamma_from_clob(&c, s, cid, &id), c))
        }
        (None, None) => None,
    }
}

fn make_event(obj: Obj, markets: Vec<usize>) -> Event {
    let tags = obj
        .get("tags")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Event {
        id: as_str(obj.get("id")).unwrap_or_default().to_owned(),
        slug: as_str(obj.get("slug")).unwrap_or_default().to_owned(),
        base_volume: as_f64(obj.get("volume")).unwrap_or(0.0),
        has_liquidity: obj.contains_key("liquidity"),
        start_date: as_str(obj.get("startDate")).and_then(parse_datetime),
        end_date: as_str(obj.get("endDate")).and_then(parse_datetime),
        tag_ids: tags
            .iter()
            .filter_map(|t| as_str(t.get("id")).map(str::to_owned))
            .collect(),
        tag_slugs: tags
            .iter()
            .filter_map(|t| as_str(t.get("slug")).map(str::to_owned))
            .collect(),
        markets,
        obj,
    }
}

impl Catalog {
    /// The other outcome's token of a binary market (whose book mirrors this one's).
    #[must_use]
    pub fn complement_of(&self, token: TokenId) -> Option<TokenId> {
        let &(mi, o) = self.by_token.get(&token)?;
        let m = &self.markets[mi];
        m.tokens.get(m.complement(o)?).copied()
    }

    pub fn add_market(&mut self, market: Market) {
        let i = self.markets.len();
        self.by_condition.insert(market.condition, i);
        for (o, t) in market.tokens.iter().enumerate() {
            self.by_token.insert(*t, (i, o));
        }
        self.by_gamma_id.entry(market.gamma_id.clone()).or_insert(i);
        if !market.slug.is_empty() {
            self.by_slug.entry(market.slug.clone()).or_insert(i);
        }
        self.markets.push(market);
    }

    pub fn add_event(&mut self, event: Event) {
        let i = self.events.len();
        for &m in &event.markets {
            self.markets[m].events.push(i);
        }
        self.event_by_id.entry(event.id.clone()).or_insert(i);
        if !event.slug.is_empty() {
            self.event_by_slug.entry(event.slug.clone()).or_insert(i);
        }
        self.events.push(event);
    }

    /// Whether an event counts as closed: recorded so, or all its markets closed.
    #[must_use]
    pub fn event_closed(&self, e: &Event) -> bool {
        let recorded = as_bool(e.obj.get("closed")).unwrap_or(false);
        recorded || (!e.markets.is_empty() && e.markets.iter().all(|&m| self.markets[m].closed))
    }
}
