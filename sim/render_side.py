"""The side transactions (``sim.side``) as Helius enhanced transactions: airdrop claims, NFT trades
and SOL → X → USDC routes. None is a trade, and each has the shape a balance-driven parser must
see through: tokens in for nothing but rent, one unit of a 0-decimal mint for SOL, a route whose
two ends are both quote assets (the pools and the router in between move X).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.chain import (
    ATA_PROGRAM,
    ATA_RENT,
    COMPUTE_BUDGET,
    JUPITER_V6,
    MERKLE_DISTRIBUTOR,
    ORCA_WHIRLPOOL,
    SYSTEM_PROGRAM,
    TOKEN_ACCOUNT_SPACE,
    TOKEN_PROGRAM,
    USDC_MINT,
    WSOL_MINT,
    system_create_account_data,
    system_transfer_data,
)
from sim.render_base import TEMP_ATA, Json, RendererBase
from sim.side import (
    AIRDROPS,
    CLAIM_STATUS_RENT,
    CLAIM_STATUS_SPACE,
    COLLECTION_ROYALTY_BPS,
    INTERMEDIATES,
    Marketplace,
    nft_marketplace,
    nft_sale_split,
    nft_standard,
)
from sim.world import FLAG_NEW_ATA

N_COLLECTORS = 40
"""NFT traders outside the world's agents, who sell to and buy from its wallets."""


@dataclass(frozen=True, slots=True)
class _NftLegs:
    wallet: str
    collector: str
    mint: str
    source: tuple[str, str]  # (token account, owner) the NFT leaves
    target: tuple[str, str]  # (token account, owner) it enters, created in this transaction
    price_payer: str  # the wallet (a buy) or the collector's bid escrow (a sale)
    payments: tuple[tuple[str, int], ...]  # (recipient, lamports): seller, creator, marketplace
    market: Marketplace


class SideRenderer:
    """Renders the side kinds with the main renderer's helpers and derived addresses."""

    def __init__(self, renderer: RendererBase) -> None:
        self.r = renderer

    def _row(self, account: str, native: int, changes: list[Json] | None = None) -> Json:
        return self.r._account_row(account, native, changes)

    def _change(self, owner: str, account: str, raw: int, decimals: int, mint: str) -> Json:
        return self.r._token_balance_change(owner, account, raw, decimals, mint)

    def _statics(self, *accounts: str) -> list[Json]:
        return [self._row(account, 0) for account in accounts]

    # ------------------------------------------------------------------ airdrop claims
    def airdrop_claim(self, tx: int, out: Json) -> None:
        """A merkle-distributor claim: the distributor's vault sends tokens to the claimer's new
        token account; the claimer pays only rent (that account's, and the claim record's that
        the distributor creates with an inner System createAccount) and the fee."""
        r = self.r
        world = r.world
        index, amount = world.t_counterpart[tx], world.t_in[tx]
        drop = AIRDROPS[index]
        wallet = world.t_wallet[tx]
        claimer = world.addr[wallet]
        mint = r._derived(f"airdrop-mint:{index}")  # = sim.side.airdrop_mint
        distributor = r._derived(f"airdrop-distributor:{index}")
        vault = r._derived(f"airdrop-vault:{index}")
        claim_status = r._derived(f"airdrop-claim:{index}:{wallet}")
        ata = r._derived(f"airdrop-ata:{index}:{wallet}")
        claimed = r._token_transfer(
            from_account=vault,
            to_account=ata,
            from_user=distributor,
            to_user=claimer,
            raw_amount=amount,
            decimals=drop.decimals,
            mint=mint,
        )
        out["tokenTransfers"] = [claimed]
        out["nativeTransfers"] = [
            {"fromUserAccount": claimer, "toUserAccount": account, "amount": rent}
            for account, rent in ((ata, ATA_RENT), (claim_status, CLAIM_STATUS_RENT))
        ]
        out["accountData"] = [
            self._row(claimer, -out["fee"] - ATA_RENT - CLAIM_STATUS_RENT),
            self._row(claim_status, CLAIM_STATUS_RENT),
            self._row(ata, ATA_RENT, [self._change(claimer, ata, amount, drop.decimals, mint)]),
            self._row(vault, 0, [self._change(distributor, vault, -amount, drop.decimals, mint)]),
            *self._statics(
                distributor,
                mint,
                SYSTEM_PROGRAM,
                TOKEN_PROGRAM,
                ATA_PROGRAM,
                COMPUTE_BUDGET,
                MERKLE_DISTRIBUTOR,
            ),
        ]
        out["instructions"] = [
            *r._compute_budget_instructions(tx),
            r.create_token_account(
                tx, funder=claimer, account=ata, owner=claimer, mint=mint, program=TOKEN_PROGRAM
            ),
            {
                "accounts": [
                    distributor,
                    claim_status,
                    vault,
                    ata,
                    claimer,
                    TOKEN_PROGRAM,
                    SYSTEM_PROGRAM,
                ],
                "data": r._instruction_data(tx, 60, 24),
                "programId": MERKLE_DISTRIBUTOR,
                "innerInstructions": [
                    r.system_instruction(
                        [claimer, claim_status],
                        system_create_account_data(
                            lamports=CLAIM_STATUS_RENT,
                            space=CLAIM_STATUS_SPACE,
                            owner=MERKLE_DISTRIBUTOR,
                        ),
                        inner=True,
                    ),
                    {
                        "accounts": [vault, ata, distributor],
                        "data": r._instruction_data(tx, 61, 9),
                        "programId": TOKEN_PROGRAM,
                    },
                ],
            },
        ]

    # ------------------------------------------------------------------ NFT trades
    def _nft_legs(self, tx: int) -> _NftLegs:
        """Who moves the NFT and who pays whom in an NFT trade."""
        r = self.r
        world = r.world
        serial, side, price = world.t_counterpart[tx], world.t_side[tx], world.t_in[tx]
        market = nft_marketplace(serial=serial, side=side)
        proceeds, royalty, market_fee = nft_sale_split(serial=serial, side=side, price=price)
        entity = world.t_wallet[tx]
        wallet = world.addr[entity]
        collector_index = (serial * 7 + side) % N_COLLECTORS
        collector = r._derived(f"nft-collector:{collector_index}")
        wallet_ata = r._derived(f"nft-ata:{serial}:{entity}")
        if side == 0:  # the wallet buys a listed NFT out of the marketplace's escrow
            price_payer, seller = wallet, collector
            source = (
                r._derived(f"nft-escrow:{serial}"),
                r._derived(f"nft-escrow-authority:{market.source}"),
            )
            target = (wallet_ata, wallet)
        else:  # the wallet sells into a collector's bid (its SOL waits in an escrow account)
            price_payer = r._derived(f"nft-bid-escrow:{market.source}:{collector_index}")
            seller = wallet
            source = (wallet_ata, wallet)
            target = (r._derived(f"nft-ata:{serial}:collector"), collector)
        payments = (
            (seller, proceeds),
            (r._derived(f"nft-creator:{serial % len(COLLECTION_ROYALTY_BPS)}"), royalty),
            (r._derived(f"nft-treasury:{market.source}"), market_fee),
        )
        return _NftLegs(
            wallet=wallet,
            collector=collector,
            mint=r._derived(f"nft-mint:{serial}"),  # = sim.side.nft_mint
            source=source,
            target=target,
            price_payer=price_payer,
            payments=tuple((account, lamports) for account, lamports in payments if lamports),
            market=market,
        )

    def nft_trade(self, tx: int, out: Json) -> None:
        """A marketplace buy (from a listing in escrow) or sale (into a collector's bid) of one
        NFT for SOL, the wallet signing; royalty and marketplace fee come out of the price."""
        r = self.r
        world = r.world
        side, price = world.t_side[tx], world.t_in[tx]
        standard = nft_standard(world.t_counterpart[tx])
        legs = self._nft_legs(tx)
        wallet, mint = legs.wallet, legs.mint
        (source, source_owner), (target, target_owner) = legs.source, legs.target
        transfer = r._token_transfer(
            from_account=source,
            to_account=target,
            from_user=source_owner,
            to_user=target_owner,
            raw_amount=1,
            decimals=0,
            mint=mint,
        )
        if standard is None:
            del transfer["tokenStandard"]  # Helius did not recognise the sale
        else:
            transfer["tokenStandard"] = standard
        out["tokenTransfers"] = [transfer]
        # the receiving token account is created (rent from the wallet on a buy, from the
        # bidder's escrow on a sale); a seller's emptied token account is closed to the seller
        paid = [*legs.payments, (target, ATA_RENT)]
        native = [
            {"fromUserAccount": legs.price_payer, "toUserAccount": account, "amount": lamports}
            for account, lamports in paid
        ]
        if side == 1:
            native.append({"fromUserAccount": source, "toUserAccount": wallet, "amount": ATA_RENT})
        out["nativeTransfers"] = native
        fee = out["fee"]
        rows = [
            self._row(wallet, (-price - ATA_RENT if side == 0 else ATA_RENT) - fee),
            self._row(
                source,
                0 if side == 0 else -ATA_RENT,
                [self._change(source_owner, source, -1, 0, mint)],
            ),
            self._row(target, ATA_RENT, [self._change(target_owner, target, 1, 0, mint)]),
        ]
        if side == 1:
            rows.append(self._row(legs.price_payer, -price - ATA_RENT))
        for account, lamports in legs.payments:
            if account == wallet:
                rows[0]["nativeBalanceChange"] += lamports  # a seller's proceeds
            else:
                rows.append(self._row(account, lamports))
        rows += self._statics(
            *((legs.collector,) if side == 1 else ()),
            mint,
            SYSTEM_PROGRAM,
            TOKEN_PROGRAM,
            ATA_PROGRAM,
            COMPUTE_BUDGET,
            legs.market.program,
        )
        out["accountData"] = rows
        if standard is not None:
            action = "bought" if side == 0 else "sold"
            other = ("from " if side == 0 else "to ") + legs.collector
            out["source"] = legs.market.source
            out["description"] = (
                f"{wallet} {action} {mint} {other} for {price / 10**9:g} SOL on "
                f"{legs.market.source}."
            )
            out["events"] = {"nft": self._nft_event(tx, out, legs=legs, standard=standard)}
        out["instructions"] = self._nft_instructions(tx, legs)

    def _nft_instructions(self, tx: int, legs: _NftLegs) -> list[Json]:
        """Compute budget, the buyer's token account (a buy), and the marketplace's instruction:
        inside it the price's System transfers and the NFT's token transfer (a sale: also the
        collector's token account and the close of the seller's)."""
        r = self.r
        (source, source_owner), (target, _) = legs.source, legs.target
        inner = [
            r.system_instruction(
                [legs.price_payer, account], system_transfer_data(lamports=lamports), inner=True
            )
            for account, lamports in legs.payments
        ]
        inner.append(
            {
                "accounts": [source, target, source_owner],
                "data": r._instruction_data(tx, 62, 9),
                "programId": TOKEN_PROGRAM,
            }
        )
        instructions = r._compute_budget_instructions(tx)
        if r.world.t_side[tx] == 0:
            instructions.append(
                r.create_token_account(
                    tx,
                    funder=legs.wallet,
                    account=target,
                    owner=legs.wallet,
                    mint=legs.mint,
                    program=TOKEN_PROGRAM,
                )
            )
        else:
            create = system_create_account_data(
                lamports=ATA_RENT, space=TOKEN_ACCOUNT_SPACE, owner=TOKEN_PROGRAM
            )
            inner.insert(0, r.system_instruction([legs.price_payer, target], create, inner=True))
            inner.append(
                {
                    "accounts": [source, legs.wallet, legs.wallet],
                    "data": "A",
                    "programId": TOKEN_PROGRAM,
                }
            )
        instructions.append(
            {
                "accounts": [
                    legs.wallet,
                    legs.collector,
                    legs.price_payer,
                    source,
                    target,
                    legs.mint,
                    *(account for account, _ in legs.payments[1:]),
                ],
                "data": r._instruction_data(tx, 63, 24),
                "programId": legs.market.program,
                "innerInstructions": inner,
            }
        )
        return instructions

    def _nft_event(self, tx: int, out: Json, *, legs: _NftLegs, standard: str) -> Json:
        """Helius' ``events.nft`` of a sale it recognised."""
        world = self.r.world
        buy = world.t_side[tx] == 0
        return {
            "description": out["description"],
            "type": "NFT_SALE",
            "source": out["source"],
            "amount": world.t_in[tx],
            "fee": out["fee"],
            "feePayer": legs.wallet,
            "signature": out["signature"],
            "slot": out["slot"],
            "timestamp": out["timestamp"],
            "saleType": "INSTANT_SALE" if buy else "OFFER",
            "buyer": legs.wallet if buy else legs.collector,
            "seller": legs.collector if buy else legs.wallet,
            "staker": "",
            "nfts": [{"mint": legs.mint, "tokenStandard": standard}],
        }

    # ------------------------------------------------------------------ quote-to-quote routes
    def quote_route(self, tx: int, out: Json) -> None:
        """A Jupiter route SOL → X → USDC over two Orca pools, the router holding X in between:
        the wallet pays SOL and receives USDC, both quote assets, so it is no token trade, and
        the pools and the router that moved X are not traders either."""
        r = self.r
        world = r.world
        via = INTERMEDIATES[world.t_counterpart[tx]]
        sol_in, x_amount, usdc_out = world.t_in[tx], world.t_hop_amount[tx], world.t_out[tx]
        entity = world.t_wallet[tx]
        wallet = world.addr[entity]
        temp = r._derived(f"wsol:{entity}")  # its WSOL ATA, opened and closed (TEMP_ATA)
        usdc_ata = world.ata(entity, 0)
        rent = ATA_RENT if world.t_flags[tx] & FLAG_NEW_ATA else 0
        router = r._derived("jupiter-authority")
        router_x = r._derived(f"jupiter-{via.symbol}")
        hops = []
        for pair in (f"SOL-{via.symbol}", f"{via.symbol}-USDC"):
            hops.append(
                (
                    r._derived(f"orca-pool:{pair}"),
                    r._derived(f"orca-authority:{pair}"),
                    r._derived(f"orca-vault-a:{pair}"),
                    r._derived(f"orca-vault-b:{pair}"),
                )
            )
        (
            (pool_1, authority_1, sol_vault, x_vault_1),
            (pool_2, authority_2, x_vault_2, usdc_vault),
        ) = hops
        out["source"] = "JUPITER"
        legs = [
            (temp, sol_vault, wallet, authority_1, sol_in, 9, WSOL_MINT),
            (x_vault_1, router_x, authority_1, router, x_amount, via.decimals, via.mint),
            (router_x, x_vault_2, router, authority_2, x_amount, via.decimals, via.mint),
            (usdc_vault, usdc_ata, authority_2, wallet, usdc_out, 6, USDC_MINT),
        ]
        transfers = [
            r._token_transfer(
                from_account=a,
                to_account=b,
                from_user=c,
                to_user=d,
                raw_amount=n,
                decimals=dp,
                mint=m,
            )
            for a, b, c, d, n, dp, m in legs
        ]
        out["tokenTransfers"] = transfers
        opening, out["nativeTransfers"] = r._open_temp_wsol(
            tx, TEMP_ATA, wallet=wallet, temp=temp, lamports_in=sol_in
        )
        if rent:
            out["nativeTransfers"].append(
                {"fromUserAccount": wallet, "toUserAccount": usdc_ata, "amount": rent}
            )
        change = self._change
        out["accountData"] = [
            self._row(wallet, -sol_in - out["fee"] - rent),
            self._row(temp, 0),
            self._row(usdc_ata, rent, [change(wallet, usdc_ata, usdc_out, 6, USDC_MINT)]),
            self._row(sol_vault, sol_in, [change(authority_1, sol_vault, sol_in, 9, WSOL_MINT)]),
            self._row(
                x_vault_1, 0, [change(authority_1, x_vault_1, -x_amount, via.decimals, via.mint)]
            ),
            self._row(router_x, 0),
            self._row(
                x_vault_2, 0, [change(authority_2, x_vault_2, x_amount, via.decimals, via.mint)]
            ),
            self._row(usdc_vault, 0, [change(authority_2, usdc_vault, -usdc_out, 6, USDC_MINT)]),
            *self._statics(
                pool_1,
                pool_2,
                router,
                WSOL_MINT,
                via.mint,
                USDC_MINT,
                SYSTEM_PROGRAM,
                TOKEN_PROGRAM,
                ATA_PROGRAM,
                COMPUTE_BUDGET,
                JUPITER_V6,
                ORCA_WHIRLPOOL,
            ),
        ]
        out["description"] = (
            f"{wallet} swapped {sol_in / 10**9:g} SOL for {usdc_out / 10**6:g} USDC"
        )
        out["events"] = {
            "swap": r._swap_event(
                wallet,
                sol_in=sol_in,
                sol_out=None,
                inner_swaps=[
                    (transfers[0:1], transfers[1:2], "orca"),
                    (transfers[2:3], transfers[3:4], "orca"),
                ],
                token_in=None,
                token_out=(usdc_ata, usdc_out, 6, USDC_MINT),
            )
        }
        instructions = [*r._compute_budget_instructions(tx), *opening]
        if rent:
            instructions.append(
                r.create_token_account(
                    tx,
                    funder=wallet,
                    account=usdc_ata,
                    owner=wallet,
                    mint=USDC_MINT,
                    program=TOKEN_PROGRAM,
                )
            )
        inner: list[Json] = []
        for hop, (pool, authority, vault_in, vault_out) in enumerate(hops):
            inner.append(
                {
                    "accounts": [pool, authority, vault_in, vault_out],
                    "data": r._instruction_data(tx, 64 + hop, 24),
                    "programId": ORCA_WHIRLPOOL,
                }
            )
            for leg in legs[2 * hop : 2 * hop + 2]:
                inner.append(
                    {
                        "accounts": [leg[0], leg[1], leg[2]],
                        "data": r._instruction_data(tx, 66 + len(inner), 9),
                        "programId": TOKEN_PROGRAM,
                    }
                )
        instructions.append(
            {
                "accounts": [wallet, temp, usdc_ata, router, router_x, ORCA_WHIRLPOOL],
                "data": r._instruction_data(tx, 70, 24),
                "programId": JUPITER_V6,
                "innerInstructions": inner,
            }
        )
        instructions.append(
            {
                "accounts": [temp, wallet, wallet],
                "data": "A",
                "programId": TOKEN_PROGRAM,
                "innerInstructions": [],
            }
        )
        out["instructions"] = instructions
