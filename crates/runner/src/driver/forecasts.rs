//! Forecasts into the kernel: a forecast on a market the engine does not follow yet starts
//! following both its tokens (with the market facts the feed loaded, so no HTTP call runs in the
//! engine loop) and waits for their first books (the strategy prices its entry on them), at most
//! `BOOK_WAIT_MS`.

use polybot_engine::{Event, Venue};

use super::{BOOK_WAIT_MS, LiveRules, Runner, now_ms};
use crate::Result;
use crate::forecasting::ReadyForecast;

impl<V: Venue + LiveRules> Runner<V> {
    pub(super) async fn on_forecast(&mut self, ready: ReadyForecast) -> Result<()> {
        let now = now_ms();
        // The feed loaded the market's facts off the engine loop; following is local work.
        for info in ready.infos.clone() {
            if !self.tokens.contains_key(&info.session.token) {
                self.follow(info, now).await?;
            }
        }
        if self.forecast_books_ready(&ready) {
            return self.send_forecast(ready, now).await;
        }
        self.waiting_forecasts.push((ready, now + BOOK_WAIT_MS));
        Ok(())
    }

    /// Sends the waiting forecasts whose books arrived, or whose wait is over.
    pub(super) async fn release_waiting_forecasts(&mut self, now: i64) -> Result<()> {
        let waiting = std::mem::take(&mut self.waiting_forecasts);
        for (ready, deadline) in waiting {
            if self.forecast_books_ready(&ready) || now >= deadline {
                self.send_forecast(ready, now).await?;
            } else {
                self.waiting_forecasts.push((ready, deadline));
            }
        }
        Ok(())
    }

    fn forecast_books_ready(&self, ready: &ReadyForecast) -> bool {
        ready
            .market
            .outcomes
            .iter()
            .all(|o| self.ready.contains(&o.token_id))
    }

    async fn send_forecast(&mut self, ready: ReadyForecast, now: i64) -> Result<()> {
        let event = Event::Forecast {
            forecast: Box::new(ready.signal),
            ts: now,
        };
        self.process(event, None).await
    }
}
