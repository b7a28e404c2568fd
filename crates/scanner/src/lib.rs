//! Market scanning: the seed's filters, keyword classification and the pre-research score.
//!
//! Pure functions over [`polybot_model::Market`], no I/O: the CLI and the engine fetch markets,
//! then call [`scan()`] to learn which are worth researching, in which order, and why the others
//! were skipped (stable reason codes for the decision log).
//!
//! - [`classify()`] / [`classify_market`]: keyword matching into a [`Category`];
//! - [`pre_research_score`] / [`score_breakdown`]: the 0–100 score and its parts;
//! - [`scan()`]: every filter of [`ScanFilters`], every failing reason recorded, ranked output.

pub mod category;
pub mod classify;
pub mod filters;
mod keywords;
pub mod scan;
pub mod score;

pub use category::{Category, ParseCategoryError};
pub use classify::{Classifier, classify, classify_market};
pub use filters::ScanFilters;
pub use scan::{RejectReason, Rejection, ScanReport, ScannedMarket, scan, scan_market};
pub use score::{
    ScoreBreakdown, category_points, liquidity_points, pre_research_score, recency_points,
    score_breakdown, volume_points,
};
