"""`/api/v1/admin`: the integrator's surface (role admin). Every change is audited."""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from app.admin.audit_log import list_audit
from app.admin.breakers import list_breakers, reset_breaker
from app.admin.complaints import complaint_summary, list_complaints
from app.admin.console_accounts import add_console_account
from app.admin.factions import add_faction, list_factions, set_faction_active
from app.admin.keys import issue_api_key, list_keys, revoke_key
from app.admin.outbox import list_messages, outbox_stats, replay_dead_letters
from app.admin.paging import Page
from app.admin.webhooks import list_webhooks
from app.audit import record
from app.auth import authenticate
from app.database import request_session
from app.projection import duplicate_of_codes
from app.reconciliation import last_report, request_run, requested_at
from schemas.admin import (
    AdminComplaintPageSchema,
    AdminComplaintQueryArgsSchema,
    ApiKeyListSchema,
    ApiKeyQueryArgsSchema,
    AuditPageSchema,
    AuditQueryArgsSchema,
    BreakerListSchema,
    BreakerSchema,
    ConsoleAccountCreateSchema,
    ConsoleInvitationSchema,
    DeadLetterQueryArgsSchema,
    FactionCreateSchema,
    FactionDisableSchema,
    FactionListSchema,
    FactionSchema,
    IssuedKeySchema,
    KeyIssueSchema,
    OutboxMessageListSchema,
    OutboxMessagePageSchema,
    OutboxMessageQueryArgsSchema,
    OutboxMessageSchema,
    OutboxStatsSchema,
    ReconcileStateSchema,
    ReplaySchema,
    WebhookSubscriptionListSchema,
)

blp = Blueprint(
    "admin",
    __name__,
    url_prefix="/api/v1/admin",
    description="Operating the gateway: factions, keys, outbox, dead letters, audit log",
)


@blp.before_request
def _admins_only() -> None:
    authenticate("admin")


def _page(page: Page) -> dict[str, Any]:
    return {"items": page.items, "next_cursor": page.next_cursor}


# --- complaints ------------------------------------------------------------------------


@blp.route("/complaints")
class Complaints(MethodView):
    @blp.arguments(AdminComplaintQueryArgsSchema, location="query", unknown=RAISE)
    @blp.response(200, AdminComplaintPageSchema)
    @blp.alt_response(400, response="BAD_REQUEST")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args: dict[str, Any]) -> Any:
        """List every faction's complaints; filter by faction, status, category, overdue."""
        session = request_session()
        page = list_complaints(session, **args)
        primaries = duplicate_of_codes(session, page.items)
        items = [complaint_summary(c, primaries.get(c.id)) for c in page.items]
        return {"items": items, "next_cursor": page.next_cursor}


# --- factions --------------------------------------------------------------------------


@blp.route("/factions")
class Factions(MethodView):
    @blp.response(200, FactionListSchema)
    def get(self) -> Any:
        """List factions and whether each may submit."""
        return {"items": list_factions(request_session())}

    @blp.arguments(FactionCreateSchema)
    @blp.response(201, FactionSchema)
    @blp.alt_response(400, response="BAD_REQUEST")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, body: dict[str, Any]) -> Any:
        """Add a faction (active)."""
        session = request_session()
        faction = add_faction(session, g.actor, body["code"], body["name"])
        session.commit()
        return faction


@blp.route("/factions/<code>/disable")
class FactionDisable(MethodView):
    @blp.arguments(FactionDisableSchema, required=False)
    @blp.response(200, FactionSchema)
    @blp.alt_response(400, response="BAD_REQUEST")
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, body: dict[str, Any], code: str) -> Any:
        """Stop a faction's intake (403 to its submissions); its complaints keep syncing."""
        session = request_session()
        faction = set_faction_active(
            session, g.actor, code, False, (body or {}).get("reason")
        )
        session.commit()
        return faction


@blp.route("/factions/<code>/enable")
class FactionEnable(MethodView):
    @blp.response(200, FactionSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, code: str) -> Any:
        """Let a faction submit again."""
        session = request_session()
        faction = set_faction_active(session, g.actor, code, True)
        session.commit()
        return faction


@blp.route("/factions/<code>/console-accounts")
class ConsoleAccounts(MethodView):
    @blp.arguments(ConsoleAccountCreateSchema)
    @blp.response(201, ConsoleInvitationSchema)
    @blp.alt_response(400, response="BAD_REQUEST")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, body: dict[str, Any], code: str) -> Any:
        """Create a posko console account (the faction's first koordinator) and its
        single-use invitation link (docs/CONSOLE.md#accounts)."""
        from datetime import timedelta

        settings = current_app.extensions["settings"]
        session = request_session()
        invitation = add_console_account(
            session, g.actor, code, body["email"], body["role"],
            timedelta(hours=settings.CONSOLE_INVITATION_TTL_H),
        )
        session.commit()
        return {
            "email": invitation.account.email,
            "role": invitation.account.role,
            "faction": invitation.account.faction.code,
            "invitation_url": invitation.link(settings.PUBLIC_URL),
            "expires_at": invitation.expires_at,
        }


# --- keys ------------------------------------------------------------------------------


@blp.route("/keys")
class Keys(MethodView):
    @blp.arguments(ApiKeyQueryArgsSchema, location="query", unknown=RAISE)
    @blp.response(200, ApiKeyListSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args: dict[str, Any]) -> Any:
        """List keys (ids, roles, factions, use; never the secrets)."""
        return {"items": list_keys(request_session(), args["faction"],
                                         args["include_revoked"])}

    @blp.arguments(KeyIssueSchema)
    @blp.response(201, IssuedKeySchema)
    @blp.alt_response(400, response="BAD_REQUEST")
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, body: dict[str, Any]) -> Any:
        """Issue a key; the answer is the only place the full key ever appears."""
        session = request_session()
        issued = issue_api_key(
            session, g.actor, body["role"], body["faction"], body["label"]
        )
        session.commit()
        return issued


@blp.route("/keys/<key_id>")
class Key(MethodView):
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    def delete(self, key_id: str) -> Any:
        """Revoke a key at once."""
        session = request_session()
        revoke_key(session, g.actor, key_id)
        session.commit()
        return None


# --- outbox and dead letters -----------------------------------------------------------


@blp.route("/outbox")
class OutboxStats(MethodView):
    @blp.response(200, OutboxStatsSchema)
    def get(self) -> Any:
        """Depth, oldest age and last errors per topic and state."""
        return {"items": outbox_stats(request_session())}


@blp.route("/outbox/messages")
class OutboxMessages(MethodView):
    @blp.arguments(OutboxMessageQueryArgsSchema, location="query", unknown=RAISE)
    @blp.response(200, OutboxMessagePageSchema)
    @blp.alt_response(400, response="BAD_REQUEST")
    def get(self, args: dict[str, Any]) -> Any:
        """List outbox messages, newest first, by state and topic."""
        return _page(list_messages(request_session(), **args))


@blp.route("/dead-letters")
class DeadLetters(MethodView):
    @blp.arguments(DeadLetterQueryArgsSchema, location="query", unknown=RAISE)
    @blp.response(200, OutboxMessagePageSchema)
    @blp.alt_response(400, response="BAD_REQUEST")
    def get(self, args: dict[str, Any]) -> Any:
        """List dead letters, newest first."""
        return _page(list_messages(request_session(), state="dead", **args))


@blp.route("/dead-letters/replay")
class DeadLettersReplay(MethodView):
    @blp.arguments(ReplaySchema)
    @blp.response(200, OutboxMessageListSchema)
    @blp.alt_response(400, response="BAD_REQUEST")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, body: dict[str, Any]) -> Any:
        """Replay several dead letters: all of them, or none when one id is bad."""
        session = request_session()
        replayed = replay_dead_letters(session, g.actor, body["ids"])
        session.commit()
        return {"items": replayed}


@blp.route("/dead-letters/<int:message_id>/replay")
class DeadLetterReplay(MethodView):
    @blp.response(200, OutboxMessageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, message_id: int) -> Any:
        """Replay one dead letter: back to pending, attempts 0, due now."""
        session = request_session()
        (replayed,) = replay_dead_letters(session, g.actor, [message_id])
        session.commit()
        return replayed


@blp.route("/breakers")
class Breakers(MethodView):
    @blp.response(200, BreakerListSchema)
    def get(self) -> Any:
        """Every destination's circuit breaker: state, window, next probe, pause."""
        return {"items": list_breakers(request_session(), current_app.extensions["settings"])}


@blp.route("/breakers/<path:destination>/reset")
class BreakerReset(MethodView):
    @blp.response(200, BreakerSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, destination: str) -> Any:
        """Close a breaker by hand (e.g. `crm`, `webhook:12`): window emptied, pause lifted."""
        session = request_session()
        reset = reset_breaker(session, current_app.extensions["settings"], g.actor, destination)
        session.commit()
        return reset


# --- webhooks and audit ----------------------------------------------------------------


@blp.route("/webhooks")
class Webhooks(MethodView):
    @blp.response(200, WebhookSubscriptionListSchema)
    def get(self) -> Any:
        """Every faction's webhook subscription, its failures, and why it was disabled."""
        return {"items": list_webhooks(request_session())}


@blp.route("/audit")
class Audit(MethodView):
    @blp.arguments(AuditQueryArgsSchema, location="query", unknown=RAISE)
    @blp.response(200, AuditPageSchema)
    @blp.alt_response(400, response="BAD_REQUEST")
    def get(self, args: dict[str, Any]) -> Any:
        """Read the audit log, newest first; filter by action (or `prefix.`) and target."""
        return _page(list_audit(request_session(), **args))


# --- reconciliation --------------------------------------------------------------------


@blp.route("/reconcile")
class Reconcile(MethodView):
    @blp.response(200, ReconcileStateSchema)
    def get(self) -> Any:
        """The last reconciliation report, and whether a run is asked for."""
        session = request_session()
        return {"last_report": last_report(session), "requested_at": requested_at(session)}

    @blp.response(202, ReconcileStateSchema)
    def post(self) -> Any:
        """Ask the workers to reconcile with the CRM on their next tick."""
        session = request_session()
        when = request_run(session)
        record(session, g.actor, "reconcile.request", "crm", None, {"requested_at": when})
        session.commit()
        return {"last_report": last_report(session), "requested_at": when}


# --- status ----------------------------------------------------------------------------
# (imported here, with the section, so the endpoint stays one block at the end of the file)

from app.health import Limits, gather_status  # noqa: E402
from schemas.admin import GatewayStatusSchema, StatusQueryArgsSchema  # noqa: E402


@blp.route("/status")
class Status(MethodView):
    @blp.arguments(StatusQueryArgsSchema, location="query", unknown=RAISE)
    @blp.response(200, GatewayStatusSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """The gateway on one page, as `jembatan status --json`: factions, complaints,
        outbox, dead letters, breakers, last poll and forward, schema, and what needs
        attention (`healthy` false). Always 200: the body says whether it is healthy."""
        from flask import current_app

        return gather_status(request_session(), current_app.extensions["settings"],
                             Limits(args["max_poll_age_s"], args["max_outbox_age_s"]))
