//! Replaying a journal: rebuild the session's kernel from its header (with the strategies it
//! ran), feed it the recorded events, and compare the decision fingerprint at every checkpoint
//! the run wrote. The first divergence is reported with the event count where it appeared.

use thiserror::Error;

use crate::event::Event;
use crate::fingerprint::Fingerprint;
use crate::journal::Record;
use crate::ledger::LedgerError;
use crate::session::{BuildStrategy, FORMAT, Mode, SessionHeader, StrategySetup};
use crate::sim::VenueReport;
use crate::venue::Venue;
use crate::{Kernel, orders};

#[derive(Debug, Error)]
pub enum ReplayError {
    #[error("the journal does not start with a session header")]
    NoHeader,
    #[error("the journal has format {found}; this build reads format {FORMAT}")]
    Format { found: u32 },
    #[error("the session header's ledger is inconsistent: {0}")]
    Ledger(#[from] LedgerError),
    /// A strategy the session ran cannot be rebuilt (unknown kind, bad configuration): without
    /// it the replayed decisions could not match, so the replay does not start.
    #[error("cannot rebuild the session's strategies: {0}")]
    Strategy(String),
}

/// The first checkpoint whose fingerprint differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mismatch {
    pub after_events: u64,
    pub recorded: Fingerprint,
    pub replayed: Fingerprint,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayReport {
    pub mode: Mode,
    /// The kinds of the strategies the session ran and the replay rebuilt, in order.
    pub strategies: Vec<String>,
    pub events: u64,
    pub checkpoints: u64,
    pub fingerprint: Fingerprint,
    /// The last fingerprint the run recorded, if any.
    pub recorded: Option<Fingerprint>,
    pub mismatch: Option<Mismatch>,
}

/// The venue of a replayed live session: the live venue's answers are in the journal as
/// [`Event::Venue`], so nothing is sent anywhere.
#[derive(Debug, Default, Clone, Copy)]
pub struct RecordedVenue;

impl Venue for RecordedVenue {
    fn submit(&mut self, _now_ms: i64, _order: &orders::OrderRequest) {}
    fn cancel(&mut self, _now_ms: i64, _client_id: orders::ClientOrderId) {}
    fn on_market(&mut self, _now_ms: i64, _event: &Event, _out: &mut Vec<VenueReport>) {}
    fn poll(&mut self, _now_ms: i64, _out: &mut Vec<VenueReport>) {}
}

/// Replays one session's records (the header first) without a strategy registry: a session that
/// ran strategies is refused with [`ReplayError::Strategy`]; use [`replay_with`] for it.
pub fn replay(records: &[Record]) -> Result<ReplayReport, ReplayError> {
    replay_with(records, &no_strategies)
}

fn no_strategies(setup: &StrategySetup) -> Result<Box<dyn crate::Strategy>, String> {
    Err(format!(
        "the session ran the strategy `{}` and this replay was given no strategy registry",
        setup.kind
    ))
}

/// Replays one session's records (the header first), building the strategies its header
/// records with `build` (the strategy registry), in their recorded order.
pub fn replay_with(
    records: &[Record],
    build: &BuildStrategy<'_>,
) -> Result<ReplayReport, ReplayError> {
    let Some(Record::Session(header)) = records.first() else {
        return Err(ReplayError::NoHeader);
    };
    if header.format != FORMAT {
        return Err(ReplayError::Format {
            found: header.format,
        });
    }
    match header.mode {
        Mode::Live => run(
            header,
            build_kernel(header, RecordedVenue, build)?,
            &records[1..],
        ),
        Mode::Paper | Mode::Backtest => run(
            header,
            build_kernel(header, header.sim_venue(), build)?,
            &records[1..],
        ),
    }
}

fn build_kernel<V: Venue>(
    header: &SessionHeader,
    venue: V,
    build: &BuildStrategy<'_>,
) -> Result<Kernel<V>, ReplayError> {
    let mut kernel = header.build_kernel(venue)?;
    header
        .add_strategies(&mut kernel, build)
        .map_err(ReplayError::Strategy)?;
    Ok(kernel)
}

fn run<V: Venue>(
    header: &SessionHeader,
    mut kernel: Kernel<V>,
    records: &[Record],
) -> Result<ReplayReport, ReplayError> {
    let mut report = ReplayReport {
        mode: header.mode,
        strategies: header.strategies.iter().map(|s| s.kind.clone()).collect(),
        events: 0,
        checkpoints: 0,
        fingerprint: kernel.fingerprint(),
        recorded: None,
        mismatch: None,
    };
    for record in records {
        match record {
            Record::Session(_) => break,
            Record::Event(event) => {
                // Exactly what a live or paper driver does after each event, so that late
                // reports for pruned orders are treated the same way.
                kernel.handle(event);
                kernel.take_changes();
                kernel.prune_closed();
                report.events += 1;
            }
            Record::Check {
                events,
                fingerprint,
            } => {
                report.checkpoints += 1;
                report.recorded = Some(*fingerprint);
                if report.mismatch.is_none() && kernel.fingerprint() != *fingerprint {
                    report.mismatch = Some(Mismatch {
                        after_events: *events,
                        recorded: *fingerprint,
                        replayed: kernel.fingerprint(),
                    });
                }
            }
        }
    }
    report.fingerprint = kernel.fingerprint();
    Ok(report)
}
