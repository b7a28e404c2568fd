//! One poll of one wallet: every fill from `since` to now, paged newest first.
//!
//! The window is re-fetched on every poll (the tracker sets `since` to `overlap` before now),
//! so a fill the Data API indexes a few seconds late is still found on a later poll. Paging
//! stops at a short page or once a page reaches past `since`; rows older than `since` are
//! ignored (earlier polls covered them). A record that fails to parse is reported and skipped;
//! it never hides the rest of the page.

use alloy_primitives::Address;

use crate::client::DataApi;
use crate::error::{ParseError, WalletsError};
use crate::parse::{self, venue_time_ms};
use crate::trade::WalletTrade;

/// What a poll of one wallet found.
#[derive(Debug, Default)]
pub struct WindowFetch {
    /// Fills with a timestamp ≥ `since`, in the API's order (newest first).
    pub trades: Vec<WalletTrade>,
    /// Records in the window that could not be parsed.
    pub rejected: Vec<ParseError>,
    pub pages: u32,
    /// `max_pages` full pages did not reach back to `since`: fills may be missing.
    pub truncated: bool,
}

/// Paging limits of a poll.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub page_limit: u32,
    pub max_pages: u32,
}

/// Fetches `wallet`'s fills with a venue timestamp ≥ `since_ms`.
pub async fn fetch_window(
    api: &DataApi,
    wallet: Address,
    since_ms: i64,
    paging: Paging,
) -> Result<WindowFetch, WalletsError> {
    let mut out = WindowFetch::default();
    let limit = paging.page_limit.max(1);
    for page in 0..paging.max_pages.max(1) {
        let rows = api.trades_page(wallet, page * limit, limit).await?;
        out.pages += 1;
        let mut reached_since = false;
        for row in &rows {
            let ts = venue_time_ms(row.timestamp);
            if ts.is_some_and(|t| t < since_ms) {
                reached_since = true;
                continue;
            }
            match parse::from_data_trade(row) {
                Ok(t) => out.trades.push(t),
                Err(e) => out.rejected.push(e),
            }
        }
        if rows.len() < limit as usize || reached_since {
            return Ok(out);
        }
    }
    out.truncated = true;
    Ok(out)
}
