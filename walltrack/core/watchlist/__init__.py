"""Step 5's rules (pure, no I/O): which wallets are followed (`select`) and which webhook
writes bring Helius in step with them (`sync`)."""
