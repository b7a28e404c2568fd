//! [`classify`]: keyword matching of a market's question, falling back to the venue's labels.
//!
//! # How a category is chosen
//!
//! 1. The question is lower-cased and split into words (maximal runs of alphanumeric
//!    characters) once. Phrases from the keyword tables (`keywords.rs`) match whole words
//!    only, so `fed` matches "the Fed's decision" but not "federal", and `eth` does not match
//!    "Ethiopia". A plural `s` on a phrase's last word is accepted ("interest rates" matches
//!    `interest rate`), and "win on 2026-02-07" (Polymarket's daily match markets) counts as
//!    a strong SPORTS phrase. Text inside closed double quotes is skipped: on Polymarket it is
//!    a title or a word to be said (`Will "Bitcoin" be said at the Grammys?`), not what the
//!    market is about.
//! 2. Each category sums the weights of the *distinct* phrases it matched (strong 2, weak 1):
//!    repeating a word does not make a market more of a kind.
//! 3. The highest sum wins. Entertainment words (Grammys, Spotify, album, Eurovision...) count
//!    for UNKNOWN, so an award-show or chart market stays UNKNOWN even when a title in it
//!    contains a keyword. A tie goes to the category whose vocabulary is least likely to
//!    appear by accident, in this order: UNKNOWN > CRYPTO > MACRO > CORPORATE > SPORTS >
//!    ELECTION > WEATHER. Entertainment words say what a market is about more surely than any
//!    keyword in a title; tickers and statistical releases rarely show up by chance; weather
//!    words are also team names (Heat, Hurricanes, Storm), so WEATHER loses ties.
//! 4. If the question matches nothing, [`classify_market`] tries the event title, then the
//!    venue's category and tags (each tag matched on its own, all tags summed, with the extra
//!    label words such as "politics" or "business"). Nothing matched → UNKNOWN.
//!
//! Matching is a hash lookup per word into a table built once; a [`Classifier`] keeps its
//! buffers, so classifying thousands of markets allocates nothing per market.

use std::collections::HashMap;
use std::sync::LazyLock;

use polybot_model::Market;

use crate::category::Category;
use crate::keywords::{KEYWORD_SETS, STRONG};

/// Room in the per-call "already matched" bit set; a test keeps the table below it.
const MAX_KEYWORDS: usize = 512;

/// Ties go to the earlier category (see the module documentation for why this order).
const TIE_PRIORITY: [Category; 7] = [
    Category::Unknown,
    Category::Crypto,
    Category::Macro,
    Category::Corporate,
    Category::Sports,
    Category::Election,
    Category::Weather,
];

/// One phrase, filed under its first word.
#[derive(Debug)]
struct Entry {
    id: usize,
    rest: Box<[&'static str]>,
    category: Category,
    weight: u8,
    hint_only: bool,
}

#[derive(Debug)]
struct Index {
    by_first: HashMap<&'static str, Vec<Entry>>,
    /// Id of the "win on YYYY-MM-DD" pattern: one past the last phrase.
    win_on_date_id: usize,
}

static INDEX: LazyLock<Index> = LazyLock::new(|| {
    let mut by_first: HashMap<&'static str, Vec<Entry>> = HashMap::new();
    let mut id = 0;
    for set in KEYWORD_SETS {
        for phrase in set.phrases {
            let mut words = phrase.split(' ');
            let first = words.next().unwrap_or_default();
            by_first.entry(first).or_default().push(Entry {
                id,
                rest: words.collect(),
                category: set.category,
                weight: set.weight,
                hint_only: set.hint_only,
            });
            id += 1;
        }
    }
    Index {
        by_first,
        win_on_date_id: id,
    }
});

/// Lower-cased words of one text, as spans into one reusable buffer.
#[derive(Debug, Default)]
struct Words {
    text: String,
    spans: Vec<(usize, usize)>,
}

impl Words {
    fn fill(&mut self, source: &str) {
        self.text.clear();
        self.spans.clear();
        let mut start = None;
        let mut skip_to = 0;
        for (at, ch) in source.char_indices() {
            if at < skip_to {
                continue;
            }
            if let Some(end) = closed_quote_end(source, at, ch) {
                skip_to = end;
                if let Some(s) = start.take() {
                    self.spans.push((s, self.text.len()));
                }
            } else if ch.is_alphanumeric() {
                start.get_or_insert(self.text.len());
                self.text.extend(ch.to_lowercase());
            } else if let Some(s) = start.take() {
                self.spans.push((s, self.text.len()));
            }
        }
        if let Some(s) = start {
            self.spans.push((s, self.text.len()));
        }
    }

    fn len(&self) -> usize {
        self.spans.len()
    }

    fn get(&self, i: usize) -> &str {
        let (s, e) = self.spans[i];
        &self.text[s..e]
    }
}

fn is_double_quote(ch: char) -> bool {
    matches!(ch, '"' | '\u{201C}' | '\u{201D}')
}

/// If `ch` at byte `at` opens a double-quoted span that is closed later, the byte just past
/// the closing quote. An unclosed quote is no quote (`12" of snow` keeps "of snow").
fn closed_quote_end(source: &str, at: usize, ch: char) -> Option<usize> {
    if !is_double_quote(ch) {
        return None;
    }
    let after = at + ch.len_utf8();
    let (offset, close) = source[after..]
        .char_indices()
        .find(|&(_, c)| is_double_quote(c))?;
    Some(after + offset + close.len_utf8())
}

/// Per-category weight sums, counting each phrase once.
#[derive(Debug, Default)]
struct Tally {
    weights: [u32; Category::ALL.len()],
    seen: [u64; MAX_KEYWORDS / 64 + 1],
}

impl Tally {
    fn add(&mut self, id: usize, category: Category, weight: u8) {
        let (word, bit) = (id / 64, 1u64 << (id % 64));
        if self.seen[word] & bit == 0 {
            self.seen[word] |= bit;
            self.weights[category.index()] += u32::from(weight);
        }
    }

    fn best(&self) -> Option<Category> {
        let mut best: Option<(Category, u32)> = None;
        for c in TIE_PRIORITY {
            let w = self.weights[c.index()];
            if w > 0 && best.is_none_or(|(_, b)| w > b) {
                best = Some((c, w));
            }
        }
        best.map(|(c, _)| c)
    }
}

/// "rates" → "rate"; short words and "-ss" words are left alone ("bps", "boss").
fn singular(word: &str) -> Option<&str> {
    (word.len() > 3 && word.ends_with('s') && !word.ends_with("ss"))
        .then(|| &word[..word.len() - 1])
}

fn rest_matches(words: &Words, start: usize, rest: &[&str]) -> bool {
    if start + rest.len() > words.len() {
        return false;
    }
    rest.iter().enumerate().all(|(k, want)| {
        let got = words.get(start + k);
        got == *want || (k + 1 == rest.len() && singular(got) == Some(*want))
    })
}

fn all_digits(word: &str, lengths: core::ops::RangeInclusive<usize>) -> bool {
    lengths.contains(&word.len()) && word.bytes().all(|b| b.is_ascii_digit())
}

/// "win on 2026-02-07": Polymarket's per-match markets ("Will Genoa CFC win on 2026-02-07?").
fn win_on_date(words: &Words, i: usize) -> bool {
    i + 4 < words.len()
        && words.get(i) == "win"
        && words.get(i + 1) == "on"
        && all_digits(words.get(i + 2), 4..=4)
        && all_digits(words.get(i + 3), 1..=2)
        && all_digits(words.get(i + 4), 1..=2)
}

/// Adds every phrase found in `words`; `labels` also admits the label-only phrases.
fn tally_words(words: &Words, tally: &mut Tally, labels: bool) {
    let index = &*INDEX;
    for i in 0..words.len() {
        let word = words.get(i);
        let exact = index.by_first.get(word).into_iter().flatten();
        // A plural only counts for single-word phrases: "series a" must not match "serie a".
        let plural = singular(word)
            .and_then(|w| index.by_first.get(w))
            .into_iter()
            .flatten()
            .filter(|e| e.rest.is_empty());
        for e in exact.chain(plural) {
            if (labels || !e.hint_only) && rest_matches(words, i + 1, &e.rest) {
                tally.add(e.id, e.category, e.weight);
            }
        }
        if !labels && win_on_date(words, i) {
            tally.add(index.win_on_date_id, Category::Sports, STRONG);
        }
    }
}

/// Reusable classification state: keeps its word buffer between calls, so a scan over
/// thousands of markets does not allocate per market.
#[derive(Debug, Default)]
pub struct Classifier {
    words: Words,
}

impl Classifier {
    #[must_use]
    pub fn new() -> Self {
        Classifier::default()
    }

    /// See [`classify`].
    pub fn classify(
        &mut self,
        question: &str,
        venue_category: Option<&str>,
        tags: &[String],
    ) -> Category {
        self.text_category(question)
            .or_else(|| self.label_category(venue_category, tags))
            .unwrap_or(Category::Unknown)
    }

    /// See [`classify_market`].
    pub fn classify_market(&mut self, market: &Market) -> Category {
        self.text_category(&market.question)
            .or_else(|| {
                let title = market.event_title.as_deref()?;
                self.text_category(title)
            })
            .or_else(|| self.label_category(market.category.as_deref(), &market.tags))
            .unwrap_or(Category::Unknown)
    }

    fn text_category(&mut self, text: &str) -> Option<Category> {
        let mut tally = Tally::default();
        self.words.fill(text);
        tally_words(&self.words, &mut tally, false);
        tally.best()
    }

    fn label_category(
        &mut self,
        venue_category: Option<&str>,
        tags: &[String],
    ) -> Option<Category> {
        let mut tally = Tally::default();
        for label in venue_category
            .into_iter()
            .chain(tags.iter().map(String::as_str))
        {
            self.words.fill(label);
            tally_words(&self.words, &mut tally, true);
        }
        tally.best()
    }
}

/// The market type of a question: keyword matching on whole words of `question`; when the
/// question matches nothing, the venue's category label and tags decide (tag "Sports" →
/// SPORTS, "Politics" → ELECTION, "Finance" → MACRO, "Tech" → CORPORATE, ...); else UNKNOWN.
/// The rules, weights and tie order are in the [module documentation](self).
#[must_use]
pub fn classify(question: &str, venue_category: Option<&str>, tags: &[String]) -> Category {
    Classifier::new().classify(question, venue_category, tags)
}

/// [`classify`] for a market, trying its event title between the question and the labels:
/// a question such as "Will Genoa win?" is often only classifiable by its event's title.
#[must_use]
pub fn classify_market(market: &Market) -> Category {
    Classifier::new().classify_market(market)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_of(text: &str) -> Vec<String> {
        let mut w = Words::default();
        w.fill(text);
        (0..w.len()).map(|i| w.get(i).to_owned()).collect()
    }

    #[test]
    fn words_are_lower_case_alphanumeric_runs() {
        assert_eq!(
            words_of("Will the S&P 500 (O/U) beat Nvidia's $5T? Ballon d'Or"),
            [
                "will", "the", "s", "p", "500", "o", "u", "beat", "nvidia", "s", "5t", "ballon",
                "d", "or"
            ]
        );
        assert_eq!(
            words_of("  Noémie vs. ÉLYSÉE--2026-02-07 "),
            ["noémie", "vs", "élysée", "2026", "02", "07"]
        );
        assert!(words_of("?!  ").is_empty());
        assert_eq!(words_of("Will \"Song I\" top “Hot 100”?"), ["will", "top"]);
        assert_eq!(
            words_of("Say\"x\"y 12\" of snow"),
            ["say", "y", "12", "of", "snow"]
        );
    }

    #[test]
    fn every_phrase_is_in_word_form_and_unique() {
        let mut seen = std::collections::HashSet::new();
        let mut count = 0;
        for set in KEYWORD_SETS {
            for phrase in set.phrases {
                assert_eq!(
                    words_of(phrase).join(" "),
                    *phrase,
                    "phrase not in word form"
                );
                assert!(seen.insert(*phrase), "phrase {phrase:?} listed twice");
                count += 1;
            }
        }
        // The bit set in `Tally` has room for MAX_KEYWORDS phrases plus the date pattern.
        assert!(count < MAX_KEYWORDS, "{count} phrases");
        assert_eq!(INDEX.win_on_date_id, count);
    }

    #[test]
    fn plural_only_on_the_last_word() {
        assert_eq!(singular("rates"), Some("rate"));
        assert_eq!(singular("bps"), None);
        assert_eq!(singular("boss"), None);
        assert_eq!(
            classify("Raise a Series A round?", None, &[]),
            Category::Unknown
        );
        assert_eq!(
            classify("Will interest rates fall?", None, &[]),
            Category::Macro
        );
    }

    #[test]
    fn repeated_words_count_once() {
        // token (1, CRYPTO) ×3 vs Tesla + stock (2, CORPORATE).
        assert_eq!(
            classify("Tesla stock token token token", None, &[]),
            Category::Corporate
        );
    }

    #[test]
    fn classifier_is_reusable() {
        let mut c = Classifier::new();
        assert_eq!(
            c.classify("Bitcoin above 100k?", None, &[]),
            Category::Crypto
        );
        assert_eq!(
            c.classify("Who wins?", Some("Sports"), &[]),
            Category::Sports
        );
        assert_eq!(c.classify("Who wins?", None, &[]), Category::Unknown);
    }
}
