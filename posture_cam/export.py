"""`posture-cam export`: the history's minutes, events and routines as CSV or JSON.

Reads the history like `report` does (also one it cannot write), formats the records of
core/export.py and writes them to stdout or, user-only and whole or not at all, to a file.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TextIO

from .core.errors import UserError
from .core.export import CSV_COLUMNS, export_records
from .core.summary import day_bounds
from .history_sqlite import open_history_for_reading
from .report import parse_date
from .storage import atomic_write_text


def export_text(history: Path, since_s: float, until_s: float, fmt: str) -> str:
    if not history.exists():
        raise UserError(f"no history at {history}",
                        hint="it fills up while `posture-cam monitor` runs")
    store = open_history_for_reading(history)
    try:
        records = export_records(store.minutes(since_s, until_s), store.events(since_s, until_s),
                                 store.routines(since_s, until_s))
    finally:
        store.close()
    if fmt == "json":
        return json.dumps({"history": str(history), "records": records}, indent=1) + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return buffer.getvalue()


def run_export(out_stream: TextIO, history: Path, since: str | None, until: str | None,
               fmt: str | None, out: Path | None) -> int:
    """`fmt` None: JSON for an --out ending in .json, else CSV."""
    since_s = day_bounds(parse_date(since, "--since"))[0] if since else 0.0
    # --until is inclusive: up to the midnight that ends that day
    until_s = day_bounds(parse_date(until, "--until"))[1] if until else float("inf")
    if until_s <= since_s:
        raise UserError(f"--until {until} is before --since {since}")
    fmt = fmt or ("json" if out is not None and out.suffix.lower() == ".json" else "csv")
    text = export_text(history, since_s, until_s, fmt)
    if out is None:
        out_stream.write(text)
    else:
        atomic_write_text(out, text)
    return 0
