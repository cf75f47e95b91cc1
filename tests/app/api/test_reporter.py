"""`DELETE /api/v1/complaints/{id}/reporter`: a faction erases its own reporter's data."""

from __future__ import annotations

from sqlalchemy import select

from app.models import AuditEntry, Complaint
from tests.support.complaints import store_complaint


def test_faction_erases_its_own_complaints_reporter(app, client, keys, db) -> None:
    mine = store_complaint(app, "PSI")
    theirs = store_complaint(app, "PKS", external_id="PKS-1")
    url = f"/api/v1/complaints/{mine.id}/reporter"

    assert client.delete(url).status_code == 401
    other = client.delete(f"/api/v1/complaints/{theirs.id}/reporter",
                          headers=keys.headers("PSI"))
    assert other.status_code == 404 and other.content_type == "application/problem+json"
    for bad in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        assert client.delete(f"/api/v1/complaints/{bad}/reporter",
                             headers=keys.headers("PSI")).status_code == 404

    response = client.delete(url, headers=keys.headers("PSI"))
    assert response.status_code == 204 and response.data == b""
    with db.session() as session:
        complaint = session.get(Complaint, mine.id)
        assert (complaint.reporter_name, complaint.reporter_phone, complaint.reporter_email,
                complaint.reporter_nik, complaint.address) == (None,) * 5
        assert complaint.reporter_erased_at is not None
        assert complaint.title and complaint.kelurahan_code  # the complaint itself stays
        untouched = session.get(Complaint, theirs.id)
        assert untouched.reporter_name == "Siti Aminah"
        (entry,) = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "reporter.erase")).all()
    assert entry.target_id == str(mine.id)
    assert entry.actor == f"key:{keys.faction['PSI'].split('_')[1]}"

    # Asking again is harmless and not audited twice; an admin may erase any complaint.
    assert client.delete(url, headers=keys.headers("PSI")).status_code == 204
    assert client.delete(f"/api/v1/complaints/{theirs.id}/reporter",
                         headers=keys.headers("admin")).status_code == 204
    assert client.delete(url, headers=keys.headers("crm")).status_code == 403
    with db.session() as session:
        assert len(session.scalars(
            select(AuditEntry).where(AuditEntry.action == "reporter.erase")).all()) == 2
