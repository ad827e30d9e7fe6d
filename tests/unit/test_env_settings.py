"""Environment settings: embedded defaults, secrets never printable."""

from __future__ import annotations

import pytest

from walltrack.config.settings import EnvSettings


def test_no_urls_means_embedded_engines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WALLTRACK_DATABASE_URL", raising=False)
    monkeypatch.delenv("WALLTRACK_NEO4J_URI", raising=False)
    settings = EnvSettings(_env_file=None)
    assert settings.uses_embedded_postgres
    assert settings.uses_embedded_graph


def test_secrets_do_not_show_in_repr_or_dump(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALLTRACK_HELIUS_API_KEY", "helius-secret-1")
    monkeypatch.setenv("WALLTRACK_WEBHOOK_AUTH_SECRET", "Bearer hook-secret-2")
    settings = EnvSettings(_env_file=None)
    text = repr(settings) + str(settings.model_dump()) + settings.model_dump_json()
    assert "helius-secret-1" not in text
    assert "hook-secret-2" not in text
    assert "helius-secret-1" in settings.secret_values()
