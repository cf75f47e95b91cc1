"""Geometry for the inline SVG charts (server-drawn: no script, nothing to download)."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.lifecycle import STATUSES

# One colour per status, each readable against white with its label beside it.
STATUS_COLOURS = {
    "received": "#6b7a90",
    "forwarded": "#3d5a80",
    "waiting": "#8d6cab",
    "coordination": "#5b8def",
    "dispatched": "#1f77b4",
    "in_progress": "#e8a317",
    "validating": "#17a2b8",
    "resolved": "#2e8540",
    "rejected": "#c0392b",
    "closed": "#4a4a4a",
}


def status_bar(by_status: dict[str, int], width: float = 1000.0) -> dict[str, Any]:
    """One stacked bar of the statuses, in lifecycle order, with widths summing to `width`."""
    total = sum(max(0, n) for n in by_status.values())
    segments = []
    x = 0.0
    for status in STATUSES:
        count = max(0, by_status.get(status, 0))
        if not count:
            continue
        w = width * count / total
        segments.append(
            {"status": status, "count": count, "x": round(x, 2), "width": round(w, 2),
             "colour": STATUS_COLOURS[status], "share": count / total}
        )
        x += w
    return {"total": total, "segments": segments, "width": width}


def weekly_trend(weeks: list[str], received: dict[str, int],
                 resolved: dict[str, int]) -> dict[str, Any]:
    """Paired bars per week (received vs resolved) with a rounded scale and gridlines."""
    peak = max([received.get(w, 0) for w in weeks] + [resolved.get(w, 0) for w in weeks] + [0])
    top = _nice_ceiling(peak)
    plot_h, left, slot = 180.0, 48.0, 56.0
    bars = []
    for i, week in enumerate(weeks):
        r, s = received.get(week, 0), resolved.get(week, 0)
        x = left + i * slot + 8
        bars.append({
            "week": week,
            "day": date.fromisoformat(week),
            "received": r,
            "resolved": s,
            "x": x,
            "label_x": x + 20,
            "received_h": round(plot_h * r / top, 2),
            "resolved_h": round(plot_h * s / top, 2),
        })
    grid = [{"value": top * i // 4, "y": round(20 + plot_h - plot_h * i / 4, 2)}
            for i in range(5)]
    return {"bars": bars, "grid": grid, "plot_h": plot_h, "base_y": 20 + plot_h,
            "width": left + slot * len(weeks) + 8, "left": left}


def share_width(part: int, whole: int, width: float = 120.0) -> float:
    """A bar's width for `part` of `whole`."""
    return round(width * part / whole, 2) if whole else 0.0


def _nice_ceiling(value: int) -> int:
    """The smallest of 4, 8, 20, 40, 80, 200, … (a multiple of 4) at or above `value`."""
    if value <= 4:
        return 4
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            candidate = 4 * step * magnitude
            if candidate >= value:
                return candidate
        magnitude *= 10
