"""Reading a history that a monitor in another process may be writing at that moment."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def query_history(path: Path, sql: str) -> list[tuple]:
    """The rows of `sql`, read-only (the test never changes what it checks) and waiting out
    the writer's lock for up to 10 s."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()
