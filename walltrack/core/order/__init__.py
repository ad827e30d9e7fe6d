"""Step 8's order rules (pure, no I/O): a paper fill from a Jupiter quote (`entry`), the fill
arithmetic on a position (`fills`) and the exit strategies (`exit`)."""
