"""Lambda Function URL payload 2.0: an HTTP request as the event, the handler's result as HTTP.

Follows fixtures/aws/function_url_event.json and AWS's rules for results: a dict with
`statusCode` is taken as written; anything else is a 200 with the result as a JSON body.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import secrets
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TEXT_TYPES = ("text/", "json", "xml", "javascript", "x-www-form-urlencoded", "yaml", "csv")

Headers = Mapping[str, str] | Iterable[tuple[str, str]]
Query = str | Mapping[str, str | list[str]] | None


def url_id_for(function_name: str) -> str:
    """A stable 32-character id, like the one in a real Function URL's host name."""
    return hashlib.sha256(function_name.encode()).hexdigest()[:32]


def _request_time(when: datetime) -> str:
    return f"{when.day:02d}/{_MONTHS[when.month - 1]}/{when:%Y:%H:%M:%S} +0000"


def _is_text(content_type: str) -> bool:
    lowered = content_type.lower()
    return any(marker in lowered for marker in _TEXT_TYPES)


def _as_text(body: bytes, content_type: str | None) -> str | None:
    """The body as text when AWS would pass it as text; None means base64 it."""
    if not _is_text(content_type or "text/plain"):
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _valid_ip(candidate: str) -> str:
    """AWS always gives an IP; test clients may say "testclient"."""
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return "127.0.0.1"


def _lower_headers(headers: Headers | None) -> tuple[dict[str, str], list[str]]:
    """Lower-case names, repeated headers joined by commas, cookies split out (payload 2.0)."""
    items = headers.items() if isinstance(headers, Mapping) else (headers or [])
    out: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in items:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        out[key] = f"{out[key]},{value}" if key in out else value
    return out, cookies


def build_function_url_event(
    *,
    function_name: str,
    method: str,
    path: str,
    headers: Headers | None = None,
    body: bytes | str | None = None,
    query: Query = None,
    source_ip: str = "127.0.0.1",
    region: str = "us-east-1",
    now: datetime,
) -> dict[str, Any]:
    url_id = url_id_for(function_name)
    source_ip = _valid_ip(source_ip)
    domain = f"{url_id}.lambda-url.{region}.on.aws"
    raw_path = path if path.startswith("/") else f"/{path}"
    if query is None:
        raw_query = ""
    elif isinstance(query, str):
        raw_query = query
    else:
        raw_query = urlencode(query, doseq=True)
    lowered, cookies = _lower_headers(headers)
    lowered.setdefault("host", domain)
    lowered.setdefault("x-forwarded-for", source_ip)
    lowered.setdefault("x-forwarded-proto", "http")
    lowered.setdefault("x-forwarded-port", "80")
    lowered.setdefault(
        "x-amzn-trace-id", f"Root=1-{int(now.timestamp()):08x}-{secrets.token_hex(12)}"
    )
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = lowered
    if raw_query:
        params: dict[str, str] = {}
        for key, value in parse_qsl(raw_query, keep_blank_values=True):
            params[key] = f"{params[key]},{value}" if key in params else value
        event["queryStringParameters"] = params
    event["requestContext"] = {
        "accountId": "anonymous",
        "apiId": url_id,
        "authentication": None,
        "authorizer": None,
        "domainName": domain,
        "domainPrefix": url_id,
        "http": {
            "method": method.upper(),
            "path": raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": lowered.get("user-agent", ""),
        },
        "requestId": str(uuid.uuid4()),
        "routeKey": "$default",
        "stage": "$default",
        "time": _request_time(now),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    is_base64 = False
    if body:
        text = body if isinstance(body, str) else _as_text(body, lowered.get("content-type"))
        if text is None:
            event["body"] = base64.b64encode(body if isinstance(body, bytes) else b"").decode()
            is_base64 = True
        else:
            event["body"] = text
    event["isBase64Encoded"] = is_base64
    return event


def function_url_response(result: Any) -> dict[str, Any]:
    """Normalise a handler's result to {statusCode, headers, cookies, body, isBase64Encoded}."""
    if isinstance(result, Mapping) and "statusCode" in result:
        headers = {str(k).lower(): str(v) for k, v in (result.get("headers") or {}).items()}
        raw_body = result.get("body")
        if raw_body is None:
            body = ""
        elif isinstance(raw_body, str):
            body = raw_body
        else:
            body = json.dumps(raw_body)
        return {
            "statusCode": int(result["statusCode"]),
            "headers": headers,
            "cookies": [str(c) for c in result.get("cookies") or []],
            "body": body,
            "isBase64Encoded": bool(result.get("isBase64Encoded", False)),
        }
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "cookies": [],
        "body": json.dumps(result),
        "isBase64Encoded": False,
    }


def error_response() -> dict[str, Any]:
    """What a Function URL answers when the handler raised."""
    return {
        "statusCode": 502,
        "headers": {"content-type": "application/json"},
        "cookies": [],
        "body": json.dumps({"Message": "Internal Server Error"}),
        "isBase64Encoded": False,
    }


def response_body_bytes(response: Mapping[str, Any]) -> bytes:
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        return base64.b64decode(body)
    return str(body).encode("utf-8")
