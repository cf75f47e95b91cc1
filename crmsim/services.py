"""The CRM's service list, read from Jembatan's category configuration."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

# Same override as the gateway, so both sides agree on the CRM's service codes.
CATEGORIES_ENV = "JEMBATAN_CATEGORIES_FILE"
DEFAULT_CATEGORIES = (
    Path(__file__).resolve().parent.parent / "app" / "reference" / "categories.toml"
)


@dataclass(frozen=True)
class Service:
    """One CRM service (request type) and the SKPD that handles it."""

    service_code: str
    service_name: str
    group: str
    keywords: tuple[str, ...]
    agency: str
    sla_days: int


def load_services(path: str | os.PathLike[str] | None = None) -> dict[str, Service]:
    """Services keyed by service_code, from categories.toml (crm_service_code is the code)."""
    source = Path(path or os.environ.get(CATEGORIES_ENV) or DEFAULT_CATEGORIES)
    with source.open("rb") as handle:
        categories = tomllib.load(handle)
    services: dict[str, Service] = {}
    for code, category in categories.items():
        service = Service(
            service_code=category["crm_service_code"],
            service_name=category.get("label_id", code),
            group=category.get("group", ""),
            keywords=tuple(category.get("keywords", ())),
            agency=category["agency"],
            sla_days=int(category.get("sla_days", 7)),
        )
        services[service.service_code] = service
    return services
