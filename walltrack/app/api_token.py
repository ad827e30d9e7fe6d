"""The API's bearer token, resolved once per process (a Lambda's cold start, `walltrack run`).

`WALLTRACK_API_TOKEN` if set; else in AWS the SSM SecureString named by
`WALLTRACK_API_TOKEN_PARAMETER`. Neither: `ConfigurationError`, and the API does not start
(fail closed: an API without a token would answer anyone).
"""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from walltrack.config.settings import API_TOKEN_MIN_LENGTH, EnvSettings
from walltrack.errors import ConfigurationError
from walltrack.log import register_secrets
from walltrack.runtime.parameters import read_secure_parameter


def resolve_api_token(env: EnvSettings, *, ssm_client: Any | None = None) -> SecretStr:
    """The token every route but GET /health asks for (see the module docstring)."""
    if env.api_token is not None:
        token = env.api_token
    elif env.api_token_parameter:
        value = read_secure_parameter(env.api_token_parameter, client=ssm_client).strip()
        if len(value) < API_TOKEN_MIN_LENGTH:
            raise ConfigurationError(
                f"SSM parameter {env.api_token_parameter} holds a token shorter than "
                f"{API_TOKEN_MIN_LENGTH} characters"
            )
        token = SecretStr(value)
    else:
        raise ConfigurationError(
            "no API token: set WALLTRACK_API_TOKEN (at least 32 characters), or in AWS "
            "WALLTRACK_API_TOKEN_PARAMETER to the name of an SSM SecureString holding it"
        )
    register_secrets([token.get_secret_value()])  # masked in any log line that quotes it
    return token
