//! Generated markets, for running without any recorded data.
//!
//! The product must work on a machine without the shared data folder, so fakex can invent a
//! plausible venue: binary questions across the categories the bot cares about (Fed rates,
//! elections, crypto prices, sports matches, weather, earnings), a few neg-risk events whose
//! outcome prices sum to about one, realistic tick sizes, volumes and expiries. The output is
//! the same kind of Gamma objects as a recording, so it goes through the same catalog code.

use chrono::{DateTime, Duration, Timelike, Utc};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Map, Value, json};

use super::CatalogInput;
use crate::seed::sniff::EventRecord;
use crate::util::{dec_str, derive_seed, hex_digest, num, rfc3339};
use polybot_model::ConditionId;

type Obj = Map<String, Value>;

const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const PEOPLE: &[&str] = &[
    "Maria Santos",
    "John Whitaker",
    "Elena Petrova",
    "David Okafor",
    "Sofia Lindqvist",
    "Rahul Mehta",
    "Laura Chen",
    "Tomás Ruiz",
];
const COUNTRIES: &[&str] = &[
    "Chile",
    "Portugal",
    "Peru",
    "Kenya",
    "South Korea",
    "Colombia",
    "Poland",
    "Ghana",
];
const TEAMS: &[&str] = &[
    "Lakers",
    "Celtics",
    "Warriors",
    "Heat",
    "Arsenal",
    "Chelsea",
    "Real Madrid",
    "Barcelona",
    "Yankees",
    "Dodgers",
    "Chiefs",
    "Eagles",
];
const CITIES: &[&str] = &[
    "New York City",
    "Chicago",
    "Miami",
    "London",
    "Seoul",
    "Dallas",
    "Paris",
    "Toronto",
];
const COMPANIES: &[&str] = &[
    "Apple",
    "Nvidia",
    "Tesla",
    "Microsoft",
    "Amazon",
    "Netflix",
    "Meta",
    "Alphabet",
];

/// `(category, tag id, tag slug)`.
const TAGS: &[(&str, &str, &str)] = &[
    ("Politics", "2", "politics"),
    ("Sports", "1", "sports"),
    ("Crypto", "21", "crypto"),
    ("Economics", "100328", "economy"),
    ("Finance", "120", "finance"),
    ("Weather", "84", "weather"),
    ("Tech", "1401", "tech"),
];

struct Gen {
    rng: StdRng,
    now: DateTime<Utc>,
    next_market_id: u64,
    next_event_id: u64,
    out: CatalogInput,
}

/// One market to emit: question, outcomes and the first outcome's price.
struct Draft {
    question: String,
    outcomes: [String; 2],
    price: f64,
    group_title: Option<String>,
}

/// Generates `count` markets deterministically from `seed`.
#[must_use]
pub fn generate(seed: u64, count: usize, now: DateTime<Utc>) -> CatalogInput {
    let now = now.with_nanosecond(0).unwrap_or(now);
    let mut g = Gen {
        rng: StdRng::seed_from_u64(derive_seed(seed, "generated-markets")),
        now,
        next_market_id: 500_000,
        next_event_id: 40_000,
        out: CatalogInput::default(),
    };
    let mut made = 0;
    while made < count {
        let roll = g.rng.random_range(0..100);
        let (title, category, drafts, neg_risk) = match roll {
            0..=59 => g.single(),
            60..=74 => g.sports_match(),
            _ => g.neg_risk_group(),
        };
        let take = drafts.len().min(count - made);
        made += take;
        g.emit_event(
            &title,
            category,
            drafts.into_iter().take(take).collect(),
            neg_risk,
        );
    }
    g.out
}

fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

fn yes_no() -> [String; 2] {
    ["Yes".to_owned(), "No".to_owned()]
}

impl Gen {
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.rng.random_range(0..list.len())]
    }

    fn price(&mut self) -> f64 {
        let u: f64 = self.rng.random_range(0.0..1.0);
        // Most markets are lopsided; a few are near even.
        let p: f64 = if u < 0.35 {
            self.rng.random_range(0.003..0.1)
        } else if u < 0.7 {
            self.rng.random_range(0.1..0.9)
        } else {
            self.rng.random_range(0.9..0.997)
        };
        (p * 1000.0).round() / 1000.0
    }

    fn single(&mut self) -> (String, &'static str, Vec<Draft>, bool) {
        let (category, question) = self.single_question();
        let price = self.price();
        let draft = Draft {
            question: question.clone(),
            outcomes: yes_no(),
            price,
            group_title: None,
        };
        (question, category, vec![draft], false)
    }

    fn single_question(&mut self) -> (&'static str, String) {
        let (month, company) = (self.pick(MONTHS), self.pick(COMPANIES));
        let (person, city) = (self.pick(PEOPLE), self.pick(CITIES));
        let n = self.rng.random_range(2..25);
        match self.rng.random_range(0..8) {
            0 => (
                "Economics",
                format!("Will the Fed cut interest rates at the {month} 2027 meeting?"),
            ),
            1 => (
                "Economics",
                format!("Will US CPI inflation be above {}% in {month}?", 2 + n % 3),
            ),
            2 => (
                "Crypto",
                format!("Will Bitcoin reach ${}k by {month} 30?", 90 + n * 10),
            ),
            3 => (
                "Crypto",
                format!("Will Ethereum be above ${} on {month} 15?", 2_000 + n * 250),
            ),
            4 => (
                "Finance",
                format!("Will {company} beat quarterly earnings estimates?"),
            ),
            5 => (
                "Tech",
                format!("Will {company} announce a new AI model before {month} 2027?"),
            ),
            6 => (
                "Politics",
                format!("Will {person} be elected mayor of {city}?"),
            ),
            _ => ("Weather", format!("Will it snow in {city} on {month} 3?")),
        }
    }

    fn sports_match(&mut self) -> (String, &'static str, Vec<Draft>, bool) {
        let a = self.pick(TEAMS);
        let mut b = self.pick(TEAMS);
        while b == a {
            b = self.pick(TEAMS);
        }
        let question = format!("{a} vs. {b}");
        let price = (self.rng.random_range(0.25..0.75_f64) * 100.0).round() / 100.0;
        let draft = Draft {
            question: question.clone(),
            outcomes: [a.to_owned(), b.to_owned()],
            price,
            group_title: None,
        };
        (question, "Sports", vec![draft], false)
    }

    fn neg_risk_group(&mut self) -> (String, &'static str, Vec<Draft>, bool) {
        let (title, category, items) = match self.rng.random_range(0..3) {
            0 => self.election(),
            1 => self.fed_decision(),
            _ => self.temperature(),
        };
        let weights: Vec<f64> = items
            .iter()
            .map(|_| self.rng.random_range(0.05..1.0_f64).powi(2))
            .collect();
        let total: f64 = weights.iter().sum();
        let drafts = items
            .into_iter()
            .zip(weights)
            .map(|((question, label), w)| Draft {
                question,
                outcomes: yes_no(),
                price: ((w / total).clamp(0.002, 0.98) * 1000.0).round() / 1000.0,
                group_title: Some(label),
            })
            .collect();
        (title, category, drafts, true)
    }

    /// A group's title, category and `(question, outcome label)` per market.
    fn election(&mut self) -> (String, &'static str, Vec<(String, String)>) {
        let country = self.pick(COUNTRIES);
        let n = self.rng.random_range(3..6);
        let items = PEOPLE
            .iter()
            .take(n)
            .map(|p| {
                (
                    format!("Will {p} win the 2027 {country} presidential election?"),
                    (*p).to_owned(),
                )
            })
            .collect();
        (
            format!("{country} Presidential Election Winner"),
            "Politics",
            items,
        )
    }

    fn fed_decision(&mut self) -> (String, &'static str, Vec<(String, String)>) {
        let month = self.pick(MONTHS);
        let items = [
            "50+ bps decrease",
            "25 bps decrease",
            "No change",
            "25+ bps increase",
        ]
        .iter()
        .map(|o| (format!("Fed decision in {month}: {o}?"), (*o).to_owned()))
        .collect();
        (format!("Fed decision in {month}?"), "Economics", items)
    }

    fn temperature(&mut self) -> (String, &'static str, Vec<(String, String)>) {
        let (month, city) = (self.pick(MONTHS), self.pick(CITIES));
        let base = self.rng.random_range(40..80);
        let items = (0..5)
            .map(|k| {
                let (lo, hi) = (base + 2 * k, base + 2 * k + 1);
                let question = format!(
                    "Will the highest temperature in {city} be between {lo}-{hi}°F on {month} 12?"
                );
                (question, format!("{lo}-{hi}°F"))
            })
            .collect();
        (
            format!("Highest temperature in {city} on {month} 12?"),
            "Weather",
            items,
        )
    }

    fn tick_for(&mut self, price: f64) -> f64 {
        if !(0.04..=0.96).contains(&price) {
            return 0.001;
        }
        match self.rng.random_range(0..20) {
            0..=14 => 0.01,
            15..=18 => 0.001,
            _ => 0.005,
        }
    }

    fn emit_event(
        &mut self,
        title: &str,
        category: &'static str,
        drafts: Vec<Draft>,
        neg_risk: bool,
    ) {
        self.next_event_id += 1;
        let event_id = self.next_event_id.to_string();
        let slug = format!("{}-{}", slugify(title), event_id);
        let end = self.now + Duration::hours(self.rng.random_range(24..200 * 24));
        let start = self.now - Duration::hours(self.rng.random_range(24..120 * 24));
        let neg_risk_market_id =
            neg_risk.then(|| format!("0x{}00", &hex_digest(self.rng.random(), 32)[..62]));
        let (_, tag_id, tag_slug) = TAGS
            .iter()
            .find(|(c, _, _)| *c == category)
            .copied()
            .unwrap_or(("Other", "1", "other"));
        let tags = json!([{"id": tag_id, "label": category, "slug": tag_slug}]);
        let event = json!({
            "id": event_id, "ticker": slug, "slug": slug, "title": title,
            "description": format!("This event groups the markets on: {title}"),
            "startDate": rfc3339(start), "creationDate": rfc3339(start), "endDate": rfc3339(end),
            "active": true, "closed": false, "archived": false, "new": false, "featured": false, "restricted": true,
            "negRisk": neg_risk, "enableOrderBook": true, "tags": tags, "createdAt": rfc3339(start), "updatedAt": rfc3339(self.now),
        });
        let event_obj = event.as_object().cloned().unwrap_or_default();
        let mut conditions = Vec::new();
        for draft in drafts {
            let market = self.market(
                &draft,
                &event_obj,
                start,
                end,
                neg_risk_market_id.as_deref(),
            );
            if let Some(cid) = market
                .get("conditionId")
                .and_then(Value::as_str)
                .and_then(|c| ConditionId::parse(c).ok())
            {
                conditions.push(cid);
            }
            self.out.gamma_markets.push(market);
        }
        self.out.events.push(EventRecord {
            obj: event_obj,
            market_conditions: conditions,
            full_markets: Vec::new(),
        });
    }

    fn token_id(&mut self) -> String {
        let mut s = self.rng.random_range(1..10u8).to_string();
        for _ in 0..75 {
            s.push(char::from(b'0' + self.rng.random_range(0..10u8)));
        }
        s
    }

    fn market(
        &mut self,
        d: &Draft,
        event: &Obj,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        nr_id: Option<&str>,
    ) -> Obj {
        self.next_market_id += 1;
        let id = self.next_market_id.to_string();
        let cid = format!("0x{}", hex_digest(self.rng.random(), 32));
        let tokens = [self.token_id(), self.token_id()];
        let tick = self.tick_for(d.price);
        let volume = 10f64.powf(self.rng.random_range(3.0..7.5));
        let prices = [dec_str(d.price), dec_str(1.0 - d.price)];
        let mut m = json!({
            "id": id, "question": d.question, "conditionId": cid, "slug": format!("{}-{id}", slugify(&d.question)),
            "resolutionSource": "", "endDate": rfc3339(end), "startDate": rfc3339(start),
            "image": "", "icon": "", "description": format!("This market resolves to \"{}\" if: {}", d.outcomes[0], d.question),
            "outcomes": serde_json::to_string(&d.outcomes).unwrap_or_default(),
            "outcomePrices": serde_json::to_string(&prices).unwrap_or_default(),
            "clobTokenIds": serde_json::to_string(&tokens).unwrap_or_default(),
            "volume": dec_str(volume), "volumeNum": num(volume), "volume24hr": num(volume * self.rng.random_range(0.001..0.05)),
        });
        let more = json!({
            "active": true, "closed": false, "archived": false, "new": false, "featured": false, "restricted": true,
            "marketMakerAddress": "", "createdAt": rfc3339(start), "updatedAt": rfc3339(self.now),
            "questionID": format!("0x{}", hex_digest(self.rng.random(), 32)),
            "enableOrderBook": true, "orderPriceMinTickSize": num(tick), "orderMinSize": 5,
            "endDateIso": end.format("%Y-%m-%d").to_string(), "startDateIso": start.format("%Y-%m-%d").to_string(),
            "acceptingOrders": true, "acceptingOrdersTimestamp": rfc3339(start),
            "negRisk": nr_id.is_some(), "negRiskMarketID": nr_id.unwrap_or(""),
            "negRiskRequestID": if nr_id.is_some() { format!("0x{}", hex_digest(self.rng.random(), 32)) } else { String::new() },
            "lastTradePrice": num(d.price), "rewardsMinSize": if self.rng.random_bool(0.5) { 50 } else { 0 },
            "rewardsMaxSpread": 3.5, "feesEnabled": true, "events": [Value::Object(event.clone())],
        });
        if let (Some(obj), Value::Object(more)) = (m.as_object_mut(), more) {
            obj.extend(more);
            if let Some(title) = &d.group_title {
                obj.insert("groupItemTitle".into(), Value::from(title.clone()));
            }
        }
        m.as_object().cloned().unwrap_or_default()
    }
}
