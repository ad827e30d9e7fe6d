"""AWS SSM Parameter Store: the one secret read from it, the API's bearer token.

A SecureString is read with decryption (the default `aws/ssm` key needs no extra grant; SAM's
`SSMParameterReadPolicy` allows the read). boto3 is imported only when a parameter is read.
"""

from __future__ import annotations

from typing import Any

from walltrack.errors import ConfigurationError


def read_secure_parameter(name: str, *, client: Any | None = None) -> str:
    """The decrypted value of the SSM parameter `name`.

    Raises `ConfigurationError` naming the parameter and AWS's error code (never the value) when
    it is missing, unreadable or empty: the caller refuses to start.
    """
    import boto3  # noqa: PLC0415 - only the API's cold start pays for it
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    ssm = client or boto3.client("ssm")
    try:
        answer = ssm.get_parameter(Name=name, WithDecryption=True)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        raise ConfigurationError(f"cannot read SSM parameter {name}: {code}") from None
    except BotoCoreError as exc:
        raise ConfigurationError(
            f"cannot read SSM parameter {name}: {type(exc).__name__}"
        ) from None
    value: str = answer["Parameter"].get("Value", "")
    if not value:
        raise ConfigurationError(f"SSM parameter {name} is empty")
    return value
