"""Ports every step's recipes share (each step's own ports live beside its recipe)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol

Progress = Callable[[dict[str, object]], None]
"""Figures a long run reports while it runs (shown on the Status tab)."""


class Atomic(Protocol):
    """Opens a transaction: the store's writes and the outbox's messages made inside it commit
    together, or not at all (so no state change ever commits without the messages it owes)."""

    def __call__(self) -> AbstractContextManager[object]: ...
