//! The live venue's background task: one loop that owns the SDK clients and the venue-side
//! bookkeeping, so no state is shared with the kernel and no lock is needed.
//!
//! It handles one thing at a time (a command, a user-channel message, a heartbeat, a check).
//! Because a `POST /order` is awaited before the next user-channel message is read, the
//! kernel always gets `Acknowledged` before the fills of the same order.

use std::collections::{HashMap, HashSet};
use std::pin::Pin;
use std::time::Instant;

use futures::{Stream, StreamExt as _};
use polybot_engine::orders::{ClientOrderId, OrderRequest, Quantity, VenueOrderId};
use polybot_engine::sim::{CloseReason, Liquidity, VenueReport};
use polybot_engine::{Event, FillStatus};
use polybot_model::amounts::taker_fee;
use polybot_model::{Price, Side, Size, Usdc};
use polymarket_client_sdk_v2::auth::state::Authenticated;
use polymarket_client_sdk_v2::auth::{Normal, Signer, Uuid};
use polymarket_client_sdk_v2::clob::types::request::BalanceAllowanceRequest;
use polymarket_client_sdk_v2::clob::types::response::PostOrderResponse;
use polymarket_client_sdk_v2::clob::types::{AssetType, SignedOrder};
use polymarket_client_sdk_v2::clob::ws::types::response::OrderMessageType;
use polymarket_client_sdk_v2::clob::ws::{ChannelType, OrderMessage, WsMessage};
use polymarket_client_sdk_v2::ws::connection::ConnectionState;
use tokio::sync::mpsc;
use tokio::time::{MissedTickBehavior, interval, timeout};

use super::convert::{PostFailure, Signable, TradeView, post_failure, spec};
use super::{Command, LiveConfig, LiveError, now_ms};
use crate::signing::OrderSigner;

type WsClient = polymarket_client_sdk_v2::clob::ws::Client<Authenticated<Normal>>;
type UserStream = Pin<Box<dyn Stream<Item = polymarket_client_sdk_v2::Result<WsMessage>> + Send>>;

/// Our view of one order sent to the venue.
#[derive(Debug)]
pub(super) struct Tracked {
    pub request: OrderRequest,
    pub venue_id: Option<String>,
    /// The post's outcome is unknown: reconciliation must find it or report `NotFound`.
    pub unknown: bool,
    pub filled: Size,
    pub any_fill: bool,
    /// FOK/FAK: the reply's trade ids still to be reported before the order is closed (the
    /// kernel must see the fills before the close, or they land on a closed order).
    pub close_pending: Option<HashSet<String>>,
    /// Closed, rejected or not found: nothing more will be reported for it.
    pub done: bool,
}

/// One of our fills inside a venue trade.
struct OurFill {
    client_id: ClientOrderId,
    fill_id: String,
    side: Side,
    price: Price,
    size: Size,
    fee: Usdc,
    liquidity: Liquidity,
}

pub(super) struct Worker<S> {
    pub signer: OrderSigner<S>,
    pub config: LiveConfig,
    reports: mpsc::UnboundedSender<Event>,
    ws: WsClient,
    connected_since: Option<Instant>,
    pub orders: HashMap<ClientOrderId, Tracked>,
    pub by_venue: HashMap<String, ClientOrderId>,
    /// Fill id → the last settlement status reported (de-duplicates repeated trade messages).
    fills: HashMap<String, FillStatus>,
    last_beat: Option<Uuid>,
    beat_failing: bool,
    /// When the next reconciliation is due (after an unknown outcome or a failed one).
    pub reconcile_at: Option<Instant>,
    last_trade_poll: Instant,
    pub started_ms: i64,
}

impl<S: Signer + Send + Sync + 'static> Worker<S> {
    pub fn new(
        signer: OrderSigner<S>,
        config: LiveConfig,
        reports: mpsc::UnboundedSender<Event>,
    ) -> Result<Self, LiveError> {
        let credentials = signer.client().credentials().clone();
        let ws = polymarket_client_sdk_v2::clob::ws::Client::new(
            &config.ws_url,
            polymarket_client_sdk_v2::ws::config::Config::default(),
        )?
        .authenticate(credentials, signer.key_address())?;
        Ok(Worker {
            signer,
            config,
            reports,
            ws,
            connected_since: None,
            orders: HashMap::new(),
            by_venue: HashMap::new(),
            fills: HashMap::new(),
            last_beat: None,
            beat_failing: false,
            reconcile_at: None,
            last_trade_poll: Instant::now(),
            started_ms: now_ms(),
        })
    }

    /// Takes over what a previous run knew (see [`super::Recovery`]).
    pub fn adopt(&mut self, recovery: super::Recovery) {
        for order in recovery.orders {
            let client_id = order.request.client_id;
            let open = order.state.is_open();
            let venue_id = order.venue_id.map(|v| v.0);
            if let Some(id) = &venue_id {
                self.by_venue.insert(id.clone(), client_id);
            }
            self.orders.insert(
                client_id,
                Tracked {
                    unknown: open && venue_id.is_none(),
                    venue_id,
                    filled: order.filled,
                    any_fill: !order.filled.is_zero(),
                    close_pending: None,
                    done: !open,
                    request: order.request,
                },
            );
        }
        self.fills.extend(recovery.fills);
    }

    pub async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        // The stream is a local, not a field: it is not `Sync`, and the task must be `Send`.
        let mut user = self.subscribe();
        self.reconcile_logged().await;
        let mut beat = interval(self.config.heartbeat_interval);
        beat.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut check = interval(self.config.housekeeping_interval);
        check.set_missed_tick_behavior(MissedTickBehavior::Delay);
        while !self.reports.is_closed() {
            tokio::select! {
                command = commands.recv() => match command {
                    Some(c) => self.command(c).await,
                    None => break,
                },
                message = next_user(&mut user) => match message {
                    Some(m) => self.on_user(m),
                    None => user = None,
                },
                _ = beat.tick() => self.heartbeat().await,
                _ = check.tick() => {
                    if user.is_none() {
                        user = self.subscribe();
                    }
                    self.housekeeping().await;
                }
            }
        }
    }

    async fn command(&mut self, command: Command) {
        match command {
            Command::Submit(order) => self.submit(*order).await,
            Command::Cancel(client_id) => self.cancel(client_id).await,
            Command::Reconcile => self.reconcile_logged().await,
            Command::Rules(token, rules) => {
                self.config.tokens.insert(token, rules);
            }
        }
    }

    pub fn report(&self, report: VenueReport) {
        let event = Event::Venue {
            report,
            ts: now_ms(),
        };
        if self.reports.send(event).is_err() {
            tracing::warn!("live venue: report receiver is gone");
        }
    }

    fn subscribe(&self) -> Option<UserStream> {
        match self.ws.subscribe_user_events(vec![]) {
            Ok(stream) => Some(Box::pin(stream)),
            Err(e) => {
                tracing::warn!(error = %e, "live venue: user channel subscription failed");
                None
            }
        }
    }

    /// Reconciles after every (re)connect (messages sent while we
    /// were away are lost), and runs a due reconciliation.
    async fn housekeeping(&mut self) {
        if let ConnectionState::Connected { since } = self.ws.connection_state(ChannelType::User)
            && self.connected_since != Some(since)
        {
            if self.connected_since.is_some() {
                tracing::info!("live venue: user channel reconnected; reconciling");
            }
            self.connected_since = Some(since);
            self.reconcile_logged().await;
        }
        if self.reconcile_at.is_some_and(|at| at <= Instant::now()) {
            self.reconcile_logged().await;
        }
        if self.unsettled() && self.last_trade_poll.elapsed() >= self.config.trade_poll_interval {
            self.last_trade_poll = Instant::now();
            self.poll_trades().await;
        }
    }

    async fn heartbeat(&mut self) {
        let call = self.signer.client().post_heartbeat(self.last_beat);
        match timeout(self.config.query_timeout, call).await {
            Ok(Ok(beat)) if beat.error.is_none() => {
                self.last_beat = Some(beat.heartbeat_id);
                if self.beat_failing {
                    tracing::info!("live venue: heartbeats recovered; reconciling");
                    self.beat_failing = false;
                    self.reconcile_logged().await;
                }
            }
            outcome => {
                if !self.beat_failing {
                    let detail = match outcome {
                        Ok(Ok(beat)) => beat.error.unwrap_or_default(),
                        Ok(Err(e)) => e.to_string(),
                        Err(_) => "timeout".into(),
                    };
                    tracing::warn!(%detail, "live venue: heartbeat failed; the venue may cancel our orders");
                }
                self.beat_failing = true;
                // Start a new chain: the old id may be what the venue refuses.
                self.last_beat = None;
            }
        }
    }

    async fn submit(&mut self, order: OrderRequest) {
        let client_id = order.client_id;
        if self.orders.contains_key(&client_id) {
            tracing::error!(%client_id, "live venue: duplicate submit ignored (never resent)");
            return;
        }
        self.orders.insert(
            client_id,
            Tracked {
                request: order.clone(),
                venue_id: None,
                unknown: false,
                filled: Size::ZERO,
                any_fill: false,
                close_pending: None,
                done: false,
            },
        );
        if order.side == Side::Sell {
            self.refresh_balance(&order).await;
        }
        let signed = match self.sign(&order).await {
            Ok(signed) => signed,
            Err(reason) => return self.reject(client_id, reason),
        };
        let post = self.signer.client().post_order(signed);
        match timeout(self.config.order_timeout, post).await {
            Ok(Ok(reply)) if reply.success && !reply.order_id.is_empty() => {
                self.accepted(client_id, &reply);
            }
            Ok(Ok(reply)) => {
                let reason = reply
                    .error_msg
                    .filter(|m| !m.is_empty())
                    .unwrap_or_else(|| format!("not accepted ({:?})", reply.status));
                self.reject(client_id, reason);
            }
            Ok(Err(e)) => match post_failure(&e) {
                PostFailure::Rejected(reason) => self.reject(client_id, reason),
                PostFailure::Unknown(reason) => self.unknown(client_id, &reason),
            },
            Err(_) => self.unknown(client_id, "timeout"),
        }
    }

    async fn sign(&self, order: &OrderRequest) -> Result<SignedOrder, String> {
        let rules = self
            .config
            .tokens
            .get(&order.token_id)
            .copied()
            .ok_or_else(|| format!("no tick/neg-risk rules for token {}", order.token_id))?;
        let now = u64::try_from(now_ms()).unwrap_or(0);
        let signed = match spec(order, rules, now).map_err(|e| e.to_string())? {
            Signable::Limit(s) => self.signer.sign_limit(&s).await,
            Signable::Market(s) => self.signer.sign_market(&s).await,
        };
        signed.map_err(|e| format!("signing: {e}"))
    }

    /// Asks the venue to re-read our token balance and allowance before a SELL: shares bought
    /// moments ago may not be in its cached balance yet, and it would refuse the sell. A failure
    /// is only logged — the venue's answer to the order is what counts.
    async fn refresh_balance(&self, order: &OrderRequest) {
        let request = BalanceAllowanceRequest::builder()
            .asset_type(AssetType::Conditional)
            .token_id(order.token_id.0)
            .build();
        let call = self.signer.client().update_balance_allowance(request);
        match timeout(self.config.query_timeout, call).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(client_id = %order.client_id, error = %e, "live venue: balance refresh failed")
            }
            Err(_) => {
                tracing::warn!(client_id = %order.client_id, "live venue: balance refresh timed out")
            }
        }
    }

    fn accepted(&mut self, client_id: ClientOrderId, reply: &PostOrderResponse) {
        let venue_id = reply.order_id.clone();
        let rests = self
            .orders
            .get(&client_id)
            .is_some_and(|t| t.request.time_in_force.rests());
        if let Some(t) = self.orders.get_mut(&client_id) {
            t.venue_id = Some(venue_id.clone());
            if !rests {
                t.close_pending = Some(reply.trade_ids.iter().cloned().collect());
            }
        }
        self.by_venue.insert(venue_id.clone(), client_id);
        self.report(VenueReport::Acknowledged {
            client_id,
            venue_id: VenueOrderId(venue_id),
        });
        self.maybe_close(client_id);
    }

    pub fn reject(&mut self, client_id: ClientOrderId, reason: String) {
        if let Some(t) = self.orders.get_mut(&client_id) {
            t.done = true;
        }
        self.report(VenueReport::Rejected { client_id, reason });
    }

    fn unknown(&mut self, client_id: ClientOrderId, reason: &str) {
        tracing::warn!(%client_id, %reason, "live venue: order outcome unknown; will reconcile");
        if let Some(t) = self.orders.get_mut(&client_id) {
            t.unknown = true;
        }
        self.report(VenueReport::OutcomeUnknown { client_id });
        self.schedule_reconcile();
    }

    /// Whether a fill awaits settlement or a FOK/FAK awaits its fills.
    fn unsettled(&self) -> bool {
        self.fills
            .values()
            .any(|s| matches!(s, FillStatus::Matched | FillStatus::Mined))
            || self
                .orders
                .values()
                .any(|t| !t.done && t.close_pending.as_ref().is_some_and(|p| !p.is_empty()))
    }

    pub fn schedule_reconcile(&mut self) {
        let at = Instant::now() + self.config.reconcile_delay;
        self.reconcile_at = Some(self.reconcile_at.map_or(at, |t| t.min(at)));
    }

    async fn cancel(&mut self, client_id: ClientOrderId) {
        let Some(venue_id) = self.orders.get(&client_id).and_then(|t| t.venue_id.clone()) else {
            tracing::warn!(%client_id, "live venue: cancel of an order with no venue id");
            return;
        };
        let call = self.signer.client().cancel_order(&venue_id);
        match timeout(self.config.query_timeout, call).await {
            Ok(Ok(reply)) if reply.canceled.contains(&venue_id) => self.closed(&venue_id),
            Ok(Ok(reply)) => {
                let why = reply
                    .not_canceled
                    .get(&venue_id)
                    .cloned()
                    .unwrap_or_default();
                tracing::info!(%client_id, %why, "live venue: cancel not done");
            }
            Ok(Err(e)) => {
                tracing::warn!(%client_id, error = %e, "live venue: cancel failed; reconciling");
                self.schedule_reconcile();
            }
            Err(_) => {
                tracing::warn!(%client_id, "live venue: cancel timed out; reconciling");
                self.schedule_reconcile();
            }
        }
    }

    /// The venue confirmed a cancellation (reply or user channel); reported once.
    pub fn closed(&mut self, venue_id: &str) {
        let Some(&client_id) = self.by_venue.get(venue_id) else {
            return;
        };
        if let Some(t) = self.orders.get_mut(&client_id)
            && !t.done
        {
            t.done = true;
            self.report(VenueReport::Closed {
                client_id,
                reason: CloseReason::Cancelled,
            });
        }
    }

    fn on_user(&mut self, message: polymarket_client_sdk_v2::Result<WsMessage>) {
        match message {
            Ok(WsMessage::Trade(t)) => match TradeView::try_from(&t) {
                Ok(view) => self.on_trade(&view),
                Err(e) => {
                    tracing::warn!(trade = %t.id, error = %e, "live venue: bad trade message")
                }
            },
            Ok(WsMessage::Order(o)) => self.on_order(&o),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "live venue: user channel error"),
        }
    }

    fn on_order(&mut self, o: &OrderMessage) {
        if matches!(o.msg_type, Some(OrderMessageType::Cancellation)) {
            self.closed(&o.id);
        }
    }

    /// Reports our new fills in a trade, then its settlement status if it moved on.
    pub fn on_trade(&mut self, t: &TradeView) {
        for fill in self.our_fills(t) {
            if !self.fills.contains_key(&fill.fill_id) {
                self.fills.insert(fill.fill_id.clone(), FillStatus::Matched);
                self.record_fill(t, &fill);
            }
            let last = self.fills.get(&fill.fill_id).copied();
            if let (Some(status), Some(last)) = (t.status, last)
                && status > last
            {
                self.fills.insert(fill.fill_id.clone(), status);
                self.report(VenueReport::TradeStatus {
                    trade_id: fill.fill_id.clone(),
                    status,
                });
            }
            self.maybe_close(fill.client_id);
        }
    }

    fn record_fill(&mut self, t: &TradeView, fill: &OurFill) {
        if let Some(tr) = self.orders.get_mut(&fill.client_id) {
            tr.filled = tr.filled.saturating_add(fill.size);
            tr.any_fill = true;
            if let Some(pending) = tr.close_pending.as_mut() {
                pending.remove(&t.id);
            }
        }
        self.report(VenueReport::Fill {
            client_id: fill.client_id,
            trade_id: fill.fill_id.clone(),
            token_id: t.token,
            side: fill.side,
            price: fill.price,
            size: fill.size,
            fee: fill.fee,
            liquidity: fill.liquidity,
            status: FillStatus::Matched,
            timestamp_ms: t.match_ms,
        });
    }

    /// Our fills in a trade: the taker side if the taker order is ours (paying the taker fee),
    /// and each maker order of ours (no fee, at the maker's price). A trade holding several of
    /// our orders gets one fill id per order, so the ledger does not drop them as duplicates.
    fn our_fills(&self, t: &TradeView) -> Vec<OurFill> {
        let mut out = Vec::new();
        if let Some(&client_id) = t
            .taker_order_id
            .as_ref()
            .and_then(|id| self.by_venue.get(id))
        {
            out.push((
                t.taker_order_id.clone().unwrap_or_default(),
                OurFill {
                    client_id,
                    fill_id: t.id.clone(),
                    side: t.side,
                    price: t.price,
                    size: t.size,
                    fee: taker_fee(t.size, t.price, t.fee_bps),
                    liquidity: Liquidity::Taker,
                },
            ));
        }
        for m in &t.makers {
            let Some(&client_id) = self.by_venue.get(&m.order_id) else {
                continue;
            };
            let Some(side) = self.orders.get(&client_id).map(|o| o.request.side) else {
                continue;
            };
            out.push((
                m.order_id.clone(),
                OurFill {
                    client_id,
                    fill_id: t.id.clone(),
                    side,
                    price: m.price,
                    size: m.size,
                    fee: Usdc::ZERO,
                    liquidity: Liquidity::Maker,
                },
            ));
        }
        let several = out.len() > 1;
        out.into_iter()
            .map(|(order_id, mut fill)| {
                if several {
                    fill.fill_id = format!("{}/{order_id}", t.id);
                }
                fill
            })
            .collect()
    }

    /// Closes a FOK/FAK order once every trade of its reply has been reported.
    fn maybe_close(&mut self, client_id: ClientOrderId) {
        let Some(t) = self.orders.get_mut(&client_id) else {
            return;
        };
        if t.done || !t.close_pending.as_ref().is_some_and(HashSet::is_empty) {
            return;
        }
        t.done = true;
        let complete = match t.request.quantity {
            Quantity::Shares(size) => t.filled >= size,
            // A USDC budget is rarely spent to the micro; any fill means the order went through.
            Quantity::Usdc(_) => t.any_fill,
        };
        let reason = if complete {
            CloseReason::Filled
        } else {
            CloseReason::Killed
        };
        self.report(VenueReport::Closed { client_id, reason });
    }
}

async fn next_user(
    user: &mut Option<UserStream>,
) -> Option<polymarket_client_sdk_v2::Result<WsMessage>> {
    match user.as_mut() {
        Some(stream) => stream.next().await,
        None => std::future::pending().await,
    }
}
