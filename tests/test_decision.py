"""The slouch state machine, driven by timestamps: an hour replays in milliseconds."""

import math

import pytest

from posture_cam.core.analyzer import PostureSample
from posture_cam.core.settings import SlouchConfig
from posture_cam.core.decision import SlouchDetector, State
from posture_cam.core.events import EventKind, Posture
from posture_cam.core.geometry import View
from posture_cam.core.readings import Readings

pytestmark = pytest.mark.unit

CONFIG = SlouchConfig(head_forward_deg=12, trunk_forward_deg=12, shoulder_rounding_deg=10,
                      recline_deg=15, hysteresis_ratio=4 / 12, onset_s=3, alert_after_s=30,
                      recovery_s=5, away_after_s=3, cooldown_s=300)
THRESHOLDS = CONFIG.thresholds(front=False)


def sample(t, head=0.0, trunk=0.0, shoulder=0.0, slump=0.0, seen=True, confidence=1.0):
    """A side-view sample with these changes in degrees (as the analyzer would give)."""
    if not seen:
        return PostureSample.nobody(t)
    readings = Readings(head, trunk, shoulder, slump)
    return PostureSample(t, True, 1, View.SIDE, readings, readings.over(THRESHOLDS), confidence)


def run(detector, samples):
    events = []
    for s in samples:
        events += detector.update(s).events
    return events


def kinds(events):
    return [e.kind for e in events]


def timeline(t_from, t_to, step=0.5, **kw):
    n = int(round((t_to - t_from) / step))
    return [sample(t_from + i * step, **kw) for i in range(n)]


def test_alert_fires_after_slouch_lasts_longer_than_alert_after_s():
    detector = SlouchDetector(CONFIG)
    events = run(detector, timeline(0, 10) + timeline(10, 60, head=20))
    assert kinds(events) == [EventKind.SLOUCH_START, EventKind.ALERT]
    start, alert = events
    assert start.t_s == pytest.approx(10)
    assert alert.t_s == pytest.approx(40)
    assert alert.posture is Posture.HEAD_FORWARD and alert.duration_s == pytest.approx(30)
    assert detector.state is State.ALERTED


def test_no_alert_while_upright_or_slightly_off():
    detector = SlouchDetector(CONFIG)
    events = run(detector, timeline(0, 3600, step=2, head=9, trunk=5, shoulder=7))
    assert events == []
    assert detector.state is State.UPRIGHT


def test_brief_slouches_shorter_than_onset_do_not_start_a_slouch():
    detector = SlouchDetector(CONFIG)
    samples = []
    for k in range(20):  # 2 s over, 8 s under, repeatedly
        samples += timeline(10 * k, 10 * k + 2, head=20) + timeline(10 * k + 2, 10 * k + 10)
    assert run(detector, samples) == []


def test_hysteresis_keeps_a_slouch_hovering_near_the_threshold_alive():
    detector = SlouchDetector(CONFIG)
    hovering = [sample(10 + i, head=11 if i % 2 else 13) for i in range(60)]
    events = run(detector, timeline(0, 10) + hovering)
    assert kinds(events) == [EventKind.SLOUCH_START, EventKind.ALERT]


def test_sitting_up_for_recovery_s_ends_the_slouch():
    detector = SlouchDetector(CONFIG)
    events = run(detector, timeline(0, 10) + timeline(10, 30, head=20) + timeline(30, 40))
    assert kinds(events) == [EventKind.SLOUCH_START, EventKind.SLOUCH_END]
    assert events[1].t_s == pytest.approx(30)
    assert events[1].duration_s == pytest.approx(20)
    assert detector.state is State.UPRIGHT


def test_cooldown_spaces_alerts_in_a_long_slouch():
    detector = SlouchDetector(CONFIG)
    events = run(detector, timeline(0, 10, step=1) + timeline(10, 1000, step=1, trunk=20))
    alerts = [e for e in events if e.kind is EventKind.ALERT]
    assert [a.t_s for a in alerts] == pytest.approx([40, 340, 640, 940])
    assert [a.repeat for a in alerts] == [0, 1, 2, 3]
    assert alerts[0].posture is Posture.TRUNK_FORWARD


def test_sitting_down_is_not_a_slouch():
    """Back at the desk (or the monitor just started): settling in takes a few seconds."""
    detector = SlouchDetector(CONFIG)
    events = run(detector, timeline(0, 6, head=20) + timeline(6, 30))
    assert events == []
    events = run(detector, timeline(30, 40, seen=False) + timeline(40, 46, head=20)
                 + timeline(46, 60))
    assert kinds(events) == [EventKind.AWAY_START, EventKind.AWAY_END]


def test_cooldown_holds_across_separate_slouches():
    detector = SlouchDetector(CONFIG)
    samples = (timeline(0, 40, head=20) + timeline(40, 60)
               + timeline(60, 100, head=20) + timeline(100, 120))
    alerts = [e for e in run(detector, samples) if e.kind is EventKind.ALERT]
    assert len(alerts) == 1


def test_nobody_in_view_means_away_and_no_alert():
    detector = SlouchDetector(CONFIG)
    events = run(detector, timeline(0, 20, head=20) + timeline(20, 200, seen=False))
    assert kinds(events) == [EventKind.SLOUCH_START, EventKind.SLOUCH_END, EventKind.AWAY_START]
    assert events[-1].t_s == pytest.approx(19.5)
    assert detector.state is State.AWAY


def test_a_short_dropout_is_not_away():
    detector = SlouchDetector(CONFIG)
    events = run(detector, timeline(0, 10) + timeline(10, 12, seen=False) + timeline(12, 20))
    assert events == []


def test_coming_back_reports_the_absence():
    detector = SlouchDetector(CONFIG)
    events = run(detector, timeline(0, 5) + timeline(5, 65, seen=False) + timeline(65, 70))
    assert kinds(events) == [EventKind.AWAY_START, EventKind.AWAY_END]
    assert events[1].duration_s == pytest.approx(65 - 4.5)


def test_low_confidence_frames_neither_start_nor_end_a_slouch():
    detector = SlouchDetector(CONFIG)
    assert run(detector, timeline(0, 60, head=40, confidence=0.1)) == []
    events = run(detector, timeline(60, 70, head=20) + timeline(70, 90, confidence=0.1))
    assert kinds(events) == [EventKind.SLOUCH_START]
    assert detector.slouching


def test_untrusted_frames_break_the_onset_of_a_slouch():
    """Looking down at the keyboard: the head is caught on its way down and up (over the
    threshold, trusted) with untrusted frames in between; that never starts a slouch."""
    detector = SlouchDetector(CONFIG)
    glance = ([sample(0.0, head=20)] + timeline(0.5, 3.0, head=40, confidence=0.1)
              + [sample(3.0, head=20)] + timeline(3.5, 6.0))
    samples = [sample(s.t_s + 6 * k, head=s.readings.head, confidence=s.confidence)
               for k in range(10) for s in glance]
    assert run(detector, samples) == []


def test_recovery_in_between_does_not_count_toward_an_alert():
    """Down 5 s, back up 3 s, down again...: only the time actually slouched adds up."""
    detector = SlouchDetector(CONFIG)
    samples = []
    for k in range(8):
        samples += timeline(8 * k, 8 * k + 5, head=20) + timeline(8 * k + 5, 8 * k + 8)
    events = run(detector, samples)
    assert kinds(events).count(EventKind.SLOUCH_START) == 1
    [alert] = [e for e in events if e.kind is EventKind.ALERT]
    assert alert.duration_s == pytest.approx(30, abs=1)
    assert alert.t_s > 8 * (30 / 5)  # 5 of every 8 s count: much later than 30 s in


def test_unmeasurable_angles_do_not_count_as_slouching():
    detector = SlouchDetector(CONFIG)
    assert run(detector, timeline(0, 60, head=math.nan, trunk=math.nan, shoulder=math.nan)) == []
