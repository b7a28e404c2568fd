#!/usr/bin/env python3
"""Golden signed-order vectors from Polymarket's Python client (py-clob-client-v2, pinned).

For a fixed table of cases this prints (to stdout, as JSON) the exact `POST /order` body that
py-clob-client-v2 would send, plus the EIP-712 hash of the signed `Order` struct. The Rust test
`crates/polymarket/tests/golden_orders.rs` rebuilds every case through `polybot_polymarket::signing`
(the official Rust SDK's types and signing) and checks that both agree.

Everything random is pinned:
  * the key is keccak256(b"polybot golden vector key 1") -- a throwaway test key, never a real one;
  * the salt is fixed per case (the client's `generate_salt` is replaced);
  * the order timestamp (ms) is fixed (the builder's clock is replaced).

No network is used: the client's tick-size / market-info caches are pre-filled and the protocol
version is passed explicitly (2), so `create_order` / `create_market_order` never call the host.

Regenerate (see tools/golden/README.md):
  python3 -m venv /tmp/golden-venv && /tmp/golden-venv/bin/pip install -r tools/golden/requirements.txt \
    && /tmp/golden-venv/bin/python tools/golden/make_order_vectors.py > crates/polymarket/tests/golden/orders.json
"""

import json
import sys
from decimal import Decimal, ROUND_DOWN
from importlib.metadata import version as pkg_version

from eth_account import Account
from eth_utils import keccak, to_checksum_address

import py_clob_client_v2.order_builder.builder as builder_mod
from py_clob_client_v2.client import ClobClient
from py_clob_client_v2.clob_types import (
    ApiCreds,
    MarketOrderArgsV2,
    OrderArgsV2,
    PartialCreateOrderOptions,
)
from py_clob_client_v2.config import get_contract_config
from py_clob_client_v2.order_utils import ExchangeOrderBuilderV2
from py_clob_client_v2.order_utils.model.order_data_v2 import order_to_json_v2

# --- fixed inputs -------------------------------------------------------------------------------

KEY = "0x" + keccak(b"polybot golden vector key 1").hex()
EOA = Account.from_key(KEY).address


def fixed_address(label: bytes) -> str:
    return to_checksum_address(keccak(label)[12:])


PROXY_FUNDER = fixed_address(b"polybot golden proxy funder")
SAFE_FUNDER = fixed_address(b"polybot golden safe funder")
DEPOSIT_WALLET = fixed_address(b"polybot golden deposit wallet")

OWNER = "00000000-0000-4000-8000-00000000beef"  # API key (uuid) the body is posted under
API_SECRET = "A" * 43 + "="  # never used to sign anything here; the client just requires creds
API_PASSPHRASE = "golden"

TIMESTAMP_MS = 1_710_000_000_000
DEFAULT_SALT = 12345
GTD_EXPIRATION = 1_900_000_000

TOKEN_BIG = "15871154585880608648532107628464183779895785213830018178010423617714102767076"
TOKEN_SMALL = "1002"

TICKS = ["0.1", "0.01", "0.005", "0.0025", "0.001", "0.0001"]
SIG_TYPES = {"EOA": 0, "POLY_PROXY": 1, "POLY_GNOSIS_SAFE": 2, "POLY_1271": 3}
FUNDERS = {"EOA": None, "POLY_PROXY": PROXY_FUNDER, "POLY_GNOSIS_SAFE": SAFE_FUNDER,
           "POLY_1271": DEPOSIT_WALLET}

# Our models' Price is bounded to [0.001, 0.999]; on a 0.0001 tick the venue's bound (0.0001) is
# below that, so such a case is generated but marked as rejected by the Rust side.
RUST_PRICE_MIN = Decimal("0.001")
RUST_PRICE_MAX = Decimal("0.999")


# --- pinning the client's salt and clock --------------------------------------------------------

_current_salt = [DEFAULT_SALT]


class _PinnedExchangeOrderBuilderV2(ExchangeOrderBuilderV2):
    def __init__(self, *args, **kwargs):
        kwargs["generate_salt"] = lambda: str(_current_salt[0])
        super().__init__(*args, **kwargs)


class _PinnedClock:
    @staticmethod
    def time_ns():
        return TIMESTAMP_MS * 1_000_000


builder_mod.ExchangeOrderBuilderV2 = _PinnedExchangeOrderBuilderV2
builder_mod.time = _PinnedClock


# --- exact (Decimal) amounts, to flag float-rounding cases ---------------------------------------

def tick_decimals(tick: str) -> int:
    return -Decimal(tick).as_tuple().exponent


def micros(d: Decimal) -> int:
    return int((d * 1_000_000).to_integral_value(rounding=ROUND_DOWN))


def exact_limit_amounts(side: str, price: str, size: str, tick: str):
    shares = Decimal(size).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    usdc = (shares * Decimal(price)).quantize(
        Decimal(1).scaleb(-(tick_decimals(tick) + 2)), rounding=ROUND_DOWN)
    return (micros(usdc), micros(shares)) if side == "BUY" else (micros(shares), micros(usdc))


def exact_market_amounts(side: str, price: str, amount: str, tick: str):
    q = Decimal(1).scaleb(-(tick_decimals(tick) + 2))
    if side == "BUY":
        usdc = Decimal(amount)
        shares = (usdc / Decimal(price)).quantize(q, rounding=ROUND_DOWN)
        return micros(usdc), micros(shares)
    shares = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    usdc = (shares * Decimal(price)).quantize(q, rounding=ROUND_DOWN)
    return micros(shares), micros(usdc)


# --- the case table -----------------------------------------------------------------------------

def case(name, *, kind="limit", side="BUY", price="0.5", size="100", amount=None, tick="0.01",
         neg_risk=False, order_type=None, post_only=False, sig="EOA", chain_id=137,
         token_id=TOKEN_BIG, salt=DEFAULT_SALT, known_difference=None):
    if order_type is None:
        order_type = "GTC" if kind == "limit" else "FOK"
    return {
        "name": name, "kind": kind, "side": side, "price": price, "size": size, "amount": amount,
        "tick": tick, "neg_risk": neg_risk, "order_type": order_type,
        "expiration": GTD_EXPIRATION if order_type == "GTD" else 0, "post_only": post_only,
        "signature_type": sig, "chain_id": chain_id, "token_id": token_id, "salt": salt,
        "known_difference": known_difference,
    }


def cases():
    out = []
    # 1. Every tick size x side x neg-risk, at both tick bounds and in the middle.
    sizes = ["100", "5", "33.33", "12.5", "1000", "7.77"]
    for ti, tick in enumerate(TICKS):
        t = Decimal(tick)
        for pos, price in (("lo", t), ("hi", 1 - t), ("mid", Decimal("0.5") - 3 * t if t < Decimal("0.1") else Decimal("0.3"))):
            for side in ("BUY", "SELL"):
                for neg_risk in (False, True):
                    size = sizes[(ti + len(out)) % len(sizes)]
                    rust_rejects = None
                    if price < RUST_PRICE_MIN or price > RUST_PRICE_MAX:
                        rust_rejects = "price outside polybot_model::Price bounds [0.001, 0.999]"
                    out.append(case(
                        f"tick{tick}-{pos}-{side.lower()}-{'negrisk' if neg_risk else 'std'}",
                        side=side, price=str(price),
                        size=size, tick=tick, neg_risk=neg_risk,
                        token_id=TOKEN_SMALL if neg_risk else TOKEN_BIG,
                        known_difference=rust_rejects,
                    ))
    # The 0.0001 tick at the bounds our Price type allows.
    for price, side in (("0.001", "BUY"), ("0.999", "SELL")):
        out.append(case(f"tick0.0001-modelbound-{price}-{side.lower()}", side=side, price=price,
                        size="1000", tick="0.0001"))
    # 2. Order types and post-only (post-only only exists for resting orders).
    for ot in ("GTC", "GTD", "FOK", "FAK"):
        for post_only in ((False, True) if ot in ("GTC", "GTD") else (False,)):
            for side in ("BUY", "SELL"):
                out.append(case(f"type-{ot.lower()}{'-postonly' if post_only else ''}-{side.lower()}",
                                side=side, price="0.57", size="33.33", order_type=ot,
                                post_only=post_only))
    # 3. Every signature type the Python client supports, both sides, both exchanges.
    for sig in SIG_TYPES:
        for side in ("BUY", "SELL"):
            for neg_risk in (False, True):
                out.append(case(f"sig-{sig.lower()}-{side.lower()}-{'negrisk' if neg_risk else 'std'}",
                                side=side, price="0.42", size="250", tick="0.01", sig=sig,
                                neg_risk=neg_risk))
    # 4. Amoy (chain 80002), other salts (incl. the 53-bit maximum), GTD with a deposit wallet.
    out.append(case("amoy-buy", chain_id=80002, price="0.25", size="40"))
    out.append(case("amoy-sell-negrisk", chain_id=80002, side="SELL", price="0.75", size="40",
                    neg_risk=True))
    out.append(case("salt-1", salt=1, price="0.61", size="10"))
    out.append(case("salt-max53", salt=2**53 - 1, price="0.61", size="10"))
    out.append(case("gtd-postonly-deposit-wallet", order_type="GTD", post_only=True,
                    sig="POLY_1271", side="SELL", price="0.123", size="17.77", tick="0.001"))
    # 5. Market orders: BUY by USDC, SELL by shares, at a worst price.
    out.append(case("mkt-buy-fok", kind="market", side="BUY", amount="25.5", price="0.47", size=None))
    out.append(case("mkt-buy-fak-negrisk", kind="market", side="BUY", amount="100", price="0.333",
                    tick="0.001", size=None, order_type="FAK", neg_risk=True, token_id=TOKEN_SMALL))
    out.append(case("mkt-sell-fok", kind="market", side="SELL", amount="40.5", price="0.61", size=None))
    out.append(case("mkt-sell-fak-tick0.0025", kind="market", side="SELL", amount="1000",
                    price="0.0125", tick="0.0025", size=None, order_type="FAK"))
    out.append(case("mkt-buy-proxy", kind="market", side="BUY", amount="10", price="0.9", tick="0.1",
                    size=None, sig="POLY_PROXY"))
    out.append(case("mkt-sell-deposit-wallet", kind="market", side="SELL", amount="12.34",
                    price="0.9876", tick="0.0001", size=None, sig="POLY_1271"))
    # 6. Documented amount-rounding differences (signing is not involved).
    out.append(case("diff-python-float-round-down", side="BUY", price="0.455", size="19.99",
                    tick="0.005",
                    known_difference="python round_down(19.99, 2) == 19.98 (float artefact)"))
    out.append(case("diff-python-market-buy-2dp", kind="market", side="BUY", amount="10.125",
                    price="0.47", size=None,
                    known_difference="python rounds a market BUY's USDC amount down to 2 dp"))
    return out


# --- running one case through the client --------------------------------------------------------

def client_for(c):
    sig = c["signature_type"]
    client = ClobClient(
        "http://127.0.0.1:1",  # never contacted: caches are pre-filled, version is explicit
        chain_id=c["chain_id"],
        key=KEY,
        creds=ApiCreds(api_key=OWNER, api_secret=API_SECRET, api_passphrase=API_PASSPHRASE),
        signature_type=SIG_TYPES[sig],
        funder=FUNDERS[sig],
    )
    client._ClobClient__tick_sizes[c["token_id"]] = c["tick"]
    client._ClobClient__neg_risk[c["token_id"]] = c["neg_risk"]
    client._ClobClient__fee_infos[c["token_id"]] = None  # only read for user_usdc_balance
    return client


def run(c):
    _current_salt[0] = c["salt"]
    client = client_for(c)
    options = PartialCreateOrderOptions(tick_size=c["tick"], neg_risk=c["neg_risk"], version=2)
    if c["kind"] == "limit":
        order = client.create_order(
            OrderArgsV2(token_id=c["token_id"], price=float(c["price"]), size=float(c["size"]),
                        side=c["side"], expiration=c["expiration"]),
            options,
        )
        exact = exact_limit_amounts(c["side"], c["price"], c["size"], c["tick"])
    else:
        order = client.create_market_order(
            MarketOrderArgsV2(token_id=c["token_id"], amount=float(c["amount"]), side=c["side"],
                              price=float(c["price"]), order_type=c["order_type"]),
            options,
        )
        exact = exact_market_amounts(c["side"], c["price"], c["amount"], c["tick"])
    # Exactly what ClobClient.post_order serializes (it would also add the L2 headers).
    body = order_to_json_v2(order, OWNER, c["order_type"], c["post_only"], False)

    # EIP-712 hash of the signed Order struct (app domain), as the Python client computes it.
    contracts = get_contract_config(c["chain_id"])
    exchange = contracts.neg_risk_exchange_v2 if c["neg_risk"] else contracts.exchange_v2
    xb = ExchangeOrderBuilderV2(exchange, c["chain_id"], client.signer, domain_version="2")
    order_hash = xb.build_order_hash(xb.build_order_typed_data(order))

    amounts_exact = (int(order.makerAmount), int(order.takerAmount)) == exact
    if not amounts_exact and not c["known_difference"]:
        raise SystemExit(f"case {c['name']}: python amounts {order.makerAmount}/{order.takerAmount}"
                         f" differ from exact decimal {exact}; pick a 'nicer' size or document it")
    return {
        **c,
        "exchange": exchange,
        "exact_amounts": {"maker": str(exact[0]), "taker": str(exact[1])},
        "python_amounts_exact": amounts_exact,
        "order_hash": order_hash,
        "body": body,
    }


def main():
    vectors = [run(c) for c in cases()]
    doc = {
        "generator": "tools/golden/make_order_vectors.py",
        "py_clob_client_v2": pkg_version("py-clob-client-v2"),
        "eth_account": pkg_version("eth-account"),
        "key_derivation": 'keccak256(b"polybot golden vector key 1")',
        "signer_address": EOA,
        "owner": OWNER,
        "timestamp_ms": TIMESTAMP_MS,
        "funders": {"POLY_PROXY": PROXY_FUNDER, "POLY_GNOSIS_SAFE": SAFE_FUNDER,
                    "POLY_1271": DEPOSIT_WALLET},
        "vectors": vectors,
    }
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
