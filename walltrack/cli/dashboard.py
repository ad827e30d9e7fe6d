"""Who may open the dashboard, and with which token it calls the API (`walltrack ui`, `run`).

The dashboard holds the API's bearer token and calls the API for whoever opens it, so whoever
reaches it drives the API: beyond loopback it asks for a login (Gradio `auth`), and it refuses
to be served there without a password.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from walltrack.config.settings import API_TOKEN_MIN_LENGTH, EnvSettings
from walltrack.errors import ConfigurationError


def is_loopback(host: str) -> bool:
    """True for an address only this machine reaches (127.0.0.0/8, ::1, `localhost`)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name (or 0.0.0.0's spelling of "every interface") is not loopback


def dashboard_login(env: EnvSettings, host: str) -> tuple[str, str] | None:
    """The (user, password) the dashboard asks for, or None on loopback without a password.

    Raises `ConfigurationError` for a non-loopback `host` without `WALLTRACK_DASHBOARD_PASSWORD`.
    """
    if env.dashboard_password is not None:
        password = env.dashboard_password.get_secret_value()
        if not password:
            raise ConfigurationError("WALLTRACK_DASHBOARD_PASSWORD is empty")
        return env.dashboard_user, password
    if not is_loopback(host):
        raise ConfigurationError(
            f"refusing to serve the dashboard on {host} without a login: whoever reaches it "
            "drives the API. Set WALLTRACK_DASHBOARD_PASSWORD (and WALLTRACK_DASHBOARD_USER, "
            "default walltrack), or bind 127.0.0.1."
        )
    return None


def read_token_file(path: Path) -> str:
    """The token in `path` (surrounding whitespace dropped), checked like the setting."""
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the API token file {path}: {exc.strerror}") from exc
    if len(token) < API_TOKEN_MIN_LENGTH:
        raise ConfigurationError(
            f"the API token in {path} is shorter than {API_TOKEN_MIN_LENGTH} characters"
        )
    return token


def dashboard_token(env: EnvSettings, token_file: Path | None = None) -> str:
    """The token the dashboard sends: from `token_file` if given, else WALLTRACK_API_TOKEN."""
    if token_file is not None:
        return read_token_file(token_file)
    if env.api_token is None:
        raise ConfigurationError(
            "no API token: set WALLTRACK_API_TOKEN (the token the API was given) or pass "
            "--api-token-file"
        )
    return env.api_token.get_secret_value()
