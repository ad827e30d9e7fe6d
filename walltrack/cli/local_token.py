"""The API token of `walltrack run`: WALLTRACK_API_TOKEN when set, else one made on the first
run and kept in a private file (0600) under the data directory, so later runs, the dashboard
and scripts (`walltrack ui --api-token-file`, `curl -H "Authorization: Bearer $(cat …)"`) reuse
it. It is never printed; its path is.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from walltrack.cli.dashboard import read_token_file
from walltrack.config.settings import EnvSettings
from walltrack.errors import ConfigurationError

TOKEN_FILE = "api-token"  # noqa: S105 - a file name, not a secret
TOKEN_BYTES = 32
"""secrets.token_urlsafe(32): 43 URL-safe characters, 256 random bits."""


WEBHOOK_SECRET_FILE = "webhook-auth-secret"  # noqa: S105 - a file name, not a secret


def local_api_token(env: EnvSettings) -> tuple[str, Path | None]:
    """The token, and the file it is kept in (None when it came from WALLTRACK_API_TOKEN)."""
    if env.api_token is not None:
        return env.api_token.get_secret_value(), None
    return _kept_secret(Path(env.data_dir) / TOKEN_FILE, "API token"), Path(
        env.data_dir
    ) / TOKEN_FILE


def local_webhook_secret(env: EnvSettings) -> str:
    """What the local webhook (Helius, or the simulated market) must send in Authorization:
    WALLTRACK_WEBHOOK_AUTH_SECRET when set, else one made on the first run and kept like the
    API token (owner-only file in the data directory). Never printed."""
    if env.webhook_auth_secret is not None:
        return env.webhook_auth_secret.get_secret_value()
    return _kept_secret(Path(env.data_dir) / WEBHOOK_SECRET_FILE, "webhook secret")


def _kept_secret(path: Path, what: str) -> str:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # local state: owner only
    try:
        # O_EXCL: two first runs at once never write two secrets over each other.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise ConfigurationError(
                f"the {what} file {path} is readable by others (mode {mode:o}): "
                f"run `chmod 600 {path}`, or delete it for a new one"
            ) from None
        return read_token_file(path)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(token + "\n")
    return token
