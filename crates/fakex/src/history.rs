//! `/prices-history`: plausible past prices for any token.
//!
//! Recorded histories do not say which token they belong to, so they are used as shapes: a
//! token gets one chosen by a hash of its id, moved in time to end when fakex started, and
//! moved in log-odds space so its last point equals the token's starting price (the shape of
//! the path survives, and prices stay inside (0, 1)). The simulator's own mids are appended
//! after that. Without recorded shapes, a deterministic random walk is used instead. The
//! second outcome of a binary market is always the complement of the first.

use std::collections::HashMap;

use polybot_model::TokenId;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::util::derive_seed;

/// Simulated points kept per token before older ones are thinned.
const MAX_POINTS: usize = 20_000;

#[derive(Debug, Default)]
pub struct Histories {
    shapes: Vec<Vec<(i64, f64)>>,
    start_secs: i64,
    seed: u64,
    /// Starting display price of each primary token (the shape's last point).
    start_price: HashMap<TokenId, f64>,
    /// Simulated prices since start, per primary token.
    points: HashMap<TokenId, Vec<(i64, f64)>>,
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(0.0005, 0.9995);
    (p / (1.0 - p)).ln()
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn round4(p: f64) -> f64 {
    (p * 10_000.0).round() / 10_000.0
}

impl Histories {
    #[must_use]
    pub fn new(shapes: Vec<Vec<(i64, f64)>>, start_secs: i64, seed: u64) -> Histories {
        Histories {
            shapes,
            start_secs,
            seed,
            ..Histories::default()
        }
    }

    pub fn set_start_price(&mut self, token: TokenId, price: f64) {
        self.start_price.insert(token, price);
    }

    /// Records a simulated price of a primary token (one point per second at most).
    pub fn record(&mut self, token: TokenId, ts_secs: i64, price: f64) {
        let points = self.points.entry(token).or_default();
        match points.last_mut() {
            Some(last) if last.0 >= ts_secs => last.1 = price,
            _ => points.push((ts_secs, price)),
        }
        if points.len() > MAX_POINTS {
            let old: Vec<(i64, f64)> = points.drain(..MAX_POINTS / 2).step_by(2).collect();
            points.splice(0..0, old);
        }
    }

    fn shape(&self, token: TokenId) -> Vec<(i64, f64)> {
        let label = token.to_string();
        if !self.shapes.is_empty() {
            let i = (derive_seed(0, &label) % self.shapes.len() as u64) as usize;
            return self.shapes[i].clone();
        }
        // 30 days of 10-minute points, a log-odds random walk.
        let mut rng = StdRng::seed_from_u64(derive_seed(self.seed, &label));
        let mut x = rng.random_range(-2.0..2.0_f64);
        (0..4_320)
            .map(|i| {
                x += rng.random_range(-0.04..0.04_f64);
                (i64::from(i) * 600, sigmoid(x))
            })
            .collect()
    }

    /// The full history of a primary token: re-anchored shape, then simulated points.
    #[must_use]
    pub fn series(&self, token: TokenId) -> Vec<(i64, f64)> {
        let shape = self.shape(token);
        let Some(&(last_t, last_p)) = shape.last() else {
            return Vec::new();
        };
        let target = self.start_price.get(&token).copied().unwrap_or(last_p);
        let dt = self.start_secs - last_t;
        let dx = logit(target) - logit(last_p);
        let mut out: Vec<(i64, f64)> = shape
            .iter()
            .map(|(t, p)| (t + dt, round4(sigmoid(logit(*p) + dx))))
            .collect();
        if let Some(last) = out.last_mut() {
            last.1 = round4(target);
        }
        if let Some(sim) = self.points.get(&token) {
            out.extend(
                sim.iter()
                    .filter(|(t, _)| *t > self.start_secs)
                    .map(|(t, p)| (*t, round4(*p))),
            );
        }
        out
    }
}

/// Keeps the points inside `[start, end]`, at most one per `fidelity_min` minutes.
#[must_use]
pub fn window(
    series: Vec<(i64, f64)>,
    start: i64,
    end: i64,
    fidelity_min: Option<u32>,
) -> Vec<(i64, f64)> {
    let step = i64::from(fidelity_min.unwrap_or(0)) * 60;
    let mut next = i64::MIN;
    series
        .into_iter()
        .filter(|(t, _)| *t >= start && *t <= end)
        .filter(|(t, _)| {
            if *t >= next {
                next = t.saturating_add(step.max(1));
                true
            } else {
                false
            }
        })
        .collect()
}

/// The span of a `/prices-history` `interval` in seconds (`max` → `None`). `1m` is one month,
/// as on the venue's charts (the SDK's doc comment calls it a minute).
#[must_use]
pub fn interval_secs(interval: &str) -> Option<Option<i64>> {
    Some(match interval {
        "1m" => Some(30 * 86_400),
        "1w" => Some(7 * 86_400),
        "1d" => Some(86_400),
        "6h" => Some(6 * 3_600),
        "1h" => Some(3_600),
        "max" | "all" => None,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_end_at_the_start_price() {
        let shape = vec![(100, 0.2), (200, 0.3), (300, 0.25)];
        let mut h = Histories::new(vec![shape], 10_000, 1);
        let tok = TokenId::parse("42").unwrap();
        h.set_start_price(tok, 0.8);
        let s = h.series(tok);
        assert_eq!(s.len(), 3);
        assert_eq!(s[2], (10_000, 0.8));
        assert_eq!(s[0].0, 9_800);
        assert!(s[0].1 < s[1].1, "shape preserved");
        h.record(tok, 10_005, 0.81);
        h.record(tok, 10_005, 0.82);
        assert_eq!(h.series(tok).last(), Some(&(10_005, 0.82)));
    }

    #[test]
    fn synthetic_shapes_without_recordings() {
        let mut h = Histories::new(Vec::new(), 5_000_000, 7);
        let tok = TokenId::parse("43").unwrap();
        h.set_start_price(tok, 0.33);
        let s = h.series(tok);
        assert_eq!(s.len(), 4_320);
        assert!(s.iter().all(|(_, p)| (0.0..=1.0).contains(p)));
        assert_eq!(s.last().unwrap().1, 0.33);
        let w = window(s, 5_000_000 - 86_400, 5_000_000, Some(60));
        assert_eq!(w.len(), 24 + 1);
    }
}
