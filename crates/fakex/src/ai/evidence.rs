//! The simulated evidence extraction: polybot's extraction prompt lists each source's URL and
//! text; the answer takes one to three sentences with a number (or a date) from each source's
//! own text and cites that source's URL — never one the prompt did not give.

use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use super::Ai;
use super::chat::Chat;

/// Bullets taken from one source at most.
const PER_SOURCE: usize = 3;

/// One source as the prompt shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Source {
    url: String,
    text: String,
}

/// The figures of one sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Figure {
    text: String,
    name: Option<String>,
    value: Option<String>,
    unit: Option<String>,
    date: Option<String>,
}

/// The answer's JSON text for `chat`'s prompt.
pub(super) fn answer(ai: &Ai, chat: &Chat) -> String {
    ai.extractions.fetch_add(1, Ordering::Relaxed);
    let sources = sources_of(&chat.prompt);
    let max = max_bullets(&chat.prompt);
    let mut bullets = Vec::new();
    for source in &sources {
        let figures = source.text.split(['\n', ';']).flat_map(sentences);
        for f in figures.filter_map(|s| figure(&s)).take(PER_SOURCE) {
            if bullets.len() < max {
                bullets.push(bullet(&f, &source.url));
            }
        }
    }
    let first = bullets
        .first()
        .and_then(|b| b.get("text"))
        .and_then(Value::as_str)
        .unwrap_or("no figures found");
    let summary = format!(
        "Simulated extraction by fakex (model {}), not a language model: {} figures read from {} \
         sources, all of them simulated. First: {first}",
        chat.model,
        bullets.len(),
        sources.len()
    );
    json!({"bullets": bullets, "summary": summary, "contradictions": []}).to_string()
}

fn bullet(f: &Figure, url: &str) -> Value {
    let confidence = match (&f.name, &f.value, &f.date) {
        (Some(_), Some(_), Some(_)) => 0.9,
        (_, Some(_), _) => 0.75,
        _ => 0.6,
    };
    json!({
        "text": f.text,
        "metric_name": f.name,
        "metric_value": f.value,
        "metric_unit": f.unit,
        "metric_date": f.date,
        "confidence": confidence,
        "source_url": url
    })
}

/// The sources of polybot's extraction prompt: `[i] URL: …` headers, each followed by
/// `Text:` and the source's text up to the next header or the closing instruction.
fn sources_of(prompt: &str) -> Vec<Source> {
    let mut sources: Vec<Source> = Vec::new();
    let mut in_text = false;
    for line in prompt.lines() {
        if let Some(url) = header_url(line) {
            sources.push(Source {
                url: url.to_owned(),
                text: String::new(),
            });
            in_text = false;
        } else if line.starts_with("Extract at most ") {
            in_text = false;
        } else if line == "Text:" {
            in_text = !sources.is_empty();
        } else if in_text && let Some(s) = sources.last_mut() {
            s.text.push_str(line);
            s.text.push('\n');
        }
    }
    sources
}

/// `[3] URL: https://…` → the URL.
fn header_url(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('[')?;
    let (n, url) = rest.split_once("] URL: ")?;
    (n.chars().all(|c| c.is_ascii_digit()) && !url.trim().is_empty()).then(|| url.trim())
}

/// `Extract at most N bullets` → N (20 when absent, as polybot's default).
fn max_bullets(prompt: &str) -> usize {
    prompt
        .split("Extract at most ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(20)
}

/// The sentences of a line (a `.` followed by a space ends one; decimals are kept whole).
fn sentences(line: &str) -> Vec<String> {
    line.split(". ")
        .map(|s| s.trim().trim_end_matches('.').trim())
        .filter(|s| !s.is_empty())
        .map(|s| format!("{s}."))
        .collect()
}

/// The figure a sentence states: `<name> stood at|was|reached <value> <unit> … <date>`, or
/// just its first number or date; `None` without either.
fn figure(sentence: &str) -> Option<Figure> {
    if !sentence.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let date = iso_date(sentence);
    let marker = [" stood at ", " was ", " reached "]
        .iter()
        .find_map(|m| sentence.split_once(m));
    let (name, rest) = match marker {
        Some((name, rest)) => {
            let name = name.trim();
            let name = name.strip_prefix("The ").unwrap_or(name);
            (Some(name.to_owned()), rest)
        }
        None => (None, sentence),
    };
    let (value, unit) = number_and_unit(rest, date.as_deref());
    if value.is_none() && date.is_none() {
        return None;
    }
    Some(Figure {
        text: sentence.to_owned(),
        name: name.filter(|_| value.is_some()),
        value,
        unit,
        date,
    })
}

/// The first number of `text` that is not part of `date`, and its unit (`%` → percent, `$`
/// → USD, else the next word).
fn number_and_unit(text: &str, date: Option<&str>) -> (Option<String>, Option<String>) {
    let words: Vec<&str> = text.split_whitespace().collect();
    for (i, word) in words.iter().enumerate() {
        let w = word.trim_end_matches(['.', ',', ';', ':', ')']);
        if date.is_some_and(|d| w.contains(d)) {
            continue;
        }
        let bare = w.trim_start_matches(['$', '+', '(']).trim_end_matches('%');
        let digits = bare.replace(',', "");
        if digits.is_empty() || digits.parse::<f64>().is_err() {
            continue;
        }
        let unit = if w.ends_with('%') {
            Some("percent".to_owned())
        } else if w.trim_start_matches('+').starts_with('$') {
            Some("USD".to_owned())
        } else {
            words
                .get(i + 1)
                .map(|u| u.trim_end_matches(['.', ',', ';', ':']))
                .filter(|u| !u.is_empty() && u.chars().all(char::is_alphabetic))
                .filter(|u| !matches!(*u, "on" | "in" | "by" | "of" | "and"))
                .map(str::to_owned)
        };
        let value = w.trim_start_matches(['$', '(']).trim_end_matches('%');
        return (Some(value.to_owned()), unit);
    }
    (None, None)
}

/// The first `YYYY-MM-DD` in `text`.
fn iso_date(text: &str) -> Option<String> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(9)).find_map(|i| {
        let s = b.get(i..i + 10)?;
        let shape = s.iter().enumerate().all(|(k, c)| match k {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        });
        let bounded = i == 0 || !b[i - 1].is_ascii_digit();
        (shape && bounded).then(|| String::from_utf8_lossy(s).into_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROMPT: &str = "Market question: Will it rain?\n\nSources:\n\n[1] URL: https://www.weather.gov/fakex/rain.html\n\
Publisher domain: weather.gov\nTitle: t\nPublished: 2026-01-02\nText:\nGenerated by fakex. The simulated \
consensus estimate for Yes stood at 61.5 percent on 2026-01-01. Simulated trading volume on the question stood \
at 1,234 USD on 2026-01-02. The question is scheduled to resolve on 2026-02-01. Prices rose 5% last week. \
Nothing else.\n\n[2] URL: https://www.reuters.com/fakex/rain.html\nPublisher domain: reuters.com\nTitle: \
t\nPublished: unknown\nText:\nNo numbers here.\n\nExtract at most 3 bullets relevant to the question.";

    #[test]
    fn sources_and_the_bullet_limit_are_read_from_the_prompt() {
        let sources = sources_of(PROMPT);
        assert_eq!(sources.len(), 2);
        assert_eq!(sources[0].url, "https://www.weather.gov/fakex/rain.html");
        assert!(sources[0].text.contains("61.5 percent"));
        assert_eq!(sources[1].text, "No numbers here.\n\n");
        assert_eq!(max_bullets(PROMPT), 3);
        assert_eq!(max_bullets("nothing"), 20);
    }

    #[test]
    fn figures_have_a_name_value_unit_and_date() {
        let f =
            figure("The simulated consensus estimate for Yes stood at 61.5 percent on 2026-01-01.")
                .unwrap();
        assert_eq!(
            f.name.as_deref(),
            Some("simulated consensus estimate for Yes")
        );
        assert_eq!(f.value.as_deref(), Some("61.5"));
        assert_eq!(f.unit.as_deref(), Some("percent"));
        assert_eq!(f.date.as_deref(), Some("2026-01-01"));
        let money = figure("Volume stood at $1,234 on 2026-01-02.").unwrap();
        assert_eq!(
            (money.value.as_deref(), money.unit.as_deref()),
            (Some("1,234"), Some("USD"))
        );
        let pct = figure("Prices rose +5% last week.").unwrap();
        assert_eq!(
            (pct.name, pct.value.as_deref(), pct.unit.as_deref()),
            (None, Some("+5"), Some("percent"))
        );
        let date_only = figure("It resolves on 2026-02-01.").unwrap();
        assert_eq!(
            (date_only.value, date_only.date.as_deref()),
            (None, Some("2026-02-01"))
        );
        assert!(figure("No numbers here.").is_none());
        assert_eq!(iso_date("x 12026-01-011"), None);
    }
}
