//! Token usage and USD cost: exact (`Decimal`) tokens × each provider's price per 1M tokens,
//! accumulated per provider in a serialisable [`CostLedger`].

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Tokens of one call (or a sum of calls).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

impl Usage {
    #[must_use]
    pub fn total(&self) -> u64 {
        self.prompt_tokens.saturating_add(self.completion_tokens)
    }

    #[must_use]
    pub fn plus(self, o: Usage) -> Usage {
        Usage {
            prompt_tokens: self.prompt_tokens.saturating_add(o.prompt_tokens),
            completion_tokens: self.completion_tokens.saturating_add(o.completion_tokens),
        }
    }
}

/// USD per 1M tokens, input (prompt) and output (completion).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceTable {
    pub input_usd_per_mtok: Decimal,
    pub output_usd_per_mtok: Decimal,
}

impl PriceTable {
    /// Exact USD cost of `usage`.
    #[must_use]
    pub fn cost(&self, usage: Usage) -> Decimal {
        let million = Decimal::from(1_000_000u32);
        let input = Decimal::from(usage.prompt_tokens)
            .checked_mul(self.input_usd_per_mtok)
            .unwrap_or(Decimal::MAX);
        let output = Decimal::from(usage.completion_tokens)
            .checked_mul(self.output_usd_per_mtok)
            .unwrap_or(Decimal::MAX);
        input.saturating_add(output) / million
    }
}

/// Running totals of one provider.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderCost {
    /// Requests answered with usage: each corrective retry counts, while an attempt the HTTP
    /// layer retried after a 429/5xx or a lost connection reported no tokens and is not counted.
    pub requests: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub usd: Decimal,
}

/// Per-provider totals, keyed by provider name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostLedger {
    pub providers: BTreeMap<String, ProviderCost>,
}

impl CostLedger {
    /// Records one request of `provider`; returns its cost.
    pub fn record(&mut self, provider: &str, usage: Usage, prices: &PriceTable) -> Decimal {
        let cost = prices.cost(usage);
        let entry = self.providers.entry(provider.to_owned()).or_default();
        entry.requests = entry.requests.saturating_add(1);
        entry.prompt_tokens = entry.prompt_tokens.saturating_add(usage.prompt_tokens);
        entry.completion_tokens = entry
            .completion_tokens
            .saturating_add(usage.completion_tokens);
        entry.usd = entry.usd.saturating_add(cost);
        cost
    }

    /// Sum over every provider.
    #[must_use]
    pub fn total_usd(&self) -> Decimal {
        self.providers
            .values()
            .fold(Decimal::ZERO, |acc, p| acc.saturating_add(p.usd))
    }

    /// Adds another ledger's totals (e.g. a stored one) into this one.
    pub fn merge(&mut self, other: &CostLedger) {
        for (name, c) in &other.providers {
            let e = self.providers.entry(name.clone()).or_default();
            e.requests = e.requests.saturating_add(c.requests);
            e.prompt_tokens = e.prompt_tokens.saturating_add(c.prompt_tokens);
            e.completion_tokens = e.completion_tokens.saturating_add(c.completion_tokens);
            e.usd = e.usd.saturating_add(c.usd);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_is_tokens_times_price_per_million_exactly() {
        let prices = PriceTable {
            input_usd_per_mtok: Decimal::new(250, 2),   // $2.50
            output_usd_per_mtok: Decimal::new(1000, 2), // $10.00
        };
        let usage = Usage {
            prompt_tokens: 1200,
            completion_tokens: 300,
        };
        // 1200 × 2.5 / 1e6 + 300 × 10 / 1e6 = 0.003 + 0.003
        assert_eq!(prices.cost(usage), Decimal::new(6, 3));
        let mut ledger = CostLedger::default();
        ledger.record("gpt", usage, &prices);
        ledger.record("gpt", usage, &prices);
        let gpt = &ledger.providers["gpt"];
        assert_eq!(
            (gpt.requests, gpt.prompt_tokens, gpt.completion_tokens),
            (2, 2400, 600)
        );
        assert_eq!(ledger.total_usd(), Decimal::new(12, 3));
        let json = serde_json::to_string(&ledger).unwrap();
        let back: CostLedger = serde_json::from_str(&json).unwrap();
        assert_eq!(back, ledger);
    }
}
