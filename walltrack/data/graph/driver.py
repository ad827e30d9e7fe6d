"""The `neo4j` driver, one per graph per process (the composition root asks for it).

Against Neo4j Aura it is an ordinary driver. Against the embedded FalkorDB engine two facts
shape it (ARCHITECTURE §5): connect with auth=None, and never close the driver — after a clean
Bolt GOODBYE the engine stalls the next connection from any process. A Lambda keeps its driver
for the life of the container anyway, so "open once, never close" is right for both.
"""

from __future__ import annotations

import threading

from neo4j import Driver, GraphDatabase

from walltrack.config.settings import EnvSettings

_lock = threading.Lock()
# Every driver this process made, kept referenced for the life of the process: a driver that is
# garbage-collected closes its connections (Bolt GOODBYE), which stalls the embedded engine.
_drivers: dict[tuple[str, str | None], Driver] = {}


def resolve_graph_uri(settings: EnvSettings) -> str:
    if settings.neo4j_uri is not None:
        return settings.neo4j_uri
    from walltrack.data.graph.embedded import ensure_embedded_graph  # noqa: PLC0415 - local only

    return ensure_embedded_graph(
        settings.data_dir, bolt_port=settings.graph_bolt_port, redis_port=settings.graph_redis_port
    )


def driver_for(settings: EnvSettings) -> Driver:
    """The driver for `settings`' graph, made once per URI and user for the process."""
    uri = resolve_graph_uri(settings)
    auth = None
    if settings.neo4j_uri is not None and settings.neo4j_user:
        password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
        auth = (settings.neo4j_user, password)
    key = (uri, settings.neo4j_user if auth else None)
    with _lock:
        if key not in _drivers:
            _drivers[key] = GraphDatabase.driver(
                uri,
                auth=auth,
                connection_timeout=settings.graph_connect_timeout_s,
                max_transaction_retry_time=settings.graph_connect_timeout_s,
            )
        return _drivers[key]
