//! Kill switches as state: [`Halts`] holds at most one [`Halt`] per source. Any halt stops new
//! entries; exits keep running.
//!
//! The sources are the configuration's `kill_switch`, the kill file (the runner checks the file
//! and reports whether it exists), an operator command, and automatic latches (an engine may
//! latch the weekly halt, say, so that it needs an operator to resume). Pure: the caller passes
//! the time.

use polybot_model::FieldError;
use serde::{Deserialize, Serialize};

/// The `[safety]` section: the switches an operator flips to stop new entries. The engine mirrors
/// them into [`Halts`] (sources `Config` and `File`) so the risk checks see one state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SafetyConfig {
    /// No new entries while `true` (exits still run). Seed 000.
    pub kill_switch: bool,
    /// A path whose existence halts new entries, checked every engine tick (empty disables).
    /// Seed 001: touching a file is the fastest stop an operator has.
    pub kill_switch_file: String,
}

impl SafetyConfig {
    /// Keys are relative to the section.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        if !self.kill_switch_file.is_empty() && self.kill_switch_file.trim().is_empty() {
            return Err(vec![FieldError::new(
                "kill_switch_file",
                &self.kill_switch_file,
                "must be a path or empty",
            )]);
        }
        Ok(())
    }

    /// The kill file, when one is configured.
    #[must_use]
    pub fn kill_file(&self) -> Option<&std::path::Path> {
        (!self.kill_switch_file.is_empty()).then(|| std::path::Path::new(&self.kill_switch_file))
    }
}

/// Who halted trading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HaltSource {
    Config,
    File,
    Operator,
    Automatic,
}

/// A reason to take no new risk, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Halt {
    pub source: HaltSource,
    pub reason: String,
    pub since_ms: i64,
}

/// The active halts, one per source at most.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Halts {
    active: Vec<Halt>,
}

impl Halts {
    /// Sets a halt; a halt from the same source is kept (with its original time) and only its
    /// reason updated. Returns whether the source was newly halted.
    pub fn halt(&mut self, source: HaltSource, reason: impl Into<String>, now_ms: i64) -> bool {
        let reason = reason.into();
        if let Some(existing) = self.active.iter_mut().find(|h| h.source == source) {
            existing.reason = reason;
            return false;
        }
        self.active.push(Halt {
            source,
            reason,
            since_ms: now_ms,
        });
        self.active.sort_by_key(|h| h.source);
        true
    }

    /// Lifts the halt of `source`, returning it if there was one.
    pub fn resume(&mut self, source: HaltSource) -> Option<Halt> {
        let index = self.active.iter().position(|h| h.source == source)?;
        Some(self.active.remove(index))
    }

    /// Mirrors a boolean switch (the kill file's existence, the configuration's `kill_switch`)
    /// into a halt of `source`, so it carries the time it was first seen. Returns whether the
    /// state changed.
    pub fn sync(&mut self, source: HaltSource, on: bool, reason: &str, now_ms: i64) -> bool {
        match (on, self.get(source).is_some()) {
            (true, false) => self.halt(source, reason, now_ms),
            (false, true) => self.resume(source).is_some(),
            _ => false,
        }
    }

    #[must_use]
    pub fn get(&self, source: HaltSource) -> Option<&Halt> {
        self.active.iter().find(|h| h.source == source)
    }

    #[must_use]
    pub fn is_halted(&self) -> bool {
        !self.active.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Halt> {
        self.active.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_halt_per_source_keeps_its_time() {
        let mut h = Halts::default();
        assert!(!h.is_halted());
        assert!(h.halt(HaltSource::Operator, "maintenance", 10));
        assert!(!h.halt(HaltSource::Operator, "still maintenance", 20));
        assert_eq!(h.get(HaltSource::Operator).unwrap().since_ms, 10);
        assert_eq!(
            h.get(HaltSource::Operator).unwrap().reason,
            "still maintenance"
        );
        assert!(h.sync(HaltSource::File, true, "kill file present", 30));
        assert!(!h.sync(HaltSource::File, true, "kill file present", 40));
        assert_eq!(h.iter().count(), 2);
        assert!(h.sync(HaltSource::File, false, "", 50));
        assert_eq!(h.resume(HaltSource::Operator).unwrap().since_ms, 10);
        assert!(!h.is_halted());
        assert_eq!(h.resume(HaltSource::Operator), None);
    }
}
