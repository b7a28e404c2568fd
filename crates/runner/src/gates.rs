//! The three independent yeses live trading needs (seed 001): the configuration
//! (`execution.dry_run = false`), the environment (`POLYBOT_LIVE=true`) and the command line
//! (`--live`). Any one missing means paper, and the reason is said out loud.

/// The three gates as found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gates {
    pub config_dry_run: bool,
    /// `POLYBOT_LIVE` exactly `true`.
    pub env_live: bool,
    pub flag_live: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveDecision {
    Live,
    /// Paper, with each missing gate named (empty when live was not asked for at all).
    Paper {
        missing: Vec<&'static str>,
    },
}

impl Gates {
    /// Reads `POLYBOT_LIVE` from `env_value`.
    #[must_use]
    pub fn new(config_dry_run: bool, env_value: Option<&str>, flag_live: bool) -> Self {
        Gates {
            config_dry_run,
            env_live: env_value == Some("true"),
            flag_live,
        }
    }

    #[must_use]
    pub fn decide(self) -> LiveDecision {
        let mut missing = Vec::new();
        if self.config_dry_run {
            missing.push("config execution.dry_run is not false");
        }
        if !self.env_live {
            missing.push("environment POLYBOT_LIVE is not \"true\"");
        }
        if !self.flag_live {
            missing.push("the --live flag was not given");
        }
        if missing.is_empty() {
            LiveDecision::Live
        } else {
            LiveDecision::Paper { missing }
        }
    }
}

/// The banner printed before live trading starts.
#[must_use]
pub fn live_banner(clob_url: &str, wallet: &str, confirm_secs: u64) -> String {
    let line = "!".repeat(72);
    format!(
        "{line}\n!!  LIVE TRADING — REAL ORDERS, REAL MONEY\n!!  venue:  {clob_url}\n!!  wallet: {wallet}\n!!  starting in {confirm_secs} s — press Ctrl-C to abort\n{line}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_needs_all_three_gates() {
        for dry in [true, false] {
            for env in [None, Some("true"), Some("1"), Some("TRUE")] {
                for flag in [true, false] {
                    let d = Gates::new(dry, env, flag).decide();
                    let all = !dry && env == Some("true") && flag;
                    assert_eq!(d == LiveDecision::Live, all, "{dry} {env:?} {flag}");
                    if let LiveDecision::Paper { missing } = d {
                        assert_eq!(
                            missing.len(),
                            usize::from(dry)
                                + usize::from(env != Some("true"))
                                + usize::from(!flag)
                        );
                    }
                }
            }
        }
    }
}
