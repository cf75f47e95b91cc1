"""The data model, one module per aggregate; importing this registers every table."""

from app.models.account import (
    CONSOLE_ROLES,
    ConsoleAccount,
    ConsoleFactionSettings,
    ConsoleInvitation,
    ConsoleLoginFailure,
    ConsoleSeen,
)
from app.models.complaint import VISIBILITIES, Complaint, StatusEvent
from app.models.coordination import CircuitBreaker, Lease, SyncCursor
from app.models.crm_update import CrmUpdate
from app.models.faction import ROLES, ApiKey, Faction
from app.models.outbox import OutboxMessage
from app.models.public_stats import PublicStat
from app.models.records import AuditEntry, IdempotencyRecord
from app.models.webhook import WebhookSubscription

__all__ = [
    "CONSOLE_ROLES",
    "ROLES",
    "VISIBILITIES",
    "ApiKey",
    "AuditEntry",
    "CircuitBreaker",
    "Complaint",
    "ConsoleAccount",
    "ConsoleFactionSettings",
    "ConsoleInvitation",
    "ConsoleLoginFailure",
    "ConsoleSeen",
    "CrmUpdate",
    "Faction",
    "IdempotencyRecord",
    "Lease",
    "OutboxMessage",
    "PublicStat",
    "StatusEvent",
    "SyncCursor",
    "WebhookSubscription",
]
