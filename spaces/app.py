"""Hugging Face Space entry point: the WallTrack dashboard, run as the container image runs it.

Spaces runs `python app.py` beside a copy of the product (`make space DIR=...` lays it out) and
passes the Space's variables and secrets as environment variables: WALLTRACK_API_BASE_URL,
WALLTRACK_API_TOKEN, WALLTRACK_DASHBOARD_USER and WALLTRACK_DASHBOARD_PASSWORD, read by
`walltrack ui` itself. Spaces also says where to listen (GRADIO_SERVER_NAME/PORT); this passes
them on because `walltrack ui --host` would otherwise override them with 127.0.0.1.
"""

from __future__ import annotations

import os
import sys

from walltrack.cli import main

if __name__ == "__main__":
    # A Space is reached through Hugging Face's proxy, so the app listens on every interface.
    host = os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0")  # noqa: S104
    port = os.environ.get("GRADIO_SERVER_PORT", "7860")
    sys.exit(main(["ui", "--host", host, "--port", port]))
