"""The console in a real headless Chromium, against real processes: the web server, the worker
and the CRM simulator. A koordinator invites a staff member, who sets a password, enters a
complaint, imports a reses file with two bad rows (the valid one is stored, the bad cells are
named), sees her complaint forwarded and its status move as the simulator advances the ticket,
and signs out. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.models import Complaint
from tests.app.console.conftest import PASSWORD, add_member
from tests.app.test_bulk_import import csv_bytes, good_row
from tests.support.crmsim import open311_url, running_crm_sim
from tests.support.processes import (
    _answers,
    free_port,
    jembatan_env,
    start_jembatan,
    stop,
    wait_until,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
# A simulated day in half a second: a ticket moves every few seconds, slow enough to watch.
SPEED = 86400 * 2


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)


def _timeline(page: Any) -> list[str]:
    return [t.strip() for t in page.locator(".timeline .badge").all_inner_texts()]


@pytest.mark.slow
def test_invite_sign_in_enter_follow_and_sign_out(db, keys, database_url: str, tmp_path: Path,
                                                  browser: Any) -> None:
    add_member(db, "PSI", "ketua@psi.example.org", role="koordinator")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running_crm_sim(tmp_path / "crm", speed=SPEED, seed=5) as crm:
        env = jembatan_env(database_url, CRM_URL=open311_url(crm), PUBLIC_URL=base,
                           FORWARD_INTERVAL_S=0.2, POLL_INTERVAL_S=0.3, DELIVER_INTERVAL_S=0.2,
                           CRM_RETRY_BASE_S=0.05, LEASE_S=5, LOG_JSON=0)
        web = start_jembatan(["serve", "--port", str(port)], env, tmp_path / "web.log")
        worker = start_jembatan(["worker"], env, tmp_path / "worker.log")
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        phone = browser.new_context(viewport={"width": 390, "height": 844})
        try:
            wait_until(lambda: _answers(base + "/healthz"), timeout=30, what="web")
            errors: list[str] = []

            # The koordinator signs in and invites a staff member.
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(base + "/posko/")
            page.get_by_label("Alamat surel").fill("ketua@psi.example.org")
            page.get_by_label("Kata sandi").fill(PASSWORD)
            page.get_by_role("button", name="Masuk").click()
            page.wait_for_url(re.compile(r"/posko/aduan$"))
            page.get_by_role("link", name="Tim & pengaturan").click()
            page.get_by_label("Alamat surel").fill("dewi@psi.example.org")
            page.get_by_role("button", name="Buat tautan undangan").click()
            link = page.get_by_role("textbox", name="Tautan undangan").input_value()
            assert link.startswith(base + "/posko/undangan/")
            _shot(page, "team-invited")

            # The staff member, on a phone, sets a password and is signed in.
            staf = phone.new_page()
            staf.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            staf.goto(link)
            staf.get_by_label("Kata sandi baru").fill("sandi-dewi-panjang")
            staf.get_by_label("Kata sandi yang sama sekali lagi").fill("sandi-dewi-panjang")
            _shot(staf, "invitation-phone")
            staf.get_by_role("button", name="Buat kata sandi dan masuk").click()
            staf.wait_for_url(re.compile(r"/posko/aduan$"))

            # She enters a complaint: first with a mistake, which is named and fixed.
            staf.get_by_role("link", name="Aduan baru").first.click()
            staf.get_by_label("Kategori").select_option("sampah")
            staf.get_by_label("Judul singkat").fill("Sampah menumpuk di Jl. Kali Pasir")
            staf.get_by_label("Apa yang terjadi").fill("Sudah seminggu tidak diangkut.")
            staf.get_by_label("Kelurahan", exact=True).fill("Gambir")
            staf.get_by_label("Nama", exact=True).fill("Siti Aminah")
            staf.get_by_label("Telepon / WhatsApp").fill("081234567890")
            staf.get_by_label("NIK", exact=True).fill("12345")
            staf.get_by_role("button", name="Simpan dan teruskan").click()
            # Checked in the page first: the browser does not send a 5-digit NIK.
            assert "/posko/aduan/baru" in staf.url
            assert not staf.locator("#f-reporter_nik").evaluate("e => e.validity.valid")
            staf.get_by_label("NIK", exact=True).fill("3171010101900001")
            # Then on the server: no kelurahan of that name.
            staf.get_by_label("Kelurahan", exact=True).fill("Atlantis")
            staf.get_by_role("button", name="Simpan dan teruskan").click()
            error = staf.locator("#kelurahan-error")
            assert "Atlantis" not in error.inner_text() and error.inner_text()
            assert staf.get_by_label("Nama", exact=True).input_value() == "Siti Aminah"
            _shot(staf, "form-errors-phone")
            assert staf.evaluate("document.documentElement.scrollWidth") <= 390
            staf.get_by_label("Kelurahan", exact=True).fill("Gambir")
            staf.get_by_role("button", name="Simpan dan teruskan").click()
            staf.wait_for_url(re.compile(r"/posko/aduan/JBT-"))
            code = staf.url.rsplit("/", 1)[1]
            assert code in staf.locator("h1").inner_text()
            assert "/lacak/" + code in staf.locator("#status-link").inner_text()
            assert staf.get_by_role("link", name="Bagikan lewat WhatsApp").get_attribute(
                "href").startswith("https://wa.me/6281234567890?text=")

            # Reses in bulk: one good row and two bad ones. The preview names the bad cells,
            # the good row is imported, the bad ones are listed for correction.
            sheet = tmp_path / "reses.csv"
            sheet.write_bytes(csv_bytes([
                good_row(1, kategori="jalan_rusak", judul="Jalan berlubang depan SD 03",
                         alamat="Jl. Tanah Abang II No. 8", lat="", lon=""),
                good_row(2, nik="12"),
                good_row(3, kelurahan="Atlantis"),
            ]))
            staf.get_by_role("link", name="Impor").first.click()
            staf.set_input_files("#berkas", str(sheet))
            staf.get_by_role("button", name="Unggah dan periksa").click()
            bad = staf.locator("#sel-salah").inner_text()
            assert "NIK" in bad.upper() and "Atlantis" in bad, bad
            _shot(staf, "import-preview-phone")
            staf.get_by_role("button", name=re.compile("Impor 1 baris")).click()
            summary = staf.locator("#ringkasan").inner_text()
            assert summary.startswith("1 "), summary
            with db.session() as session:
                imported = session.scalars(select(Complaint).where(
                    Complaint.external_id == "RESES-1")).one()
                assert session.scalars(select(Complaint).where(
                    Complaint.external_id.in_(["RESES-2", "RESES-3"]))).all() == []
            assert imported.title == "Jalan berlubang depan SD 03"
            staf.goto(base + "/posko/aduan/" + code)

            # The worker forwards it; the simulator moves the ticket; the page follows.
            def forwarded() -> bool:
                staf.reload()
                return "Diteruskan" in _timeline(staf) or len(_timeline(staf)) > 2

            wait_until(forwarded, timeout=30, interval=0.5, what="forwarded")
            assert staf.locator("#tiket-crm").inner_text().strip()
            _shot(staf, "complaint-forwarded-phone")

            def moved() -> bool:
                staf.reload()
                return len(_timeline(staf)) >= 3

            wait_until(moved, timeout=60, interval=0.5, what="a status after forwarded")
            with db.session() as session:
                stored = session.scalars(select(Complaint).where(
                    Complaint.tracking_code == code)).one()
            assert stored.source == "console" and stored.status not in ("received",)
            _shot(staf, "complaint-moving-phone")
            # The list marks nothing new: she has just read it.
            staf.goto(base + "/posko/aduan")
            assert code in staf.locator("table").inner_text()
            _shot(staf, "list-phone")

            staf.get_by_role("button", name="Keluar").click()
            staf.wait_for_url(re.compile(r"/posko/masuk$"))
            assert "Anda sudah keluar" in staf.content()
            staf.goto(base + "/posko/aduan")
            assert "/posko/masuk" in staf.url
            # No CSP refusal, nothing failed to load (but the form refused on purpose: 422).
            assert [e for e in errors if "status of 422" not in e] == []
        finally:
            context.close()
            phone.close()
            stop(worker)
            stop(web)
