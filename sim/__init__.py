"""The simulated Solana market (a separate world: the product only talks to it over HTTP)."""

from __future__ import annotations

from typing import Any

# registers the calibrated world model with ``sim.world.build_world`` (light: no server)
from sim import calibrated as _calibrated  # noqa: F401


def run(
    host: str = "127.0.0.1",
    port: int = 8765,
    seed: int = 1,
    speed: float = 1.0,
    **kwargs: Any,
) -> None:
    """Build the default world for ``seed`` and serve it (blocking); see ``sim.server.run``."""
    # serving loads Starlette and uvicorn: `import sim.world` alone (tests, benches) does not
    from sim.server import run as serve  # noqa: PLC0415

    serve(host=host, port=port, seed=seed, speed=speed, **kwargs)
