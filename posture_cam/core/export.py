"""The history as flat records for other tools: one row per minute and one per event.

Pure: rows in, rows out. Columns are fixed and documented (docs/export.md); a value that
was never measured is None (empty in CSV, null in JSON), never a made-up zero.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any, Sequence

from .history_store import HistoryEvent, MinuteSummary, RoutineRecord
from .readings import Readings

MINUTE_COLUMNS = (
    "type", "start_utc", "present_s", "slouched_s", "measured_s", "view",
    *(f"{name}_mean" for name in Readings.names()),
    *(f"{name}_worst" for name in Readings.names()),
)
EVENT_COLUMNS = ("type", "start_utc", "event", "duration_s", "posture", "worst", "repeat")
ROUTINE_COLUMNS = ("type", "start_utc", "duration_s", "completed", "moves")
# One CSV holds every kind of row: the union of the columns, in this order.
CSV_COLUMNS = tuple(dict.fromkeys(MINUTE_COLUMNS + EVENT_COLUMNS + ROUTINE_COLUMNS))


def utc_text(t_s: float) -> str:
    return datetime.fromtimestamp(t_s, timezone.utc).isoformat(timespec="seconds")


def _value(x: float) -> float | None:
    return round(x, 4) if math.isfinite(x) else None


def minute_record(m: MinuteSummary) -> dict[str, Any]:
    record: dict[str, Any] = {"type": "minute", "start_utc": utc_text(m.start_s),
                              "present_s": round(m.present_s, 3),
                              "slouched_s": round(m.slouched_s, 3),
                              "measured_s": round(m.measured_s, 3), "view": m.view or None}
    for name in Readings.names():
        record[f"{name}_mean"] = _value(getattr(m.mean, name))
    for name in Readings.names():
        record[f"{name}_worst"] = _value(getattr(m.worst, name))
    return record


def event_record(e: HistoryEvent) -> dict[str, Any]:
    return {"type": "event", "start_utc": utc_text(e.t_s), "event": e.kind,
            "duration_s": round(e.duration_s, 3), "posture": e.posture,
            "worst": _value(e.worst), "repeat": e.repeat}


def routine_record(r: RoutineRecord) -> dict[str, Any]:
    moves = "; ".join(f"{m.move} {m.reps}/{m.target_reps}" + (f" ({m.skipped})" if m.skipped
                                                            else "") for m in r.moves)
    return {"type": "routine", "start_utc": utc_text(r.t_s),
            "duration_s": round(r.duration_s, 3), "completed": r.completed, "moves": moves}


def export_records(minutes: Sequence[MinuteSummary], events: Sequence[HistoryEvent],
                   routines: Sequence[RoutineRecord] = ()) -> list[dict[str, Any]]:
    """Every record in time order (a minute before an event at the same second)."""
    rows = ([(m.start_s, 0, minute_record(m)) for m in minutes]
            + [(e.t_s, 1, event_record(e)) for e in events]
            + [(r.t_s, 2, routine_record(r)) for r in routines])
    return [record for _, _, record in sorted(rows, key=lambda row: (row[0], row[1]))]
