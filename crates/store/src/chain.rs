//! The decision log's hash chain: the one definition of a record's hash ([`decision_hash`]) and
//! the one set of rules for checking a sequence of records ([`ChainCheck`]), used for the store's
//! table and for the `decisions.jsonl` copy alike.
//!
//! Each record's hash covers its content and the previous record's hash, so editing a record
//! breaks its own hash, and deleting, inserting or reordering one breaks the link of the record
//! after it. Deleting records from the *end* leaves a valid, shorter chain: the store checks its
//! high-water mark for that, and the file and the store are compared with each other.

use std::fmt;

use sha2::{Digest, Sha256};

/// The `prev_hash` of the first chained record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Versions the encoding below: a change to it must change this tag.
const DOMAIN: &[u8] = b"polybot.decision.v1\n";

/// The hash of one decision record, as 64 lowercase hex digits: SHA-256 over
///
/// ```text
/// "polybot.decision.v1\n"
/// seq (i64, 8 bytes big-endian)   ts (i64, 8 bytes big-endian)
/// str(stage)
/// 0x00 if market is None, else 0x01 str(market)
/// number of codes (u64, 8 bytes big-endian), then str(code) for each, in order
/// str(data)                        -- the decision's JSON exactly as stored
/// str(prev_hash)                   -- 64 hex digits; GENESIS_HASH for the first record
/// ```
///
/// where `str(s)` is the UTF-8 length as a big-endian u64 followed by the bytes. Every variable
/// field is length-prefixed, so no two different records encode to the same bytes.
#[must_use]
pub fn decision_hash(
    seq: i64,
    ts: i64,
    stage: &str,
    market: Option<&str>,
    codes: &[impl AsRef<str>],
    data: &str,
    prev_hash: &str,
) -> String {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(seq.to_be_bytes());
    h.update(ts.to_be_bytes());
    field(&mut h, stage);
    match market {
        None => h.update([0u8]),
        Some(market) => {
            h.update([1u8]);
            field(&mut h, market);
        }
    }
    h.update((codes.len() as u64).to_be_bytes());
    for code in codes {
        field(&mut h, code.as_ref());
    }
    field(&mut h, data);
    field(&mut h, prev_hash);
    hex(&h.finalize())
}

fn field(h: &mut Sha256, text: &str) {
    h.update((text.len() as u64).to_be_bytes());
    h.update(text.as_bytes());
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// Where a chain breaks: the first bad record and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub seq: i64,
    pub problem: ChainProblem,
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "seq {}: {}", self.seq, self.problem)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainProblem {
    /// The stored hash is not the hash of the stored content.
    Edited,
    /// A field cannot be read back (e.g. `codes` is not a JSON array of strings).
    Malformed(String),
    /// The record's `prev_hash` is not the hash of the record before it (`None`: it is the first
    /// chained record and its `prev_hash` is not the genesis hash).
    Unlinked { previous: Option<i64> },
    /// Records `from..=to` are gone from between `from - 1` and this one.
    Missing { from: i64, to: i64 },
    /// A record without a hash after the chain began.
    Unchained { chain_start: i64 },
    /// The record does not come after the one before it.
    OutOfOrder { previous: i64 },
    /// Records `from..=to` were appended and are gone from the end (`from` is the break's seq).
    TailMissing { from: i64, to: i64 },
}

impl fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainProblem::Edited => {
                f.write_str("the record was edited (its hash does not match its content)")
            }
            ChainProblem::Malformed(what) => write!(f, "the record was edited ({what})"),
            ChainProblem::Unlinked { previous: Some(p) } => write!(
                f,
                "its prev_hash is not the hash of seq {p}: a record was replaced, rehashed or \
                 reordered"
            ),
            ChainProblem::Unlinked { previous: None } => f.write_str(
                "it is the first chained record but its prev_hash is not the genesis hash: the \
                 records before it were deleted",
            ),
            ChainProblem::Missing { from, to } if from == to => {
                write!(f, "seq {from} before it is missing (deleted)")
            }
            ChainProblem::Missing { from, to } => {
                write!(f, "seq {from}–{to} before it are missing (deleted)")
            }
            ChainProblem::Unchained { chain_start } => write!(
                f,
                "it has no hash but the chain began at seq {chain_start}: inserted afterwards, \
                 or its hash was removed"
            ),
            ChainProblem::OutOfOrder { previous } => {
                write!(f, "it follows seq {previous}: out of order")
            }
            ChainProblem::TailMissing { from, to } if from == to => {
                f.write_str("it was appended and is gone (deleted from the end of the log)")
            }
            ChainProblem::TailMissing { from, to } => write!(
                f,
                "seq {from}–{to} were appended and are gone (deleted from the end of the log)"
            ),
        }
    }
}

/// What a check of the whole log found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChainReport {
    /// Records read, legacy and chained.
    pub records: u64,
    /// Records written before the chain existed (migration 0004): an unchained prefix that is
    /// counted but cannot be checked.
    pub legacy: u64,
    /// Records whose hash and link were checked.
    pub chained: u64,
    /// The first chained record's seq.
    pub first_chained: Option<i64>,
    /// The last good chained record: its seq and hash.
    pub last: Option<(i64, String)>,
    /// The first break, if any (checking stops there).
    pub broken: Option<ChainBreak>,
}

impl ChainReport {
    #[must_use]
    pub fn is_intact(&self) -> bool {
        self.broken.is_none()
    }
}

/// The chain rules, applied record by record in log order. Stop at the first error.
#[derive(Debug, Default)]
pub struct ChainCheck {
    report: ChainReport,
}

impl ChainCheck {
    #[must_use]
    pub fn new() -> ChainCheck {
        ChainCheck::default()
    }

    /// A record without a hash: part of the legacy prefix, or a break once the chain began.
    pub fn push_unchained(&mut self, seq: i64) -> Result<(), ChainBreak> {
        self.report.records += 1;
        if let Some(chain_start) = self.report.first_chained {
            return self.fail(seq, ChainProblem::Unchained { chain_start });
        }
        self.report.legacy += 1;
        Ok(())
    }

    /// A chained record: `computed` is [`decision_hash`] over its stored content and stored
    /// `prev_hash`; `stored` is its stored hash.
    pub fn push(
        &mut self,
        seq: i64,
        prev_hash: &str,
        stored: &str,
        computed: &str,
    ) -> Result<(), ChainBreak> {
        self.report.records += 1;
        let previous = self.report.last.as_ref().map(|(s, _)| *s);
        if let Some(p) = previous
            && seq <= p
        {
            return self.fail(seq, ChainProblem::OutOfOrder { previous: p });
        }
        if stored != computed {
            return self.fail(seq, ChainProblem::Edited);
        }
        let expected = self
            .report
            .last
            .as_ref()
            .map_or(GENESIS_HASH, |(_, h)| h.as_str());
        if prev_hash != expected {
            let problem = match previous {
                Some(p) if seq > p + 1 => ChainProblem::Missing {
                    from: p + 1,
                    to: seq - 1,
                },
                _ => ChainProblem::Unlinked { previous },
            };
            return self.fail(seq, problem);
        }
        self.report.chained += 1;
        self.report.first_chained.get_or_insert(seq);
        self.report.last = Some((seq, stored.to_owned()));
        Ok(())
    }

    /// Records the break (for [`ChainCheck::finish`]) and returns it.
    pub fn fail(&mut self, seq: i64, problem: ChainProblem) -> Result<(), ChainBreak> {
        let broken = ChainBreak { seq, problem };
        self.report.broken = Some(broken.clone());
        Err(broken)
    }

    #[must_use]
    pub fn last(&self) -> Option<&(i64, String)> {
        self.report.last.as_ref()
    }

    #[must_use]
    pub fn finish(self) -> ChainReport {
        self.report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_stable_and_covers_every_field() {
        let base = || {
            decision_hash(
                7,
                1_000,
                "EXECUTE",
                Some("123"),
                &["manual"],
                "{\"a\":1}",
                GENESIS_HASH,
            )
        };
        let h = base();
        assert_eq!(h.len(), 64);
        assert!(
            h.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(h, base());
        let variants = [
            decision_hash(
                8,
                1_000,
                "EXECUTE",
                Some("123"),
                &["manual"],
                "{\"a\":1}",
                GENESIS_HASH,
            ),
            decision_hash(
                7,
                1_001,
                "EXECUTE",
                Some("123"),
                &["manual"],
                "{\"a\":1}",
                GENESIS_HASH,
            ),
            decision_hash(
                7,
                1_000,
                "RISK",
                Some("123"),
                &["manual"],
                "{\"a\":1}",
                GENESIS_HASH,
            ),
            decision_hash(
                7,
                1_000,
                "EXECUTE",
                None,
                &["manual"],
                "{\"a\":1}",
                GENESIS_HASH,
            ),
            decision_hash(
                7,
                1_000,
                "EXECUTE",
                Some(""),
                &["manual"],
                "{\"a\":1}",
                GENESIS_HASH,
            ),
            decision_hash(
                7,
                1_000,
                "EXECUTE",
                Some("123"),
                &["man", "ual"],
                "{\"a\":1}",
                GENESIS_HASH,
            ),
            decision_hash(
                7,
                1_000,
                "EXECUTE",
                Some("123"),
                &["manual"],
                "{\"a\":2}",
                GENESIS_HASH,
            ),
            decision_hash(
                7,
                1_000,
                "EXECUTE",
                Some("123"),
                &["manual"],
                "{\"a\":1}",
                &h,
            ),
        ];
        for (i, v) in variants.iter().enumerate() {
            assert_ne!(&h, v, "variant {i}");
        }
        // Pinned (and checked against an independent implementation of the encoding), so that
        // a change to it is a conscious one: bump DOMAIN with it.
        assert_eq!(
            decision_hash(1, 0, "SCAN", None, &[] as &[&str], "{}", GENESIS_HASH),
            "ae2ad4df7b94342f8f490a580b72bef62999a3cd4484198d46394ea7a444aed0"
        );
    }

    #[test]
    fn the_checker_names_the_first_bad_record() {
        let rec = |seq: i64, prev: &str| {
            let h = decision_hash(seq, 0, "MONITOR", None, &["fill"], "{}", prev);
            (seq, prev.to_owned(), h)
        };
        let r1 = rec(1, GENESIS_HASH);
        let r2 = rec(2, &r1.2);
        let r3 = rec(3, &r2.2);

        let mut ok = ChainCheck::new();
        ok.push_unchained(0).unwrap();
        for (seq, prev, h) in [&r1, &r2, &r3] {
            ok.push(*seq, prev, h, h).unwrap();
        }
        let report = ok.finish();
        assert!(report.is_intact());
        assert_eq!((report.legacy, report.chained, report.records), (1, 3, 4));
        assert_eq!(report.last, Some((3, r3.2.clone())));

        // r2 missing: r3 is reported, naming seq 2.
        let mut gap = ChainCheck::new();
        gap.push(1, &r1.1, &r1.2, &r1.2).unwrap();
        let err = gap.push(3, &r3.1, &r3.2, &r3.2).unwrap_err();
        assert_eq!(err.problem, ChainProblem::Missing { from: 2, to: 2 });
        assert!(
            err.to_string()
                .starts_with("seq 3: seq 2 before it is missing"),
            "{err}"
        );

        // r2's content changed.
        let mut edited = ChainCheck::new();
        edited.push(1, &r1.1, &r1.2, &r1.2).unwrap();
        let err = edited.push(2, &r2.1, &r2.2, "other").unwrap_err();
        assert_eq!(
            err,
            ChainBreak {
                seq: 2,
                problem: ChainProblem::Edited
            }
        );

        // The first record's predecessors were deleted.
        let mut headless = ChainCheck::new();
        let err = headless.push(2, &r2.1, &r2.2, &r2.2).unwrap_err();
        assert_eq!(err.problem, ChainProblem::Unlinked { previous: None });

        // A hashless record after the chain began.
        let mut late = ChainCheck::new();
        late.push(1, &r1.1, &r1.2, &r1.2).unwrap();
        let err = late.push_unchained(2).unwrap_err();
        assert_eq!(err.problem, ChainProblem::Unchained { chain_start: 1 });
    }
}
