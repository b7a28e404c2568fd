//! [`ConsoleNotifier`]: plain text to stderr (the default: stdout is for command output) or to
//! any writer.

use std::fmt;
use std::io::Write;
use std::sync::Mutex;

use crate::alert::Alert;
use crate::error::NotifyError;
use crate::format::plain_text;
use crate::notifier::{Notifier, SendFuture};

pub const CHANNEL: &str = "console";

pub struct ConsoleNotifier {
    out: Mutex<Box<dyn Write + Send>>,
    target: &'static str,
}

impl ConsoleNotifier {
    /// Writes to the process's stderr.
    #[must_use]
    pub fn stderr() -> Self {
        ConsoleNotifier {
            target: "stderr",
            ..ConsoleNotifier::with_writer(std::io::stderr())
        }
    }

    /// Writes to `writer` (a file, a buffer in tests).
    #[must_use]
    pub fn with_writer(writer: impl Write + Send + 'static) -> Self {
        ConsoleNotifier {
            out: Mutex::new(Box::new(writer)),
            target: "writer",
        }
    }

    fn write(&self, alert: &Alert) -> Result<(), NotifyError> {
        let text = plain_text(alert);
        // A writer that panicked mid-write leaves the mutex poisoned; the writer itself is
        // still usable, so take it back rather than failing every later alert.
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        out.write_all(text.as_bytes())
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.flush())
            .map_err(|e| NotifyError::Io {
                channel: CHANNEL,
                detail: e.to_string(),
            })
    }
}

impl fmt::Debug for ConsoleNotifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsoleNotifier")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl Notifier for ConsoleNotifier {
    fn channel(&self) -> &'static str {
        CHANNEL
    }

    fn endpoint(&self) -> String {
        self.target.to_owned()
    }

    fn send<'a>(&'a self, alert: &'a Alert) -> SendFuture<'a> {
        Box::pin(async move { self.write(alert) })
    }
}
