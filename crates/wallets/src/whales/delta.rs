//! Delta detection (seed 000, phase 3): what changed between two snapshots of one wallet.

use alloy_primitives::Address;
use polybot_model::{ConditionId, Probability, Size, TokenId, Usdc};
use serde::{Deserialize, Serialize};

use super::snapshot::{HeldPosition, PositionSnapshot, value_at};

/// A size change counts only when it exceeds this share of the previous size, in percent
/// (seed 000: "Position size grows >10%" / "shrinks >10%"). Exactly 10 % is no change.
pub const SIZE_CHANGE_PCT: u64 = 10;

/// What happened to a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeltaKind {
    /// The position appears for the first time.
    NewEntry,
    /// The position disappears from the snapshot.
    Exit,
    /// The size grew by more than 10 %.
    SizeIncrease,
    /// The size shrank by more than 10 % (but not to zero: that is an exit).
    SizeDecrease,
}

impl DeltaKind {
    /// The seed's name: `NEW_ENTRY`, `EXIT`, `SIZE_INCREASE`, `SIZE_DECREASE`.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            DeltaKind::NewEntry => "NEW_ENTRY",
            DeltaKind::Exit => "EXIT",
            DeltaKind::SizeIncrease => "SIZE_INCREASE",
            DeltaKind::SizeDecrease => "SIZE_DECREASE",
        }
    }

    /// Capital coming in (entries, increases) rather than going out (exits, decreases).
    #[must_use]
    pub fn is_inflow(self) -> bool {
        matches!(self, DeltaKind::NewEntry | DeltaKind::SizeIncrease)
    }
}

/// One position change of one wallet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PositionDelta {
    pub wallet: Address,
    pub kind: DeltaKind,
    pub condition_id: ConditionId,
    pub token: TokenId,
    pub outcome_index: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Size before (zero for a new entry) and after (zero for an exit).
    pub prev_size: Size,
    pub new_size: Size,
    /// |new − prev| shares.
    pub change: Size,
    /// The change relative to the previous size, in percent (−100 for an exit); `None` for a
    /// new entry (nothing to compare with).
    pub change_pct: Option<f64>,
    /// The mark the change is valued at: the new snapshot's, or the last known for an exit.
    pub price: Probability,
    /// `change × price`: the dollars that moved.
    pub usd: Usdc,
    /// When the change was seen (the new snapshot's time).
    pub at_ms: i64,
}

/// Whether going from `prev` to `next` shares is a change of more than [`SIZE_CHANGE_PCT`] %
/// of `prev` (exact: `100·|next − prev| > 10·prev`).
fn significant(prev: Size, next: Size) -> bool {
    let (p, n) = (u128::from(prev.micros()), u128::from(next.micros()));
    100 * p.abs_diff(n) > u128::from(SIZE_CHANGE_PCT) * p
}

fn delta(
    wallet: Address,
    kind: DeltaKind,
    meta: &HeldPosition,
    (prev_size, new_size): (Size, Size),
    price: Probability,
    at_ms: i64,
) -> PositionDelta {
    let change = if new_size >= prev_size {
        new_size.saturating_sub(prev_size)
    } else {
        prev_size.saturating_sub(new_size)
    };
    let change_pct = (!prev_size.is_zero()).then(|| {
        (new_size.micros() as f64 - prev_size.micros() as f64) / prev_size.micros() as f64 * 100.0
    });
    PositionDelta {
        wallet,
        kind,
        condition_id: meta.condition_id,
        token: meta.token,
        outcome_index: meta.outcome_index,
        outcome: meta.outcome.clone(),
        title: meta.title.clone(),
        prev_size,
        new_size,
        change,
        change_pct,
        price,
        usd: value_at(change, price),
        at_ms,
    }
}

/// The changes from `prev` to `next`, two snapshots of the same wallet, in token order.
///
/// A position only in `next` is a `NEW_ENTRY`; one only in `prev` is an `EXIT` (unless `next`
/// is incomplete, when its absence proves nothing); one in both whose size moved by more than
/// 10 % of the previous size is a `SIZE_INCREASE` or `SIZE_DECREASE`. Snapshots of different
/// wallets have no deltas.
#[must_use]
pub fn diff(prev: &PositionSnapshot, next: &PositionSnapshot) -> Vec<PositionDelta> {
    if prev.wallet != next.wallet {
        return Vec::new();
    }
    let (before, after) = (prev.by_token(), next.by_token());
    let (wallet, at) = (next.wallet, next.taken_at_ms);
    let mut out = Vec::new();
    for (token, now) in &after {
        match before.get(token) {
            None => out.push(delta(
                wallet,
                DeltaKind::NewEntry,
                now,
                (Size::ZERO, now.size),
                now.cur_price,
                at,
            )),
            Some(was) if significant(was.size, now.size) => {
                let kind = if now.size > was.size {
                    DeltaKind::SizeIncrease
                } else {
                    DeltaKind::SizeDecrease
                };
                out.push(delta(
                    wallet,
                    kind,
                    now,
                    (was.size, now.size),
                    now.cur_price,
                    at,
                ));
            }
            Some(_) => {}
        }
    }
    if next.complete {
        for (token, was) in &before {
            if !after.contains_key(token) {
                out.push(delta(
                    wallet,
                    DeltaKind::Exit,
                    was,
                    (was.size, Size::ZERO),
                    was.cur_price,
                    at,
                ));
            }
        }
    }
    out.sort_by(|a, b| a.token.cmp(&b.token).then(a.kind.cmp(&b.kind)));
    out
}
