"""Step 6's signal rules (pure, no I/O): score a buy (`scorer`), accept or reject it
(`filter`), and turn a stored swap into its entry or exit signal (`pipeline`)."""
