"""Step 7: the risk rules that may block a new entry (never an exit)."""
