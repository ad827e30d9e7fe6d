"""`walltrack run`'s webhook secret (what Helius, here the simulated market, must echo in
Authorization to webhook_ingest): WALLTRACK_WEBHOOK_AUTH_SECRET when set, else made once and
kept private in the data folder, like the API token."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from walltrack.cli.local_token import (
    TOKEN_FILE,
    WEBHOOK_SECRET_FILE,
    local_api_token,
    local_webhook_secret,
)
from walltrack.config.settings import EnvSettings
from walltrack.errors import ConfigurationError


def _env(data_dir: Path, **values: object) -> EnvSettings:
    return EnvSettings(_env_file=None, data_dir=data_dir, **values)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _no_secrets_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WALLTRACK_WEBHOOK_AUTH_SECRET", raising=False)
    monkeypatch.delenv("WALLTRACK_API_TOKEN", raising=False)


def test_the_first_run_makes_a_private_secret_and_later_runs_reuse_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    # When the first run asks for its webhook secret
    secret = local_webhook_secret(_env(data_dir))
    # Then a random one is kept in <data dir>/webhook-auth-secret, owner-only
    path = data_dir / WEBHOOK_SECRET_FILE
    assert len(secret) >= 32
    assert path.read_text().strip() == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # And the next run gets the same one, which is not the API token
    assert local_webhook_secret(_env(data_dir)) == secret
    assert local_api_token(_env(data_dir)) == (
        local_api_token(_env(data_dir))[0],
        data_dir / TOKEN_FILE,
    )
    assert local_api_token(_env(data_dir))[0] != secret


def test_the_environment_secret_wins_and_writes_no_file(tmp_path: Path) -> None:
    given = "w" * 40
    assert local_webhook_secret(_env(tmp_path, webhook_auth_secret=SecretStr(given))) == given
    assert not (tmp_path / WEBHOOK_SECRET_FILE).exists()


def test_a_secret_file_others_can_read_is_refused_without_showing_it(tmp_path: Path) -> None:
    secret = local_webhook_secret(_env(tmp_path))
    (tmp_path / WEBHOOK_SECRET_FILE).chmod(0o644)
    with pytest.raises(ConfigurationError, match="chmod 600") as caught:
        local_webhook_secret(_env(tmp_path))
    assert secret not in str(caught.value)
