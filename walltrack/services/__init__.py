"""External API clients: DexScreener, Helius, RugCheck (Jupiter later), on one HTTP base."""
