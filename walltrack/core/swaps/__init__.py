"""Step 3's parser: Helius enhanced transactions → the wallets' `Swap`s (pure, no I/O).

The decisions (which wallet trades, what a quote amount excludes) are in `normalize`'s docstring.
"""

from walltrack.core.swaps.errors import MalformedTransaction
from walltrack.core.swaps.normalize import normalize_many, normalize_transaction
from walltrack.core.swaps.record import format_amount, swap_record

__all__ = [
    "MalformedTransaction",
    "format_amount",
    "normalize_many",
    "normalize_transaction",
    "swap_record",
]
