"""Duplicates on the public site: one problem reported by several factions.

A complaint's page lists the other public reports of its problem (through the projection);
the dashboard counts problems and reports apart and credits each faction with its own reports;
a confidential complaint never appears as another's duplicate, and a complaint linked to a
confidential primary shows no link at all — on the pages, the exports, the feed and the
keyless Open311 GETs.
"""

from __future__ import annotations

import re
import uuid

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.events import append_event
from app.models import Complaint, PublicStat
from app.statistics import agencies_of, rebuild
from app.wiring import categories_of
from tests.support.duplicates import FLOOD, FLOOD_AGAIN, submit


def _link(db, complaint: Complaint, primary: Complaint, state: str = "linked") -> None:
    with db.transaction() as session:
        row = session.get(Complaint, complaint.id)
        row.duplicate_of_id = primary.id
        row.duplicate_state = state


def _unlink(db, complaint: Complaint) -> None:
    with db.transaction() as session:
        row = session.get(Complaint, complaint.id)
        row.duplicate_of_id = None
        row.duplicate_state = "rejected"


def _group(seed, db):
    """PSI's first report (primary); PKS and PDIP linked to it; Gerindra's confidential one
    linked too; NasDem's only suggested."""
    primary = seed(faction="PSI", visibility="public", title="Banjir di Jl. Kemang Raya")
    pks = seed(faction="PKS", visibility="anonymous", title="Jalan Kemang tergenang air")
    pdip = seed(faction="PDIP", visibility="public", title="Genangan tinggi Kemang Raya")
    hidden = seed(faction="GERINDRA", visibility="confidential", title="RAHASIA genangan")
    maybe = seed(faction="NASDEM", visibility="public", title="Air naik di Kemang")
    for complaint in (pks, pdip, hidden):
        _link(db, complaint, primary)
    _link(db, maybe, primary, state="suggested")
    return primary, pks, pdip, hidden, maybe


def _codes_in(html: str) -> set[str]:
    return set(re.findall(r"JBT-[0-9A-Z]{8}", html))


def test_a_complaints_page_lists_the_other_public_reports_of_its_problem(
    client: FlaskClient, seed, db
) -> None:
    primary, pks, pdip, hidden, maybe = _group(seed, db)

    for lang, heading in (("", "Masalah yang sama, juga dilaporkan"),
                          ("?lang=en", "Same problem, also reported")):
        page = client.get(f"/aduan/{pks.tracking_code}{lang}").get_data(as_text=True)
        assert heading in page
        section = page.split(heading, 1)[1]
        # Its primary and the primary's other linked report; not itself, not the
        # confidential one, not a mere suggestion.
        assert {primary.tracking_code, pdip.tracking_code} <= _codes_in(section)
        assert hidden.tracking_code not in page and "RAHASIA" not in page
        assert maybe.tracking_code not in page
        # Each listed with its own faction: every faction keeps its own report.
        assert "PSI" in section and "PDIP" in section
        # The link to the first report, in the facts.
        assert f'/aduan/{primary.tracking_code}' in page

    primary_page = client.get(f"/aduan/{primary.tracking_code}").get_data(as_text=True)
    section = primary_page.split("Masalah yang sama, juga dilaporkan", 1)[1]
    assert _codes_in(section) >= {pks.tracking_code, pdip.tracking_code}
    assert hidden.tracking_code not in primary_page and maybe.tracking_code not in primary_page
    assert "Masalah yang sama dengan" not in primary_page  # a primary duplicates nothing

    # A suggestion is not shown as a link, and lists nothing.
    suggested = client.get(f"/aduan/{maybe.tracking_code}").get_data(as_text=True)
    assert "Masalah yang sama" not in suggested
    assert primary.tracking_code not in suggested


def test_a_link_to_a_confidential_primary_shows_nowhere(client: FlaskClient, seed, db) -> None:
    hidden = seed(faction="PSI", visibility="confidential", title="RAHASIA banjir Kemang")
    shown = seed(faction="PKS", visibility="public", title="Banjir di Kemang")
    sibling = seed(faction="PDIP", visibility="anonymous", title="Kemang banjir lagi")
    _link(db, shown, hidden)
    _link(db, sibling, hidden)

    urls = [f"/aduan/{shown.tracking_code}", f"/aduan/{shown.tracking_code}?lang=en",
            f"/aduan/{sibling.tracking_code}", "/aduan", "/", "/fraksi/PKS", "/feed.atom",
            "/data/aduan.csv", "/data/aduan.json"]
    for fmt in ("xml", "json"):
        urls += [f"/open311/v2/requests.{fmt}",
                 f"/open311/v2/requests/{shown.tracking_code}.{fmt}"]
    for url in urls:
        body = client.get(url).get_data(as_text=True)
        assert hidden.tracking_code not in body, url
        assert "RAHASIA" not in body, url
    page = client.get(f"/aduan/{shown.tracking_code}").get_data(as_text=True)
    # No link, and the sibling is not listed through the hidden primary either.
    assert "Masalah yang sama" not in page and sibling.tracking_code not in page
    (request,) = client.get(f"/open311/v2/requests/{shown.tracking_code}.json").json
    assert "duplicate_of" not in request and "duplicate_state" not in request
    (record,) = [r for r in client.get("/data/aduan.json").json["items"]
                 if r["tracking_code"] == shown.tracking_code]
    assert record["duplicate_of"] is None


def test_keyless_open311_and_open_data_show_a_public_link(client: FlaskClient, seed, db) -> None:
    primary, pks, pdip, hidden, maybe = _group(seed, db)

    (request,) = client.get(f"/open311/v2/requests/{pks.tracking_code}.json").json
    assert (request["duplicate_of"], request["duplicate_state"]) == (
        primary.tracking_code, "linked")
    xml = client.get(f"/open311/v2/requests/{pks.tracking_code}.xml").get_data(as_text=True)
    # The extension elements come after the spec's last element, media_url.
    assert xml.index("<media_url") < xml.index(
        f"<duplicate_of>{primary.tracking_code}</duplicate_of>") < xml.index(
        "<duplicate_state>linked</duplicate_state>")
    # The primary and a suggestion carry no extension element (the spec's shape unchanged).
    for complaint in (primary, maybe):
        (plain,) = client.get(f"/open311/v2/requests/{complaint.tracking_code}.json").json
        assert "duplicate_of" not in plain and "duplicate_state" not in plain
    records = {r["tracking_code"]: r for r in client.get("/data/aduan.json").json["items"]}
    assert records[pdip.tracking_code]["duplicate_of"] == primary.tracking_code
    assert records[maybe.tracking_code]["duplicate_of"] is None
    assert hidden.tracking_code not in records
    csv = client.get("/data/aduan.csv").get_data(as_text=True)
    assert csv.splitlines()[0].endswith(",duplicate_of")


def _kpi(html: str, label: str) -> int:
    match = re.search(rf"<dt>{label}</dt><dd>([\d.]+)</dd>", html)
    assert match, label
    return int(match.group(1).replace(".", ""))


def test_the_dashboard_counts_problems_and_reports_apart(client: FlaskClient, seed, db,
                                                          app) -> None:
    primary, pks, pdip, hidden, maybe = _group(seed, db)
    other = seed(faction="PKB", visibility="public", title="Sampah di Cilandak")

    dashboard = client.get("/").get_data(as_text=True)
    # Six reports: the primary, three linked (one confidential), a suggestion, one other.
    assert _kpi(dashboard, "Aduan") == 6
    assert _kpi(dashboard, "Masalah") == 3
    english = client.get("/?lang=en").get_data(as_text=True)
    assert (_kpi(english, "Complaints"), _kpi(english, "Problems")) == (6, 3)
    stats = client.get("/data/statistik.json").json
    assert (stats["total"], stats["linked"], stats["problems"]) == (6, 3, 3)
    # Each faction is credited with its own reports, linked or not.
    factions = stats["breakdowns"]["faction"]
    assert factions["PKS"]["total"] == 1 and factions["PKS"]["linked"] == 1
    assert factions["PSI"]["total"] == 1 and factions["PSI"]["linked"] == 0
    pks_page = client.get("/fraksi/PKS").get_data(as_text=True)
    assert _kpi(pks_page, "Aduan") == 1
    assert "1 digabung dengan laporan sebelumnya" in pks_page

    # Split out (or a rejected suggestion): a problem of its own again.
    _unlink(db, pdip)
    stats = client.get("/data/statistik.json").json
    assert (stats["total"], stats["linked"], stats["problems"]) == (6, 2, 4)
    assert stats["breakdowns"]["faction"]["PDIP"]["linked"] == 0

    # The counters moved with the changes are what a rebuild from the complaints finds.
    with db.session() as session:
        moved = sorted(session.execute(select(PublicStat.dimension, PublicStat.metric,
                                              PublicStat.value, PublicStat.bucket,
                                              PublicStat.count)
                                       .where(PublicStat.count != 0)).all())
    with db.transaction() as session:
        rebuild(session, agencies_of(categories_of(app.extensions["settings"])))
    with db.session() as session:
        rebuilt = sorted(session.execute(select(PublicStat.dimension, PublicStat.metric,
                                                PublicStat.value, PublicStat.bucket,
                                                PublicStat.count)).all())
    assert moved == rebuilt
    assert other.tracking_code in client.get("/aduan").get_data(as_text=True)


def test_a_complaint_linked_at_intake_to_a_confidential_one_names_it_nowhere_public(
    client: FlaskClient, keys,
) -> None:
    """Through the real intake: the matcher links a public report to a confidential one."""
    hidden = submit(client, keys, "PKS", FLOOD, visibility="confidential")
    shown = submit(client, keys, "PSI", FLOOD_AGAIN, visibility="public")
    assert shown["duplicate_of"] == hidden["tracking_code"]  # the faction's key sees it
    for url in (f"/aduan/{shown['tracking_code']}", f"/aduan/{shown['tracking_code']}?lang=en",
                "/feed.atom", "/data/aduan.json",
                f"/open311/v2/requests/{shown['tracking_code']}.xml"):
        body = client.get(url).get_data(as_text=True)
        assert hidden["tracking_code"] not in body, url


def test_counts_follow_the_matcher_and_the_review(client: FlaskClient, keys) -> None:
    """Linked at intake, split by a reviewer: the counters move with each, whoever decided."""
    first = submit(client, keys, "PKS", FLOOD)
    second = submit(client, keys, "PSI", FLOOD_AGAIN)
    assert second["duplicate_state"] == "linked"
    stats = client.get("/data/statistik.json").json
    assert (stats["total"], stats["linked"], stats["problems"]) == (2, 1, 1)
    assert stats["breakdowns"]["faction"]["PSI"]["total"] == 1

    split = client.post(f"/api/v1/duplicates/{second['tracking_code']}/split",
                        headers=keys.headers("admin"))
    assert split.status_code == 200, split.json
    stats = client.get("/data/statistik.json").json
    assert (stats["total"], stats["linked"], stats["problems"]) == (2, 0, 2)
    linked = client.post(f"/api/v1/duplicates/{second['tracking_code']}/link",
                         json={"primary": first["tracking_code"]}, headers=keys.headers("crm"))
    assert linked.status_code == 200, linked.json
    assert client.get("/data/statistik.json").json["problems"] == 1


def _counters(db) -> list[tuple]:
    with db.session() as session:
        return sorted(session.execute(
            select(PublicStat.dimension, PublicStat.metric, PublicStat.value,
                   PublicStat.bucket, PublicStat.count).where(PublicStat.count != 0)).all())


@pytest.mark.parametrize("flush_first", [False, True])
def test_a_complaint_stored_already_linked_is_counted_once(app, db, seed,
                                                           flush_first: bool) -> None:
    """However a linked complaint comes to be stored — the ORM's unit of work, flushed before
    or after its first event — the counters agree with a rebuild from the complaints."""
    primary = seed(faction="PSI", visibility="public")
    with db.transaction() as session:
        template = session.get(Complaint, primary.id)
        copy = Complaint(**{column.key: getattr(template, column.key)
                            for column in Complaint.__table__.columns})
        copy.id, copy.tracking_code, copy.external_id = uuid.uuid4(), "JBT-COPY0001", "copy"
        copy.seq, copy.status = 0, "received"
        copy.duplicate_of_id, copy.duplicate_state = primary.id, "linked"
        session.add(copy)
        if flush_first:
            session.flush()
        append_event(session, copy, "received", source="gateway", note="x", public_note="x")
    moved = _counters(db)
    assert ("all", "linked", "", "", 1) in moved
    with db.transaction() as session:
        rebuild(session, agencies_of(categories_of(app.extensions["settings"])))
    assert _counters(db) == moved
