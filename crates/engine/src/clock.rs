//! Clocks: the kernel never reads the system time itself, so a backtest runs on the data's time
//! and a replay sees exactly the times the original run saw.

/// Milliseconds since the Unix epoch.
pub trait Clock {
    fn now_ms(&self) -> i64;
}

/// The system clock, for paper and live trading.
#[derive(Debug, Clone, Copy, Default)]
pub struct WallClock;

impl Clock for WallClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

/// A clock moved by the caller (backtests, replays, tests); it never goes backwards.
#[derive(Debug, Clone, Copy, Default)]
pub struct SimClock {
    now_ms: i64,
}

impl SimClock {
    #[must_use]
    pub fn at(now_ms: i64) -> Self {
        SimClock { now_ms }
    }

    pub fn advance_to(&mut self, ms: i64) {
        self.now_ms = self.now_ms.max(ms);
    }
}

impl Clock for SimClock {
    fn now_ms(&self) -> i64 {
        self.now_ms
    }
}
