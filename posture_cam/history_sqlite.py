"""The history file: the `HistoryStore` protocol on SQLite (stdlib sqlite3).

WAL mode, so a reader (`posture-cam report`) never blocks the monitor and a killed monitor
loses only what it had not committed. The file says what it is: PRAGMA application_id
plus a `meta` table, and PRAGMA user_version is the schema version that `MIGRATIONS`
brings it up to. Nothing is written to a file that is not recognised as ours (or empty),
and a file from a newer posture-cam is refused rather than guessed at.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import math
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Sequence

from .core.errors import UserError
from .core.readings import Readings
from .storage import why, write_problem
from .core.history_store import (
    NAN, SECONDS_PER_MINUTE, CalibrationRecord, HistoryEvent, HistoryStore, MemoryStore,
    MinuteSummary, Span, merge_heartbeat, merge_minutes,
)
from .core.history_store import RoutineMove, RoutineRecord

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3
# PRAGMA application_id: "PCHI" (posture-cam history), so a foreign file is recognised.
APPLICATION_ID = 0x50434849
APP_NAME = "posture-cam history"
SQLITE_HEADER = b"SQLite format 3\x00"

# --- SQLite ------------------------------------------------------------------------------

# MIGRATIONS[i] takes a database from schema version i to i + 1; append, never edit.
MIGRATIONS: list[tuple[str, ...]] = [
    (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE minutes (
            minute INTEGER PRIMARY KEY,  -- UTC epoch minute: unix seconds // 60
            present_s REAL NOT NULL, slouched_s REAL NOT NULL, measured_s REAL NOT NULL,
            head_mean_deg REAL, head_worst_deg REAL, trunk_mean_deg REAL, trunk_worst_deg REAL,
            shoulder_mean_deg REAL, shoulder_worst_deg REAL, view TEXT NOT NULL)""",
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY, t_s REAL NOT NULL, kind TEXT NOT NULL,
            duration_s REAL NOT NULL, posture TEXT, worst_delta_deg REAL,
            repeat INTEGER NOT NULL)""",
        "CREATE INDEX events_by_time ON events (t_s)",
        """CREATE TABLE spans (
            id INTEGER PRIMARY KEY, kind TEXT NOT NULL, start_s REAL NOT NULL,
            end_s REAL NOT NULL, posture TEXT, worst_delta_deg REAL)""",
        "CREATE INDEX spans_by_kind_and_start ON spans (kind, start_s)",
        """CREATE TABLE calibrations (
            id INTEGER PRIMARY KEY, t_s REAL NOT NULL, view TEXT NOT NULL,
            n_frames INTEGER NOT NULL, image_width INTEGER NOT NULL,
            image_height INTEGER NOT NULL, source TEXT NOT NULL)""",
        f"INSERT INTO meta (key, value) VALUES ('app', '{APP_NAME}')",
    ),
    # 2: severities (reading / threshold) instead of degrees, so a frontal index and side
    # angles share columns; a fourth kind, slump. Old degrees over the old defaults.
    (
        "ALTER TABLE minutes RENAME COLUMN head_mean_deg TO head_mean",
        "ALTER TABLE minutes RENAME COLUMN head_worst_deg TO head_worst",
        "ALTER TABLE minutes RENAME COLUMN trunk_mean_deg TO trunk_mean",
        "ALTER TABLE minutes RENAME COLUMN trunk_worst_deg TO trunk_worst",
        "ALTER TABLE minutes RENAME COLUMN shoulder_mean_deg TO shoulders_mean",
        "ALTER TABLE minutes RENAME COLUMN shoulder_worst_deg TO shoulders_worst",
        "ALTER TABLE minutes ADD COLUMN slump_mean REAL",
        "ALTER TABLE minutes ADD COLUMN slump_worst REAL",
        """UPDATE minutes SET head_mean = head_mean / 12.0, head_worst = head_worst / 12.0,
            trunk_mean = trunk_mean / 12.0, trunk_worst = trunk_worst / 12.0,
            shoulders_mean = shoulders_mean / 15.0, shoulders_worst = shoulders_worst / 15.0""",
        "ALTER TABLE events RENAME COLUMN worst_delta_deg TO worst",
        "ALTER TABLE spans RENAME COLUMN worst_delta_deg TO worst",
        """UPDATE events SET worst = worst / (CASE posture WHEN 'shoulders_rounded' THEN 15.0
            ELSE 12.0 END)""",
        """UPDATE spans SET worst = worst / (CASE posture WHEN 'shoulders_rounded' THEN 15.0
            ELSE 12.0 END)""",
    ),
    # 3: break routines (`posture-cam exercise`); moves as a JSON list (move, reps,
    # target_reps, held_s, skipped), since the set of moves may grow.
    (
        """CREATE TABLE routines (
            id INTEGER PRIMARY KEY, t_s REAL NOT NULL, duration_s REAL NOT NULL,
            completed INTEGER NOT NULL, moves TEXT NOT NULL)""",
        "CREATE INDEX routines_by_time ON routines (t_s)",
    ),
]
assert len(MIGRATIONS) == SCHEMA_VERSION

_MOVE_AWAY = "use another file with --history, or move this one away to start a new history"
# SQLite's answers that are about the place the file is in, not about the file itself.
_PLACE_ERRORS = ("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_FULL", "SQLITE_IOERR",
                 "SQLITE_PERM", "SQLITE_BUSY", "SQLITE_LOCKED")


class HistoryUnwritable(UserError):
    """The history cannot be written now (read-only, no permission, full disk, locked),
    though the file itself is fine: a monitor keeps going and tries again later."""


def _num(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _flt(value: float | None) -> float:
    return NAN if value is None else float(value)


class SqliteStore:
    """The history in a SQLite file; open it with `SqliteStore.open(path)`."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    @classmethod
    def open(cls, path: Path) -> "SqliteStore":
        """Opens or creates the history at `path`; refuses anything that is not ours.

        Nothing is written to a file before it is recognised as a posture-cam history (or
        as empty), so a wrong `--history` can never damage another program's data.
        """
        path = Path(path)
        if path.is_dir():
            raise UserError(f"history {path} is a directory", hint="give a file name")
        _check_header(path)
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryUnwritable(f"cannot create the folder of history {path}: "
                                    f"{why(exc)}") from None
        companions = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
        new_files = [p for p in (path, *companions) if not p.exists()]
        try:
            db = sqlite3.connect(path, timeout=10.0, isolation_level=None)
        except sqlite3.Error as exc:
            raise explain_failure(path, exc) from None
        try:
            _check_identity(db, path)
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")  # WAL: safe against crashes, fast
            _migrate(db)
        except (UserError, sqlite3.Error) as exc:
            db.close()
            for leftover in new_files:  # a failed start leaves no empty husk behind
                with contextlib.suppress(OSError):
                    leftover.unlink(missing_ok=True)
            if isinstance(exc, UserError):
                raise
            raise explain_failure(path, exc) from None
        return cls(db, path)

    def check_writable(self) -> None:
        """Writes one small row and commits it, so a read-only file, folder or a full disk
        shows now (as HistoryUnwritable) and not after the first minute of work.

        SQLite opens a file it may not write without a word; only a write finds out."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES "
                             "('last_write_check_utc', ?)",
                             (datetime.now(timezone.utc).isoformat(timespec="seconds"),))
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self.discard()
            raise explain_failure(self.path, exc) from None

    def discard(self) -> None:
        """Closes without committing: what was added since the last commit is dropped (the
        caller keeps it to try again)."""
        try:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # SQLite may have rolled back by itself (a full disk does that)
        self._db.close()

    # writing: statements gather in one transaction until commit()

    def _begin(self) -> None:
        # SQLite's own flag, not ours: after a failed write it may have rolled back already.
        if not self._db.in_transaction:
            self._db.execute("BEGIN IMMEDIATE")

    def add_minutes(self, minutes: Sequence[MinuteSummary]) -> None:
        self._begin()
        for row in minutes:
            found = self._db.execute(f"SELECT {_MINUTE_COLUMNS} FROM minutes WHERE minute = ?",
                                     (row.minute,)).fetchone()
            if found is not None:
                row = merge_minutes(_minute_from(found), row)
            self._db.execute(
                f"INSERT OR REPLACE INTO minutes ({_MINUTE_COLUMNS}) "
                f"VALUES ({', '.join('?' * (5 + 2 * len(Readings.names())))})",
                (row.minute, row.present_s, row.slouched_s, row.measured_s, row.view,
                 *map(_num, row.mean.values()), *map(_num, row.worst.values())))

    def add_events(self, events: Sequence[HistoryEvent]) -> None:
        self._begin()
        self._db.executemany(
            "INSERT INTO events (t_s, kind, duration_s, posture, worst, repeat) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(e.t_s, e.kind, e.duration_s, e.posture, _num(e.worst), e.repeat)
             for e in events])

    def heartbeat(self, span: Span, pulsetime_s: float = 0.0) -> None:
        self._begin()
        found = self._db.execute(
            "SELECT id, kind, start_s, end_s, posture, worst FROM spans "
            "WHERE kind = ? AND start_s <= ? ORDER BY start_s DESC, id DESC LIMIT 1",
            (span.kind, span.start_s)).fetchone()
        last = None if found is None else _span_from(found[1:])
        merged = merge_heartbeat(last, span, pulsetime_s)
        if merged is None:
            self._db.execute(
                "INSERT INTO spans (kind, start_s, end_s, posture, worst) "
                "VALUES (?, ?, ?, ?, ?)",
                (span.kind, span.start_s, span.end_s, span.posture, _num(span.worst)))
        else:
            self._db.execute(
                "UPDATE spans SET end_s = ?, posture = ?, worst = ? WHERE id = ?",
                (merged.end_s, merged.posture, _num(merged.worst), found[0]))

    def add_calibration(self, record: CalibrationRecord) -> None:
        self._begin()
        self._db.execute(
            "INSERT INTO calibrations (t_s, view, n_frames, image_width, image_height, source) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (record.t_s, record.view, record.n_frames, record.image_width,
             record.image_height, record.source))

    def prune(self, before_s: float) -> int:
        """Deletes what lies wholly before `before_s` (epoch seconds); returns the number of
        minutes deleted. The space is reused by later minutes."""
        self._begin()
        deleted = self._db.execute("DELETE FROM minutes WHERE (minute + 1) * ? <= ?",
                                   (SECONDS_PER_MINUTE, before_s)).rowcount
        self._db.execute("DELETE FROM events WHERE t_s < ?", (before_s,))
        self._db.execute("DELETE FROM spans WHERE end_s < ?", (before_s,))
        self._db.execute("DELETE FROM calibrations WHERE t_s < ?", (before_s,))
        self._db.execute("DELETE FROM routines WHERE t_s < ?", (before_s,))
        self.commit()
        return deleted

    def add_routine(self, record: RoutineRecord) -> None:
        self._begin()
        moves = json.dumps([dataclasses.asdict(m) for m in record.moves])
        self._db.execute(
            "INSERT INTO routines (t_s, duration_s, completed, moves) VALUES (?, ?, ?, ?)",
            (record.t_s, record.duration_s, int(record.completed), moves))

    def routines(self, start_s: float, end_s: float) -> list[RoutineRecord]:
        rows = self._db.execute(
            "SELECT t_s, duration_s, completed, moves FROM routines "
            "WHERE t_s >= ? AND t_s < ? ORDER BY t_s, id", (start_s, end_s))
        return [RoutineRecord(t, d, bool(done), tuple(RoutineMove(**m) for m in json.loads(moves)))
                for t, d, done, moves in rows]

    def commit(self) -> None:
        if self._db.in_transaction:
            self._db.execute("COMMIT")

    # reading

    def minutes(self, start_s: float, end_s: float) -> list[MinuteSummary]:
        first = math.ceil(start_s / SECONDS_PER_MINUTE)
        rows = self._db.execute(
            f"SELECT {_MINUTE_COLUMNS} FROM minutes WHERE minute >= ? AND minute * ? < ? "
            "ORDER BY minute", (first, SECONDS_PER_MINUTE, end_s))
        return [_minute_from(r) for r in rows]

    def events(self, start_s: float, end_s: float) -> list[HistoryEvent]:
        rows = self._db.execute(
            "SELECT t_s, kind, duration_s, posture, worst, repeat FROM events "
            "WHERE t_s >= ? AND t_s < ? ORDER BY t_s, id", (start_s, end_s))
        return [HistoryEvent(t, kind, d, posture, _flt(worst), repeat)
                for t, kind, d, posture, worst, repeat in rows]

    def spans(self, start_s: float, end_s: float, kind: str | None = None) -> list[Span]:
        rows = self._db.execute(
            "SELECT kind, start_s, end_s, posture, worst FROM spans "
            "WHERE start_s < ? AND end_s >= ? AND (? IS NULL OR kind = ?) ORDER BY start_s, id",
            (end_s, start_s, kind, kind))
        return [_span_from(r) for r in rows]

    def calibrations(self, start_s: float, end_s: float) -> list[CalibrationRecord]:
        rows = self._db.execute(
            "SELECT t_s, view, n_frames, image_width, image_height, source FROM calibrations "
            "WHERE t_s >= ? AND t_s < ? ORDER BY t_s, id", (start_s, end_s))
        return [CalibrationRecord(*r) for r in rows]

    def close(self) -> None:
        self.commit()
        self._db.close()


_MINUTE_COLUMNS = ", ".join(
    ["minute", "present_s", "slouched_s", "measured_s", "view"]
    + [f"{name}_mean" for name in Readings.names()] + [f"{name}_worst" for name in Readings.names()])


def _minute_from(row: Sequence) -> MinuteSummary:  # type: ignore[type-arg]
    minute, present, slouched, measured, view, *values = row
    n = len(Readings.names())
    return MinuteSummary(minute, present, slouched, measured,
                         Readings(*map(_flt, values[:n])), Readings(*map(_flt, values[n:])), view)


def _span_from(row: Sequence) -> Span:  # type: ignore[type-arg]
    kind, start, end, posture, worst = row
    return Span(kind, start, end, posture, _flt(worst))


def _damaged(path: Path, exc: Exception) -> UserError:
    return UserError(f"history {path} is damaged or not a database ({exc})", hint=_MOVE_AWAY)


# SQLite's messages for its result codes, for errors raised without the code attached.
_CODE_OF_MESSAGE = {"database or disk is full": "SQLITE_FULL",
                    "attempt to write a readonly database": "SQLITE_READONLY",
                    "unable to open database file": "SQLITE_CANTOPEN",
                    "disk i/o error": "SQLITE_IOERR", "database is locked": "SQLITE_BUSY",
                    "database disk image is malformed": "SQLITE_CORRUPT",
                    "file is not a database": "SQLITE_NOTADB"}


def _error_name(exc: sqlite3.Error) -> str:
    name = getattr(exc, "sqlite_errorname", None)
    return name or _CODE_OF_MESSAGE.get(str(exc).strip().lower(), "")


def explain_failure(path: Path, exc: sqlite3.Error) -> UserError:
    """What a failed SQLite call means for the user: a full disk, a read-only file or
    folder and missing permission are named as such (HistoryUnwritable), never as damage;
    only SQLite's own verdict (corrupt, not a database) calls the file damaged."""
    name = _error_name(exc)
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return _damaged(path, exc)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return HistoryUnwritable(f"history {path} is locked by another program ({exc})")
    cause = write_problem(path)
    if cause is not None:
        return HistoryUnwritable(f"cannot write history {path}: {cause}")
    if name.startswith(_PLACE_ERRORS):
        return HistoryUnwritable(f"cannot write history {path}: {exc}")
    return _damaged(path, exc)


def _check_header(path: Path) -> None:
    """A file that does not start like a SQLite database is never handed to SQLite."""
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise UserError(f"cannot read history {path}: {exc.strerror}") from None
    if head and head != SQLITE_HEADER:
        raise UserError(f"history {path} is not a SQLite database (damaged, or another "
                        "kind of file)", hint=_MOVE_AWAY)


def _check_identity(db: sqlite3.Connection, path: Path) -> None:
    """Ours (any schema up to ours), or brand new and empty; anything else is refused."""
    app_id = db.execute("PRAGMA application_id").fetchone()[0]
    version = db.execute("PRAGMA user_version").fetchone()[0]
    tables = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    if app_id == APPLICATION_ID:
        if version > SCHEMA_VERSION:
            raise UserError(
                f"history {path} was written by a newer posture-cam (schema version "
                f"{version}; this one reads up to {SCHEMA_VERSION})",
                hint="upgrade posture-cam, or use another file with --history")
        return
    if app_id == 0 and version == 0 and not tables:
        return  # a new (or empty) file
    shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
    raise UserError(f"history {path} is a SQLite database of another program "
                    f"(tables: {shown or 'none'})", hint=_MOVE_AWAY)


def _migrate(db: sqlite3.Connection) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    for target in range(version + 1, SCHEMA_VERSION + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[target - 1]:
                db.execute(statement)
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute(f"PRAGMA user_version = {target}")
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                       (str(target),))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # a full disk rolls back by itself; never mask its error
                db.execute("ROLLBACK")
            raise
        log.info("history schema migrated to version %d", target)


def open_history(path: Path) -> SqliteStore:
    return SqliteStore.open(path)


def write_once(path: Path, write: Callable[[SqliteStore], None]) -> None:
    """Opens the history, lets `write` add to it and commits: one-off notes from commands
    that do not keep the history open (a calibration, a break routine). A failure is
    named by `explain_failure` and leaves nothing half-written."""
    store = SqliteStore.open(path)
    try:
        write(store)
        store.commit()
    except sqlite3.Error as exc:
        store.discard()
        raise explain_failure(path, exc) from None
    store.close()


def open_history_for_reading(path: Path) -> SqliteStore:
    """Opens the history to read it, also where it cannot be written (a full disk, a
    read-only copy): then as an immutable snapshot, which needs no lock files."""
    try:
        return SqliteStore.open(path)
    except HistoryUnwritable as unwritable:
        try:
            db = sqlite3.connect(f"{Path(path).absolute().as_uri()}?immutable=1", uri=True)
            _check_identity(db, Path(path))
            if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                db.close()
                raise unwritable from None  # an older schema must be migrated first
        except sqlite3.Error:
            raise unwritable from None
        return SqliteStore(db, Path(path))


def open_history_for_writing(path: Path) -> SqliteStore:
    """Opens the history and proves it can be written (see `check_writable`)."""
    store = SqliteStore.open(path)
    store.check_writable()
    return store


# Backends by name; the contract tests run against every entry.
STORES: dict[str, Callable[[Path], HistoryStore]] = {
    "sqlite": SqliteStore.open,
    "memory": lambda _path: MemoryStore(),
}

