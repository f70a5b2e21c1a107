"""History writes that outlive a full disk or a read-only file: queued, retried, then written.

    HistoryRecorder --writes--> HistoryOutbox --one transaction per commit--> HistoryStore

The recorder hands every write here. They wait in memory, in order, and reach the store
in one transaction at each commit (a minute closing, an alert). When the store refuses
(disk full, file or folder read-only, no permission, locked), that transaction is dropped
whole, the writes stay queued, the user hears once (log line and notification), and the
next commit tries again, reopening the file, so a history fixed from outside is picked up.
A monitor therefore never stops for its history and no minute is lost while it runs;
only a queue longer than `MAX_QUEUED_MINUTES` drops its oldest minutes (with a log line).
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Callable, Sequence

from .core.errors import UserError
from .core.history_store import CalibrationRecord, HistoryEvent, HistoryStore, MinuteSummary, Span

log = logging.getLogger(__name__)

# A week of minutes (a few MB): beyond it the oldest unwritten minutes are dropped.
MAX_QUEUED_MINUTES = 7 * 24 * 60

_Write = tuple[str, object]


class HistoryOutbox:
    """The write side of a HistoryStore that never raises while the monitor runs."""

    def __init__(self, open_store: Callable[[], HistoryStore], where: str, *,
                 tell: Callable[[str], None] | None = None,
                 store: HistoryStore | None = None) -> None:
        """`open_store` (re)opens the store; `where` names it in messages; `tell` reaches
        the user (a notification) once per outage; `store`, if given, is already open."""
        self._open_store = open_store
        self.where = where
        self._tell = tell
        self._store = store
        self._queue: list[_Write] = []
        self._trouble: str | None = None

    @property
    def queued(self) -> int:
        return len(self._queue)

    @property
    def trouble(self) -> str | None:
        """What stops the writes now (None while they go through)."""
        return self._trouble

    # the HistoryStore write methods: queue only

    def add_minutes(self, minutes: Sequence[MinuteSummary]) -> None:
        self._queue.extend(("minutes", [row]) for row in minutes)
        self._bound()

    def add_events(self, events: Sequence[HistoryEvent]) -> None:
        if events:
            self._queue.append(("events", list(events)))

    def heartbeat(self, span: Span, pulsetime_s: float = 0.0) -> None:
        # A span is re-sent as it grows; only its latest extent needs to wait in the queue.
        if self._trouble is not None:
            self._queue = [w for w in self._queue if not _same_span(w, span)]
        self._queue.append(("heartbeat", span))

    def add_calibration(self, record: CalibrationRecord) -> None:
        self._queue.append(("calibration", record))

    def commit(self) -> bool:
        """Writes the queue in one transaction; True when it is empty afterwards."""
        if not self._queue:
            return True
        try:
            store = self._store if self._store is not None else self._open_store()
            self._store = store
            for kind, item in self._queue:
                _apply(store, kind, item)
            store.commit()
        except (UserError, sqlite3.Error, OSError) as exc:
            self.note_failure(_words(exc, self.where))
            return False
        if self._trouble is not None:
            log.warning("history %s can be written again: %d waiting records written",
                        self.where, len(self._queue))
            self._trouble = None
        self._queue = []
        return True

    def close(self) -> None:
        """A last attempt; what still cannot be written is said to be lost."""
        self.commit()
        if self._queue:
            minutes = sum(1 for kind, _ in self._queue if kind == "minutes")
            log.error("%d unwritten history records (%d minutes) are lost: %s",
                      len(self._queue), minutes, self._trouble)
        if self._store is not None:
            self._store.close() if not self._queue else _discard(self._store)
            self._store = None

    # --- trouble -----------------------------------------------------------------------

    def note_failure(self, cause: str) -> None:
        if self._store is not None:
            _discard(self._store)  # reopened at the next attempt
            self._store = None
        if self._trouble is None:
            self._trouble = cause
            message = (f"{cause}; posture-cam keeps monitoring, keeps the unwritten minutes "
                       "in memory and writes them when it can")
            log.warning("%s", message)
            if self._tell is not None:
                try:
                    self._tell(message)
                except Exception:  # noqa: BLE001 - the log line above is the record
                    log.debug("the history problem could not be notified", exc_info=True)
        else:
            self._trouble = cause

    def _bound(self) -> None:
        minutes = [i for i, (kind, _) in enumerate(self._queue) if kind == "minutes"]
        excess = len(minutes) - MAX_QUEUED_MINUTES
        if excess > 0:
            dropped = set(minutes[:excess])
            self._queue = [w for i, w in enumerate(self._queue) if i not in dropped]
            log.warning("history %s: %d oldest unwritten minutes dropped (memory limit)",
                        self.where, excess)


def _apply(store: HistoryStore, kind: str, item: object) -> None:
    if kind == "minutes":
        store.add_minutes(item)  # type: ignore[arg-type]
    elif kind == "events":
        store.add_events(item)  # type: ignore[arg-type]
    elif kind == "heartbeat":
        store.heartbeat(item)  # type: ignore[arg-type]
    else:
        store.add_calibration(item)  # type: ignore[arg-type]


def _same_span(write: _Write, span: Span) -> bool:
    kind, item = write
    return (kind == "heartbeat" and isinstance(item, Span) and item.kind == span.kind
            and item.start_s == span.start_s)


def _words(exc: BaseException, where: str) -> str:
    if isinstance(exc, UserError):
        return exc.message
    if isinstance(exc, sqlite3.Error):
        from pathlib import Path

        from .history_sqlite import explain_failure

        return explain_failure(Path(where), exc).message
    from .storage import why

    assert isinstance(exc, OSError)
    return f"cannot write history {where}: {why(exc)}"


def _discard(store: HistoryStore) -> None:
    discard = getattr(store, "discard", None)
    try:
        discard() if discard is not None else store.close()
    except (sqlite3.Error, OSError):
        pass
