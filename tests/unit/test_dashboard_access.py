"""Who may open the dashboard and which token it sends: checked at the argument and settings
level (no traffic to any non-loopback address is ever sent)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from walltrack.cli import main
from walltrack.cli.dashboard import dashboard_login, dashboard_token, is_loopback
from walltrack.config.settings import EnvSettings
from walltrack.errors import ConfigurationError

TOKEN = "t" * 40


@pytest.fixture(autouse=True)
def _never_served(monkeypatch: pytest.MonkeyPatch) -> None:
    """A refusal that regressed fails here instead of serving the dashboard on a public host."""
    import gradio as gr  # noqa: PLC0415

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the dashboard was launched")

    monkeypatch.setattr(gr.Blocks, "launch", refuse)


def _env(**values: object) -> EnvSettings:
    return EnvSettings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.1", "::1", "[::1]", "localhost"])
def test_loopback_hosts_are_recognised(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "192.168.1.2", "example.org"])
def test_other_hosts_are_not_loopback(host: str) -> None:
    assert not is_loopback(host)


def test_loopback_without_a_password_asks_no_login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WALLTRACK_DASHBOARD_PASSWORD", raising=False)
    assert dashboard_login(_env(), "127.0.0.1") is None


def test_beyond_loopback_without_a_password_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given no dashboard password / When the dashboard would bind every interface
    monkeypatch.delenv("WALLTRACK_DASHBOARD_PASSWORD", raising=False)
    # Then it refuses, saying what to set
    with pytest.raises(ConfigurationError, match="WALLTRACK_DASHBOARD_PASSWORD"):
        dashboard_login(_env(), "0.0.0.0")


def test_a_password_makes_a_login_with_the_default_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WALLTRACK_DASHBOARD_USER", raising=False)
    env = _env(dashboard_password=SecretStr("hunter2-but-longer"))
    assert dashboard_login(env, "0.0.0.0") == ("walltrack", "hunter2-but-longer")
    env = _env(dashboard_password=SecretStr("pw-pw-pw"), dashboard_user="ops")
    assert dashboard_login(env, "127.0.0.1") == ("ops", "pw-pw-pw")


def test_the_login_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALLTRACK_DASHBOARD_USER", "alice")
    monkeypatch.setenv("WALLTRACK_DASHBOARD_PASSWORD", "correct horse battery")
    assert dashboard_login(EnvSettings(_env_file=None), "0.0.0.0") == (
        "alice",
        "correct horse battery",
    )


def test_walltrack_ui_refuses_a_public_host_without_a_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a token but no dashboard password
    monkeypatch.setenv("WALLTRACK_API_TOKEN", TOKEN)
    monkeypatch.delenv("WALLTRACK_DASHBOARD_PASSWORD", raising=False)
    # When `walltrack ui --host 0.0.0.0` starts / Then it exits 2 with the reason, serving nothing
    assert main(["ui", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert "WALLTRACK_DASHBOARD_PASSWORD" in err
    assert TOKEN not in err


def test_walltrack_ui_refuses_to_start_without_a_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("WALLTRACK_API_TOKEN", raising=False)
    assert main(["ui"]) == 2
    assert "WALLTRACK_API_TOKEN" in capsys.readouterr().err


def test_the_dashboard_token_comes_from_the_setting_or_a_file(tmp_path: Path) -> None:
    assert dashboard_token(_env(api_token=SecretStr(TOKEN))) == TOKEN
    path = tmp_path / "token"
    path.write_text("f" * 32 + "\n")
    assert dashboard_token(_env(api_token=SecretStr(TOKEN)), path) == "f" * 32
    path.write_text("short")
    with pytest.raises(ConfigurationError, match="shorter than 32") as caught:
        dashboard_token(_env(), path)
    assert "short" not in str(caught.value).replace("shorter", "")
    with pytest.raises(ConfigurationError, match="cannot read"):
        dashboard_token(_env(), tmp_path / "missing")


def test_a_short_token_setting_is_refused_without_quoting_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a token too short to be safe / When the settings load
    monkeypatch.setenv("WALLTRACK_API_TOKEN", "s3cr3t-but-short")
    # Then they are refused, and the error does not quote the value
    with pytest.raises(ValueError, match="at least 32") as caught:
        EnvSettings(_env_file=None)
    assert "s3cr3t-but-short" not in str(caught.value)


def test_walltrack_run_refuses_a_public_host_without_a_password_before_starting_anything(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import signal  # noqa: PLC0415

    import uvicorn  # noqa: PLC0415

    from walltrack.cli import stack  # noqa: PLC0415

    # Given no dashboard password, and nothing allowed to start (a regression fails here
    # instead of starting Postgres or serving)
    monkeypatch.delenv("WALLTRACK_DASHBOARD_PASSWORD", raising=False)
    monkeypatch.setenv("WALLTRACK_API_HOST", "127.0.0.1")  # `run` rewrites it; restored after

    def started(*_: object, **__: object) -> None:
        raise AssertionError("the stack started")

    monkeypatch.setattr(stack, "resolve_database_url", started)
    monkeypatch.setattr(stack, "apply_migrations", started)
    monkeypatch.setattr(uvicorn, "run", started)
    sigterm = signal.getsignal(signal.SIGTERM)
    try:
        # When `walltrack run --host 0.0.0.0` starts with its dashboard
        code = main(["run", "--host", "0.0.0.0", "--no-sim"])
    finally:
        signal.signal(signal.SIGTERM, sigterm)
    # Then it exits 2 saying what to set
    assert code == 2
    assert "WALLTRACK_DASHBOARD_PASSWORD" in capsys.readouterr().err


def test_the_token_and_the_dashboard_password_are_masked_in_logs() -> None:
    # Given settings holding both / Then both are among the values every log line is masked of
    env = _env(api_token=SecretStr(TOKEN), dashboard_password=SecretStr("pw-never-logged"))
    assert {TOKEN, "pw-never-logged"} <= set(env.secret_values())
