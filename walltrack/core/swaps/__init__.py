"""Step 3's parser core: checked enhanced-transaction views → the wallets' `Swap`s (pure, no I/O).

The decisions (which wallet trades, what a quote amount excludes) are in `normalize`'s docstring.
Raw Helius JSON is read into views by `walltrack.services.helius.enhanced`; the two together
are `walltrack.app.swaps.parse_transactions`.
"""

from walltrack.core.swaps.normalize import normalize_many, normalize_transaction
from walltrack.core.swaps.record import format_amount, swap_record

__all__ = ["format_amount", "normalize_many", "normalize_transaction", "swap_record"]
