//! [`Throttle`]: per-channel de-duplication and rate limiting, decided in the caller's thread
//! before anything is queued, so a flood of repeats never fills a queue. Pure given `now`.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use tokio::time::Instant;

use crate::alert::{Alert, AlertKind, Severity};

const RATE_WINDOW: Duration = Duration::from_secs(60);
/// Remembered titles are pruned once there are more than this many.
const MAX_REMEMBERED: usize = 1024;

/// What to do with one alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Send it; `collapsed` alerts with the same kind and title were held back since the last
    /// one that was sent.
    Send { collapsed: u64 },
    /// Same kind and title as one sent less than the de-duplication window ago.
    Duplicate,
    /// Over `max_per_minute` (critical alerts are never rate limited).
    RateLimited,
}

#[derive(Debug)]
struct Seen {
    last_sent: Instant,
    collapsed: u64,
}

#[derive(Debug)]
pub struct Throttle {
    dedup_window: Duration,
    max_per_minute: u32,
    seen: HashMap<(AlertKind, String), Seen>,
    recent: VecDeque<Instant>,
}

impl Throttle {
    /// A zero window disables de-duplication; zero `max_per_minute` disables rate limiting.
    #[must_use]
    pub fn new(dedup_window: Duration, max_per_minute: u32) -> Self {
        Throttle {
            dedup_window,
            max_per_minute,
            seen: HashMap::new(),
            recent: VecDeque::new(),
        }
    }

    pub fn check(&mut self, alert: &Alert, now: Instant) -> Verdict {
        let key = (alert.kind, alert.title.clone());
        if let Some(seen) = self.seen.get_mut(&key)
            && now.saturating_duration_since(seen.last_sent) < self.dedup_window
        {
            seen.collapsed += 1;
            return Verdict::Duplicate;
        }
        if self.max_per_minute > 0 {
            while self
                .recent
                .front()
                .is_some_and(|t| now.saturating_duration_since(*t) >= RATE_WINDOW)
            {
                self.recent.pop_front();
            }
            if alert.severity < Severity::Critical
                && self.recent.len() >= self.max_per_minute as usize
            {
                return Verdict::RateLimited;
            }
            self.recent.push_back(now);
        }
        if self.dedup_window.is_zero() {
            return Verdict::Send { collapsed: 0 };
        }
        let previous = self.seen.insert(
            key,
            Seen {
                last_sent: now,
                collapsed: 0,
            },
        );
        if self.seen.len() > MAX_REMEMBERED {
            let window = self.dedup_window;
            self.seen
                .retain(|_, s| now.saturating_duration_since(s.last_sent) < window);
            if self.seen.len() > 4 * MAX_REMEMBERED {
                // Thousands of distinct titles inside one window: forget rather than grow.
                self.seen.clear();
            }
        }
        Verdict::Send {
            collapsed: previous.map_or(0, |p| p.collapsed),
        }
    }
}
