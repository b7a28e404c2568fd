//! Reading a market's facts out of its Gamma and/or CLOB objects.
//!
//! The two APIs describe the same market with different keys and types; fakex keeps the
//! original objects to serve them back, and extracts here the few facts it needs to run the
//! market (tokens, tick, status, quote), preferring Gamma where both exist because it is the
//! richer and more current of the two.

use chrono::{DateTime, Utc};
use polybot_model::{TickSize, TokenId};
use serde_json::{Map, Value};

use crate::seed::sniff::tick_from_f64;
use crate::util::{as_bool, as_f64, as_str, parse_datetime};

type Obj = Map<String, Value>;

/// A market's initial quote, as recorded, for building its first book.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quote {
    pub bid: Option<f64>,
    pub ask: Option<f64>,
    /// The first outcome's displayed price (`outcomePrices[0]` or CLOB `tokens[0].price`).
    pub price: Option<f64>,
    pub last: Option<f64>,
}

/// The facts fakex needs to run a market.
#[derive(Debug, Clone)]
pub struct Spec {
    pub tokens: Vec<TokenId>,
    pub outcomes: Vec<String>,
    pub tick: TickSize,
    pub min_size: f64,
    pub neg_risk: bool,
    pub active: bool,
    pub closed: bool,
    pub archived: bool,
    pub accepting: bool,
    pub enable_book: bool,
    pub question: String,
    pub description: String,
    pub slug: String,
    pub icon: String,
    pub end_date: Option<DateTime<Utc>>,
    pub start_date: Option<DateTime<Utc>>,
    pub volume: f64,
    pub has_liquidity: bool,
    pub taker_base_fee: u32,
    pub fees_enabled: bool,
    pub rewards_min_size: f64,
    pub rewards_rates: bool,
    pub quote: Quote,
    pub labels: Vec<String>,
}

/// Looks a key up in Gamma first, then under its CLOB name.
struct Both<'a> {
    gamma: Option<&'a Obj>,
    clob: Option<&'a Obj>,
}

impl<'a> Both<'a> {
    fn get(&self, gamma_key: &str, clob_key: &str) -> Option<&'a Value> {
        self.gamma
            .and_then(|g| g.get(gamma_key))
            .filter(|v| !v.is_null())
            .or_else(|| {
                self.clob
                    .and_then(|c| c.get(clob_key))
                    .filter(|v| !v.is_null())
            })
    }
    fn text(&self, gamma_key: &str, clob_key: &str) -> String {
        as_str(self.get(gamma_key, clob_key))
            .unwrap_or_default()
            .to_owned()
    }
    fn flag(&self, gamma_key: &str, clob_key: &str) -> Option<bool> {
        as_bool(self.get(gamma_key, clob_key))
    }
}

fn json_list(value: Option<&Value>) -> Vec<String> {
    as_str(value)
        .and_then(|s| serde_json::from_str::<Vec<String>>(s).ok())
        .unwrap_or_default()
}

/// A CLOB token: id, outcome name, price.
type ClobToken = (TokenId, String, Option<f64>);

fn clob_tokens(clob: Option<&Obj>) -> Vec<ClobToken> {
    let Some(Value::Array(tokens)) = clob.and_then(|c| c.get("tokens")) else {
        return Vec::new();
    };
    tokens
        .iter()
        .filter_map(|t| {
            let id = TokenId::parse(as_str(t.get("token_id"))?).ok()?;
            let outcome = as_str(t.get("outcome")).unwrap_or_default().to_owned();
            Some((id, outcome, as_f64(t.get("price"))))
        })
        .collect()
}

/// Extracts a [`Spec`] from whichever of the two objects exist.
#[must_use]
pub fn extract(gamma: Option<&Obj>, clob: Option<&Obj>) -> Spec {
    let b = Both { gamma, clob };
    let clob_toks = clob_tokens(clob);
    let (tokens, outcomes) = tokens_and_outcomes(gamma, &clob_toks);
    let active = b.flag("active", "active").unwrap_or(true);
    let closed = b.flag("closed", "closed").unwrap_or(false);
    let rewards = clob.and_then(|c| c.get("rewards"));
    Spec {
        tick: as_f64(b.get("orderPriceMinTickSize", "minimum_tick_size"))
            .and_then(tick_from_f64)
            .unwrap_or(TickSize::Hundredth),
        min_size: as_f64(b.get("orderMinSize", "minimum_order_size"))
            .filter(|x| *x > 0.0)
            .unwrap_or(5.0),
        neg_risk: b.flag("negRisk", "neg_risk").unwrap_or(false),
        accepting: b
            .flag("acceptingOrders", "accepting_orders")
            .unwrap_or(active && !closed),
        archived: b.flag("archived", "archived").unwrap_or(false),
        enable_book: b
            .flag("enableOrderBook", "enable_order_book")
            .unwrap_or(true),
        question: b.text("question", "question"),
        description: b.text("description", "description"),
        slug: b.text("slug", "market_slug"),
        icon: b.text("icon", "icon"),
        end_date: as_str(b.get("endDate", "end_date_iso")).and_then(parse_datetime),
        start_date: as_str(b.get("startDate", "accepting_order_timestamp"))
            .and_then(parse_datetime),
        volume: as_f64(gamma.and_then(|g| g.get("volumeNum").or_else(|| g.get("volume"))))
            .unwrap_or(0.0),
        has_liquidity: gamma
            .is_some_and(|g| g.contains_key("liquidityNum") || g.contains_key("liquidity")),
        taker_base_fee: as_f64(b.get("takerBaseFee", "taker_base_fee"))
            .map_or(0, |x| x.clamp(0.0, 10_000.0) as u32),
        fees_enabled: gamma
            .and_then(|g| as_bool(g.get("feesEnabled")))
            .unwrap_or(false),
        rewards_min_size: as_f64(
            b.get("rewardsMinSize", "")
                .or_else(|| rewards.and_then(|r| r.get("min_size"))),
        )
        .unwrap_or(0.0),
        rewards_rates: rewards
            .and_then(|r| r.get("rates"))
            .and_then(Value::as_array)
            .is_some_and(|r| !r.is_empty()),
        quote: quote(gamma, &clob_toks),
        labels: labels(gamma, clob),
        tokens,
        outcomes,
        active,
        closed,
    }
}

/// Token ids and outcome names: Gamma's lists, or the CLOB's tokens when Gamma has none.
fn tokens_and_outcomes(
    gamma: Option<&Obj>,
    clob_toks: &[ClobToken],
) -> (Vec<TokenId>, Vec<String>) {
    let tokens: Vec<TokenId> = json_list(gamma.and_then(|g| g.get("clobTokenIds")))
        .iter()
        .filter_map(|t| TokenId::parse(t).ok())
        .collect();
    if tokens.is_empty() {
        return (
            clob_toks.iter().map(|t| t.0).collect(),
            clob_toks.iter().map(|t| t.1.clone()).collect(),
        );
    }
    (tokens, json_list(gamma.and_then(|g| g.get("outcomes"))))
}

fn quote(gamma: Option<&Obj>, clob_toks: &[ClobToken]) -> Quote {
    let prices = json_list(gamma.and_then(|g| g.get("outcomePrices")));
    Quote {
        bid: as_f64(gamma.and_then(|g| g.get("bestBid"))),
        ask: as_f64(gamma.and_then(|g| g.get("bestAsk"))),
        price: prices
            .first()
            .and_then(|p| p.parse::<f64>().ok())
            .or_else(|| clob_toks.first().and_then(|t| t.2)),
        last: as_f64(gamma.and_then(|g| g.get("lastTradePrice"))),
    }
}

/// Category-ish words attached to a market: Gamma `category`, tag labels, CLOB tags.
fn labels(gamma: Option<&Obj>, clob: Option<&Obj>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(c) = gamma.and_then(|g| as_str(g.get("category"))) {
        out.push(c.to_owned());
    }
    let tag_labels = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|tags| {
                tags.iter()
                    .filter_map(|t| as_str(t.get("label")).or_else(|| t.as_str()))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    out.extend(tag_labels(gamma.and_then(|g| g.get("tags"))));
    if let Some(Value::Array(events)) = gamma.and_then(|g| g.get("events")) {
        for e in events {
            out.extend(tag_labels(e.get("tags")));
            if let Some(s) = as_str(e.get("seriesSlug")) {
                out.push(s.to_owned());
            }
        }
    }
    out.extend(tag_labels(clob.and_then(|c| c.get("tags"))));
    out
}

/// The venue's fee categories.
pub const CATEGORIES: &[&str] = &[
    "Politics",
    "Sports",
    "Crypto",
    "Finance",
    "Economics",
    "Tech",
    "Culture",
    "Weather",
    "Geopolitics",
];

const KEYWORDS: &[(&str, &[&str])] = &[
    (
        "Crypto",
        &[
            "bitcoin", "btc", "ethereum", "eth ", "solana", "crypto", "xrp", "doge",
        ],
    ),
    (
        "Weather",
        &[
            "temperature",
            "weather",
            "rain",
            "snow",
            "hurricane",
            "°f",
            "°c",
        ],
    ),
    (
        "Economics",
        &[
            "fed ",
            "fed?",
            "fomc",
            "interest rate",
            "inflation",
            "cpi",
            "gdp",
            "recession",
            "unemployment",
            "bps",
        ],
    ),
    (
        "Finance",
        &[
            "earnings",
            "stock",
            "s&p",
            "nasdaq",
            "ipo",
            "shares",
            "market cap",
        ],
    ),
    (
        "Tech",
        &[
            "openai", "ai model", "apple", "google", "nvidia", "tesla", "spacex", "gpt",
        ],
    ),
    (
        "Geopolitics",
        &[
            "ceasefire",
            "war",
            "invade",
            "nato",
            "ukraine",
            "israel",
            "iran",
            "china",
        ],
    ),
    (
        "Politics",
        &[
            "election",
            "president",
            "senate",
            "governor",
            "nominee",
            "parliament",
            "minister",
            "trump",
            "congress",
        ],
    ),
    (
        "Sports",
        &[
            " vs",
            "nba",
            "nfl",
            "mlb",
            "nhl",
            "premier league",
            "champions",
            "match",
            "game",
            "cup",
            "win on",
            "counter-strike",
            "esports",
            "ufc",
        ],
    ),
    (
        "Culture",
        &[
            "movie", "album", "spotify", "oscar", "grammy", "tiktok", "youtube", "song",
        ],
    ),
];

/// The fee category of a market, from its labels and then its question's keywords.
#[must_use]
pub fn category(labels: &[String], question: &str) -> &'static str {
    for label in labels {
        let l = label.to_ascii_lowercase();
        for c in CATEGORIES {
            if l == c.to_ascii_lowercase()
                || (l.contains("sport") && *c == "Sports")
                || (l.contains("crypto") && *c == "Crypto")
            {
                return c;
            }
        }
        if l.contains("election") {
            return "Politics";
        }
    }
    let q = format!("{} ", question.to_ascii_lowercase());
    KEYWORDS
        .iter()
        .find(|(_, words)| words.iter().any(|w| q.contains(w)))
        .map_or("Other", |(c, _)| c)
}

/// The V2 taker fee rate (`fd.r`) of a category, per the venue's schedule.
#[must_use]
pub fn fee_rate(category: &str) -> f64 {
    match category {
        "Crypto" => 0.072,
        "Sports" => 0.03,
        "Finance" | "Politics" | "Tech" => 0.04,
        "Geopolitics" => 0.0,
        _ => 0.05,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn gamma_wins_over_clob() {
        let g = json!({"clobTokenIds": "[\"1\",\"2\"]", "outcomes": "[\"A\",\"B\"]", "orderPriceMinTickSize": 0.001,
                       "closed": false, "bestBid": 0.4, "bestAsk": 0.42, "outcomePrices": "[\"0.41\",\"0.59\"]"});
        let c = json!({"tokens": [{"token_id": "9", "outcome": "Yes", "price": 0.3}], "minimum_tick_size": 0.01,
                       "market_slug": "from-clob"});
        let s = extract(g.as_object(), c.as_object());
        assert_eq!(s.tokens.len(), 2);
        assert_eq!(s.outcomes, vec!["A", "B"]);
        assert_eq!(s.tick, TickSize::Thousandth);
        assert_eq!(s.slug, "from-clob");
        assert_eq!(s.quote.price, Some(0.41));
        let only_clob = extract(None, c.as_object());
        assert_eq!(only_clob.tokens.len(), 1);
        assert_eq!(only_clob.quote.price, Some(0.3));
    }

    #[test]
    fn categories_from_labels_and_words() {
        assert_eq!(category(&["Politics".into()], "x"), "Politics");
        assert_eq!(category(&[], "Will Bitcoin reach $150k by June?"), "Crypto");
        assert_eq!(category(&[], "Lakers vs. Celtics"), "Sports");
        assert_eq!(category(&[], "Something odd?"), "Other");
    }
}
