"""Lazy JSON rendering of stored transactions and market snapshots, in the real services' shapes.

Nothing here is precomputed: a transaction is rendered from its compact record when a request
asks for it, so generation stays fast and responses stay deterministic.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from typing import Any

from sim.chain import (
    ATA_PROGRAM,
    ATA_RENT,
    COMPUTE_BUDGET,
    JITO_TIP_ACCOUNTS,
    JUPITER_V6,
    PUMP_AMM_PROGRAM,
    PUMP_FEE_RECIPIENT,
    PUMP_FUN_PROGRAM,
    RAYDIUM_CPMM,
    SYSTEM_PROGRAM,
    TOKEN_PROGRAM,
    USDC_MINT,
    WSOL_MINT,
    b58,
    derive_address,
    slot_at,
)
from sim.world import (
    F_FUNDER_PAYS,
    F_MULTIHOP,
    F_NEW_ATA,
    F_NEW_DEST_ATA,
    F_STANDING_WSOL,
    FAILED,
    LIQ_WITHDRAW,
    SOL_TRANSFER,
    SWAP,
    TOKEN_TRANSFER,
    WRAP,
    World,
)

Json = dict[str, Any]
_PROGRAM_OF = {"pumpfun": PUMP_FUN_PROGRAM, "pumpswap": PUMP_AMM_PROGRAM, "raydium": RAYDIUM_CPMM}
_SOURCE_OF = {"pumpfun": "PUMP_FUN", "pumpswap": "PUMP_AMM", "raydium": "RAYDIUM"}
_LABEL_OF = {"pumpfun": "Pump.fun", "pumpswap": "Pump.fun Amm", "raydium": "Raydium CPMM"}


class Renderer:
    """Turns a world's compact records into API JSON; caches derived addresses."""

    def __init__(self, world: World) -> None:
        self.w = world
        self._addr_cache: dict[str, str] = {}

    # ------------------------------------------------------------------ helpers
    def _derived(self, label: str) -> str:
        text = self._addr_cache.get(label)
        if text is None:
            text = derive_address(self.w.seed, label)
            self._addr_cache[label] = text
        return text

    def vault(self, pid: int, side: str) -> str:
        """Token account of a pool holding its quote ("q") or base ("b") reserve."""
        return self._derived(f"vault:{side}:{pid}")

    def authority(self, pid: int) -> str:
        """Owner of a pool's vaults (a curve owns its own vault)."""
        pool = self.w.pools[pid]
        if pool.is_curve:
            return self.w.addr[self.w.pool_ent[pid]]
        return self._derived(f"authority:{pid}")

    def _data(self, tx: int, k: int, n: int = 12) -> str:
        return b58(hashlib.blake2b(f"{tx}:{k}".encode(), digest_size=n).digest())

    def _tip_account(self, tx: int) -> str:
        return JITO_TIP_ACCOUNTS[tx % len(JITO_TIP_ACCOUNTS)]

    @staticmethod
    def _tt(frm_acc: str, to_acc: str, frm: str, to: str, raw: int, dec: int, mint: str) -> Json:  # noqa: PLR0917 - one flat dispatch reads better than fragments
        return {
            "fromTokenAccount": frm_acc,
            "toTokenAccount": to_acc,
            "fromUserAccount": frm,
            "toUserAccount": to,
            "tokenAmount": raw / 10**dec if raw % 10**dec else raw // 10**dec,
            "mint": mint,
            "tokenStandard": "Fungible",
        }

    @staticmethod
    def _tbc(user: str, acc: str, raw: int, dec: int, mint: str) -> Json:
        return {
            "userAccount": user,
            "tokenAccount": acc,
            "rawTokenAmount": {"tokenAmount": str(raw), "decimals": dec},
            "mint": mint,
        }

    @staticmethod
    def _ad(account: str, change: int, tbcs: list[Json] | None = None) -> Json:
        return {
            "account": account,
            "nativeBalanceChange": change,
            "tokenBalanceChanges": tbcs or [],
        }

    def _budget(self, tx: int) -> list[Json]:
        return [
            {
                "accounts": [],
                "data": self._data(tx, 1, 8),
                "programId": COMPUTE_BUDGET,
                "innerInstructions": [],
            },
            {
                "accounts": [],
                "data": "Fj2Eoy",
                "programId": COMPUTE_BUDGET,
                "innerInstructions": [],
            },
        ]

    def type_of(self, tx: int) -> str:
        """Helius TransactionType of a stored transaction (cheap, used by filters)."""
        w = self.w
        kind = w.t_kind[tx]
        if kind == SWAP:
            venue = w.pools[w.t_pool[tx]].venue
            if venue == "pumpswap" and not w.t_flags[tx] & F_MULTIHOP:
                return "SELL" if w.t_side[tx] else "BUY"
            return "SWAP"
        if kind in (SOL_TRANSFER, TOKEN_TRANSFER, WRAP):
            return "TRANSFER"
        if kind == LIQ_WITHDRAW:
            return "WITHDRAW_LIQUIDITY"
        return "UNKNOWN"

    # ------------------------------------------------------------------ enhanced tx
    def enhanced(self, tx: int) -> Json:
        """The EnhancedTransaction of one stored transaction."""
        w = self.w
        kind = w.t_kind[tx]
        ts = w.t_ts[tx]
        wallet = w.t_wallet[tx]
        waddr = w.addr[wallet]
        fee = w.t_fee[tx]
        payer = waddr
        if w.t_flags[tx] & F_FUNDER_PAYS:
            payer = w.addr[w.cluster_funder[w.cluster_of[wallet]]]
        base: Json = {
            "description": "",
            "type": self.type_of(tx),
            "source": "UNKNOWN",
            "fee": fee,
            "feePayer": payer,
            "signature": w.sigs.encode(tx),
            "slot": slot_at(ts),
            "timestamp": ts // 1000,
            "tokenTransfers": [],
            "nativeTransfers": [],
            "accountData": [],
            "transactionError": None,
            "instructions": [],
            "events": {},
        }
        if kind == SOL_TRANSFER:
            self._sol_transfer(tx, base)
        elif kind == TOKEN_TRANSFER:
            self._token_transfer(tx, base)
        elif kind == FAILED:
            self._failed(tx, base, payer)
        elif kind == LIQ_WITHDRAW:
            self._withdraw(tx, base)
        elif kind == WRAP:
            self._wrap(tx, base)
        elif w.t_flags[tx] & F_MULTIHOP:
            self._multihop(tx, base, payer)
        elif w.pools[w.t_pool[tx]].is_curve:
            self._curve_swap(tx, base, payer)
        else:
            self._amm_swap(tx, base, payer)
        return base

    def _payer_rows(self, waddr: str, payer: str, fee: int) -> list[Json]:
        return [] if payer == waddr else [self._ad(payer, -fee)]

    def _sol_transfer(self, tx: int, out: Json) -> None:
        w = self.w
        src, dst = w.addr[w.t_wallet[tx]], w.addr[w.t_aux[tx]]
        amount = w.t_in[tx]
        out["type"], out["source"] = "TRANSFER", "SYSTEM_PROGRAM"
        out["description"] = f"{src} transferred {_ui(amount, 9)} SOL to {dst}."
        out["nativeTransfers"] = [{"fromUserAccount": src, "toUserAccount": dst, "amount": amount}]
        out["accountData"] = [
            self._ad(src, -amount - out["fee"]),
            self._ad(dst, amount),
            self._ad(SYSTEM_PROGRAM, 0),
        ]
        out["instructions"] = [
            {
                "accounts": [src, dst],
                "data": self._data(tx, 2),
                "programId": SYSTEM_PROGRAM,
                "innerInstructions": [],
            }
        ]

    def _wrap(self, tx: int, out: Json) -> None:
        """SOL moved into a standing WSOL account (created on first use), then synced."""
        w = self.w
        wallet = w.t_wallet[tx]
        waddr = w.addr[wallet]
        acc = self._derived(f"wsol:{wallet}")
        amount = w.t_in[tx]
        rent = ATA_RENT if w.t_flags[tx] & F_NEW_ATA else 0
        out["type"], out["source"] = "TRANSFER", "SYSTEM_PROGRAM"
        out["description"] = f"{waddr} transferred {_ui(amount + rent, 9)} SOL to {acc}."
        out["nativeTransfers"] = [
            {"fromUserAccount": waddr, "toUserAccount": acc, "amount": amount + rent}
        ]
        out["accountData"] = [
            self._ad(waddr, -amount - rent - out["fee"]),
            self._ad(acc, amount + rent, [self._tbc(waddr, acc, amount, 9, WSOL_MINT)]),
            self._ad(WSOL_MINT, 0),
            self._ad(SYSTEM_PROGRAM, 0),
            self._ad(TOKEN_PROGRAM, 0),
        ]
        out["instructions"] = [
            {
                "accounts": [waddr, acc],
                "data": self._data(tx, 19, 12),
                "programId": SYSTEM_PROGRAM,
                "innerInstructions": [],
            },
            {"accounts": [acc], "data": "J", "programId": TOKEN_PROGRAM, "innerInstructions": []},
        ]

    def _token_transfer(self, tx: int, out: Json) -> None:
        w = self.w
        src_e, dst_e, token = w.t_wallet[tx], w.t_aux[tx], w.t_token[tx]
        tok = w.tokens[token]
        src, dst = w.addr[src_e], w.addr[dst_e]
        amount = w.t_in[tx]
        new = bool(w.t_flags[tx] & F_NEW_DEST_ATA)
        src_ata, dst_ata = w.ata(src_e, token), w.ata(dst_e, token)
        out["type"], out["source"] = "TRANSFER", "SOLANA_PROGRAM_LIBRARY"
        out["description"] = f"{src} transferred {_ui(amount, tok.decimals)} {tok.symbol} to {dst}."
        out["tokenTransfers"] = [
            self._tt(src_ata, dst_ata, src, dst, amount, tok.decimals, tok.mint)
        ]
        if new:
            out["nativeTransfers"] = [
                {"fromUserAccount": src, "toUserAccount": dst_ata, "amount": ATA_RENT}
            ]
        out["accountData"] = [
            self._ad(src, -out["fee"] - (ATA_RENT if new else 0)),
            self._ad(
                dst_ata,
                ATA_RENT if new else 0,
                [self._tbc(dst, dst_ata, amount, tok.decimals, tok.mint)],
            ),
            self._ad(src_ata, 0, [self._tbc(src, src_ata, -amount, tok.decimals, tok.mint)]),
            self._ad(dst, 0),
            self._ad(tok.mint, 0),
            self._ad(SYSTEM_PROGRAM, 0),
            self._ad(tok.program, 0),
            self._ad(ATA_PROGRAM, 0),
        ]
        instr = []
        if new:
            instr.append(
                {
                    "accounts": [src, dst_ata, dst, tok.mint, SYSTEM_PROGRAM, tok.program],
                    "data": "2",
                    "programId": ATA_PROGRAM,
                    "innerInstructions": [
                        {
                            "accounts": [src, dst_ata],
                            "data": self._data(tx, 3, 36),
                            "programId": SYSTEM_PROGRAM,
                        }
                    ],
                }
            )
        instr.append(
            {
                "accounts": [src_ata, tok.mint, dst_ata, src],
                "data": self._data(tx, 4, 9),
                "programId": tok.program,
                "innerInstructions": [],
            }
        )
        out["instructions"] = instr

    def _failed(self, tx: int, out: Json, payer: str) -> None:
        w = self.w
        pool = w.pools[w.t_pool[tx]]
        tok = w.tokens[w.t_token[tx]]
        waddr = w.addr[w.t_wallet[tx]]
        pool_addr = w.addr[w.pool_ent[pool.pid]]
        out["source"] = _SOURCE_OF[pool.venue]
        out["type"] = "UNKNOWN"
        out["transactionError"] = {"error": "custom program error: 0x1772"}
        rows = [self._ad(waddr, -out["fee"] if payer == waddr else 0)]
        rows += self._payer_rows(waddr, payer, out["fee"])
        for acc in (
            w.ata(w.t_wallet[tx], tok.idx),
            pool_addr,
            self.vault(pool.pid, "b"),
            tok.mint,
            SYSTEM_PROGRAM,
            TOKEN_PROGRAM,
            COMPUTE_BUDGET,
            _PROGRAM_OF[pool.venue],
        ):
            rows.append(self._ad(acc, 0))
        out["accountData"] = rows
        out["instructions"] = [
            *self._budget(tx),
            {
                "accounts": [pool_addr, self.vault(pool.pid, "b"), waddr, tok.mint],
                "data": self._data(tx, 5, 24),
                "programId": _PROGRAM_OF[pool.venue],
                "innerInstructions": [],
            },
        ]

    def _tip(self, tx: int, waddr: str, out: Json) -> list[Json]:
        tip = self.w.t_tip[tx]
        if not tip:
            return []
        acc = self._tip_account(tx)
        out["nativeTransfers"].append(
            {"fromUserAccount": waddr, "toUserAccount": acc, "amount": tip}
        )
        return [self._ad(acc, tip)]

    def _curve_swap(self, tx: int, out: Json, payer: str) -> None:
        w = self.w
        wallet, pid, token = w.t_wallet[tx], w.t_pool[tx], w.t_token[tx]
        tok = w.tokens[token]
        waddr = w.addr[wallet]
        curve = w.addr[w.pool_ent[pid]]
        vault = self.vault(pid, "b")
        ata = w.ata(wallet, token)
        fee = out["fee"] if payer == waddr else 0
        tip = w.t_tip[tx]
        vfee = w.t_vfee[tx]
        out["source"] = "PUMP_FUN"
        dec = tok.decimals
        rows: list[Json]
        if w.t_side[tx] == 0:
            size, got = w.t_in[tx], w.t_out[tx]
            new = bool(w.t_flags[tx] & F_NEW_ATA)
            rent = ATA_RENT if new else 0
            out["tokenTransfers"] = [self._tt(vault, ata, curve, waddr, got, dec, tok.mint)]
            nts = []
            if new:
                nts.append({"fromUserAccount": waddr, "toUserAccount": ata, "amount": ATA_RENT})
            nts.append({"fromUserAccount": waddr, "toUserAccount": curve, "amount": size - vfee})
            nts.append(
                {"fromUserAccount": waddr, "toUserAccount": PUMP_FEE_RECIPIENT, "amount": vfee}
            )
            out["nativeTransfers"] = nts
            rows = [
                self._ad(waddr, -size - rent - tip - fee),
                self._ad(ata, rent, [self._tbc(waddr, ata, got, dec, tok.mint)]),
                self._ad(curve, size - vfee),
                self._ad(vault, 0, [self._tbc(curve, vault, -got, dec, tok.mint)]),
                self._ad(PUMP_FEE_RECIPIENT, vfee),
            ]
        else:
            sold, got = w.t_in[tx], w.t_out[tx]
            out["tokenTransfers"] = [self._tt(ata, vault, waddr, curve, sold, dec, tok.mint)]
            rows = [
                self._ad(waddr, got - tip - fee),
                self._ad(ata, 0, [self._tbc(waddr, ata, -sold, dec, tok.mint)]),
                self._ad(curve, -got - vfee),
                self._ad(vault, 0, [self._tbc(curve, vault, sold, dec, tok.mint)]),
                self._ad(PUMP_FEE_RECIPIENT, vfee),
            ]
        rows += self._tip(tx, waddr, out)
        rows += self._payer_rows(waddr, payer, out["fee"])
        rows += [
            self._ad(a, 0)
            for a in (tok.mint, SYSTEM_PROGRAM, TOKEN_PROGRAM, COMPUTE_BUDGET, PUMP_FUN_PROGRAM)
        ]
        out["accountData"] = rows
        inner = [
            {
                "accounts": [vault, ata, curve] if w.t_side[tx] == 0 else [ata, vault, waddr],
                "data": self._data(tx, 6),
                "programId": TOKEN_PROGRAM,
            }
        ]
        out["instructions"] = [
            *self._budget(tx),
            {
                "accounts": [
                    PUMP_FEE_RECIPIENT,
                    tok.mint,
                    curve,
                    vault,
                    ata,
                    waddr,
                    SYSTEM_PROGRAM,
                    TOKEN_PROGRAM,
                ],
                "data": self._data(tx, 7, 24),
                "programId": PUMP_FUN_PROGRAM,
                "innerInstructions": inner,
            },
        ]

    def _amm_swap(self, tx: int, out: Json, payer: str) -> None:  # noqa: PLR0915 - one flat dispatch reads better than fragments
        w = self.w
        wallet, pid, token = w.t_wallet[tx], w.t_pool[tx], w.t_token[tx]
        pool = w.pools[pid]
        tok = w.tokens[token]
        waddr = w.addr[wallet]
        auth = self.authority(pid)
        qv, bv = self.vault(pid, "q"), self.vault(pid, "b")
        ata = w.ata(wallet, token)
        fee = out["fee"] if payer == waddr else 0
        tip = w.t_tip[tx]
        dec = tok.decimals
        sol_quoted = pool.quote_mint == WSOL_MINT
        qdec = 9 if sol_quoted else 6
        standing = bool(w.t_flags[tx] & F_STANDING_WSOL)
        temp = sol_quoted and not standing  # a WSOL account opened and closed inside the tx
        if standing:
            quote_acc = self._derived(f"wsol:{wallet}")
        else:
            quote_acc = self._derived(f"wsol-tmp:{tx}") if sol_quoted else w.ata(wallet, 0)
        out["source"] = _SOURCE_OF[pool.venue]
        buy = w.t_side[tx] == 0
        rent = ATA_RENT if buy and w.t_flags[tx] & F_NEW_ATA else 0
        if buy:
            qin, bout = w.t_in[tx], w.t_out[tx]
            out["tokenTransfers"] = [
                self._tt(quote_acc, qv, waddr, auth, qin, qdec, pool.quote_mint),
                self._tt(bv, ata, auth, waddr, bout, dec, tok.mint),
            ]
            if temp:
                out["nativeTransfers"] = [
                    {"fromUserAccount": waddr, "toUserAccount": quote_acc, "amount": qin + ATA_RENT}
                ]
            if rent:
                out["nativeTransfers"].append(
                    {"fromUserAccount": waddr, "toUserAccount": ata, "amount": rent}
                )
            rows = [self._ad(waddr, -(qin if temp else 0) - fee - tip - rent)]
            rows.append(
                self._ad(
                    quote_acc,
                    -qin if standing else 0,
                    [] if temp else [self._tbc(waddr, quote_acc, -qin, qdec, pool.quote_mint)],
                )
            )
            rows.append(self._ad(ata, rent, [self._tbc(waddr, ata, bout, dec, tok.mint)]))
            rows.append(
                self._ad(
                    qv, qin if sol_quoted else 0, [self._tbc(auth, qv, qin, qdec, pool.quote_mint)]
                )
            )
            rows.append(self._ad(bv, 0, [self._tbc(auth, bv, -bout, dec, tok.mint)]))
            desc_in, desc_out = (
                (qin, qdec, "SOL" if sol_quoted else "USDC"),
                (bout, dec, tok.symbol),
            )
        else:
            bin_, qout = w.t_in[tx], w.t_out[tx]
            out["tokenTransfers"] = [
                self._tt(ata, bv, waddr, auth, bin_, dec, tok.mint),
                self._tt(qv, quote_acc, auth, waddr, qout, qdec, pool.quote_mint),
            ]
            if temp:
                out["nativeTransfers"] = [
                    {"fromUserAccount": waddr, "toUserAccount": quote_acc, "amount": ATA_RENT}
                ]
            rows = [self._ad(waddr, (qout if temp else 0) - fee - tip)]
            rows.append(
                self._ad(
                    quote_acc,
                    qout if standing else 0,
                    [] if temp else [self._tbc(waddr, quote_acc, qout, qdec, pool.quote_mint)],
                )
            )
            rows.append(self._ad(ata, 0, [self._tbc(waddr, ata, -bin_, dec, tok.mint)]))
            rows.append(
                self._ad(
                    qv,
                    -qout if sol_quoted else 0,
                    [self._tbc(auth, qv, -qout, qdec, pool.quote_mint)],
                )
            )
            rows.append(self._ad(bv, 0, [self._tbc(auth, bv, bin_, dec, tok.mint)]))
            desc_in, desc_out = (
                (bin_, dec, tok.symbol),
                (qout, qdec, "SOL" if sol_quoted else "USDC"),
            )
        rows += self._tip(tx, waddr, out)
        rows += self._payer_rows(waddr, payer, out["fee"])
        program = _PROGRAM_OF[pool.venue]
        rows += [
            self._ad(a, 0)
            for a in (
                w.addr[w.pool_ent[pid]],
                auth,
                pool.quote_mint,
                tok.mint,
                SYSTEM_PROGRAM,
                TOKEN_PROGRAM,
                COMPUTE_BUDGET,
                program,
            )
        ]
        out["accountData"] = rows
        transfers = out["tokenTransfers"]
        if pool.venue == "raydium":
            out["description"] = (
                f"{waddr} swapped {_ui(*desc_in[:2])} {desc_in[2]} for "
                f"{_ui(*desc_out[:2])} {desc_out[2]}"
            )
            out["events"] = {
                "swap": self._swap_event(
                    waddr,
                    transfers[0] if not buy or not sol_quoted else None,
                    transfers[1] if buy or not sol_quoted else None,
                    sol_in=w.t_in[tx] if buy and temp else None,
                    sol_out=w.t_out[tx] if not buy and temp else None,
                    inner=[(transfers[:1], transfers[1:], pool.venue)],
                    in_rows=(ata, -w.t_in[tx], dec, tok.mint)
                    if not buy
                    else ((quote_acc, -w.t_in[tx], qdec, pool.quote_mint) if not temp else None),
                    out_rows=(ata, w.t_out[tx], dec, tok.mint)
                    if buy
                    else ((quote_acc, w.t_out[tx], qdec, pool.quote_mint) if not temp else None),
                )
            }
        instr = self._budget(tx)
        if temp:
            instr.append(
                {
                    "accounts": [waddr, quote_acc],
                    "data": self._data(tx, 8, 36),
                    "programId": SYSTEM_PROGRAM,
                    "innerInstructions": [],
                }
            )
        instr.append(
            {
                "accounts": [
                    waddr,
                    auth,
                    w.addr[w.pool_ent[pid]],
                    quote_acc,
                    ata,
                    qv,
                    bv,
                    TOKEN_PROGRAM,
                    pool.quote_mint,
                    tok.mint,
                ],
                "data": self._data(tx, 9, 24),
                "programId": program,
                "innerInstructions": [
                    {
                        "accounts": [quote_acc, pool.quote_mint, qv, waddr],
                        "data": self._data(tx, 10, 9),
                        "programId": TOKEN_PROGRAM,
                    },
                    {
                        "accounts": [bv, tok.mint, ata, auth],
                        "data": self._data(tx, 11, 9),
                        "programId": TOKEN_PROGRAM,
                    },
                ],
            }
        )
        if temp:
            instr.append(
                {
                    "accounts": [quote_acc, waddr, waddr],
                    "data": "A",
                    "programId": TOKEN_PROGRAM,
                    "innerInstructions": [],
                }
            )
        out["instructions"] = instr

    def _swap_event(
        self,
        waddr: str,
        _tin: Json | None,
        _tout: Json | None,
        *,
        sol_in: int | None,
        sol_out: int | None,
        inner: list[tuple[list[Json], list[Json], str]],
        in_rows: tuple[str, int, int, str] | None,
        out_rows: tuple[str, int, int, str] | None,
    ) -> Json:
        return {
            "nativeInput": None if sol_in is None else {"account": waddr, "amount": str(sol_in)},
            "nativeOutput": None if sol_out is None else {"account": waddr, "amount": str(sol_out)},
            "tokenInputs": []
            if in_rows is None
            else [self._tbc(waddr, in_rows[0], -in_rows[1], in_rows[2], in_rows[3])],
            "tokenOutputs": [] if out_rows is None else [self._tbc(waddr, *out_rows)],
            "tokenFees": [],
            "nativeFees": [],
            "innerSwaps": [
                {
                    "tokenInputs": tin,
                    "tokenOutputs": tout,
                    "tokenFees": [],
                    "nativeFees": [],
                    "programInfo": {
                        "source": _SOURCE_OF[venue],
                        "account": _PROGRAM_OF[venue],
                        "programName": "RAYDIUM_CPMM" if venue == "raydium" else venue.upper(),
                        "instructionName": "swapBaseInput",
                    },
                }
                for tin, tout, venue in inner
            ],
        }

    def _multihop(self, tx: int, out: Json, payer: str) -> None:
        w = self.w
        wallet, pid, token, hop = w.t_wallet[tx], w.t_pool[tx], w.t_token[tx], w.t_aux[tx]
        tok = w.tokens[token]
        waddr = w.addr[wallet]
        size, got, mid = w.t_in[tx], w.t_out[tx], w.t_mid[tx]
        fee = out["fee"] if payer == waddr else 0
        tip = w.t_tip[tx]
        rent = ATA_RENT if w.t_flags[tx] & F_NEW_ATA else 0
        tmp = self._derived(f"wsol-tmp:{tx}")
        router = self._derived("jupiter-authority")
        router_usdc = self._derived("jupiter-usdc")
        ata = w.ata(wallet, token)
        h_auth, p_auth = self.authority(hop), self.authority(pid)
        hq, hb, pq, pb = (
            self.vault(hop, "q"),
            self.vault(hop, "b"),
            self.vault(pid, "q"),
            self.vault(pid, "b"),
        )
        out["source"] = "JUPITER"
        t1 = self._tt(tmp, hq, waddr, h_auth, size, 9, WSOL_MINT)
        t2 = self._tt(hb, router_usdc, h_auth, router, mid, 6, USDC_MINT)
        t3 = self._tt(router_usdc, pq, router, p_auth, mid, 6, USDC_MINT)
        t4 = self._tt(pb, ata, p_auth, waddr, got, tok.decimals, tok.mint)
        out["tokenTransfers"] = [t1, t2, t3, t4]
        out["nativeTransfers"] = [
            {"fromUserAccount": waddr, "toUserAccount": tmp, "amount": size + ATA_RENT}
        ]
        if rent:
            out["nativeTransfers"].append(
                {"fromUserAccount": waddr, "toUserAccount": ata, "amount": rent}
            )
        rows = [
            self._ad(waddr, -size - fee - tip - rent),
            self._ad(tmp, 0),
            self._ad(ata, rent, [self._tbc(waddr, ata, got, tok.decimals, tok.mint)]),
            self._ad(hq, size, [self._tbc(h_auth, hq, size, 9, WSOL_MINT)]),
            self._ad(hb, 0, [self._tbc(h_auth, hb, -mid, 6, USDC_MINT)]),
            self._ad(router_usdc, 0),
            self._ad(pq, 0, [self._tbc(p_auth, pq, mid, 6, USDC_MINT)]),
            self._ad(pb, 0, [self._tbc(p_auth, pb, -got, tok.decimals, tok.mint)]),
        ]
        rows += self._tip(tx, waddr, out)
        rows += self._payer_rows(waddr, payer, out["fee"])
        rows += [
            self._ad(a, 0)
            for a in (
                w.addr[w.pool_ent[hop]],
                w.addr[w.pool_ent[pid]],
                router,
                WSOL_MINT,
                USDC_MINT,
                tok.mint,
                SYSTEM_PROGRAM,
                TOKEN_PROGRAM,
                COMPUTE_BUDGET,
                JUPITER_V6,
                RAYDIUM_CPMM,
            )
        ]
        out["accountData"] = rows
        out["description"] = (
            f"{waddr} swapped {_ui(size, 9)} SOL for {_ui(got, tok.decimals)} {tok.symbol}"
        )
        out["events"] = {
            "swap": self._swap_event(
                waddr,
                None,
                None,
                sol_in=size,
                sol_out=None,
                inner=[([t1], [t2], "raydium"), ([t3], [t4], "raydium")],
                in_rows=None,
                out_rows=(ata, got, tok.decimals, tok.mint),
            )
        }
        out["instructions"] = [
            *self._budget(tx),
            {
                "accounts": [waddr, tmp],
                "data": self._data(tx, 12, 36),
                "programId": SYSTEM_PROGRAM,
                "innerInstructions": [],
            },
            {
                "accounts": [waddr, tmp, ata, router, router_usdc, RAYDIUM_CPMM],
                "data": self._data(tx, 13, 24),
                "programId": JUPITER_V6,
                "innerInstructions": [
                    {
                        "accounts": [tmp, hq, waddr],
                        "data": self._data(tx, 14, 9),
                        "programId": TOKEN_PROGRAM,
                    },
                    {
                        "accounts": [hb, router_usdc, h_auth],
                        "data": self._data(tx, 15, 9),
                        "programId": TOKEN_PROGRAM,
                    },
                    {
                        "accounts": [router_usdc, pq, router],
                        "data": self._data(tx, 16, 9),
                        "programId": TOKEN_PROGRAM,
                    },
                    {
                        "accounts": [pb, ata, p_auth],
                        "data": self._data(tx, 17, 9),
                        "programId": TOKEN_PROGRAM,
                    },
                ],
            },
        ]

    def _withdraw(self, tx: int, out: Json) -> None:
        w = self.w
        dev, pid, token = w.t_wallet[tx], w.t_pool[tx], w.t_token[tx]
        tok = w.tokens[token]
        pool = w.pools[pid]
        daddr = w.addr[dev]
        q, b = w.t_in[tx], w.t_out[tx]
        auth = self.authority(pid)
        qv, bv = self.vault(pid, "q"), self.vault(pid, "b")
        tmp = self._derived(f"wsol-tmp:{tx}")
        ata = w.ata(dev, token)
        out["source"] = _SOURCE_OF[pool.venue]
        out["tokenTransfers"] = [
            self._tt(qv, tmp, auth, daddr, q, 9, WSOL_MINT),
            self._tt(bv, ata, auth, daddr, b, tok.decimals, tok.mint),
        ]
        out["accountData"] = [
            self._ad(daddr, q - out["fee"]),
            self._ad(tmp, 0),
            self._ad(ata, 0, [self._tbc(daddr, ata, b, tok.decimals, tok.mint)]),
            self._ad(qv, -q, [self._tbc(auth, qv, -q, 9, WSOL_MINT)]),
            self._ad(bv, 0, [self._tbc(auth, bv, -b, tok.decimals, tok.mint)]),
            self._ad(w.addr[w.pool_ent[pid]], 0),
            self._ad(tok.mint, 0),
            self._ad(TOKEN_PROGRAM, 0),
            self._ad(_PROGRAM_OF[pool.venue], 0),
        ]
        out["instructions"] = [
            {
                "accounts": [daddr, auth, w.addr[w.pool_ent[pid]], qv, bv, tmp, ata],
                "data": self._data(tx, 18, 24),
                "programId": _PROGRAM_OF[pool.venue],
                "innerInstructions": [],
            }
        ]

    # ------------------------------------------------------------------ pools / tokens
    def pool_window(self, pid: int, seconds: int) -> tuple[int, int, float, float | None]:
        """(buys, sells, volume USD, price change %) of a pool over the last ``seconds``."""
        w = self.w
        txs = w.pool_txs[pid]
        now = w.now_ms
        ts = w.t_ts
        lo = bisect_left(txs, now - seconds * 1000, key=lambda i: ts[i])
        hi = bisect_right(txs, now, key=lambda i: ts[i])
        pool = w.pools[pid]
        buys = sells = 0
        vol = 0
        for i in txs[lo:hi]:
            if w.t_kind[i] != SWAP:
                continue
            if w.t_side[i] == 0:
                buys += 1
                vol += (
                    w.t_in[i]
                    if w.t_pool[i] == pid and not w.t_flags[i] & F_MULTIHOP
                    else w.t_mid[i]
                )
            else:
                sells += 1
                vol += w.t_out[i]
        qdec = 9 if pool.quote_mint == WSOL_MINT else 6
        quote_usd = w.sol_usd() if pool.quote_mint == WSOL_MINT else 1.0
        vol_usd = round(vol / 10**qdec * quote_usd, 2)
        change = None
        if lo > 0 and w.t_rb[txs[lo - 1]] > 0 and pool.base > 0:
            before = w.t_rq[txs[lo - 1]] / w.t_rb[txs[lo - 1]]
            if before > 0:
                change = round((pool.quote / pool.base / before - 1) * 100, 2)
        elif lo == 0 and pool.base > 0:
            q0, b0 = w.pool_init[pid]
            if b0 > 0 and q0 > 0 and pool.created_ms <= now - seconds * 1000:
                change = round((pool.quote / pool.base / (q0 / b0) - 1) * 100, 2)
        return buys, sells, vol_usd, change

    def pair(self, pid: int) -> Json:
        """DexScreener Pair object of one pool."""
        w = self.w
        pool = w.pools[pid]
        tok = w.tokens[pool.token]
        paddr = w.addr[w.pool_ent[pid]]
        sol_usd = w.sol_usd()
        quote_usd = sol_usd if pool.quote_mint == WSOL_MINT else 1.0
        qdec = 9 if pool.quote_mint == WSOL_MINT else 6
        price_native = (
            pool.quote / pool.base * 10 ** (tok.decimals - qdec) if pool.base > 0 else 0.0
        )
        price_usd = price_native * quote_usd
        windows = {"m5": 300, "h1": 3600, "h6": 21600, "h24": 86400}
        txns: Json = {}
        volume: Json = {}
        change: Json = {}
        for key, secs in windows.items():
            buys, sells, vol, ch = self.pool_window(pid, secs)
            txns[key] = {"buys": buys, "sells": sells}
            volume[key] = vol
            if ch is not None:
                change[key] = ch
        fdv = round(price_usd * tok.supply / 10**tok.decimals, 2)
        real_q, real_b = pool.real_quote / 10**qdec, pool.real_base / 10**tok.decimals
        out: Json = {
            "chainId": "solana",
            "dexId": pool.venue,
            "url": f"https://dexscreener.com/solana/{paddr.lower()}",
            "pairAddress": paddr,
        }
        if pool.venue == "raydium":
            out["labels"] = ["CPMM"]
        out.update(
            {
                "baseToken": {"address": tok.mint, "name": tok.name, "symbol": tok.symbol},
                "quoteToken": {
                    "address": pool.quote_mint,
                    "name": "Wrapped SOL" if pool.quote_mint == WSOL_MINT else "USD Coin",
                    "symbol": "SOL" if pool.quote_mint == WSOL_MINT else "USDC",
                },
                "priceNative": _fmt_price(price_native),
                "priceUsd": _fmt_price(price_usd),
                "txns": txns,
                "volume": volume,
                "priceChange": change,
                "liquidity": {
                    "usd": round(real_q * quote_usd * 2, 2) if not pool.is_curve else 0,
                    "base": round(real_b, 2),
                    "quote": round(real_q, 4),
                },
                "fdv": fdv,
                "marketCap": fdv,
                "pairCreatedAt": pool.created_ms,
                "info": self._info(tok),
            }
        )
        if tok.boost:
            out["boosts"] = {"active": tok.boost}
        return out

    def _links(self, tok: Any) -> tuple[list[Json], list[Json]]:
        slug = tok.symbol.lower()
        return (
            [{"label": "Website", "url": f"https://{slug}.example.com/"}],
            [{"type": "twitter", "url": f"https://x.com/{slug}_sim"}],
        )

    def _img(self, tok: Any, what: str) -> str:
        return f"https://dd.dexscreener.com/ds-data/tokens/solana/{tok.mint}{what}"

    def _info(self, tok: Any) -> Json:
        websites, socials = self._links(tok)
        return {
            "imageUrl": self._img(tok, ".png"),
            "header": self._img(tok, "/header.png"),
            "openGraph": f"https://cdn.dexscreener.com/token-images/og/solana/{tok.mint}",
            "websites": websites,
            "socials": socials,
        }

    def profile(self, tok: Any, *, boost: bool = False) -> Json:
        """DexScreener token profile (or boost, with amounts) of one token."""
        websites, socials = self._links(tok)
        out: Json = {
            "url": f"https://dexscreener.com/solana/{tok.mint.lower()}",
            "chainId": "solana",
            "tokenAddress": tok.mint,
            "icon": self._img(tok, ".png"),
            "header": self._img(tok, "/header.png"),
            "openGraph": f"https://cdn.dexscreener.com/token-images/og/solana/{tok.mint}",
            "description": f"{tok.name}: a token of the simulated market.",
            "links": [*websites, *socials],
        }
        if boost:
            out["amount"] = min(tok.boost, 10)
            out["totalAmount"] = tok.boost
        return out


def _ui(raw: int, dec: int) -> str:
    whole, frac = divmod(abs(raw), 10**dec)
    text = str(whole) if not frac else f"{whole}.{str(frac).rjust(dec, '0').rstrip('0')}"
    return ("-" if raw < 0 else "") + text


def _fmt_price(x: float) -> str:
    if x == 0:
        return "0"
    text = f"{x:.10g}"
    if "e" in text:
        text = f"{x:.{max(0, 4 - int(f'{x:e}'.split('e')[1]))}f}"
    return text
