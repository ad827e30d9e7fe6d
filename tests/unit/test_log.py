"""Secrets never reach a log line."""

from __future__ import annotations

import io
import json

import structlog

from walltrack.log import configure_logging, get_logger, register_secrets


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
