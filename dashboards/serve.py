"""Bring Superset up on the published marts: metadata, the bundle, the server."""

from __future__ import annotations

from collections.abc import Callable

from citybrain.settings import Settings
from dashboards.bundle import import_bundle
from dashboards.service import Superset, superset


def serve(settings: Settings, *, log: Callable[[str], None] = print) -> Superset | None:
    """Init (idempotent), import the bundle and start Superset; None when it is not installed."""
    service = superset(settings)
    if not service.installed:
        log(f"Superset is not installed in {service.venv}: `make setup` installs it")
        return None
    service.init()
    import_bundle(service, published_path=settings.published_path)
    service.start()
    log(f"Superset at {service.url} (dashboards from {settings.published_path})")
    return service
