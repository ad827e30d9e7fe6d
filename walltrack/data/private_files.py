"""Local engine data is owner-only: what the embedded Postgres and graph engine write may hold
wallets and keys' traces, and a shared machine must not read it."""

from __future__ import annotations

from pathlib import Path


def make_private(directory: Path) -> None:
    """`directory` (created if missing) and everything under it owner-only: 0700 folders,
    0600 files. Symlinks and sockets are left alone; files an older version left readable are
    tightened."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    for path in (directory, *directory.rglob("*")):
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        if path.is_dir() and mode & 0o077:
            path.chmod(0o700)
        elif path.is_file() and mode & 0o077:
            path.chmod(0o600)
