"""Step 4's owner analysis (pure, no I/O): evidence that wallets share an owner (`analyzer`)."""

from walltrack.core.cluster.analyzer import Edge, Evidence, Funding, Proof, analyze

__all__ = ["Edge", "Evidence", "Funding", "Proof", "analyze"]
