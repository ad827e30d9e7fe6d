"""The registry of CLI command modules (one module per command)."""

from __future__ import annotations

from types import ModuleType

from walltrack.cli import migrate, parse_helius, run, sim, ui

ALL: list[ModuleType] = [migrate, run, sim, ui, parse_helius]
