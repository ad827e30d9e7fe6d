"""The paper ledger (issue 18 item 5): pure figures from positions, fills and swaps."""
