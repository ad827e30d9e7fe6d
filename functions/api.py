"""Lambda entry point for the HTTP API (FastAPI through Mangum, behind a Function URL)."""

from __future__ import annotations

from mangum import Mangum

from walltrack.api.app import create_app
from walltrack.log import configure_logging

configure_logging()
handler = Mangum(create_app(), lifespan="off")
