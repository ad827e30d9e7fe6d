"""Accounts that receive a trader's side payments: SOL that buys inclusion or a tool's service,
never the token, so it is not part of the trade's price (reference helius-swaps.md).

A side payment is also recognised without this list, from the transaction itself, when the
signer sent it with a top-level System instruction (see `flows`); the list covers webhook bodies
that were trimmed of their instructions. Addresses are from public lists that attribute fee
wallets (DefiLlama's fee adapters, public Dune queries, trading-bot trackers), checked against
the corpus where it has them (tests/fixtures/real).
"""

from __future__ import annotations

JITO_TIP_ACCOUNTS = frozenset(
    {
        "96gYZGLnJYVFmbjzopPSU6QiEV5fGqZNyN9nmNhvrZU5",
        "HFqU5x63VTqvQss8hp11i4wVV8bD44PvwucfZ2bU7gRe",
        "Cw8CFyM9FkoMi7K7Crf6HNQqf4uEMzpKw6QNghXLvLkY",
        "ADaUMid9yfUytqMBgopwjb2DTLSokTSzL1zt6iGPaS49",
        "DfXygSm4jCyNCybVYYK6DwvWqjKee8pbDmJGcLWNDXjh",
        "ADuUkR4vqLUMWXxW9gh6D6L8pMSawimctcNZ5pGwDcEt",
        "DttWaMuVvTiduZRnguLF7jNxTgiMBZ1hyAumKUiL2KRL",
        "3AVi9Tg9Uo68tJfuvoKvqKNWKkC5wPdSSdeBnizKZ6jT",
    }
)
"""Jito's eight tip accounts (`getTipAccounts`): SOL sent there buys inclusion, not tokens."""

LANDING_TIP_ACCOUNTS = frozenset(
    {
        "HWEoBxYs7ssKuudEjzjmpfJVX7Dvi7wescFsVx2L5yoY",  # bloXroute
        "7ks326H4LbMVaUC8nW5FpC5EoAf5eK5pf4Dsx4HDQLpq",  # bloXroute
        "TEMPaMeCRFAS9EKF53Jd6KpHxgL47uWLcpFArU1Fanq",  # Temporal (Nozomi)
        "noz3jAjPiHuBPqiSPkkugaJDkJscPuRhYnSpbi8UvC4",  # Temporal (Nozomi)
        "noz3str9KXfpKknefHji8L1mPgimezaiUyCHYMDv1GE",  # Temporal (Nozomi)
    }
)
"""Other transaction-landing services' tip accounts (like Jito's: inclusion, not tokens)."""

TRADING_BOT_FEE_ACCOUNTS = frozenset(
    {
        # Trojan (bot and terminal)
        "9yMwSPk9mrXSN7yDHUuZurAh1sjbJsfpUqjZ7SvVtdco",
        "BBYXdwhqbCxVRVtnuMTTxh8biNisz3ZxsnHfr44jXytR",
        "92Med3qeK7duC5iiYsHX38H2f2twJfRsSx93oNrza2VH",
        "2jwHNxavSoMZMEDbT1eV9PcPt5dDcayCqM6MkgaPpmWQ",
        "65gDv7pZQCZELsNpNYSFEBtNFpWZAbxmRFB6BGMqFkHH",
        "BWgb8wR1FEGiu1jCDSKuHKf752W27b4iN6SvoNCiK4qp",
        "8jgg7moFJkHyTtAv9M6RBSPMp2oXeXhuiUMKW8YbYCWn",
        # GMGN
        "BB5dnY55FXS1e1NXqZDwCzgdYJdMCj3B92PU6Q5Fb6DT",
        # Photon
        "AVUCZyuT35YSuj4RH7fwiyPu82Djn2Hfg7y2ND2XcnZH",
        "4uks6GfvhLaqJxWrZZYYxfbU24Kz7318VLXQozKQav6V",
        # BullX
        "4o9p5PaYQcfNiLZCCN5ZsZckdtj6Up3xzLvSoZx8GufA",
        "28KqHiudrpzfVkVWQ1jztQ2Aarf4W3CvTitjWEqTCkpA",
        # Axiom
        "AaG6of1gbj1pbDumvbSiTuJhRCRkkUNaWVxijSbWvTJW",
        # BonkBot
        "ZG98FUCjb8mJ824Gbs6RsgVmr1FhXb2oNiJHa2dwmPd",
        # Maestro
        "MaestroUL88UBnZr3wfoN7hqmNWFi3ZYCGqZoJJHE36",
        "FRMxAnZgkW58zbYcE7Bxqsg99VWpJh6sMP5xLzAWNabN",
        # Banana Gun
        "8r2hZoDfk5hDWJ1sDujAi2Qr45ZyZw5EQxAXiMZWLKh2",
        "Cj297UauzMX64FU9dKJZRUBWszJ7tEWpVheasq4CfATV",
        "HKMh8nV3ysSofRi23LsfVGLGQKB415QAEfZT96kCcVj4",
        "7tQiiBdKoScWQkB1RmVuML7DBGnR31cuKPEtMM7Vy5SA",
        "4BBNEVRgrxVKv9f7pMNE788XM1tt379X9vNjpDH2KCL7",
        "47hEzz83VFR23rLTEeVm9A7eFzjJwjvdupPPmX3cePqF",
        "EMbqD9Y9jLXEa3RbCR8AsEW1kVa3EiJgDLVgvKh4qNFP",
        "Lk693UiTzQC4vobasRS1QGcYA9D6RGYLjHp1bWreQtM",
        # Padre, Bloom, Nova, Shuriken, Pepe Boost, TradeWiz, Fomo
        "J5XGHmzrRmnYWbmw45DbYkdZAU2bwERFZ11qCDXPvFB5",
        "7HeD6sLLqAnKVRuSfc1Ko3BSPMNKWgGTiWLKXJF31vKM",
        "noVaE91mUL5jTb8e9Vf6dqJdNPzJpEQ3uAdnQ8h4nVz",
        "9cSuF94JWPb1HQzWMcifJzkoggwAtfjsojcUqny5XuJy",
        "G9PhF9C9H83mAjjkdJz4MDqkufiTPMJkx7TnKE1kFyCp",
        "97VmzkjX9w8gMFS2RnHTSjtMEDbifGXBq9pgosFdFnM",
        "HrTf9CzXR1dRH4Sof5QrpmGWwpwAf3qZzwCsEjQpXcSq",
        # MEVX
        "3kxSQybWEeQZsMuNWMRJH4TxrhwoDwfv41TNMLRzFP5A",
        "BS3CyJ9rRC4Tp8G7f86r6hGvuu3XdrVGNVpbNM9U5WRZ",
        "4Lpvp1q69SHentfYcMBUrkgvppeEx6ovHCSYjg4UYXiq",
        # Jupiter platform fee (an integrator's fee, not the venue's)
        "45ruCyfdRkWpRNGEqWzjCiXRHkZs8WXCLQ67Pnpye7Hp",
    }
)
"""Trading bots' and platforms' fee wallets: about 1 % of a trade, a tool's fee, not the
price; a wallet copied through another tool would not pay it."""

SIDE_PAYMENT_ACCOUNTS = JITO_TIP_ACCOUNTS | LANDING_TIP_ACCOUNTS | TRADING_BOT_FEE_ACCOUNTS
