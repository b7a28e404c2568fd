//! Signed orders, built and signed through Polymarket's official SDK.
//!
//! The execution engine describes an order with an [`OrderSpec`] (limit) or a
//! [`MarketOrderSpec`] (market, at a worst price) and gets back the exact JSON body the SDK
//! would `POST /order` ([`OrderSigner::signed_order_body`]), or the SDK's own
//! [`SignedOrder`] ([`OrderSigner::sign_limit`]) to hand to `Client::post_order`.
//!
//! What is ours and what is the SDK's:
//! * amounts come from [`polybot_model::amounts`] (the same truncations as the SDK's builder,
//!   tested against it and against py-clob-client-v2 in `tests/golden_orders.rs`);
//! * the signed struct is the SDK's [`OrderV2`] inside its [`OrderPayload`]/[`SignableOrder`],
//!   the exchange contract and EIP-712 domain are chosen by the SDK's `Client::sign` (from its
//!   neg-risk cache, which [`OrderSigner`] fills from the spec, so signing never does HTTP), and
//!   the signature (ECDSA, or the wrapped ERC-7739 signature of a deposit wallet) is the SDK's;
//! * salt and timestamp are inputs, so an order is reproducible byte for byte.
//!
//! Orders are Exchange V2 token orders (the CLOB's current `/version`); V1 and V3 (position ids)
//! are not built here.

use std::fmt;

use polybot_model::amounts::{self, OrderAmounts};
use polybot_model::{ModelError, Price, Side, Size, TickSize, TokenId, Usdc};
use polymarket_client_sdk_v2::auth::state::Authenticated;
use polymarket_client_sdk_v2::auth::{Credentials, Normal, Signer};
use polymarket_client_sdk_v2::clob::types::{
    OrderPayload, OrderType, OrderV2, SignableOrder, SignatureType, SignedOrder,
};
use polymarket_client_sdk_v2::clob::{Client, Config};
use polymarket_client_sdk_v2::types::{Address, B256, U256};
use polymarket_client_sdk_v2::{
    AMOY, POLYGON, contract_config, derive_proxy_wallet, derive_safe_wallet,
};

/// The SDK's authenticated CLOB client.
pub type AuthedClient = Client<Authenticated<Normal>>;

/// The CLOB parses `salt` as a JSON number, so it must fit in an IEEE-754 double exactly.
pub const MAX_SALT: u64 = (1 << 53) - 1;

/// How long a limit order lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderKind {
    /// Good 'til cancelled: rests on the book.
    Gtc,
    /// Good 'til date: rests until `expiration_secs` (unix seconds, not signed in V2 orders).
    Gtd { expiration_secs: u64 },
    /// Fill or kill.
    Fok,
    /// Fill and kill (fill what is possible now, cancel the rest).
    Fak,
}

impl OrderKind {
    fn sdk(self) -> OrderType {
        match self {
            OrderKind::Gtc => OrderType::GTC,
            OrderKind::Gtd { .. } => OrderType::GTD,
            OrderKind::Fok => OrderType::FOK,
            OrderKind::Fak => OrderType::FAK,
        }
    }

    fn expiration(self) -> u64 {
        match self {
            OrderKind::Gtd { expiration_secs } => expiration_secs,
            _ => 0,
        }
    }

    fn rests(self) -> bool {
        matches!(self, OrderKind::Gtc | OrderKind::Gtd { .. })
    }
}

/// A limit order, fully determined (salt and timestamp included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderSpec {
    pub token_id: TokenId,
    pub side: Side,
    pub price: Price,
    /// Shares; rounded down to the 0.01 lot like the SDK does.
    pub size: Size,
    /// The market's tick; `price` must be on it and within `[tick, 1 − tick]`.
    pub tick: TickSize,
    /// Selects the neg-risk exchange contract (and EIP-712 domain).
    pub neg_risk: bool,
    pub order_type: OrderKind,
    /// Reject instead of crossing; only for GTC/GTD.
    pub post_only: bool,
    /// At most [`MAX_SALT`].
    pub salt: u64,
    /// Signed creation time in milliseconds.
    pub timestamp_ms: u64,
}

/// What a market order trades.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarketAmount {
    /// BUY spending this much USDC (pUSD).
    BuyUsdc(Usdc),
    /// SELL this many shares (rounded down to the 0.01 lot).
    SellShares(Size),
}

/// Whether a market order kills the unfilled rest or needs a full fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MarketKind {
    Fok,
    Fak,
}

/// A market order at a worst acceptable price (no book walk: the caller chose the price).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarketOrderSpec {
    pub token_id: TokenId,
    pub amount: MarketAmount,
    /// Worst price: the highest paid (BUY) or lowest accepted (SELL).
    pub worst_price: Price,
    pub tick: TickSize,
    pub neg_risk: bool,
    pub order_type: MarketKind,
    pub salt: u64,
    pub timestamp_ms: u64,
}

/// Who holds the funds and how the order signature is verified on chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Wallet {
    /// Signature type 0: the key's own address trades.
    Eoa,
    /// Signature type 1 (Polymarket proxy / Magic). `None` derives the proxy with CREATE2.
    Proxy { funder: Option<Address> },
    /// Signature type 2 (Gnosis Safe). `None` derives the safe with CREATE2.
    Safe { funder: Option<Address> },
    /// Signature type 3, Poly1271: a deposit wallet verifying an ERC-7739 wrapped signature.
    DepositWallet { funder: Address },
}

impl Wallet {
    fn signature_type(self) -> SignatureType {
        match self {
            Wallet::Eoa => SignatureType::Eoa,
            Wallet::Proxy { .. } => SignatureType::Proxy,
            Wallet::Safe { .. } => SignatureType::GnosisSafe,
            Wallet::DepositWallet { .. } => SignatureType::Poly1271,
        }
    }
}

/// Why an order could not be built or signed.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error("order amounts: {0}")]
    Amounts(#[from] ModelError),
    #[error("post-only is only allowed for GTC and GTD orders")]
    PostOnlyNotResting,
    #[error("a GTD order needs a non-zero expiration")]
    MissingExpiration,
    #[error("salt {0} exceeds 2^53 - 1 (the CLOB reads it as a JSON number)")]
    SaltTooLarge(u64),
    #[error("signer has no chain id, or chain {0:?} is not Polygon (137) or Amoy (80002)")]
    UnsupportedChain(Option<u64>),
    #[error("{0} wallet: {1}")]
    Wallet(&'static str, &'static str),
    #[error("no V2 exchange contract for chain {chain_id} (neg_risk={neg_risk})")]
    NoExchange { chain_id: u64, neg_risk: bool },
    #[error("SDK: {0}")]
    Sdk(#[from] polymarket_client_sdk_v2::error::Error),
    #[error("serializing the order body: {0}")]
    Json(#[from] serde_json::Error),
}

/// Signs orders for one key and wallet through an authenticated SDK client.
///
/// The client is authenticated with existing API credentials (no `/auth` round trip), and
/// signing only reads the SDK's neg-risk cache, which is filled from each spec, so
/// [`OrderSigner::sign_limit`] and friends never do HTTP.
pub struct OrderSigner<S> {
    client: AuthedClient,
    signer: S,
    chain_id: u64,
    wallet: Wallet,
    maker: Address,
    order_signer: Address,
}

impl<S> fmt::Debug for OrderSigner<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrderSigner")
            .field("chain_id", &self.chain_id)
            .field("wallet", &self.wallet)
            .field("maker", &self.maker)
            .field("signer", &self.order_signer)
            .finish_non_exhaustive()
    }
}

impl<S: Signer + Send + Sync> OrderSigner<S> {
    /// An order signer for `signer` (which must carry chain id 137 or 80002) trading from
    /// `wallet`, posting under `credentials`. `host` is the CLOB base URL the SDK client is bound
    /// to; signing itself never contacts it.
    pub async fn new(
        host: &str,
        signer: S,
        wallet: Wallet,
        credentials: Credentials,
    ) -> Result<Self, SigningError> {
        let chain_id = match signer.chain_id() {
            Some(c) if c == POLYGON || c == AMOY => c,
            other => return Err(SigningError::UnsupportedChain(other)),
        };
        let eoa = signer.address();
        let (funder, order_signer) = match wallet {
            Wallet::Eoa => (None, eoa),
            Wallet::Proxy { funder } => (
                Some(match funder {
                    Some(f) => f,
                    None => derive_proxy_wallet(eoa, chain_id)
                        .ok_or(SigningError::Wallet("proxy", "cannot derive on this chain"))?,
                }),
                eoa,
            ),
            Wallet::Safe { funder } => (
                Some(match funder {
                    Some(f) => f,
                    None => derive_safe_wallet(eoa, chain_id)
                        .ok_or(SigningError::Wallet("safe", "cannot derive on this chain"))?,
                }),
                eoa,
            ),
            Wallet::DepositWallet { funder } => (Some(funder), funder),
        };
        if funder == Some(Address::ZERO) {
            return Err(SigningError::Wallet(
                "funder",
                "the zero address cannot hold funds",
            ));
        }
        let mut auth = Client::new(host, Config::default())?
            .authentication_builder(&signer)
            .credentials(credentials)
            .signature_type(wallet.signature_type());
        if let Some(f) = funder {
            auth = auth.funder(f);
        }
        let client = auth.authenticate().await?;
        Ok(Self {
            client,
            signer,
            chain_id,
            wallet,
            maker: funder.unwrap_or(eoa),
            order_signer,
        })
    }

    /// The address that holds the funds (`order.maker`).
    pub fn maker(&self) -> Address {
        self.maker
    }

    /// `order.signer`: the key's address, or the deposit wallet for [`Wallet::DepositWallet`].
    pub fn order_signer(&self) -> Address {
        self.order_signer
    }

    /// The key's own address (the ECDSA signer).
    pub fn key_address(&self) -> Address {
        self.signer.address()
    }

    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    pub fn wallet(&self) -> Wallet {
        self.wallet
    }

    /// The authenticated SDK client (to `post_order` what [`Self::sign_limit`] returns).
    pub fn client(&self) -> &AuthedClient {
        &self.client
    }

    /// The unsigned SDK order for a limit spec, with our exact amounts.
    pub fn limit_payload(&self, spec: &OrderSpec) -> Result<SignableOrder, SigningError> {
        if spec.post_only && !spec.order_type.rests() {
            return Err(SigningError::PostOnlyNotResting);
        }
        if matches!(spec.order_type, OrderKind::Gtd { expiration_secs: 0 }) {
            return Err(SigningError::MissingExpiration);
        }
        let a = amounts::limit_amounts(spec.side, spec.price, spec.size, spec.tick)?;
        let order = self.order_v2(spec.token_id, spec.side, a, spec.salt, spec.timestamp_ms)?;
        let mut signable = SignableOrder::default();
        signable.payload = OrderPayload::new(order, U256::from(spec.order_type.expiration()));
        signable.order_type = spec.order_type.sdk();
        signable.post_only = Some(spec.post_only);
        Ok(signable)
    }

    /// The unsigned SDK order for a market spec (no `postOnly`, like the SDK's market builder).
    pub fn market_payload(&self, spec: &MarketOrderSpec) -> Result<SignableOrder, SigningError> {
        let (side, a) = match spec.amount {
            MarketAmount::BuyUsdc(usdc) => (
                Side::Buy,
                amounts::market_buy_amounts(usdc, spec.worst_price, spec.tick)?,
            ),
            MarketAmount::SellShares(size) => (
                Side::Sell,
                amounts::market_sell_amounts(size, spec.worst_price, spec.tick)?,
            ),
        };
        let order = self.order_v2(spec.token_id, side, a, spec.salt, spec.timestamp_ms)?;
        let mut signable = SignableOrder::default();
        signable.payload = OrderPayload::new(order, U256::ZERO);
        signable.order_type = match spec.order_type {
            MarketKind::Fok => OrderType::FOK,
            MarketKind::Fak => OrderType::FAK,
        };
        signable.post_only = None;
        Ok(signable)
    }

    fn order_v2(
        &self,
        token: TokenId,
        side: Side,
        a: OrderAmounts,
        salt: u64,
        timestamp_ms: u64,
    ) -> Result<OrderV2, SigningError> {
        if salt > MAX_SALT {
            return Err(SigningError::SaltTooLarge(salt));
        }
        let mut order = OrderV2::default();
        order.salt = U256::from(salt);
        order.maker = self.maker;
        order.signer = self.order_signer;
        order.tokenId = token.0;
        order.makerAmount = U256::from(a.maker);
        order.takerAmount = U256::from(a.taker);
        order.side = match side {
            Side::Buy => polymarket_client_sdk_v2::clob::types::Side::Buy as u8,
            Side::Sell => polymarket_client_sdk_v2::clob::types::Side::Sell as u8,
        };
        order.signatureType = self.wallet.signature_type() as u8;
        order.timestamp = U256::from(timestamp_ms);
        order.metadata = B256::ZERO;
        order.builder = B256::ZERO;
        Ok(order)
    }

    /// Signs with the SDK (`Client::sign`), which picks the exchange from its neg-risk cache.
    async fn sign(
        &self,
        token: TokenId,
        neg_risk: bool,
        signable: SignableOrder,
    ) -> Result<SignedOrder, SigningError> {
        self.client.set_neg_risk(token.0, neg_risk);
        Ok(self.client.sign(&self.signer, signable).await?)
    }

    /// A signed limit order, ready for `client().post_order(..)`.
    pub async fn sign_limit(&self, spec: &OrderSpec) -> Result<SignedOrder, SigningError> {
        let signable = self.limit_payload(spec)?;
        self.sign(spec.token_id, spec.neg_risk, signable).await
    }

    /// A signed market order, ready for `client().post_order(..)`.
    pub async fn sign_market(&self, spec: &MarketOrderSpec) -> Result<SignedOrder, SigningError> {
        let signable = self.market_payload(spec)?;
        self.sign(spec.token_id, spec.neg_risk, signable).await
    }

    /// The exact `POST /order` body (`{"order":{..},"orderType":..,"owner":..,"postOnly":..}`)
    /// the SDK would send for `spec`.
    pub async fn signed_order_body(
        &self,
        spec: &OrderSpec,
    ) -> Result<serde_json::Value, SigningError> {
        Ok(serde_json::to_value(self.sign_limit(spec).await?)?)
    }

    /// The exact `POST /order` body for a market order (no `postOnly` key).
    pub async fn signed_market_order_body(
        &self,
        spec: &MarketOrderSpec,
    ) -> Result<serde_json::Value, SigningError> {
        Ok(serde_json::to_value(self.sign_market(spec).await?)?)
    }

    /// The EIP-712 hash of the order struct in its exchange's domain (what an EOA/proxy/safe
    /// signature signs; a deposit wallet's signature wraps it in ERC-7739 `TypedDataSign`).
    pub fn order_hash(&self, order: &OrderV2, neg_risk: bool) -> Result<B256, SigningError> {
        use alloy::sol_types::SolStruct as _;
        let exchange = contract_config(self.chain_id, neg_risk)
            .and_then(|c| c.exchange_v2)
            .ok_or(SigningError::NoExchange {
                chain_id: self.chain_id,
                neg_risk,
            })?;
        let domain = alloy::sol_types::Eip712Domain {
            name: Some("Polymarket CTF Exchange".into()),
            version: Some("2".into()),
            chain_id: Some(U256::from(self.chain_id)),
            verifying_contract: Some(exchange),
            salt: None,
        };
        Ok(order.eip712_signing_hash(&domain))
    }
}

/// The exact JSON body the SDK would `POST /order` for `spec`, signed by `signer`.
pub async fn signed_order_body<S: Signer + Send + Sync>(
    signer: &OrderSigner<S>,
    spec: &OrderSpec,
) -> Result<serde_json::Value, SigningError> {
    signer.signed_order_body(spec).await
}
