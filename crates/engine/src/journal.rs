//! The event journal: every event the kernel handles, appended as one JSON line, so a run can
//! be replayed exactly (`polybot replay`) and a crash loses nothing that was written.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;

use serde::{Deserialize, Serialize};

use crate::event::Event;
use crate::fingerprint::Fingerprint;
use crate::session::SessionHeader;

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Record {
    /// How the session began (first line).
    Session(Box<SessionHeader>),
    Event(Event),
    /// The decision fingerprint after `events` events of this session, written whenever an
    /// event produced decisions, so a replay finds the first divergence.
    Check {
        events: u64,
        fingerprint: Fingerprint,
    },
}

#[derive(Debug, Error)]
pub enum JournalError {
    #[error("journal {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("journal {path} line {line}: {message}")]
    Corrupt {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

pub struct JournalWriter {
    path: PathBuf,
    out: BufWriter<File>,
}

impl JournalWriter {
    /// Opens `path` for appending (creating it and its directory).
    pub fn open(path: &Path) -> Result<Self, JournalError> {
        let io = |source| JournalError::Io {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io)?;
        Ok(JournalWriter {
            path: path.to_owned(),
            out: BufWriter::new(file),
        })
    }

    pub fn append(&mut self, event: &Event) -> Result<(), JournalError> {
        self.write(&RecordRef::Event(event))
    }

    pub fn session(&mut self, header: &SessionHeader) -> Result<(), JournalError> {
        self.write(&RecordRef::Session(header))
    }

    pub fn check(&mut self, events: u64, fingerprint: Fingerprint) -> Result<(), JournalError> {
        self.write(&RecordRef::Check {
            events,
            fingerprint,
        })
    }

    fn write(&mut self, record: &RecordRef<'_>) -> Result<(), JournalError> {
        let io = |source| JournalError::Io {
            path: self.path.clone(),
            source,
        };
        serde_json::to_writer(&mut self.out, record).map_err(|e| io(e.into()))?;
        self.out.write_all(b"\n").map_err(io)
    }

    /// Pushes buffered lines to the operating system (survives a process crash).
    pub fn flush(&mut self) -> Result<(), JournalError> {
        self.out.flush().map_err(|source| JournalError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

/// [`Record`] by reference, serialized identically, so writing an event does not clone it.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum RecordRef<'a> {
    Session(&'a SessionHeader),
    Event(&'a Event),
    Check {
        events: u64,
        fingerprint: Fingerprint,
    },
}

/// The events of a journal, without the session header and checkpoints.
pub fn read(path: &Path) -> Result<Vec<Event>, JournalError> {
    Ok(read_records(path)?
        .into_iter()
        .filter_map(|r| match r {
            Record::Event(e) => Some(e),
            _ => None,
        })
        .collect())
}

/// Reads a journal. A torn last line (the process died mid-write) ends the journal; any other
/// bad line is an error naming the line.
pub fn read_records(path: &Path) -> Result<Vec<Record>, JournalError> {
    let file = File::open(path).map_err(|source| JournalError::Io {
        path: path.to_owned(),
        source,
    })?;
    let lines: Vec<String> = BufReader::new(file)
        .lines()
        .collect::<Result<_, _>>()
        .map_err(|source| JournalError::Io {
            path: path.to_owned(),
            source,
        })?;
    let mut events = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(line) {
            Ok(event) => events.push(event),
            Err(_) if i + 1 == lines.len() => break,
            Err(e) => {
                return Err(JournalError::Corrupt {
                    path: path.to_owned(),
                    line: i + 1,
                    message: e.to_string(),
                });
            }
        }
    }
    Ok(events)
}
