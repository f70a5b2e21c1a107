"""HistoryOutbox: a history that cannot be written holds the minutes, says so once, retries."""

import sqlite3

import pytest

from posture_cam import history_outbox
from posture_cam.core.history_store import MemoryStore, MinuteSummary, Span
from posture_cam.core.readings import Readings
from posture_cam.history import HistoryRecorder
from posture_cam.history_outbox import HistoryOutbox

pytestmark = pytest.mark.unit

M0 = 29_900_000


class DiskFullStore(MemoryStore):
    """A memory store whose writes fail as SQLite's do on a full disk while `full` is set;
    like SQLite, a failed transaction leaves nothing behind."""

    def __init__(self):
        super().__init__()
        self.full = False
        self.opened = 0

    def add_minutes(self, minutes):
        if self.full:
            raise sqlite3.OperationalError("database or disk is full")
        super().add_minutes(minutes)


def minute(m: int, present_s: float = 60.0) -> MinuteSummary:
    return MinuteSummary(m, present_s, 0.0, present_s, Readings(0.1, 0.1, 0.1, 0.1),
                         Readings(0.2, 0.2, 0.2, 0.2), "front")


def test_unwritable_minutes_wait_in_memory_and_are_written_when_the_disk_has_room():
    store = DiskFullStore()
    told = []
    outbox = HistoryOutbox(lambda: store, "h.sqlite3", tell=told.append, store=store)
    store.full = True
    for m in range(3):
        outbox.add_minutes([minute(M0 + m)])
        assert outbox.commit() is False
    assert store.minutes(0, 2e10) == [] and outbox.queued == 3
    assert len(told) == 1 and "keeps monitoring" in told[0]  # once, not per attempt
    assert outbox.trouble is not None and "damaged" not in outbox.trouble

    store.full = False
    outbox.add_minutes([minute(M0 + 3)])
    assert outbox.commit() is True
    assert [m.minute - M0 for m in store.minutes(0, 2e10)] == [0, 1, 2, 3]
    assert outbox.queued == 0 and outbox.trouble is None


def test_a_growing_span_waits_as_its_latest_extent_only():
    store = DiskFullStore()
    outbox = HistoryOutbox(lambda: store, "h", store=store)
    store.full = True
    outbox.add_minutes([minute(M0)])
    outbox.commit()
    for end in range(100, 200):
        outbox.heartbeat(Span("present", 0.0, float(end)))
    assert outbox.queued == 2  # one minute, one span
    store.full = False
    assert outbox.commit()
    [span] = store.spans(0, 1e9, "present")
    assert span.end_s == 199.0


def test_the_queue_is_bounded_and_drops_the_oldest_minutes(monkeypatch):
    monkeypatch.setattr(history_outbox, "MAX_QUEUED_MINUTES", 5)
    store = DiskFullStore()
    store.full = True
    outbox = HistoryOutbox(lambda: store, "h", store=store)
    for m in range(8):
        outbox.add_minutes([minute(M0 + m)])
        outbox.commit()
    assert outbox.queued == 5
    store.full = False
    outbox.commit()
    assert [m.minute - M0 for m in store.minutes(0, 2e10)] == [3, 4, 5, 6, 7]


def test_a_store_that_cannot_be_opened_is_opened_again_at_the_next_commit(tmp_path):
    attempts = []
    stores = [MemoryStore()]

    def open_store():
        attempts.append(1)
        if len(attempts) < 3:
            raise sqlite3.OperationalError("unable to open database file")
        return stores[0]

    outbox = HistoryOutbox(open_store, str(tmp_path / "h.sqlite3"))
    outbox.add_minutes([minute(M0)])
    assert not outbox.commit() and not outbox.commit()
    assert outbox.commit()
    assert len(attempts) == 3 and len(stores[0].minutes(0, 2e10)) == 1


def test_the_recorder_keeps_recording_through_a_full_disk(steps):
    store = DiskFullStore()
    recorder = HistoryRecorder(None, M0 * 60.0, store=store)
    frames = list(steps([(200, "upright")]))
    for i, result in enumerate(frames):
        store.full = 60 <= i < 300  # step 0.5 s: full from 30 s to 150 s
        recorder.handle(result)
    recorder.close()
    rows = store.minutes(0, 2e10)
    assert [m.minute - M0 for m in rows] == [0, 1, 2, 3]
    assert sum(m.present_s for m in rows) == pytest.approx(200.0, abs=1.0)
