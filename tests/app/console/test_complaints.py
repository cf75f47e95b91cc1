"""Entering and following complaints in the console, through HTTP: the API's rules, the same
intake, isolation between factions, a disabled faction reading only."""

from __future__ import annotations

import re
from urllib.parse import unquote

from sqlalchemy import select, update

from app.models import Complaint, OutboxMessage
from tests.app.console.conftest import csrf_of
from tests.conftest import complaint_payload
from tests.support.audit import audit_entries

VALID = {
    "category": "sampah",
    "title": "Sampah menumpuk di Jl. Kali Pasir",
    "description": "Sudah seminggu tidak diangkut.",
    "kelurahan": "Gambir",
    "address": "Jl. Kali Pasir No. 3",
    "lat": "-6.1754",
    "lon": "106.8272",
    "reporter_name": "Siti Aminah",
    "reporter_phone": "0812-3456-7890",
    "reporter_email": "siti@example.org",
    "reporter_nik": "3171010101900001",
    "visibility": "anonymous",
}


def _form(client):
    html = client.get("/posko/aduan/baru").get_data(as_text=True)
    external_id = re.search(r'name="external_id" value="([^"]+)"', html).group(1)
    return {"csrf_token": csrf_of(html), "external_id": external_id}


def test_the_form_offers_every_kelurahan_and_explains_visibility(member) -> None:
    html = member("PSI").get("/posko/aduan/baru").get_data(as_text=True)
    assert html.count("<option value=") >= 267
    assert "Gambir, Kec. Gambir, Jakarta Pusat (31.71.01.1001)" in html
    assert html.count('name="visibility"') == 3


def test_a_complaint_entered_is_stored_through_intake_and_forwarded(member, db) -> None:
    client = member("PSI")
    response = client.post("/posko/aduan/baru", data={**_form(client), **VALID})
    assert response.status_code == 302
    code = response.headers["Location"].rsplit("/", 1)[1]
    with db.session() as session:
        complaint = session.scalars(select(Complaint)).one()
        assert complaint.tracking_code == code
        assert complaint.source == "console" and complaint.faction.code == "PSI"
        assert complaint.kelurahan_code == "31.71.01.1001" and complaint.status == "received"
        assert complaint.reporter_nik == "3171010101900001"
        assert "Siti" not in (complaint.public_title + complaint.public_description)
        outbox = session.scalars(select(OutboxMessage)).one()
        assert outbox.topic == "crm.submit"
    (entry,) = audit_entries(db, "console.complaint_submitted")
    assert entry.target_id == str(complaint.id) and entry.actor.startswith("posko:")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert code in page and "Siti Aminah" in page and "3171010101900001" in page


def test_sending_the_same_form_twice_stores_one_complaint(member, db) -> None:
    client = member("PSI")
    data = {**_form(client), **VALID}
    first = client.post("/posko/aduan/baru", data=data)
    second = client.post("/posko/aduan/baru", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    with db.session() as session:
        assert len(session.scalars(select(Complaint)).all()) == 1


def test_every_refused_field_is_named_and_the_rest_is_kept(member, db) -> None:
    client = member("PSI")
    bad = {**VALID, "title": "", "reporter_nik": "12345", "lat": "utara", "kelurahan": "Atlantis",
           "reporter_email": "bukan-email", "category": "bogus"}
    response = client.post("/posko/aduan/baru", data={**_form(client), **bad})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    errors = dict(re.findall(r'<p class="field-error" id="([a-z_]+)-error">([^<]+)</p>', html))
    assert set(errors) == {"title", "reporter_nik", "lat", "kelurahan", "reporter_email",
                           "category"}
    assert "16" in errors["reporter_nik"]
    # What was typed is still there, and each bad field is marked for screen readers.
    assert 'value="Jl. Kali Pasir No. 3"' in html and ">Sudah seminggu tidak diangkut.<" in html
    assert 'value="Siti Aminah"' in html and 'value="12345"' in html
    assert 'id="f-reporter_nik" name="reporter_nik"' in html
    assert re.search(r'id="f-title"[^>]*aria-invalid="true"', html)
    with db.session() as session:
        assert session.scalars(select(Complaint)).first() is None


def test_an_ambiguous_kelurahan_name_lists_the_candidates(member) -> None:
    client = member("PSI")
    response = client.post("/posko/aduan/baru", data={**_form(client), **VALID,
                                                      "kelurahan": "Kebon"})
    assert response.status_code == 422
    assert "(31." in re.search(r'id="kelurahan-error">([^<]+)<',
                               response.get_data(as_text=True)).group(1)


def test_an_expired_form_token_keeps_what_was_typed(member, db) -> None:
    client = member("PSI")
    data = {**_form(client), **VALID, "csrf_token": "expired-token"}
    response = client.post("/posko/aduan/baru", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'value="Siti Aminah"' in html and 'value="Jl. Kali Pasir No. 3"' in html
    with db.session() as session:
        assert session.scalars(select(Complaint)).first() is None
    # The page carries a fresh token: sending it again works.
    again = client.post("/posko/aduan/baru", data={**data, "csrf_token": csrf_of(html)})
    assert again.status_code == 302


def test_a_form_sent_after_the_session_expired_survives_signing_in(app, db, keys) -> None:
    from tests.app.console.conftest import PASSWORD, add_member, sign_in

    add_member(db, "PSI", "rina@psi.example.org")
    client = sign_in(app.test_client(), "rina@psi.example.org")
    data = {**_form(client), **VALID}
    with client.session_transaction("/posko/aduan") as state:
        state.clear()
    page = client.post("/posko/aduan/baru", data=data)
    assert page.status_code in (400, 401)
    html = page.get_data(as_text=True)
    assert 'name="draft-reporter_name" value="Siti Aminah"' in html
    assert 'name="draft-csrf_token"' not in html
    drafts = dict(re.findall(r'name="(draft-[a-z_]+)" value="([^"]*)"', html))
    signed = client.post("/posko/masuk", data={
        "csrf_token": csrf_of(html), "email": "rina@psi.example.org", "password": PASSWORD,
        "next": "/posko/aduan/baru", **drafts,
    })
    assert signed.status_code == 200
    form = signed.get_data(as_text=True)
    assert 'value="Siti Aminah"' in form and 'value="Jl. Kali Pasir No. 3"' in form


def test_another_factions_complaint_is_a_404(member, client, keys) -> None:
    created = client.post("/api/v1/complaints", json=complaint_payload(),
                          headers=keys.headers("PKS")).json
    psi = member("PSI")
    assert psi.get(f"/posko/aduan/{created['tracking_code']}").status_code == 404
    assert psi.get("/posko/aduan/JBT-NOPE0000").status_code == 404
    listing = psi.get("/posko/aduan").get_data(as_text=True)
    assert created["tracking_code"] not in listing and "Siti Aminah" not in listing
    searched = psi.get(f"/posko/aduan?q={created['tracking_code']}").get_data(as_text=True)
    assert 'class="code"' not in searched
    pks = member("PKS")
    assert pks.get(f"/posko/aduan/{created['tracking_code']}").status_code == 200


def test_the_list_filters_and_searches_and_marks_what_changed(member, client, keys, db) -> None:
    for n, (category, kelurahan) in enumerate((("sampah", "31.71.01.1001"),
                                               ("banjir_saluran", "31.74.01.1001"))):
        client.post("/api/v1/complaints", headers=keys.headers("PSI"), json=complaint_payload(
            external_id=f"PSI-{n}", category=category, title=f"Judul nomor {n}",
            location={"kelurahan_code": kelurahan}))
    psi = member("PSI")
    html = psi.get("/posko/aduan").get_data(as_text=True)
    assert html.count('class="code"') == 2 and html.count(">Baru<") + html.count(">New<") == 2
    only = psi.get("/posko/aduan?kategori=banjir_saluran").get_data(as_text=True)
    assert "Judul nomor 1" in only and "Judul nomor 0" not in only
    assert "Judul nomor 0" in psi.get("/posko/aduan?q=nomor 0").get_data(as_text=True)
    assert "Judul nomor 1" not in psi.get("/posko/aduan?kota=31.71").get_data(as_text=True)
    assert "Judul nomor 0" in psi.get("/posko/aduan?kelurahan=Gambir").get_data(as_text=True)
    with db.transaction() as session:
        session.execute(update(Complaint).where(Complaint.external_id == "PSI-1")
                        .values(agency="Dinas Sumber Daya Air"))
    by_agency = psi.get("/posko/aduan?instansi=Dinas Sumber Daya Air").get_data(as_text=True)
    assert "Judul nomor 1" in by_agency and "Judul nomor 0" not in by_agency
    assert "Judul nomor 1" in psi.get("/posko/aduan?dari=2000-01-01&sampai=2999-01-01"
                                      ).get_data(as_text=True)
    assert "Judul nomor 1" not in psi.get("/posko/aduan?sampai=2001-01-01").get_data(
        as_text=True)
    bad = psi.get("/posko/aduan?status=bogus&dari=kemarin")
    assert bad.status_code == 400
    assert 'href="#s-status"' in bad.get_data(as_text=True)
    # Opened, a complaint is no longer marked; once it changes, it is again.
    with db.session() as session:
        complaint = session.scalars(select(Complaint).where(
            Complaint.external_id == "PSI-0")).one()
    psi.get(f"/posko/aduan/{complaint.tracking_code}")
    seen = psi.get("/posko/aduan?q=nomor 0").get_data(as_text=True)
    assert ">Baru<" not in seen and ">Berubah<" not in seen
    with db.transaction() as session:
        from app.events import next_event

        stored = session.get(Complaint, complaint.id)
        session.add(next_event(stored, "forwarded", source="gateway", note="Diteruskan."))
    changed = psi.get("/posko/aduan?q=nomor 0").get_data(as_text=True)
    assert ">Berubah<" in changed
    detail = psi.get(f"/posko/aduan/{complaint.tracking_code}").get_data(as_text=True)
    assert "step-new" in detail


def test_the_complaint_page_gives_the_status_link_and_a_whatsapp_message(member, db,
                                                                         settings) -> None:
    client = member("PSI")
    location = client.post("/posko/aduan/baru",
                           data={**_form(client), **VALID}).headers["Location"]
    html = client.get(location).get_data(as_text=True)
    with db.session() as session:
        complaint = session.scalars(select(Complaint)).one()
    link = f"{settings.PUBLIC_URL}/lacak/{complaint.tracking_code}/{complaint.status_secret}"
    assert link in html
    whatsapp = re.search(r'href="(https://wa\.me/[^"]+)"', html).group(1)
    assert whatsapp.startswith("https://wa.me/6281234567890?text=")
    assert link in unquote(whatsapp.replace("&amp;", "&"))
    assert complaint.tracking_code in unquote(whatsapp)
    assert "<script>" not in html and "onclick" not in html


def test_a_disabled_faction_reads_but_cannot_write(member, client, keys, db) -> None:
    client.post("/api/v1/complaints", json=complaint_payload(), headers=keys.headers("PSI"))
    psi = member("PSI")
    form = _form(psi)
    with db.transaction() as session:
        from app.factions import find_faction

        find_faction(session, "PSI").active = False
    listing = psi.get("/posko/aduan")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert "/posko/aduan/baru" not in html
    code = re.search(r'class="code" href="/posko/aduan/([^"]+)"', html).group(1)
    assert psi.get(f"/posko/aduan/{code}").status_code == 200
    assert psi.get("/posko/aduan/baru").status_code == 403
    refused = psi.post("/posko/aduan/baru", data={**form, **VALID})
    assert refused.status_code == 403
    with db.session() as session:
        assert len(session.scalars(select(Complaint)).all()) == 1


def test_the_console_keeps_the_public_sites_security_headers(member) -> None:
    response = member("PSI").get("/posko/aduan/baru")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    html = response.get_data(as_text=True)
    assert not re.search(r"<script>|<script [^>]*>[^<]|\son[a-z]+=|style=", html)
    assert not re.search(r'(src|href)="https?://', html)


def test_english_on_request(member) -> None:
    html = member("PSI").get("/posko/aduan/baru?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "New complaint" in html
    assert 'action="/posko/aduan/baru?lang=en"' in html


def test_indonesian_by_default(member) -> None:
    html = member("PSI").get("/posko/aduan/baru").get_data(as_text=True)
    assert '<html lang="id">' in html and "Aduan baru" in html and "Simpan dan teruskan" in html


def test_odd_input_is_named_never_a_500(member) -> None:
    client = member("PSI")
    for query in ("sebelum=garbage", "dari=2026-13-45", "kelurahan=%F0%9F%92%A9",
                  "q=%25%5F%5C", "q=" + "x" * 5000, "kota=31.71.01", "terlambat=ya",
                  "status=" + "s" * 300, "instansi=%00"):
        response = client.get(f"/posko/aduan?{query}")
        assert response.status_code in (200, 400), (query, response.status_code)
    for path in ("/posko/aduan/" + "J" * 300, "/posko/aduan/%F0%9F%92%A9", "/posko/tim/abc",
                 "/posko/undangan/" + "x" * 500, "/posko/tidak-ada"):
        assert client.get(path).status_code in (403, 404), path
    form = _form(client)
    odd = {**VALID, "title": "a\x00b", "description": "x" * 5000, "lat": "1e999",
           "occurred_at": "kemarin", "visibility": "semua"}
    response = client.post("/posko/aduan/baru", data={**form, **odd})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for name in ("title", "description", "lat", "occurred_at", "visibility"):
        assert f'id="{name}-error"' in html, name


def test_the_same_problem_stored_by_another_faction_is_suggested_before_storing(
    member, db, app
) -> None:
    """Another faction's report of the same spot is shown (only its public text), a
    confidential one is not; storing anyway links the new report: one ticket."""
    from tests.support.complaints import store_complaint

    place = {"kelurahan_code": "31.71.01.1001", "address": "Jl. Kali Pasir No. 3",
             "lat": -6.1754, "lon": 106.8272}
    seen = store_complaint(
        app, "PKS", external_id="PKS-1", category="sampah", visibility="public",
        title="Sampah menumpuk di Jl. Kali Pasir, kata Pak Wiryo",
        description="Sudah seminggu tidak diangkut.", reporter={"name": "Wiryo Hartono"},
        location=place)
    hidden = store_complaint(
        app, "GERINDRA", external_id="GER-1", category="sampah", visibility="confidential",
        title="Sampah menumpuk di Jl. Kali Pasir No. 3",
        description="Sudah seminggu tidak diangkut.", location=place)
    client = member("PSI")
    data = {**_form(client), **VALID}
    page = client.post("/posko/aduan/baru", data=data)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="mirip"' in html
    assert seen.tracking_code in html and "Wiryo" not in html  # the public, redacted title
    assert hidden.tracking_code not in html
    with db.session() as session:
        assert session.scalars(select(Complaint).where(
            Complaint.faction_id != seen.faction_id, Complaint.external_id
            == data["external_id"])).first() is None  # nothing stored yet
    stored = client.post("/posko/aduan/baru", data={**data, "confirm_new": "1"})
    assert stored.status_code == 302
    code = stored.headers["Location"].rsplit("/", 1)[1]
    with db.session() as session:
        mine = session.scalars(select(Complaint).where(Complaint.tracking_code == code)).one()
        assert mine.duplicate_state in ("linked", "suggested")
        assert mine.duplicate_of_id in (seen.id, hidden.id)
        assert session.scalars(select(OutboxMessage).where(
            OutboxMessage.complaint_id == mine.id, OutboxMessage.topic == "crm.submit")
        ).first() is None  # no second ticket
