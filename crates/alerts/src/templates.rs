//! Ready-made alerts for what the engine reports (the seeds' triggers): fills, the kill switch,
//! drawdown heat, risk breaches, component errors and the daily summary.
//!
//! Titles are chosen with de-duplication in mind: a title names *what* happened (the component
//! that failed, the limit that was hit), details go in the body and fields, so a repeating
//! failure collapses into one alert with a count while different failures still get through.

use chrono::NaiveDate;
use polybot_model::{Price, Side, Size, Usdc};

use crate::alert::{Alert, AlertKind};
use crate::format::truncate;

/// A fraction as a percentage with one decimal (`0.123` → `12.3%`).
#[must_use]
pub fn percent(fraction: f64) -> String {
    if fraction.is_finite() {
        format!("{:.1}%", fraction * 100.0)
    } else {
        "n/a".to_owned()
    }
}

/// A fill (paper or live).
#[derive(Debug, Clone)]
pub struct TradeNotice<'a> {
    /// `paper` or `live`.
    pub mode: &'a str,
    pub strategy: &'a str,
    /// The market's question.
    pub market: &'a str,
    /// The outcome's label (`Yes`, `No`, a team).
    pub outcome: &'a str,
    pub side: Side,
    pub price: Price,
    pub size: Size,
    pub notional: Usdc,
    /// Estimated edge after fees, as a fraction.
    pub edge: Option<f64>,
    /// Why the strategy traded (its reason code or rationale).
    pub reason: &'a str,
    pub timestamp_ms: i64,
}

impl TradeNotice<'_> {
    #[must_use]
    pub fn to_alert(&self) -> Alert {
        let title = format!(
            "{} {} {} {} @ {} · {}",
            self.mode,
            self.side.as_str(),
            self.size,
            self.outcome,
            self.price,
            truncate(self.market, 80)
        );
        let mut alert = Alert::new(AlertKind::Trade, title, self.timestamp_ms)
            .with_body(self.reason)
            .with_field("market", self.market)
            .with_field("strategy", self.strategy)
            .with_field("side", self.side.as_str())
            .with_field("outcome", self.outcome)
            .with_field("price", self.price)
            .with_field("size", self.size)
            .with_field("notional (USDC)", self.notional);
        if let Some(edge) = self.edge {
            alert = alert.with_field("edge", percent(edge));
        }
        alert
    }
}

/// The kill switch stopped all trading.
#[derive(Debug, Clone)]
pub struct KillNotice<'a> {
    /// The reason code (`drawdown_kill`, `manual`, `daily_loss_limit`).
    pub reason: &'a str,
    pub drawdown: f64,
    pub equity: Usdc,
    pub peak_equity: Usdc,
    pub timestamp_ms: i64,
}

impl KillNotice<'_> {
    #[must_use]
    pub fn to_alert(&self) -> Alert {
        Alert::new(
            AlertKind::Kill,
            format!("Trading halted: {}", self.reason),
            self.timestamp_ms,
        )
        .with_body("The kill switch is active; no new orders until it is reset.")
        .with_field("drawdown", percent(self.drawdown))
        .with_field("equity (USDC)", self.equity)
        .with_field("peak equity (USDC)", self.peak_equity)
    }
}

/// Drawdown crossed a heat level; position sizes are scaled down.
#[derive(Debug, Clone)]
pub struct DrawdownNotice {
    pub drawdown: f64,
    pub heat_level: u8,
    /// The Kelly multiplier now applied (`0.5` = half size).
    pub size_multiplier: f64,
    pub equity: Usdc,
    pub peak_equity: Usdc,
    pub timestamp_ms: i64,
}

impl DrawdownNotice {
    #[must_use]
    pub fn to_alert(&self) -> Alert {
        Alert::new(
            AlertKind::DrawdownWarning,
            format!("Drawdown heat level {}", self.heat_level),
            self.timestamp_ms,
        )
        .with_body(format!(
            "Drawdown is {} from the peak; new positions are sized at {} of normal.",
            percent(self.drawdown),
            percent(self.size_multiplier)
        ))
        .with_field("drawdown", percent(self.drawdown))
        .with_field("equity (USDC)", self.equity)
        .with_field("peak equity (USDC)", self.peak_equity)
    }
}

/// A risk limit was hit.
#[derive(Debug, Clone)]
pub struct RiskBreachNotice<'a> {
    /// The stable reason code (`max_exposure`, `max_positions`, `daily_loss_limit`).
    pub code: &'a str,
    pub detail: &'a str,
    pub strategy: Option<&'a str>,
    pub market: Option<&'a str>,
    pub timestamp_ms: i64,
}

impl RiskBreachNotice<'_> {
    #[must_use]
    pub fn to_alert(&self) -> Alert {
        let mut alert = Alert::new(
            AlertKind::RiskBreach,
            format!("Risk limit: {}", self.code),
            self.timestamp_ms,
        )
        .with_body(self.detail);
        if let Some(s) = self.strategy {
            alert = alert.with_field("strategy", s);
        }
        if let Some(m) = self.market {
            alert = alert.with_field("market", m);
        }
        alert
    }
}

/// A component failed. The title names only the component, so repeats collapse.
#[must_use]
pub fn error_alert(component: &str, message: &str, timestamp_ms: i64) -> Alert {
    Alert::new(
        AlertKind::Error,
        format!("Error in {component}"),
        timestamp_ms,
    )
    .with_body(message)
    .with_field("component", component)
}

/// The end-of-day report.
#[derive(Debug, Clone)]
pub struct DailySummary {
    pub date: NaiveDate,
    pub equity: Usdc,
    pub pnl_day: Usdc,
    pub pnl_total: Usdc,
    pub trades: u32,
    pub wins: u32,
    pub losses: u32,
    pub open_positions: u32,
    /// P&L of the day per strategy.
    pub by_strategy: Vec<(String, Usdc)>,
    pub timestamp_ms: i64,
}

impl DailySummary {
    #[must_use]
    pub fn to_alert(&self) -> Alert {
        let decided = self.wins + self.losses;
        let win_rate = if decided == 0 {
            "n/a".to_owned()
        } else {
            percent(f64::from(self.wins) / f64::from(decided))
        };
        let mut alert = Alert::new(
            AlertKind::DailySummary,
            format!("Daily summary {}", self.date),
            self.timestamp_ms,
        )
        .with_field("equity (USDC)", self.equity)
        .with_field("P&L today (USDC)", self.pnl_day)
        .with_field("P&L total (USDC)", self.pnl_total)
        .with_field("trades", self.trades)
        .with_field(
            "win rate",
            format!("{win_rate} ({}W / {}L)", self.wins, self.losses),
        )
        .with_field("open positions", self.open_positions);
        for (strategy, pnl) in &self.by_strategy {
            alert = alert.with_field(format!("{strategy} P&L (USDC)"), pnl);
        }
        alert
    }
}
