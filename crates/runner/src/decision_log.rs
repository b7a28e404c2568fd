//! `<data_dir>/decisions.jsonl`: a copy of the store's hash-chained decision log, one record per
//! line, written after each event's store transaction commits.
//!
//! The store is the source of truth. The file is a second, independent copy that a text tool can
//! read and that makes a deletion at the end of the store's log detectable (a shorter chain is
//! still a valid chain). It never stops the engine: a failed write is logged and repaired from
//! the store at the next batch, and at start-up ([`DecisionLog::open`]) the records the store has
//! and the file lacks — after `kill -9` between a commit and its write — are appended. A torn
//! last line (a crash mid-write) is cut off first. A file that disagrees with the store is left
//! as it is, for `polybot decisions --verify` ([`verify_file`]) to report.
//!
//! A line is one [`LoggedDecision`]:
//! `{"seq":…,"ts":…,"stage":"EXECUTE","market":"…","codes":[…],"decision":{…},"prev_hash":"…","hash":"…"}`
//! where `decision` is the stored JSON byte for byte, so the line's hash can be recomputed with
//! [`polybot_store::decision_hash`].

use std::collections::VecDeque;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use polybot_store::{ChainCheck, GENESIS_HASH, LoggedDecision, Store, StoreError, decision_hash};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The file's name in the data directory.
pub const FILE_NAME: &str = "decisions.jsonl";

/// How many records are read from the store at a time.
const PAGE: u32 = 1_000;

/// `<data_dir>/decisions.jsonl`.
#[must_use]
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

#[derive(Debug, thiserror::Error)]
pub enum DecisionLogError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}: cannot write seq {seq}: {source}", path.display())]
    Encode {
        path: PathBuf,
        seq: i64,
        #[source]
        source: serde_json::Error,
    },
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// One line, as written.
#[derive(Serialize)]
struct LineOut<'a> {
    seq: i64,
    ts: i64,
    stage: &'a str,
    market: Option<&'a str>,
    codes: &'a [String],
    decision: &'a RawValue,
    prev_hash: Option<&'a str>,
    hash: Option<&'a str>,
}

/// One line, as read back: exactly these fields, so a field added to a line is an edit.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRecord {
    pub seq: i64,
    pub ts: i64,
    pub stage: String,
    pub market: Option<String>,
    pub codes: Vec<String>,
    pub decision: Box<RawValue>,
    pub prev_hash: String,
    pub hash: String,
}

impl FileRecord {
    /// The hash of the line's content and `prev_hash`.
    #[must_use]
    pub fn computed_hash(&self) -> String {
        decision_hash(
            self.seq,
            self.ts,
            &self.stage,
            self.market.as_deref(),
            &self.codes,
            self.decision.get(),
            &self.prev_hash,
        )
    }
}

/// The record as one line of JSON (without the newline): the file's format, and what
/// `polybot decisions --json` prints. Fails only if the stored decision is not JSON.
pub fn to_line(record: &LoggedDecision) -> Result<String, serde_json::Error> {
    let decision: &RawValue = serde_json::from_str(&record.data)?;
    serde_json::to_string(&LineOut {
        seq: record.seq,
        ts: record.ts,
        stage: &record.stage,
        market: record.market.as_deref(),
        codes: &record.codes,
        decision,
        prev_hash: record.prev_hash.as_deref(),
        hash: record.hash.as_deref(),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Not known to match the store: the next append copies from the store what is missing.
    Unsynced,
    /// Holds exactly the store's chain up to `last`.
    InSync,
    /// Disagrees with the store; records are appended as they come and verification reports it.
    Diverged,
}

/// The writer of `decisions.jsonl`, owned by the engine loop.
pub struct DecisionLog {
    path: PathBuf,
    writer: Option<BufWriter<File>>,
    /// The seq and hash of the file's last record.
    last: Option<(i64, String)>,
    state: State,
}

impl DecisionLog {
    /// The log of `data_dir`; nothing is opened until [`DecisionLog::open`].
    #[must_use]
    pub fn new(data_dir: &Path) -> DecisionLog {
        DecisionLog {
            path: path(data_dir),
            writer: None,
            last: None,
            state: State::Unsynced,
        }
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Start-up: cuts a torn last line and appends what the store has and the file lacks.
    /// Problems are logged, never returned: the file must not stop the engine.
    pub async fn open(&mut self, store: &Store) {
        if let Err(e) = self.sync(store).await {
            self.fail(&e);
        }
    }

    /// Appends the records one store transaction just committed, and flushes.
    pub async fn append(&mut self, store: &Store, records: &[LoggedDecision]) {
        if records.is_empty() {
            return;
        }
        let follows = |last: &Option<(i64, String)>| {
            let tip = last.as_ref().map_or(GENESIS_HASH, |(_, h)| h.as_str());
            records[0].prev_hash.as_deref() == Some(tip)
        };
        let result = match self.state {
            State::InSync if follows(&self.last) => self.write(records),
            // Behind the store (a failed write, or another writer): copy what is missing, which
            // includes these records.
            State::InSync | State::Unsynced => self.sync(store).await,
            State::Diverged => self.write(records),
        };
        if let Err(e) = result {
            self.fail(&e);
        }
    }

    fn fail(&mut self, e: &DecisionLogError) {
        tracing::error!(
            error = %e,
            "cannot write the decision log copy; the store keeps every record and the next batch retries"
        );
        self.writer = None;
        if self.state == State::InSync {
            self.state = State::Unsynced;
        }
    }

    fn io(&self) -> impl Fn(io::Error) -> DecisionLogError + '_ {
        |source| DecisionLogError::Io {
            path: self.path.clone(),
            source,
        }
    }

    fn write(&mut self, records: &[LoggedDecision]) -> Result<(), DecisionLogError> {
        if self.writer.is_none() {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .map_err(self.io())?;
            self.writer = Some(BufWriter::new(file));
        }
        let mut lines = String::new();
        for record in records {
            let line = to_line(record).map_err(|source| DecisionLogError::Encode {
                path: self.path.clone(),
                seq: record.seq,
                source,
            })?;
            lines.push_str(&line);
            lines.push('\n');
        }
        let writer = self.writer.as_mut().expect("opened above");
        let written = writer
            .write_all(lines.as_bytes())
            .and_then(|()| writer.flush());
        written.map_err(self.io())?;
        if let Some(record) = records.last()
            && let Some(hash) = &record.hash
        {
            self.last = Some((record.seq, hash.clone()));
        }
        Ok(())
    }

    /// Brings the file up to the store's chain (see the module docs).
    async fn sync(&mut self, store: &Store) -> Result<(), DecisionLogError> {
        self.writer = None;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(self.io())?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&self.path)
            .map_err(self.io())?;
        let tail = last_line(&mut file).map_err(self.io())?;
        if tail.complete_len < tail.len {
            tracing::warn!(
                file = %self.path.display(),
                bytes = tail.len - tail.complete_len,
                "cutting a torn last line from the decision log copy (the store has the record)"
            );
            file.set_len(tail.complete_len).map_err(self.io())?;
        }
        drop(file);
        let file_last = tail.line.map(|line| {
            serde_json::from_slice::<FileRecord>(&line)
                .ok()
                .map(|r| (r.seq, r.hash))
        });
        let copy_after = match &file_last {
            None => Some(0),
            Some(Some(last)) => {
                let tip = store.decision_chain_tip().await?;
                if tip.as_ref() == Some(last) {
                    None
                } else {
                    match store.decision_hash_at(last.0).await? {
                        Some(hash) if hash == last.1 => Some(last.0),
                        Some(_) => {
                            let why = format!(
                                "its last record, seq {}, differs from the store's",
                                last.0
                            );
                            self.diverged(&why);
                            return Ok(());
                        }
                        None => {
                            let why = format!("the store has no chained record seq {}", last.0);
                            self.diverged(&why);
                            return Ok(());
                        }
                    }
                }
            }
            Some(None) => {
                self.diverged("its last line is not a decision record");
                return Ok(());
            }
        };
        self.last = file_last.flatten();
        self.state = State::InSync;
        if let Some(mut after) = copy_after {
            let mut copied = 0_usize;
            loop {
                let page = store.chained_decisions(after, PAGE).await?;
                let Some(last) = page.last() else { break };
                after = last.seq;
                self.write(&page)?;
                copied += page.len();
            }
            if copied > 0 {
                tracing::info!(
                    file = %self.path.display(),
                    records = copied,
                    "copied decision records the file lacked from the store"
                );
            }
        }
        Ok(())
    }

    fn diverged(&mut self, why: &str) {
        tracing::error!(
            file = %self.path.display(),
            "the decision log copy disagrees with the store ({why}); leaving it as it is and \
             appending new records: `polybot decisions --verify` reports the difference"
        );
        self.state = State::Diverged;
        self.last = None;
    }
}

struct Tail {
    /// The file's length.
    len: u64,
    /// The length up to and including the last newline.
    complete_len: u64,
    /// The last complete line, without its newline (`None`: there is none).
    line: Option<Vec<u8>>,
}

/// The last complete line of `file`, read from the end.
fn last_line(file: &mut File) -> io::Result<Tail> {
    const CHUNK: u64 = 8_192;
    let len = file.metadata()?.len();
    let mut newlines: Vec<u64> = Vec::with_capacity(2);
    let mut pos = len;
    let mut chunk = vec![0_u8; CHUNK as usize];
    while pos > 0 && newlines.len() < 2 {
        let start = pos.saturating_sub(CHUNK);
        let n = usize::try_from(pos - start).expect("at most CHUNK");
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut chunk[..n])?;
        for i in (0..n).rev() {
            if chunk[i] == b'\n' {
                newlines.push(start + i as u64);
                if newlines.len() == 2 {
                    break;
                }
            }
        }
        pos = start;
    }
    let Some(&end) = newlines.first() else {
        return Ok(Tail {
            len,
            complete_len: 0,
            line: None,
        });
    };
    let start = newlines.get(1).map_or(0, |p| p + 1);
    let mut line = vec![0_u8; usize::try_from(end - start).unwrap_or(0)];
    file.seek(SeekFrom::Start(start))?;
    file.read_exact(&mut line)?;
    Ok(Tail {
        len,
        complete_len: end + 1,
        line: Some(line),
    })
}

/// What a check of `decisions.jsonl` against the store found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileReport {
    /// Whether the file exists at all.
    pub exists: bool,
    /// Records checked.
    pub records: u64,
    /// The last good record's seq and hash.
    pub last: Option<(i64, String)>,
    /// The store's chained records after the file's last one: first seq, last seq, how many.
    pub behind: Option<(i64, i64, u64)>,
    /// The last line has no newline: a write in progress or cut by a crash (not checked).
    pub torn_tail: bool,
    /// The first problem; checking stops there.
    pub broken: Option<FileBreak>,
}

/// The first bad line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileBreak {
    /// 1-based line number.
    pub line: u64,
    /// The line's seq, when it could be read.
    pub seq: Option<i64>,
    pub problem: String,
}

impl fmt::Display for FileBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.seq {
            Some(seq) => write!(f, "line {} (seq {seq}): {}", self.line, self.problem),
            None => write!(f, "line {}: {}", self.line, self.problem),
        }
    }
}

/// The store's chained `(seq, hash)`s, read a page at a time.
struct StoreCursor<'a> {
    store: &'a Store,
    buffer: VecDeque<(i64, String)>,
    after: i64,
    done: bool,
}

impl StoreCursor<'_> {
    async fn peek(&mut self) -> Result<Option<&(i64, String)>, StoreError> {
        if self.buffer.is_empty() && !self.done {
            let page = self.store.chained_hashes(self.after, PAGE).await?;
            match page.last() {
                Some((seq, _)) => self.after = *seq,
                None => self.done = true,
            }
            self.buffer.extend(page);
        }
        Ok(self.buffer.front())
    }
}

/// Checks the file at `path` line by line: each line is a record, its hash is the hash of its
/// content, it links to the line before (the first to the genesis hash), and it is the store's
/// record of that seq — the same hash, no store record skipped, none the store lacks. Store
/// records after the file's last one are reported as `behind`, not as a break: the engine
/// writes the file just after each commit and copies what is missing at its next start.
/// `Err` only when the file or the store cannot be read.
pub async fn verify_file(path: &Path, store: &Store) -> Result<FileReport, DecisionLogError> {
    let io = |source| DecisionLogError::Io {
        path: path.to_owned(),
        source,
    };
    let mut report = FileReport::default();
    let mut cursor = StoreCursor {
        store,
        buffer: VecDeque::new(),
        after: 0,
        done: false,
    };
    match File::open(path) {
        Ok(file) => {
            report.exists = true;
            check_lines(BufReader::new(file), &mut cursor, &mut report)
                .await
                .map_err(|e| match e {
                    LineError::Io(e) => io(e),
                    LineError::Store(e) => DecisionLogError::Store(e),
                })?;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    if report.broken.is_none()
        && let Some((first, _)) = cursor.peek().await?.cloned()
    {
        let mut last = first;
        let mut count = 0_u64;
        while let Some((seq, _)) = cursor.peek().await? {
            last = *seq;
            count += 1;
            cursor.buffer.pop_front();
        }
        report.behind = Some((first, last, count));
    }
    Ok(report)
}

enum LineError {
    Io(io::Error),
    Store(StoreError),
}

async fn check_lines(
    mut reader: impl BufRead,
    cursor: &mut StoreCursor<'_>,
    report: &mut FileReport,
) -> Result<(), LineError> {
    let mut chain = ChainCheck::new();
    let mut buf = Vec::new();
    let mut line_no = 0_u64;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf).map_err(LineError::Io)? == 0 {
            return Ok(());
        }
        line_no += 1;
        if buf.pop() != Some(b'\n') {
            report.torn_tail = true;
            return Ok(());
        }
        let mut broken = |seq: Option<i64>, problem: String| {
            report.broken = Some(FileBreak {
                line: line_no,
                seq,
                problem,
            });
        };
        let record: FileRecord = match serde_json::from_slice(&buf) {
            Ok(r) => r,
            Err(e) => {
                broken(None, format!("not a decision record: {e}"));
                return Ok(());
            }
        };
        let seq = record.seq;
        if let Err(b) = chain.push(
            seq,
            &record.prev_hash,
            &record.hash,
            &record.computed_hash(),
        ) {
            broken(Some(seq), b.problem.to_string());
            return Ok(());
        }
        // The store's next chained record must be this one.
        let problem = match cursor.peek().await.map_err(LineError::Store)? {
            Some((s, _)) if *s < seq => Some(format!(
                "the store's record seq {s} is missing from the file before this line (deleted \
                 from the file)"
            )),
            Some((s, hash)) if *s == seq => (*hash != record.hash).then(|| {
                format!(
                    "differs from the store's record seq {seq} (hash {} in the file, {hash} in \
                     the store)",
                    record.hash
                )
            }),
            _ => Some(
                "the store has no chained record with this seq (deleted from the store)".to_owned(),
            ),
        };
        if let Some(problem) = problem {
            broken(Some(seq), problem);
            return Ok(());
        }
        cursor.buffer.pop_front();
        report.records += 1;
        report.last = Some((seq, record.hash));
    }
}

#[cfg(test)]
mod tests;
