//! Execution algorithms as pure planners: the kernel asks them what to send next and tells them
//! what happened; they never talk to a venue.

use polybot_model::amounts::LOT_MICROS;
use polybot_model::{OrderBook, Price, Side, Size, TickSize};
use serde::{Deserialize, Serialize};

fn lot_floor(micros: u64) -> u64 {
    micros / LOT_MICROS * LOT_MICROS
}

/// TWAP: `total` in `slices` equal child orders spread evenly over `duration_ms`; lot rounding
/// remainders go to the last slice so the slices add up to the total exactly.
/// Which execution algorithm works a parent order, with its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AlgoSpec {
    /// `slices` equal child orders spread evenly over `duration_ms`.
    Twap { slices: u32, duration_ms: i64 },
    /// One child of `display` shares at a time, refilled when it fills.
    Iceberg { display: Size },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Twap {
    pub total: Size,
    pub slices: u32,
    pub start_ms: i64,
    pub duration_ms: i64,
}

impl Twap {
    /// Slice `i` (0-based): when it is due and its size, or `None` past the last slice.
    #[must_use]
    pub fn slice(&self, i: u32) -> Option<(i64, Size)> {
        let n = self.slices.max(1);
        if i >= n {
            return None;
        }
        let each = lot_floor(self.total.micros() / u64::from(n));
        let size = if i + 1 == n {
            self.total.micros() - each * u64::from(n - 1)
        } else {
            each
        };
        let due = self.start_ms + self.duration_ms * i64::from(i) / i64::from(n);
        Some((due, Size::from_micros(size)))
    }

    /// Slices due by `now_ms` that have not been sent (`sent` of them were).
    pub fn due(&self, now_ms: i64, sent: u32) -> impl Iterator<Item = (u32, Size)> + '_ {
        (sent..self.slices.max(1)).map_while(move |i| {
            self.slice(i)
                .filter(|(due, _)| *due <= now_ms)
                .map(|(_, s)| (i, s))
        })
    }
}

/// Iceberg: show at most `display` of `total` at a time and refill when the shown part fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Iceberg {
    pub total: Size,
    pub display: Size,
    /// Filled so far across all children.
    pub filled: Size,
}

impl Iceberg {
    #[must_use]
    pub fn new(total: Size, display: Size) -> Self {
        Iceberg {
            total,
            display,
            filled: Size::ZERO,
        }
    }

    /// The next child's size, or `None` when everything has filled. A tail smaller than the
    /// venue's minimum is shown whole with the previous child instead of being left behind.
    #[must_use]
    pub fn next_child(&self, min_size: Size) -> Option<Size> {
        let left = self.total.saturating_sub(self.filled);
        if left.is_zero() {
            return None;
        }
        let show = Size::from_micros(lot_floor(self.display.micros()).max(LOT_MICROS));
        if left <= show || left.saturating_sub(show) < min_size {
            return Some(left);
        }
        Some(show)
    }

    pub fn on_fill(&mut self, size: Size) {
        self.filled = self.filled.saturating_add(size).min(self.total);
    }
}

/// Why an adaptive limit order was not placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PriceAbort {
    /// The market moved past the slippage tolerance since the decision (`price_moved`).
    PriceMoved,
    /// No opposite side to price against (`no_quote`).
    NoQuote,
}

impl PriceAbort {
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            PriceAbort::PriceMoved => "price_moved",
            PriceAbort::NoQuote => "no_quote",
        }
    }
}

/// Adaptive limit pricing (seed 001): price a BUY one tick inside the spread when there is room
/// (else join the best bid), but never above `reference × (1 + tolerance)`; if even the best
/// ask has moved beyond that, abort rather than chase. SELL is the mirror image.
pub fn adaptive_limit(
    book: &OrderBook,
    side: Side,
    reference: Price,
    tolerance: f64,
    tick: TickSize,
) -> Result<Price, PriceAbort> {
    let t = tick.micros();
    let (best_bid, best_ask) = (
        book.best_bid().map(|l| l.price.micros()),
        book.best_ask().map(|l| l.price.micros()),
    );
    let r = f64::from(reference.micros());
    match side {
        Side::Buy => {
            let ask = best_ask.ok_or(PriceAbort::NoQuote)?;
            let cap = ((r * (1.0 + tolerance)) as u32) / t * t;
            let bid = best_bid.unwrap_or(t);
            let improved = if ask > bid + t { bid + t } else { bid };
            if ask > cap && improved > cap {
                return Err(PriceAbort::PriceMoved);
            }
            Price::on_tick(improved.min(cap).max(t), tick).map_err(|_| PriceAbort::PriceMoved)
        }
        Side::Sell => {
            let bid = best_bid.ok_or(PriceAbort::NoQuote)?;
            let floor = ((r * (1.0 - tolerance)).max(0.0) as u32).div_ceil(t) * t;
            let ask = best_ask.unwrap_or(1_000_000 - t);
            let improved = if bid + t < ask { ask - t } else { ask };
            if bid < floor && improved < floor {
                return Err(PriceAbort::PriceMoved);
            }
            Price::on_tick(improved.max(floor).min(1_000_000 - t), tick)
                .map_err(|_| PriceAbort::PriceMoved)
        }
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::U256;
    use polybot_model::{Level, TokenId};

    use super::*;

    fn sz(s: &str) -> Size {
        Size::parse(s).unwrap()
    }
    fn px(s: &str) -> Price {
        Price::parse(s).unwrap()
    }

    #[test]
    fn twap_slices_add_up_and_are_spread_evenly() {
        let t = Twap {
            total: sz("100.01"),
            slices: 3,
            start_ms: 1_000,
            duration_ms: 3_000,
        };
        let slices: Vec<_> = (0..4).map(|i| t.slice(i)).collect();
        assert_eq!(slices[0], Some((1_000, sz("33.33"))));
        assert_eq!(slices[1], Some((2_000, sz("33.33"))));
        assert_eq!(slices[2], Some((3_000, sz("33.35"))));
        assert_eq!(slices[3], None);
        assert_eq!(
            t.due(2_500, 0).collect::<Vec<_>>(),
            vec![(0, sz("33.33")), (1, sz("33.33"))]
        );
        assert_eq!(t.due(2_500, 2).count(), 0);
    }

    #[test]
    fn iceberg_refills_and_never_leaves_an_unfillable_tail() {
        let mut ice = Iceberg::new(sz("23"), sz("10"));
        assert_eq!(ice.next_child(sz("5")), Some(sz("10")));
        ice.on_fill(sz("10"));
        // 13 left: showing 10 would leave 3, below the 5-share minimum, so show all 13.
        assert_eq!(ice.next_child(sz("5")), Some(sz("13")));
        ice.on_fill(sz("13"));
        assert_eq!(ice.next_child(sz("5")), None);
    }

    fn book(bid: &str, ask: &str) -> OrderBook {
        let mut b = OrderBook::new(TokenId(U256::from(1u8)), TickSize::Hundredth);
        b.apply_snapshot(
            [Level::new(px(bid), sz("10"))],
            [Level::new(px(ask), sz("10"))],
            0,
        );
        b
    }

    #[test]
    fn adaptive_pricing_improves_joins_caps_and_aborts() {
        let tick = TickSize::Hundredth;
        // Room inside the spread: improve the bid by a tick.
        assert_eq!(
            adaptive_limit(&book("0.40", "0.45"), Side::Buy, px("0.42"), 0.05, tick),
            Ok(px("0.41"))
        );
        // Locked one tick apart: join the best bid.
        assert_eq!(
            adaptive_limit(&book("0.40", "0.41"), Side::Buy, px("0.40"), 0.015, tick),
            Ok(px("0.40"))
        );
        // The market ran away from the reference past the tolerance: abort.
        assert_eq!(
            adaptive_limit(&book("0.50", "0.52"), Side::Buy, px("0.40"), 0.015, tick),
            Err(PriceAbort::PriceMoved)
        );
        assert_eq!(
            adaptive_limit(&book("0.55", "0.60"), Side::Sell, px("0.58"), 0.05, tick),
            Ok(px("0.59"))
        );
        assert_eq!(
            adaptive_limit(&book("0.30", "0.32"), Side::Sell, px("0.50"), 0.015, tick),
            Err(PriceAbort::PriceMoved)
        );
        let mut empty = book("0.40", "0.45");
        empty.clear(tick);
        assert_eq!(
            adaptive_limit(&empty, Side::Buy, px("0.42"), 0.05, tick),
            Err(PriceAbort::NoQuote)
        );
    }
}
