//! The strategies polybot hosts. Each is a [`polybot_engine::Strategy`]: it reads events and a
//! view of the world and answers with intents; the kernel's risk gate checks and sizes every
//! entry, so a strategy never sizes past what the risk engine allows and never bypasses it.
//!
//! Each strategy's decision logic is a pure function (tested without a kernel); the `Strategy`
//! impl only feeds it. The [`registry`] builds each from the setup a session header records,
//! for the runner and for `polybot replay` alike.

pub mod copy;
pub mod forecast;
pub mod registry;

pub use copy::{CopyConfig, CopyStrategy};
pub use forecast::{ForecastStrategy, ForecastTradingConfig};
pub use registry::{BuildError, build};
