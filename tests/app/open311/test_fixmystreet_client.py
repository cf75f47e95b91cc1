"""A FixMyStreet-style posko connects by changing one URL and one key: the whole round trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from app.database import Database
from app.events import append_event
from app.models import Complaint
from tests.app.open311.spec import FixMyStreetClient, w3c
from tests.support.processes import live_server


def test_fixmystreet_round_trip(app: Flask, db: Database, keys: Any) -> None:
    with live_server(app) as base:
        fms = FixMyStreetClient(f"{base}/open311/v2/", keys.faction["PSI"])

        # It reads the services and their attributes to build its report form.
        services = {s["service_code"]: s for s in fms.services()}
        assert services["sampah"]["metadata"] == "true"
        definition = fms.service_definition("sampah")
        required = [a["code"] for a in definition["attributes"] if a["required"] == "true"]
        assert required == ["kelurahan_code"]
        kelurahan = definition["attributes"][0]["values"][0]["key"]

        # It sends a report: title and detail joined by CRLF, attributes as repeated keys.
        reporter = {"email": "budi@example.org", "first_name": "Budi", "last_name": "Santoso"}
        attributes = [("kelurahan_code", kelurahan), ("kelurahan_code", kelurahan),
                      ("visibility", "public")]
        sent = fms.send_service_request(
            "sampah", "Sampah di Jl. Sabang", "Sudah tiga hari.\r\nBau sekali.",
            -6.1801, 106.8236, reporter, attributes, "https://fms.example.org/photo/1.jpeg",
        )
        assert sent.status_code == 201, sent.text
        tracking_code = fms.service_request_id(sent)

        # A network hiccup made it send again: the same id comes back.
        resent = fms.send_service_request(
            "sampah", "Sampah di Jl. Sabang", "Sudah tiga hari.\r\nBau sekali.",
            -6.1801, 106.8236, reporter, attributes, "https://fms.example.org/photo/1.jpeg",
        )
        assert resent.status_code == 200
        assert fms.service_request_id(resent) == tracking_code

        with db.transaction() as session:
            complaint = session.scalars(
                select(Complaint).where(Complaint.tracking_code == tracking_code)
            ).one()
            assert complaint.title == "Sampah di Jl. Sabang"
            assert complaint.description == "Sampah di Jl. Sabang\n\nSudah tiga hari.\nBau sekali."
            assert complaint.kelurahan_code == kelurahan
            append_event(session, complaint, "dispatched", source="crm", note="Disposisi ke DLH")

        # It fetches updates in start_date/end_date windows, as its cron job does.
        now = datetime.now(UTC)
        updates = fms.get_service_request_updates(now - timedelta(hours=1), now + timedelta(1))
        mine = [u for u in updates if u["service_request_id"] == tracking_code]
        assert [u["status"] for u in mine] == ["OPEN", "ACTION_SCHEDULED"]
        assert mine[-1]["description"] == "Disposisi ke DLH"
        assert w3c(mine[-1]["updated_datetime"]) <= datetime.now(UTC)
        assert len({u["update_id"] for u in mine}) == 2
        # A window before the report holds nothing.
        assert fms.get_service_request_updates(now - timedelta(days=3), now - timedelta(2)) == []

        # A citizen comments on FixMyStreet: it posts the comment as an update.
        posted = fms.post_service_request_update(
            "comment-99", tracking_code, "OPEN", "Masih ada\r\nsampai sekarang", now
        )
        assert posted.status_code == 200, posted.text
        later = fms.get_service_request_updates(now - timedelta(hours=1), now + timedelta(1))
        assert later[-1]["description"] == "Catatan posko: Masih ada\nsampai sekarang"
        assert later[-1]["status"] == "ACTION_SCHEDULED"  # a note changes no status
