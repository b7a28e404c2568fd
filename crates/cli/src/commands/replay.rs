//! `polybot replay --journal FILE`: rebuild the session's kernel from the journal's header, with
//! the strategies it ran built by the strategy registry, feed it the recorded events, and compare
//! the decision fingerprint at every checkpoint.

use anyhow::{Context as _, Result, bail};
use polybot_engine::journal::read_records;
use polybot_engine::replay::replay_with;
use polybot_strategies::registry::build_for_engine;
use serde_json::json;

use crate::cli::ReplayArgs;

pub fn run(args: &ReplayArgs) -> Result<()> {
    let records = read_records(&args.journal)
        .with_context(|| format!("cannot read the journal {}", args.journal.display()))?;
    let report = replay_with(&records, &build_for_engine)
        .with_context(|| format!("cannot replay {}", args.journal.display()))?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "mode": report.mode,
                "strategies": report.strategies,
                "events": report.events,
                "checkpoints": report.checkpoints,
                "fingerprint": report.fingerprint.to_string(),
                "recorded": report.recorded.map(|f| f.to_string()),
                "mismatch": report.mismatch.map(|m| json!({
                    "after_events": m.after_events,
                    "recorded": m.recorded.to_string(),
                    "replayed": m.replayed.to_string(),
                })),
            }))?
        );
    } else {
        let strategies = if report.strategies.is_empty() {
            String::new()
        } else {
            format!(" (strategies: {})", report.strategies.join(", "))
        };
        println!(
            "{} session{strategies}: {} events, {} checkpoints; fingerprint {}",
            report.mode, report.events, report.checkpoints, report.fingerprint
        );
    }
    if let Some(m) = report.mismatch {
        bail!(
            "decisions differ after event {}: recorded {}, replayed {}",
            m.after_events,
            m.recorded,
            m.replayed
        );
    }
    if !args.json {
        println!("every checkpoint matches");
    }
    Ok(())
}
