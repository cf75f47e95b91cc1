"""Counters behind the public site's statistics, kept current with every status event."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base


class PublicStat(Base):
    """One counter: `metric` (and `bucket`) of the complaints whose `dimension` is `value`.

    dimension ∈ all, faction, category, kota, agency; metric e.g. `status` with the status
    as bucket, `resolve_days` with the whole days as bucket, `received_week` with the
    Monday (WIB) as bucket. The key order serves "one metric for every value" reads.
    """

    __tablename__ = "public_stats"

    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    metric: Mapped[str] = mapped_column(String(24), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    bucket: Mapped[str] = mapped_column(String(16), primary_key=True, default="")
    count: Mapped[int] = mapped_column(BigInteger, default=0)
