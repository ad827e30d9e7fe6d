"""The container a handler runs with.

In Lambda that is the process's own container, built from the environment on the first
invocation and kept for the life of the container (as the pool, the clients and their
connections should be). The local runtime and tests bind theirs around each invocation
(`bound`), so handlers never read a global that a test would have to reset.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from walltrack.app.container import Container

_bound: ContextVar[Container | None] = ContextVar("walltrack_container", default=None)
_lock = threading.Lock()
_process: list[Container] = []


def current() -> Container:
    """The container bound to this invocation, else the process's own (built once)."""
    container = _bound.get()
    if container is not None:
        return container
    with _lock:
        if not _process:
            # Imported here, not at module import: a handler module stays cheap to import
            # and the adapters are built on the first invocation.
            from walltrack.app.container import build_container  # noqa: PLC0415
            from walltrack.config.settings import EnvSettings  # noqa: PLC0415

            _process.append(build_container(EnvSettings()))
        return _process[0]


@contextmanager
def bound(container: Container) -> Iterator[Container]:
    """Handlers called inside this block (on this thread or task) use `container`."""
    token = _bound.set(container)
    try:
        yield container
    finally:
        _bound.reset(token)
