"""HistoryRecorder: frames in, minutes, spans and events out (scripted frames, memory store)."""

import math

import pytest

from posture_cam.core.settings import Config, config_from_mapping
from posture_cam.history import HistoryRecorder, record_calibration
from posture_cam.history_sqlite import open_history
from posture_cam.core.history_store import MemoryStore

pytestmark = pytest.mark.unit

ORIGIN = 1_795_000_020.0  # on a minute boundary
M0 = int(ORIGIN // 60)
QUICK = config_from_mapping({"slouch": {"alert_after_s": 10.0, "cooldown_s": 30.0},
                             "breaks": {"sitting_min": 2.0, "repeat_min": 1.0,
                                        "away_reset_s": 30.0}}, Config())


class CountingStore(MemoryStore):
    """A memory store that counts commits, i.e. how often a real one would touch the disk."""

    def __init__(self):
        super().__init__()
        self.commits = 0

    def commit(self):
        self.commits += 1


def record(steps, origin=ORIGIN, store=None):
    store = store or MemoryStore()
    recorder = HistoryRecorder(None, origin, store=store)
    for result in steps:
        recorder.handle(result)
    recorder.close()
    return store


def test_each_frame_lasts_until_the_next_and_fills_wall_clock_minutes(steps):
    store = record(steps([(150, "upright")]))
    rows = store.minutes(0, 2e9)
    assert [m.minute - M0 for m in rows] == [0, 1, 2]
    assert [m.present_s for m in rows] == pytest.approx([60, 60, 30])
    assert all(m.slouched_s == 0 and m.view == "front" for m in rows)
    assert rows[0].mean.head == pytest.approx(0.1, abs=0.001)  # 1.2 deg of 12


def test_wall_time_starts_at_the_origin_whatever_the_frame_clock(steps):
    # a camera's monotonic timestamps start anywhere
    store = record(steps([(90, "upright")], t0_s=12345.6), origin=ORIGIN + 30)
    rows = store.minutes(0, 2e9)
    assert [(m.minute - M0, m.present_s) for m in rows] == [(0, pytest.approx(30)),
                                                             (1, pytest.approx(60))]
    [present] = store.spans(0, 2e9, "present")
    assert present.start_s == ORIGIN + 30 and present.end_s == pytest.approx(ORIGIN + 120)


def test_without_an_origin_the_first_frame_is_now(steps):
    """A live camera: wall time starts when the first frame arrives, not at start-up."""
    import time

    before = time.time()
    store = record(steps([(30, "upright")], t0_s=777.0), origin=None)
    [present] = store.spans(0, 2e9, "present")
    assert before <= present.start_s <= time.time()


def test_away_time_is_not_presence_from_the_last_sighting_on(steps):
    # the detector declares "away" only 3 s (away_after_s) later, dated back to then
    store = record(steps([(40, "upright"), (60, "away"), (20, "upright")]))
    present = sum(m.present_s for m in store.minutes(0, 2e9))
    assert present == pytest.approx(40 + 20)
    assert [(s.start_s - ORIGIN, s.end_s - ORIGIN) for s in store.spans(0, 2e9, "present")] \
        == [(0, 40), (100, 120)]


def test_a_dropout_shorter_than_away_after_s_is_still_presence(steps):
    store = record(steps([(30, "upright"), (2, "away"), (28, "upright")]))
    assert sum(m.present_s for m in store.minutes(0, 2e9)) == pytest.approx(60)
    assert len(store.spans(0, 2e9, "present")) == 1


def test_a_gap_between_frames_is_capped_at_twice_the_usual_step(steps):
    results = steps([(120, "upright")])
    kept = [r for r in results if not 30 <= r.sample.t_s < 60]  # 30 s without frames
    store = record(kept)
    present = sum(m.present_s for m in store.minutes(0, 2e9))
    assert present == pytest.approx(90 + 0.5, abs=0.01)  # one capped frame of 2 x 0.5 s
    assert [(s.start_s - ORIGIN, s.end_s - ORIGIN) for s in store.spans(0, 2e9, "present")] \
        == [(0, 30.5), (60, 120)]  # the frame at 29.5 s counts for 1 s


def test_slouched_time_and_a_slouch_span_with_its_worst_posture(steps):
    store = record(steps([(30, "upright"), (60, "slouched"), (30, "upright")], config=QUICK))
    slouched = sum(m.slouched_s for m in store.minutes(0, 2e9))
    # confirmed after onset_s, cleared after recovery_s upright
    assert slouched == pytest.approx(60 - QUICK.slouch.onset_s + QUICK.slouch.recovery_s,
                                     abs=1.0)
    [span] = store.spans(0, 2e9, "slouch")
    assert span.start_s - ORIGIN == pytest.approx(30, abs=0.6)
    assert span.end_s - ORIGIN == pytest.approx(90, abs=0.6)
    assert span.posture == "head_forward" and span.worst == pytest.approx(2.0, abs=0.1)  # 24 deg of 12


def test_alerts_and_ignored_break_reminders_are_recorded(steps):
    script = [(20, "upright"), (60, "slouched"), (160, "upright"), (60, "away"), (30, "upright")]
    store = record(steps(script, config=QUICK))
    kinds = [(e.kind, e.repeat) for e in store.events(0, 2e9)]
    assert ("alert", 0) in kinds and ("alert", 1) in kinds  # 10 s, then after the 30 s cooldown
    assert ("break_due", 0) in kinds and ("break_due", 1) in kinds  # 2 min, repeated after 1
    assert ("break_taken", 0) in kinds


def test_a_slouch_still_going_at_close_is_kept_up_to_the_last_frame(steps):
    store = record(steps([(10, "upright"), (50, "slouched")], config=QUICK))
    [span] = store.spans(0, 2e9, "slouch")
    assert span.end_s - ORIGIN == pytest.approx(60, abs=0.6)


def test_the_disk_is_touched_per_minute_and_per_event_not_per_frame(steps):
    store = CountingStore()
    results = steps([(600, "upright")])  # 1200 frames, no events
    record(results, store=store)
    assert store.commits <= 10 + 1


def test_a_killed_recorder_loses_at_most_the_current_minute(steps):
    store = MemoryStore()
    recorder = HistoryRecorder(None, ORIGIN, store=store)
    for result in steps([(150, "upright")]):
        recorder.handle(result)  # ... and the process dies without close()
    assert [m.present_s for m in store.minutes(0, 2e9)] == pytest.approx([60, 60])
    [present] = store.spans(0, 2e9, "present")
    assert present.end_s - ORIGIN == pytest.approx(120)


def test_minutes_of_two_runs_in_the_same_minute_add_up(steps):
    store = MemoryStore()
    record(steps([(20, "upright")]), origin=ORIGIN, store=store)
    record(steps([(20, "upright")]), origin=ORIGIN + 30, store=store)
    [row] = store.minutes(0, 2e9)
    assert row.present_s == pytest.approx(40)


def test_no_frames_no_rows(tmp_path):
    store = MemoryStore()
    HistoryRecorder(None, ORIGIN, store=store).close()
    assert store.minutes(0, 2e9) == [] and store.spans(0, 2e9) == []


def test_record_calibration_notes_view_and_frames_but_no_image(tmp_path):
    from posture_cam.core.calibration import Baseline, Framing
    from posture_cam.core.geometry import Features, View

    nan = Features(*[math.nan] * len(Features.names()))
    baseline = Baseline(View.SIDE, Framing.FULL, 1.0, nan, nan, 37, 640, 480,
                        "2026-11-20T08:55:00+00:00", "camera 0")
    path = tmp_path / "h.sqlite3"
    record_calibration(path, baseline)
    [cal] = open_history(path).calibrations(0, 2e9)
    assert (cal.view, cal.n_frames, cal.source) == ("side", 37, "camera 0")
