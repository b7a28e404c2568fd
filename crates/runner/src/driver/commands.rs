//! Commands from outside the kernel, as events: operator commands queued in the store
//! (manual orders, halts, cutoffs) and the safety switches (the config's kill switch, the kill
//! file), so the journal holds them and a replay sees them.

use polybot_engine::{AccountId, Event, Venue};

use super::{BOOK_WAIT_MS, LiveRules, Runner};
use crate::Result;
use crate::manual::{COMMAND_KIND, MANUAL_ACCOUNT, OperatorRequest};

impl<V: Venue + LiveRules> Runner<V> {
    /// Mirrors `safety.kill_switch` and the kill file into the kernel's halts, as events (so a
    /// replay sees them), whenever either differs from what the kernel holds.
    pub(super) async fn sync_safety(&mut self, now: i64) -> Result<()> {
        use polybot_engine::kernel::RiskCommand;
        use polybot_engine::operator::OperatorCommand;
        use polybot_risk::HaltSource;
        let safety = &self.engine.config.safety;
        let file = safety
            .kill_file()
            .map(|p| (p.exists(), p.display().to_string()));
        let wanted = [
            (
                HaltSource::Config,
                safety.kill_switch,
                "safety.kill_switch = true".to_owned(),
            ),
            (
                HaltSource::File,
                file.as_ref().is_some_and(|(exists, _)| *exists),
                file.map_or_else(String::new, |(_, path)| format!("kill file {path} exists")),
            ),
        ];
        for (source, on, reason) in wanted {
            let held = self.kernel.risk_memory().halts.get(source).is_some();
            if held == on {
                continue;
            }
            let command = OperatorCommand::Risk(RiskCommand::Switch { source, on, reason });
            let event = Event::Operator {
                command_id: 0,
                account: AccountId::new(MANUAL_ACCOUNT),
                command,
                ts: now,
            };
            self.process(event, None).await?;
        }
        Ok(())
    }

    /// Runs the due operator commands; true when none is pending.
    pub(super) async fn run_commands(&mut self, now: i64) -> Result<bool> {
        let pending = self.engine.store.pending_commands().await?;
        let mut idle = true;
        for command in pending.into_iter().filter(|c| c.kind == COMMAND_KIND) {
            idle = false;
            let request: OperatorRequest = match command.decode_payload() {
                Ok(r) => r,
                Err(e) => {
                    self.engine
                        .store
                        .complete_command(command.id, false, &format!("invalid command: {e}"), now)
                        .await?;
                    continue;
                }
            };
            if request.not_before_ms > now {
                continue;
            }
            if let polybot_engine::operator::OperatorCommand::Place(order) = &request.command
                && !self.tokens.contains_key(&order.token)
                && let Err(reason) = self.add_market(order.token, now).await
            {
                self.engine
                    .store
                    .complete_command(command.id, false, &reason, now)
                    .await?;
                continue;
            }
            // Trade on a book the engine has seen: before the first snapshot, the simulated
            // venue (and the funds check) would see an empty book. This includes a token just
            // added above, whose subscription has only started.
            if let polybot_engine::operator::OperatorCommand::Place(order) = &request.command
                && !self.ready.contains(&order.token)
                && now - command.created_ms.max(request.not_before_ms) < BOOK_WAIT_MS
            {
                continue;
            }
            self.last_command_ms = now;
            self.process(
                Event::Operator {
                    command_id: command.id,
                    account: request.account,
                    command: request.command,
                    ts: now,
                },
                Some(command.id),
            )
            .await?;
        }
        Ok(idle)
    }
}
