"""Secrets never reach a log line."""

from __future__ import annotations

import io
import json

import pytest
import structlog

from walltrack.log import bind_context, configure_logging, get_logger, register_secrets


def _capture() -> io.StringIO:
    configure_logging(json_output=True, level="INFO")
    buffer = io.StringIO()
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=buffer))
    return buffer


def test_secret_looking_keys_are_masked() -> None:
    buffer = _capture()
    get_logger().info("call", api_key="abcd1234", password="hunter22", wallet="W1")
    line = json.loads(buffer.getvalue())
    assert line["api_key"] == "***"
    assert line["password"] == "***"
    assert line["wallet"] == "W1"


def test_api_key_in_a_url_is_masked() -> None:
    buffer = _capture()
    get_logger().info("GET", url="https://mainnet.helius-rpc.com/?api-key=sekret-123&x=1")
    assert "sekret-123" not in buffer.getvalue()
    assert "api-key=***" in buffer.getvalue()


def test_registered_secret_values_are_masked_anywhere() -> None:
    buffer = _capture()
    register_secrets(["wt-super-secret-value"])
    get_logger(function="ingest").info("auth failed", header="Bearer wt-super-secret-value")
    assert "wt-super-secret-value" not in buffer.getvalue()
    assert json.loads(buffer.getvalue())["function"] == "ingest"


def test_lambda_logs_are_json_with_bound_context(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the Lambda environment (and not the local runner)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "walltrack-api")
    monkeypatch.delenv("WALLTRACK_LOCAL_RUNTIME", raising=False)
    configure_logging()
    buffer = io.StringIO()
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=buffer))
    # When a line is logged after binding the invocation's context
    bind_context(function="api", request_id="req-42")
    get_logger(wallet="W1").info("scored")
    # Then it is one JSON object carrying that context
    line = json.loads(buffer.getvalue())
    assert line["function"] == "api"
    assert line["request_id"] == "req-42"
    assert line["wallet"] == "W1"
    assert line["event"] == "scored"


def test_local_logs_are_human_readable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    configure_logging()
    buffer = io.StringIO()
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=buffer))
    get_logger().info("hello", wallet="W1")
    text = buffer.getvalue()
    assert "hello" in text
    assert "wallet=W1" in text
    assert not text.lstrip().startswith("{")
