//! A read-only snapshot of the catalog for the AI services: questions, slugs and the words of
//! each question, so a prompt's question or a search query's key terms find their market
//! without holding the exchange lock over a scan of every market.
//!
//! The catalog's markets never change identity after start-up (only their books and status
//! do), so the snapshot is taken once.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use polybot_model::ConditionId;

use crate::exchange::Exchange;

/// What the AI services know of one market.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub condition: ConditionId,
    /// The condition id as written on the wire.
    pub cid: String,
    /// URL-safe: the market's slug, or its condition id when it has none.
    pub slug: String,
    pub question: String,
    pub outcomes: Vec<String>,
    pub end_date: Option<DateTime<Utc>>,
    pub volume: f64,
    /// The recorded (or generated) price of the first outcome.
    pub price: f64,
    pub live: bool,
    words: HashSet<String>,
}

/// Every market, with lookups by question and slug.
#[derive(Debug, Default)]
pub(crate) struct MarketIndex {
    entries: Vec<Entry>,
    by_question: HashMap<String, usize>,
    by_slug: HashMap<String, usize>,
}

impl MarketIndex {
    pub(crate) fn build(exchange: &Exchange) -> MarketIndex {
        let st = exchange.lock();
        let mut index = MarketIndex::default();
        for m in &st.cat.markets {
            let slug = if is_url_safe(&m.slug) {
                m.slug.clone()
            } else {
                m.cid.clone()
            };
            let entry = Entry {
                condition: m.condition,
                cid: m.cid.clone(),
                slug,
                question: m.question.trim().to_owned(),
                outcomes: m.outcomes.clone(),
                end_date: m.end_date,
                volume: m.base_volume + m.sim_volume,
                price: m.quote.price.unwrap_or(0.5).clamp(0.0, 1.0),
                live: m.live,
                words: words(&m.question).collect(),
            };
            index.add(entry);
        }
        index
    }

    fn add(&mut self, entry: Entry) {
        let i = self.entries.len();
        // A live market wins a shared question or slug: it is the one being traded.
        for (map, key) in [
            (&mut self.by_question, entry.question.to_lowercase()),
            (&mut self.by_slug, entry.slug.clone()),
        ] {
            match map.get(&key) {
                Some(&j) if self.entries[j].live || !entry.live => {}
                _ => {
                    map.insert(key, i);
                }
            }
        }
        self.entries.push(entry);
    }

    /// The market asking exactly `question` (case and surrounding space ignored).
    pub(crate) fn by_question(&self, question: &str) -> Option<&Entry> {
        let i = *self.by_question.get(&question.trim().to_lowercase())?;
        self.entries.get(i)
    }

    pub(crate) fn by_slug(&self, slug: &str) -> Option<&Entry> {
        self.entries.get(*self.by_slug.get(slug)?)
    }

    /// The market whose question contains the most of `terms` (a search query's key terms),
    /// if it contains at least half of them; live markets first on a tie.
    pub(crate) fn by_terms(&self, terms: &[String]) -> Option<&Entry> {
        let terms: Vec<String> = terms.iter().flat_map(|t| words(t)).collect();
        if terms.is_empty() {
            return None;
        }
        let needed = terms.len().div_ceil(2);
        let mut best: Option<(usize, &Entry)> = None;
        for e in &self.entries {
            let hits = terms.iter().filter(|t| e.words.contains(*t)).count();
            let better = best.is_none_or(|(h, b)| hits > h || (hits == h && e.live && !b.live));
            if hits >= needed && better {
                best = Some((hits, e));
            }
        }
        best.map(|(_, e)| e)
    }
}

/// The lower-case words of `text` (letters, digits and the `%$.,` of numbers), possessives
/// dropped as polybot's query builder drops them.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| {
        !(c.is_alphanumeric() || matches!(c, '%' | '$' | '.' | ',' | '-' | '\'' | '’'))
    })
    .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '%' && c != '$'))
    .map(|w| {
        w.strip_suffix("'s")
            .or_else(|| w.strip_suffix("’s"))
            .unwrap_or(w)
    })
    .filter(|w| !w.is_empty())
    .map(str::to_lowercase)
}

fn is_url_safe(slug: &str) -> bool {
    !slug.is_empty()
        && slug
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_numbers_and_drop_punctuation() {
        let w: Vec<String> =
            words("Will BTC reach $100,000 by June 30, 2026? (Fed's 3.5%)").collect();
        assert_eq!(
            w,
            [
                "will", "btc", "reach", "$100,000", "by", "june", "30", "2026", "fed", "3.5%"
            ]
        );
        assert!(is_url_safe("will-btc-reach-100k"));
        assert!(!is_url_safe("a b") && !is_url_safe(""));
    }
}
