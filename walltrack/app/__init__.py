"""The application layer: the composition root and the steps' use cases.

`container.py` is the one place that builds adapters (pool, repositories, market clients, queue
ports, rate limiters, clock) from the environment settings; `process.py` gives a handler its
process's container; the jobs (`token_discovery.py`, `wallet_discovery.py`) run one step's
core recipes against the ports they are given (`ports.py`); `outbox.py` is how a step's
messages reach the next step; `handlers.py` is what the thin `functions/` share.
"""
