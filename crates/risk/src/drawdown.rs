//! Drawdown: heat levels that shrink sizing as equity falls from its peak (seed 000), and the
//! [`DrawdownGuard`], a small state machine that kills new entries at the maximum drawdown and
//! may recover on its own with hysteresis, a cooldown and a daily limit (seed 002).

use polybot_model::Usdc;
use serde::{Deserialize, Serialize};

use crate::config::RiskConfig;

const DAY_MS: i64 = 86_400_000;

/// Drawdown of `equity` from `peak` as a fraction in [0, 1]. The peak is at least the equity;
/// with no positive peak there is nothing left to lose, which counts as a full drawdown.
#[must_use]
pub fn drawdown_fraction(equity: Usdc, peak: Usdc) -> f64 {
    let peak = peak.max(equity);
    if peak <= Usdc::ZERO {
        return 1.0;
    }
    let lost = peak.saturating_sub(equity).as_f64() / peak.as_f64();
    lost.clamp(0.0, 1.0)
}

/// A heat level and what it does to sizing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Heat {
    /// 0 (cool) to 3 (kill).
    pub level: u8,
    pub drawdown: f64,
    /// The sizing multiplier of this level.
    pub multiplier: f64,
}

/// The heat level of `equity` against `peak`: level *n* once the drawdown reaches
/// `heat_thresholds[n − 1]`.
#[must_use]
pub fn heat_level(config: &RiskConfig, equity: Usdc, peak: Usdc) -> Heat {
    let drawdown = drawdown_fraction(equity, peak);
    let level = config
        .heat_thresholds
        .iter()
        .filter(|t| drawdown >= **t)
        .count()
        .min(3);
    let multiplier = config.heat_multipliers[level];
    Heat {
        level: level as u8,
        drawdown,
        multiplier: if multiplier.is_finite() {
            multiplier.clamp(0.0, 1.0)
        } else {
            0.0
        },
    }
}

/// When and how deep the guard tripped.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Trip {
    pub since_ms: i64,
    pub drawdown: f64,
}

/// What an update changed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "transition", rename_all = "snake_case")]
pub enum GuardTransition {
    /// Drawdown reached `max_drawdown_pct`: new entries stop.
    Tripped { drawdown: f64 },
    /// Drawdown fell back to `drawdown_recover_pct` after the cooldown, within the day's limit.
    Recovered {
        drawdown: f64,
        recoveries_today: u32,
    },
}

/// The drawdown kill switch and the equity peak it measures from. Part of the portfolio state,
/// persisted with it, and changed only by [`update`](Self::update) and [`reset`](Self::reset).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DrawdownGuard {
    /// The high-water mark of equity.
    pub peak: Usdc,
    pub tripped: Option<Trip>,
    pub recoveries_today: u32,
    /// The UTC day (days since the epoch) `recoveries_today` counts.
    pub recovery_day: i64,
}

impl DrawdownGuard {
    #[must_use]
    pub fn new(peak: Usdc) -> Self {
        DrawdownGuard {
            peak,
            tripped: None,
            recoveries_today: 0,
            recovery_day: 0,
        }
    }

    #[must_use]
    pub fn is_tripped(&self) -> bool {
        self.tripped.is_some()
    }

    /// Feeds the latest equity: raises the peak, trips at `max_drawdown_pct`, and recovers once
    /// the drawdown is back at `drawdown_recover_pct`, the cooldown has passed and today's
    /// recoveries are below `max_recoveries_per_day`.
    pub fn update(
        &mut self,
        config: &RiskConfig,
        equity: Usdc,
        now_ms: i64,
    ) -> Option<GuardTransition> {
        self.peak = self.peak.max(equity);
        let day = now_ms.div_euclid(DAY_MS);
        if day != self.recovery_day {
            self.recovery_day = day;
            self.recoveries_today = 0;
        }
        let drawdown = drawdown_fraction(equity, self.peak);
        match self.tripped {
            None if drawdown >= config.max_drawdown_pct => {
                self.tripped = Some(Trip {
                    since_ms: now_ms,
                    drawdown,
                });
                Some(GuardTransition::Tripped { drawdown })
            }
            Some(trip) => {
                let cooldown_ms =
                    i64::try_from(config.drawdown_cooldown_secs.saturating_mul(1_000))
                        .unwrap_or(i64::MAX);
                let cooled = now_ms.saturating_sub(trip.since_ms) >= cooldown_ms;
                let allowed = self.recoveries_today < config.max_recoveries_per_day;
                if drawdown <= config.drawdown_recover_pct && cooled && allowed {
                    self.tripped = None;
                    self.recoveries_today += 1;
                    Some(GuardTransition::Recovered {
                        drawdown,
                        recoveries_today: self.recoveries_today,
                    })
                } else {
                    None
                }
            }
            None => None,
        }
    }

    /// Operator reset: clears a trip and starts a new high-water mark at `equity` (otherwise the
    /// next update would trip again at once).
    pub fn reset(&mut self, equity: Usdc) {
        self.tripped = None;
        self.peak = equity;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(d: i64) -> Usdc {
        Usdc::dollars(d)
    }

    #[test]
    fn heat_levels_at_the_seed_thresholds() {
        let c = RiskConfig::default();
        let level = |equity| heat_level(&c, usd(equity), usd(1_000));
        assert_eq!(level(1_000).level, 0);
        assert_eq!(level(901).level, 0);
        assert_eq!((level(900).level, level(900).multiplier), (1, 0.5));
        assert_eq!((level(850).level, level(850).multiplier), (2, 0.25));
        assert_eq!((level(800).level, level(800).multiplier), (3, 0.0));
        assert_eq!(level(-5).level, 3);
        // Equity above the recorded peak is a new peak, not a negative drawdown.
        assert_eq!(heat_level(&c, usd(1_200), usd(1_000)).drawdown, 0.0);
        assert_eq!(drawdown_fraction(Usdc::ZERO, Usdc::ZERO), 1.0);
    }

    fn recovering() -> RiskConfig {
        RiskConfig {
            max_recoveries_per_day: 1,
            drawdown_cooldown_secs: 60,
            ..RiskConfig::default()
        }
    }

    #[test]
    fn guard_trips_and_recovers_with_hysteresis_and_cooldown() {
        let c = recovering();
        let mut g = DrawdownGuard::new(usd(1_000));
        assert_eq!(g.update(&c, usd(820), 0), None);
        let t = g.update(&c, usd(800), 1_000);
        assert!(matches!(t, Some(GuardTransition::Tripped { .. })));
        // Back under the kill level but above the recovery level: still tripped.
        assert_eq!(g.update(&c, usd(830), 200_000), None);
        assert!(g.is_tripped());
        // At the recovery level but inside the cooldown: still tripped.
        let mut early = g;
        early.tripped = Some(Trip {
            since_ms: 190_000,
            drawdown: 0.2,
        });
        assert_eq!(early.update(&c, usd(850), 200_000), None);
        // At the recovery level after the cooldown: recovered.
        let r = g.update(&c, usd(850), 200_000);
        assert_eq!(
            r,
            Some(GuardTransition::Recovered {
                drawdown: 0.15,
                recoveries_today: 1
            })
        );
        assert!(!g.is_tripped());
    }

    #[test]
    fn daily_recovery_limit_and_manual_reset() {
        let c = recovering();
        let mut g = DrawdownGuard::new(usd(1_000));
        g.update(&c, usd(790), 0);
        assert!(g.update(&c, usd(900), 61_000).is_some());
        g.update(&c, usd(790), 62_000);
        // The day's one recovery is used up.
        assert_eq!(g.update(&c, usd(950), 200_000), None);
        assert!(g.is_tripped());
        // A new UTC day allows another.
        assert!(matches!(
            g.update(&c, usd(950), DAY_MS + 1),
            Some(GuardTransition::Recovered {
                recoveries_today: 1,
                ..
            })
        ));
        // With the default (0 recoveries a day) only the operator can reset.
        let d = RiskConfig::default();
        let mut g = DrawdownGuard::new(usd(1_000));
        g.update(&d, usd(700), 0);
        assert_eq!(g.update(&d, usd(1_000), 10 * DAY_MS), None);
        g.reset(usd(700));
        assert!(!g.is_tripped());
        assert_eq!(g.update(&d, usd(700), 10 * DAY_MS), None);
    }
}
