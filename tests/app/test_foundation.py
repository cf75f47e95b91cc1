"""The foundation: reference data, deadlines, migrations, configuration, keys."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import inspect

from app.clock import WIB
from app.config import ConfigError, Settings
from app.database import Base, Database
from app.migrate import upgrade
from app.reference import WILAYAH_ATTRIBUTION, areas, load_categories
from app.sla import add_working_days, is_working_day

REQUIRED_CATEGORIES = {
    "sampah", "parkir_liar", "pkl", "jalan_rusak", "banjir_saluran", "pohon",
    "penerangan_jalan", "fasilitas_umum", "ketertiban_umum", "lainnya",
}


def test_jakarta_has_6_kota_44_kecamatan_267_kelurahan() -> None:
    jakarta = areas()
    assert len(jakarta.of_level("kota")) == 6
    assert len(jakarta.of_level("kecamatan")) == 44
    assert len(jakarta.of_level("kelurahan")) == 267
    kelurahan, kecamatan, kota = jakarta.lineage("31.71.01.1001")
    assert (kecamatan.code, kota.code) == ("31.71.01", "31.71")
    assert "idn-area-data" in WILAYAH_ATTRIBUTION


def test_categories_carry_labels_agency_service_code_and_sla(settings: Settings) -> None:
    categories = load_categories(settings.CATEGORIES_FILE)
    assert REQUIRED_CATEGORIES <= set(categories)
    for category in categories.values():
        assert category.label_id and category.label_en and category.agency
        assert category.crm_service_code and category.sla_days >= 1


def test_deadline_skips_weekend_and_holiday() -> None:
    # Wednesday 24 Dec 2025 10:00 WIB; 25 Dec is Christmas, 26 Dec a collective leave day
    # in some years — whatever `holidays` says, the weekend of 27–28 Dec never counts.
    start = datetime(2025, 12, 24, 10, 0, tzinfo=WIB)
    due = add_working_days(start, 2).astimezone(WIB)
    days = []
    day = start.date()
    while len(days) < 2:
        day = day.fromordinal(day.toordinal() + 1)
        if is_working_day(day):
            days.append(day)
    assert due.date() == days[-1]
    assert not is_working_day(datetime(2025, 12, 25).date())  # Christmas
    assert due.date() >= datetime(2025, 12, 29).date()
    assert (due.hour, due.minute) == (10, 0)


def test_deadline_friday_evening_one_day_is_monday() -> None:
    start = datetime(2026, 11, 27, 19, 30, tzinfo=WIB)  # a Friday, no holiday around
    assert add_working_days(start, 1).astimezone(WIB) == datetime(
        2026, 11, 30, 19, 30, tzinfo=WIB
    )


def test_migrations_from_empty_match_the_models(tmp_path) -> None:
    import os

    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import text

    url = os.environ.get("JEMBATAN_TEST_DATABASE_URL_SCRATCH") or f"sqlite:///{tmp_path}/m.db"
    if url.startswith("postgresql"):
        # Truly from empty, whatever an earlier run left in the scratch database.
        scratch = Database(url)
        with scratch.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        scratch.dispose()
    upgrade(url)
    database = Database(url)
    with database.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        assert {t.name for t in Base.metadata.sorted_tables} <= tables
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    database.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_production_refuses_to_boot_without_secrets() -> None:
    with pytest.raises(ConfigError, match="JEMBATAN_SECRET_KEY"):
        Settings.from_env(environ={})
    settings = Settings.from_env(environ={"JEMBATAN_ENV": "demo"})
    assert settings.SECRET_KEY and settings.DATA_KEYS
    with pytest.raises(ConfigError, match="CRM_FORMAT"):
        Settings.from_env(environ={"JEMBATAN_ENV": "demo", "JEMBATAN_CRM_FORMAT": "yaml"})
    with pytest.raises(ConfigError, match="PUBLIC_CONTACT"):
        Settings.from_env(environ={"JEMBATAN_ENV": "demo", "JEMBATAN_PUBLIC_CONTACT": "0812"})
    for contact in ("aksesibilitas@example.go.id", "https://example.go.id/lapor"):
        Settings.from_env(environ={"JEMBATAN_ENV": "demo", "JEMBATAN_PUBLIC_CONTACT": contact})
