//! Client-side rate limits per endpoint family.
//!
//! Polymarket enforces sliding-window limits per endpoint family at Cloudflare (queueing, then
//! 429s or a temporary block). Staying below them client-side, at a configurable fraction of
//! the published figures, keeps the bot off the block list. A call waits on every limit that
//! applies to it: its specific family, its service's general limit and the global one.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// Endpoint families with their own published limits (docs.polymarket.com, 2026-05).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// Any CLOB REST read (books, prices, markets, ...).
    ClobRead,
    ClobPostOrder,
    ClobPostOrders,
    ClobCancelOrder,
    ClobCancelOrders,
    ClobBalanceAllowance,
    ClobApiKeys,
    GammaMarkets,
    GammaEvents,
    GammaOther,
    DataTrades,
    DataPositions,
    DataOther,
}

/// `(requests, window)` pairs; several windows apply at once for order endpoints.
fn published(family: Family) -> &'static [(u32, u64)] {
    const TEN_S: u64 = 10;
    const TEN_MIN: u64 = 600;
    match family {
        Family::ClobRead => &[],
        Family::ClobPostOrder => &[(3_500, TEN_S), (36_000, TEN_MIN)],
        Family::ClobPostOrders => &[(1_000, TEN_S), (15_000, TEN_MIN)],
        Family::ClobCancelOrder => &[(3_000, TEN_S), (30_000, TEN_MIN)],
        Family::ClobCancelOrders => &[(1_000, TEN_S), (15_000, TEN_MIN)],
        Family::ClobBalanceAllowance => &[(200, TEN_S)],
        Family::ClobApiKeys => &[(100, TEN_S)],
        Family::GammaMarkets => &[(300, TEN_S)],
        Family::GammaEvents => &[(500, TEN_S)],
        Family::GammaOther => &[],
        Family::DataTrades => &[(200, TEN_S)],
        Family::DataPositions => &[(150, TEN_S)],
        Family::DataOther => &[],
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Service {
    Clob,
    Gamma,
    Data,
}

fn service(family: Family) -> Service {
    match family {
        Family::ClobRead
        | Family::ClobPostOrder
        | Family::ClobPostOrders
        | Family::ClobCancelOrder
        | Family::ClobCancelOrders
        | Family::ClobBalanceAllowance
        | Family::ClobApiKeys => Service::Clob,
        Family::GammaMarkets | Family::GammaEvents | Family::GammaOther => Service::Gamma,
        Family::DataTrades | Family::DataPositions | Family::DataOther => Service::Data,
    }
}

const FAMILIES: [Family; 13] = [
    Family::ClobRead,
    Family::ClobPostOrder,
    Family::ClobPostOrders,
    Family::ClobCancelOrder,
    Family::ClobCancelOrders,
    Family::ClobBalanceAllowance,
    Family::ClobApiKeys,
    Family::GammaMarkets,
    Family::GammaEvents,
    Family::GammaOther,
    Family::DataTrades,
    Family::DataPositions,
    Family::DataOther,
];

pub struct RateLimits {
    global: DefaultDirectRateLimiter,
    clob: DefaultDirectRateLimiter,
    gamma: DefaultDirectRateLimiter,
    data: DefaultDirectRateLimiter,
    families: Vec<(Family, Vec<DefaultDirectRateLimiter>)>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits").finish_non_exhaustive()
    }
}

/// A limiter allowing `fraction × requests` per `window_secs`, with that many as burst.
fn limiter(requests: u32, window_secs: u64, fraction: f64) -> DefaultDirectRateLimiter {
    let allowed = ((f64::from(requests) * fraction).floor() as u32).max(1);
    let period = Duration::from_secs(window_secs) / allowed;
    let burst = NonZeroU32::new(allowed).unwrap_or(NonZeroU32::MIN);
    let quota = Quota::with_period(period.max(Duration::from_nanos(1)))
        .unwrap_or_else(|| Quota::per_second(burst))
        .allow_burst(burst);
    RateLimiter::direct(quota)
}

impl RateLimits {
    /// Limits at `fraction` (0, 1] of the published ones.
    #[must_use]
    pub fn new(fraction: f64) -> Self {
        RateLimits {
            global: limiter(15_000, 10, fraction),
            clob: limiter(9_000, 10, fraction),
            gamma: limiter(4_000, 10, fraction),
            data: limiter(1_000, 10, fraction),
            families: FAMILIES
                .iter()
                .map(|&f| {
                    (
                        f,
                        published(f)
                            .iter()
                            .map(|&(n, w)| limiter(n, w, fraction))
                            .collect(),
                    )
                })
                .collect(),
        }
    }

    /// Waits until a call of `family` may be made under every limit that applies to it.
    pub async fn acquire(&self, family: Family) {
        if let Some((_, specific)) = self.families.iter().find(|(f, _)| *f == family) {
            for l in specific {
                l.until_ready().await;
            }
        }
        match service(family) {
            Service::Clob => self.clob.until_ready().await,
            Service::Gamma => self.gamma.until_ready().await,
            Service::Data => self.data.until_ready().await,
        }
        self.global.until_ready().await;
    }

    /// Whether a call could go now without waiting (for tests and diagnostics).
    #[must_use]
    pub fn check(&self, family: Family) -> bool {
        let specific_ok = self
            .families
            .iter()
            .find(|(f, _)| *f == family)
            .is_none_or(|(_, ls)| ls.iter().all(|l| l.check().is_ok()));
        let service_ok = match service(family) {
            Service::Clob => self.clob.check().is_ok(),
            Service::Gamma => self.gamma.check().is_ok(),
            Service::Data => self.data.check().is_ok(),
        };
        specific_ok && service_ok && self.global.check().is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_is_the_scaled_published_limit() {
        // Gamma /markets: 300 per 10 s at 10% => a burst of exactly 30.
        let limits = RateLimits::new(0.1);
        let mut allowed = 0;
        while limits.check(Family::GammaMarkets) && allowed < 1_000 {
            allowed += 1;
        }
        assert_eq!(allowed, 30);
        // Another family is unaffected by /markets' exhaustion.
        assert!(limits.check(Family::DataOther));
    }
}
