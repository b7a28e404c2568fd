//! Loading recorded venue data from a seed folder.
//!
//! The folder is walked recursively; each `.json` file is recognised by its shape
//! ([`sniff`]), its records are validated and normalised, and all dates of a top-level
//! sub-folder are moved to the present together ([`timeshift`]), so one capture stays
//! internally consistent. Anything unrecognised or malformed is skipped with a warning naming
//! the file: a seed folder is third-party data and must never stop the fake from starting.

pub mod records;
pub mod sniff;
pub mod timeshift;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use records::{RecordedBook, RecordedTrade, Wallet};
use sniff::{EventRecord, Kind, Sniffed};
use timeshift::Shift;

type Obj = Map<String, Value>;

/// Everything usable found in a seed folder, already time-shifted.
#[derive(Debug, Default)]
pub struct SeedData {
    pub gamma_markets: Vec<Obj>,
    pub events: Vec<EventRecord>,
    pub clob_markets: Vec<Obj>,
    pub books: Vec<RecordedBook>,
    /// Recorded `/prices-history` series, used as shapes for synthetic histories.
    pub histories: Vec<Vec<(i64, f64)>>,
    pub trades: Vec<RecordedTrade>,
    pub positions: Vec<Obj>,
    pub wallets: Vec<Wallet>,
}

/// What was loaded from where, and by how much each folder's dates were moved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub seed_dir: Option<PathBuf>,
    pub folders: Vec<FolderReport>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderReport {
    /// The top-level sub-folder name (`.` for files directly in the seed folder).
    pub name: String,
    /// The capture time inferred for this folder: its latest recorded timestamp.
    pub anchor: Option<DateTime<Utc>>,
    /// Seconds added to every date of this folder (`now − anchor`; 0 without time shift).
    pub shift_secs: i64,
    pub files_loaded: usize,
    pub files_skipped: usize,
}

impl SeedReport {
    #[must_use]
    pub fn folder(&self, name: &str) -> Option<&FolderReport> {
        self.folders.iter().find(|f| f.name == name)
    }
}

/// Loads `dir`, shifting each top-level folder's dates so its capture time becomes `now`.
#[must_use]
pub fn load(dir: &Path, time_shift: bool, now: DateTime<Utc>) -> (SeedData, SeedReport) {
    let mut files = Vec::new();
    walk(dir, 0, &mut files);
    files.sort();
    let mut groups: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for path in files {
        let group = path
            .strip_prefix(dir)
            .ok()
            .and_then(|rel| {
                let mut parts = rel.components();
                let first = parts.next()?;
                parts
                    .next()
                    .map(|_| first.as_os_str().to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| ".".to_owned());
        groups.entry(group).or_default().push(path);
    }
    let mut data = SeedData::default();
    let mut report = SeedReport {
        seed_dir: Some(dir.to_path_buf()),
        folders: Vec::new(),
    };
    for (name, paths) in groups {
        report
            .folders
            .push(load_group(name, &paths, time_shift, now, &mut data));
    }
    (data, report)
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > 16 {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            tracing::warn!(dir = %dir.display(), %err, "fakex seed: cannot read directory");
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&path, depth + 1, out),
            Ok(t) if t.is_file() => out.push(path),
            _ => {}
        }
    }
}

/// One parsed file of a group, before time shifting.
enum Loaded {
    Json(Sniffed),
    Wallets(Vec<Wallet>),
}

fn load_group(
    name: String,
    paths: &[PathBuf],
    time_shift: bool,
    now: DateTime<Utc>,
    data: &mut SeedData,
) -> FolderReport {
    let mut loaded = Vec::new();
    let mut skipped = 0;
    for path in paths {
        match load_file(path) {
            FileOutcome::Loaded(item) => loaded.push(item),
            FileOutcome::Skipped => skipped += 1,
            FileOutcome::Ignored => {}
        }
    }
    let anchor = loaded
        .iter()
        .filter_map(|l| match l {
            Loaded::Json(s) => latest_secs(&s.kind),
            Loaded::Wallets(_) => None,
        })
        .max()
        .and_then(|secs| DateTime::from_timestamp(secs, 0));
    let shift = if time_shift {
        Shift::between(anchor, now)
    } else {
        Shift(0)
    };
    let files_loaded = loaded.len();
    for item in loaded {
        match item {
            Loaded::Json(sniffed) => absorb(sniffed.kind, shift, data),
            Loaded::Wallets(w) => data.wallets.extend(w),
        }
    }
    if skipped > 0 {
        tracing::info!(folder = %name, files_loaded, skipped, "fakex seed: some files were not API payloads or were malformed (names at debug level)");
    }
    tracing::debug!(folder = %name, ?anchor, shift_secs = shift.0, files_loaded, skipped, "fakex seed folder loaded");
    FolderReport {
        name,
        anchor,
        shift_secs: shift.0,
        files_loaded,
        files_skipped: skipped,
    }
}

enum FileOutcome {
    Loaded(Loaded),
    Skipped,
    /// Not a kind of file fakex reads (Parquet, docs, …): not worth a warning.
    Ignored,
}

fn load_file(path: &Path) -> FileOutcome {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if file_name == "wallets.csv" {
        return match std::fs::read_to_string(path) {
            Ok(text) => FileOutcome::Loaded(Loaded::Wallets(records::parse_wallets_csv(&text))),
            Err(err) => {
                tracing::warn!(file = %path.display(), %err, "fakex seed: cannot read wallets file");
                FileOutcome::Skipped
            }
        };
    }
    if !file_name.ends_with(".json") {
        return FileOutcome::Ignored;
    }
    let value: Value = match std::fs::read(path).map(|b| serde_json::from_slice(&b)) {
        Ok(Ok(v)) => v,
        Ok(Err(err)) => {
            tracing::warn!(file = %path.display(), %err, "fakex seed: skipping malformed JSON");
            return FileOutcome::Skipped;
        }
        Err(err) => {
            tracing::warn!(file = %path.display(), %err, "fakex seed: cannot read file");
            return FileOutcome::Skipped;
        }
    };
    let Some(sniffed) = sniff::classify(value) else {
        // JSON that is not an API payload (profiles, manifests, ...) is expected in a data
        // folder; the folder summary counts these.
        tracing::debug!(file = %path.display(), "fakex seed: skipping file of unrecognised shape");
        return FileOutcome::Skipped;
    };
    let kept = kind_len(&sniffed.kind);
    if kept == 0 {
        tracing::warn!(file = %path.display(), dropped = sniffed.dropped, "fakex seed: skipping file: no record has valid ids");
        return FileOutcome::Skipped;
    }
    if sniffed.dropped > 0 {
        tracing::warn!(file = %path.display(), kept, dropped = sniffed.dropped, "fakex seed: dropped records with unparseable ids");
    }
    FileOutcome::Loaded(Loaded::Json(sniffed))
}

fn kind_len(kind: &Kind) -> usize {
    match kind {
        Kind::GammaMarkets(v) | Kind::ClobMarkets(v) | Kind::Positions(v) => v.len(),
        Kind::GammaEvents(v) => v.len(),
        Kind::Books(v) => v.len(),
        Kind::History(v) => usize::from(!v.is_empty()),
        Kind::Trades(v) => v.len(),
    }
}

/// The latest timestamp (seconds) a file's records carry: a capture-time candidate.
fn latest_secs(kind: &Kind) -> Option<i64> {
    match kind {
        Kind::GammaMarkets(v) | Kind::ClobMarkets(v) => timeshift::latest_touch(v),
        Kind::GammaEvents(v) => {
            let objs: Vec<Obj> = v.iter().map(|e| e.obj.clone()).collect();
            timeshift::latest_touch(&objs)
        }
        Kind::Books(v) => v.iter().filter_map(|b| b.timestamp_secs).max(),
        Kind::History(v) => v.last().map(|(t, _)| *t),
        Kind::Trades(v) => v.iter().map(|t| t.timestamp).max(),
        Kind::Positions(_) => None,
    }
}

fn shift_all(shift: Shift, objs: &mut [Obj]) {
    for obj in objs {
        let mut value = Value::Object(std::mem::take(obj));
        shift.apply(&mut value);
        if let Value::Object(map) = value {
            *obj = map;
        }
    }
}

fn absorb(kind: Kind, shift: Shift, data: &mut SeedData) {
    match kind {
        Kind::GammaMarkets(mut v) => {
            shift_all(shift, &mut v);
            data.gamma_markets.extend(v);
        }
        Kind::GammaEvents(mut v) => {
            for e in &mut v {
                shift_all(shift, std::slice::from_mut(&mut e.obj));
                shift_all(shift, &mut e.full_markets);
            }
            data.events.extend(v);
        }
        Kind::ClobMarkets(mut v) => {
            shift_all(shift, &mut v);
            data.clob_markets.extend(v);
        }
        Kind::Positions(mut v) => {
            shift_all(shift, &mut v);
            data.positions.extend(v);
        }
        Kind::Books(v) => data.books.extend(v),
        Kind::History(v) => data.histories.push(v),
        Kind::Trades(mut v) => {
            v.iter_mut()
                .for_each(|t| t.timestamp = shift.secs(t.timestamp));
            data.trades.extend(v);
        }
    }
}
