//! The simulated model's forecast: the simulator's fair value, the market's simulated news and
//! the model's own noise (see the module docs of `ai`), in polybot's answer contract.

use std::sync::atomic::Ordering;

use serde_json::json;

use super::chat::Chat;
use super::{Ai, MODEL_NOISE, PROBABILITY_RANGE, logit, sigmoid, unit};
use crate::util::{fnv64, mix};

/// What the simulated model believes about one question.
#[derive(Debug, Clone, PartialEq)]
struct Belief {
    fair: f64,
    news: f64,
    noise: f64,
    probability: f64,
}

/// The answer's JSON text for `chat`'s prompt.
pub(super) fn answer(ai: &Ai, chat: &Chat) -> String {
    ai.forecasts.fetch_add(1, Ordering::Relaxed);
    let question = question_of(&chat.prompt);
    let found = question.and_then(|q| ai.index.by_question(q));
    let Some(entry) = found else {
        let shown = question.unwrap_or("(no `Market question:` line)");
        return json!({
            "probability": 0.5,
            "confidence": "LOW",
            "reasoning": format!(
                "Simulated LLM of fakex (model {}), not a language model: the question {shown:?} \
                 is not one of fakex's markets, so it has no fair value to report.",
                chat.model
            ),
            "invalidation_triggers": ["the question is listed on the exchange"]
        })
        .to_string();
    };
    let fair = ai
        .exchange
        .fair_value(entry.condition)
        .unwrap_or(entry.price);
    let belief = believe(
        fair,
        ai.news_shift(&entry.cid),
        &chat.model,
        &entry.question,
    );
    let evidence = chat
        .prompt
        .lines()
        .filter(|l| l.starts_with("Evidence "))
        .count();
    let confidence = if evidence >= 2 { "HIGH" } else { "MEDIUM" };
    json!({
        "probability": round4(belief.probability),
        "confidence": confidence,
        "reasoning": reasoning(&chat.model, &belief, evidence),
        "invalidation_triggers": [
            "the simulator's fair value of the market moves",
            "the simulated news on this market is reversed"
        ]
    })
    .to_string()
}

/// The fair value moved by the news (in log-odds) and the model's noise, clamped.
fn believe(fair: f64, news: f64, model: &str, question: &str) -> Belief {
    let key = mix(fnv64(model.as_bytes()) ^ fnv64(question.as_bytes()).rotate_left(17));
    let noise = (2.0 * unit(key) - 1.0) * MODEL_NOISE;
    let probability =
        (sigmoid(logit(fair) + news) + noise).clamp(PROBABILITY_RANGE.0, PROBABILITY_RANGE.1);
    Belief {
        fair,
        news,
        noise,
        probability,
    }
}

fn reasoning(model: &str, b: &Belief, evidence: usize) -> String {
    let news = if b.news == 0.0 {
        "no simulated news on this market".to_owned()
    } else {
        format!(
            "simulated news on this market moves it {:+.3} (log-odds {:+.2})",
            sigmoid(logit(b.fair) + b.news) - b.fair,
            b.news
        )
    };
    format!(
        "Simulated LLM of fakex (model {model}), not a language model: the simulator's fair \
         value of YES is {:.3}; {news}; this model's fixed noise is {:+.3}. {evidence} evidence \
         bullets were given and not read.",
        b.fair, b.noise
    )
}

/// The question of polybot's forecast prompt (`Market question: …` on its first line).
fn question_of(prompt: &str) -> Option<&str> {
    prompt
        .lines()
        .find_map(|l| l.strip_prefix("Market question:"))
        .map(str::trim)
        .filter(|q| !q.is_empty())
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_differ_a_little_and_repeat_themselves() {
        let a = believe(0.40, 0.0, "sim-a", "Will it rain?");
        let b = believe(0.40, 0.0, "sim-b", "Will it rain?");
        assert_ne!(a.probability, b.probability);
        for x in [&a, &b] {
            assert!((x.probability - 0.40).abs() <= MODEL_NOISE + 1e-12);
        }
        assert_eq!(a, believe(0.40, 0.0, "sim-a", "Will it rain?"));
    }

    #[test]
    fn news_moves_the_log_odds_and_the_range_is_kept() {
        let up = believe(0.5, 1.0, "m", "q");
        assert!((up.probability - sigmoid(1.0)).abs() <= MODEL_NOISE + 1e-12);
        assert_eq!(
            believe(0.999, 1.4, "m", "q").probability,
            PROBABILITY_RANGE.1
        );
        assert_eq!(
            believe(0.0, -1.4, "m", "q").probability,
            PROBABILITY_RANGE.0
        );
    }

    #[test]
    fn the_question_is_read_from_the_prompt() {
        let prompt = "Market question: Will X win?\nMarket type: SPORTS\n";
        assert_eq!(question_of(prompt), Some("Will X win?"));
        assert_eq!(question_of("nothing"), None);
        assert_eq!(question_of("Market question:   \n"), None);
    }
}
