"""The store contract: every backend in history_sqlite.STORES passes the same tests."""

import math

import pytest

from posture_cam.history_sqlite import STORES
from posture_cam.core.readings import Readings
from posture_cam.core.history_store import (
    CalibrationRecord, HistoryEvent, MinuteSummary, Span, merge_heartbeat, merge_minutes,
)

pytestmark = pytest.mark.unit

T0 = 1_795_000_020.0  # an epoch second in 2026, on a minute boundary
M0 = int(T0 // 60)
assert M0 * 60 == T0


@pytest.fixture(params=sorted(STORES))
def store(request, tmp_path):
    s = STORES[request.param](tmp_path / "history.sqlite3")
    yield s
    s.close()


def minute(offset: int, present=60.0, slouched=0.0, head=2.0, view="front") -> MinuteSummary:
    return MinuteSummary(M0 + offset, present, slouched, present,
                         Readings(head, 1.0, 0.5, 0.2), Readings(head + 5, 3.0, 1.5, 0.4), view)


def test_minutes_come_back_as_written_including_missing_angles(store):
    rows = [minute(0), MinuteSummary(M0 + 1, 30.0, 10.0, 0.0)]  # angles NaN, view ""
    store.add_minutes(rows)
    store.commit()
    back = store.minutes(T0, T0 + 3600)
    assert back[0] == rows[0]
    assert back[1].present_s == 30.0 and math.isnan(back[1].mean.head)
    assert back[1].view == ""


def test_minute_query_is_a_half_open_range_in_order(store):
    store.add_minutes([minute(2), minute(0), minute(1), minute(3)])
    store.commit()
    assert [m.minute - M0 for m in store.minutes(T0 + 60, T0 + 180)] == [1, 2]
    assert [m.minute - M0 for m in store.minutes(T0 + 1, T0 + 240)] == [1, 2, 3]


def test_the_same_minute_written_twice_is_merged_not_duplicated(store):
    store.add_minutes([minute(0, present=20.0, slouched=5.0, head=0.0)])
    store.add_minutes([minute(0, present=30.0, slouched=10.0, head=10.0)])
    store.commit()
    [row] = store.minutes(T0, T0 + 60)
    assert row.present_s == 50.0 and row.slouched_s == 15.0
    assert row.mean.head == pytest.approx(6.0)  # weighted 20 s x 0 + 30 s x 10
    assert row.worst.head == 15.0


def test_events_keep_their_fields_and_come_back_by_time(store):
    late = HistoryEvent(T0 + 50, "break_due", 3600.0, None, math.nan, 1)
    early = HistoryEvent(T0 + 10, "alert", 60.0, "head_forward", 18.5, 0)
    store.add_events([late, early])
    store.commit()
    back = store.events(T0, T0 + 60)
    assert back[0] == early
    assert back[1].kind == "break_due" and back[1].repeat == 1 and back[1].posture is None
    assert math.isnan(back[1].worst)
    assert store.events(T0 + 20, T0 + 50) == []


def test_a_heartbeat_of_a_lasting_state_grows_one_span(store):
    store.heartbeat(Span("present", T0, T0 + 60))
    store.heartbeat(Span("present", T0, T0 + 120))
    store.heartbeat(Span("present", T0 + 119, T0 + 180))  # touches: extends
    store.commit()
    assert store.spans(T0, T0 + 600) == [Span("present", T0, T0 + 180)]


def test_a_heartbeat_after_a_gap_starts_a_new_span_unless_within_pulsetime(store):
    store.heartbeat(Span("present", T0, T0 + 60))
    store.heartbeat(Span("present", T0 + 100, T0 + 160))
    store.heartbeat(Span("present", T0 + 165, T0 + 200), pulsetime_s=10.0)
    store.commit()
    assert [(s.start_s - T0, s.end_s - T0) for s in store.spans(T0, T0 + 600)] == \
        [(0, 60), (100, 200)]


def test_restating_a_span_sets_its_end_and_its_newest_posture(store):
    store.heartbeat(Span("slouch", T0, T0 + 70, "head_forward", 14.0))
    store.heartbeat(Span("slouch", T0, T0 + 64, "trunk_forward", 21.0))  # the exact end
    store.commit()
    assert store.spans(T0, T0 + 600) == [Span("slouch", T0, T0 + 64, "trunk_forward", 21.0)]


def test_spans_of_different_kinds_never_merge_and_filter_by_kind(store):
    store.heartbeat(Span("present", T0, T0 + 300))
    store.heartbeat(Span("slouch", T0 + 30, T0 + 90, "head_forward", 15.0))
    store.commit()
    assert [s.kind for s in store.spans(T0, T0 + 600)] == ["present", "slouch"]
    assert [s.kind for s in store.spans(T0, T0 + 600, "slouch")] == ["slouch"]


def test_span_query_returns_spans_overlapping_the_range(store):
    store.heartbeat(Span("slouch", T0 - 50, T0 + 10, "head_forward", 15.0))  # over the start
    store.heartbeat(Span("slouch", T0 + 500, T0 + 550, "head_forward", 15.0))
    store.commit()
    assert [s.start_s for s in store.spans(T0, T0 + 100)] == [T0 - 50]


def test_a_heartbeat_merges_with_the_span_before_it_in_time_not_the_last_written(store):
    store.heartbeat(Span("present", T0 + 1000, T0 + 1060))  # e.g. a later replay first
    store.heartbeat(Span("present", T0, T0 + 60))
    store.heartbeat(Span("present", T0, T0 + 90))
    store.commit()
    assert [(s.start_s - T0, s.end_s - T0) for s in store.spans(T0, T0 + 2000)] == \
        [(0, 90), (1000, 1060)]


def test_calibrations_are_recorded(store):
    record = CalibrationRecord(T0, "front", 42, 640, 480, "camera 0")
    store.add_calibration(record)
    store.commit()
    assert store.calibrations(T0 - 1, T0 + 1) == [record]


def test_an_empty_store_answers_every_query_with_nothing(store):
    assert store.minutes(0, 2e9) == [] and store.events(0, 2e9) == []
    assert store.spans(0, 2e9) == [] and store.calibrations(0, 2e9) == []


# the pure merge rules both backends use

def test_merged_minutes_never_exceed_a_minute():
    merged = merge_minutes(minute(0, present=50.0, slouched=40.0),
                           minute(0, present=50.0, slouched=40.0))
    assert merged.present_s == 60.0 and merged.slouched_s == 60.0


def test_merge_heartbeat_refuses_other_kinds_and_earlier_starts():
    last = Span("present", T0, T0 + 60)
    assert merge_heartbeat(last, Span("slouch", T0, T0 + 60), 0) is None
    assert merge_heartbeat(last, Span("present", T0 - 1, T0 + 60), 0) is None
    assert merge_heartbeat(None, last, 0) is None
