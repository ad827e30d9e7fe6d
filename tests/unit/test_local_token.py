"""`walltrack run`'s API token: WALLTRACK_API_TOKEN when set, else made once and kept private."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from walltrack.cli.local_token import TOKEN_FILE, local_api_token
from walltrack.config.settings import EnvSettings
from walltrack.errors import ConfigurationError


def _env(data_dir: Path, **values: object) -> EnvSettings:
    return EnvSettings(_env_file=None, data_dir=data_dir, **values)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _no_token_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WALLTRACK_API_TOKEN")


def test_the_first_run_makes_a_private_token_file_and_later_runs_reuse_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"  # not there yet, as on a first run
    # When the first run asks for its token
    token, path = local_api_token(_env(data_dir))
    # Then a new random token is kept in <data dir>/api-token, readable by its owner only
    assert path == data_dir / TOKEN_FILE
    assert len(token) >= 32
    assert path.read_text().strip() == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # And the next run gets the same one
    assert local_api_token(_env(data_dir)) == (token, path)
    # While another data directory gets another
    assert local_api_token(_env(tmp_path / "other"))[0] != token


def test_the_environment_token_wins_and_writes_no_file(tmp_path: Path) -> None:
    token, path = local_api_token(_env(tmp_path, api_token=SecretStr("v" * 32)))
    assert (token, path) == ("v" * 32, None)
    assert not (tmp_path / TOKEN_FILE).exists()


def test_a_token_file_others_can_read_is_refused(tmp_path: Path) -> None:
    # Given a token file someone made readable by the group
    _, path = local_api_token(_env(tmp_path))
    assert path is not None
    path.chmod(0o640)
    # When a run starts / Then it refuses, saying how to fix it, and does not print the token
    with pytest.raises(ConfigurationError, match="chmod 600") as caught:
        local_api_token(_env(tmp_path))
    assert path.read_text().strip() not in str(caught.value)
