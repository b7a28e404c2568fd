//! Whale tiers (seed 000): a wallet's class by total PnL.

use polybot_model::Usdc;
use serde::{Deserialize, Serialize};

/// Seed 000's tiers, by total PnL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WalletTier {
    /// Below $500K.
    Rising,
    /// ≥ $500K.
    Pro,
    /// ≥ $1M.
    Elite,
    /// ≥ $2M.
    Legendary,
}

impl WalletTier {
    pub const LEGENDARY_PNL: Usdc = Usdc::dollars(2_000_000);
    pub const ELITE_PNL: Usdc = Usdc::dollars(1_000_000);
    pub const PRO_PNL: Usdc = Usdc::dollars(500_000);

    /// The tier of a wallet with total PnL `pnl` (each threshold inclusive).
    #[must_use]
    pub fn from_pnl(pnl: Usdc) -> Self {
        if pnl >= Self::LEGENDARY_PNL {
            WalletTier::Legendary
        } else if pnl >= Self::ELITE_PNL {
            WalletTier::Elite
        } else if pnl >= Self::PRO_PNL {
            WalletTier::Pro
        } else {
            WalletTier::Rising
        }
    }

    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            WalletTier::Rising => "RISING",
            WalletTier::Pro => "PRO",
            WalletTier::Elite => "ELITE",
            WalletTier::Legendary => "LEGENDARY",
        }
    }
}
