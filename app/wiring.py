"""What both processes install, built from settings in one place (docs/ARCHITECTURE.md#wiring).

`create_app` (the web) and the worker's context call these, so a status change made by a
view, a job or the CLI is followed by the same listeners, with the same configuration: the
webhook fan-out with JEMBATAN_PUBLIC_URL, the public counters with the category → agency
map of JEMBATAN_CATEGORIES_FILE, the feed write-back. Their order is the order they run in.
"""

from __future__ import annotations

from app.config import Settings
from app.events import EventListener
from app.feeds import FeedWriteBack
from app.reference import Category, load_categories
from app.statistics import PublicCounters, agencies_of
from app.webhooks import WebhookFanOut


def categories_of(settings: Settings) -> dict[str, Category]:
    """The configured complaint categories (JEMBATAN_CATEGORIES_FILE), by code."""
    return load_categories(settings.CATEGORIES_FILE)


def core_listeners(settings: Settings) -> tuple[EventListener, ...]:
    """The listeners every process installs on its Database, in the order they run."""
    return (
        WebhookFanOut(settings.PUBLIC_URL),
        PublicCounters(agencies_of(categories_of(settings))),
        FeedWriteBack(),
    )
