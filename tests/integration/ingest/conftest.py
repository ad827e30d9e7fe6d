"""The ingest tests' stack: template.yaml's functions in a local runtime (webhook_ingest's
Function URL through `invoke_url`) over a container that knows the webhook secret."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from sim.server import SimServer
from tests.integration.ingest.support import SECRET, IngestStack
from tests.support.stack import local_stack
from walltrack.config.settings import EnvSettings
from walltrack.data.postgres.database import Database


@pytest.fixture
def ingest_stack(
    base_env: EnvSettings, clean_db: Database, sim: SimServer, auth_headers: dict[str, str]
) -> Iterator[IngestStack]:
    env = base_env.model_copy(update={"webhook_auth_secret": SecretStr(SECRET)})
    with local_stack(env, market_url=sim.base_url, headers=auth_headers) as stack:
        yield stack
