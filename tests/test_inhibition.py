"""Do Not Disturb: while the desktop inhibits notifications, posture alerts are held (and
recorded as held) and break reminders wait. Unit tests with a fake inhibition switch; the
real D-Bus server and monitor are in test_inhibition_desktop.py."""

import logging
import sys

import pytest

from posture_cam.alerts import Alerter
from posture_cam.core.analyzer import PostureSample
from posture_cam.core.decision import State
from posture_cam.core.events import Event, EventKind, Posture
from posture_cam.core.export import export_records
from posture_cam.core.history_store import MemoryStore
from posture_cam.core.landmarks import PoseFrame
from posture_cam.core.messages import BREAK_TITLE, POSTURE_TITLE
from posture_cam.core.pipeline import StepResult
from posture_cam.core.settings import Config, config_from_mapping
from posture_cam.core.summary import load_period
from posture_cam.history import HistoryRecorder
from posture_cam.inhibition import InhibitionWatch
from posture_cam.live import INHIBITED, LiveStatus
from posture_cam.notify import RecordingNotifier
from posture_cam.report import summary_rows

pytestmark = pytest.mark.unit

ORIGIN = 1_795_000_020.0
QUICK = config_from_mapping({"slouch": {"alert_after_s": 10.0, "cooldown_s": 30.0},
                             "breaks": {"sitting_min": 2.0, "repeat_min": 60.0}}, Config())


class Switch:
    """A fake inhibition source: the desktop's Do Not Disturb, flipped by the test."""

    def __init__(self, on: bool = False) -> None:
        self.on = on

    def inhibited(self) -> bool:
        return self.on


def alert(t, duration_s=45.0):
    return Event(EventKind.ALERT, t, duration_s=duration_s, posture=Posture.HEAD_FORWARD,
                 worst=1.7)


def break_due(t, duration_s=3600.0):
    return Event(EventKind.BREAK_DUE, t, duration_s=duration_s)


def step(t, state=State.UPRIGHT, *events):
    return StepResult(PostureSample.nobody(t), state, tuple(events), PoseFrame(t, 0, 0, ()), 0.0)


def test_a_posture_alert_while_inhibited_is_held_and_later_alerts_are_shown():
    notifier, dnd = RecordingNotifier(), Switch(on=True)
    alerter = Alerter(notifier, min_interval_s=0, inhibited=dnd.inhibited)
    first = alert(100)
    alerter.handle(step(100, State.ALERTED, first))
    assert notifier.sent == [] and alerter.was_held(first) and alerter.suppressed == 1
    for t in range(101, 130):
        alerter.handle(step(t, State.ALERTED))
    assert notifier.sent == []  # held means not shown later either: the next alert will come
    dnd.on = False
    alerter.handle(step(130, State.ALERTED))
    second = alert(131)
    alerter.handle(step(131, State.ALERTED, second))
    assert [title for title, _ in notifier.sent] == [POSTURE_TITLE]
    assert not alerter.was_held(second)


def test_was_held_speaks_only_of_the_frame_just_handled():
    dnd = Switch(on=True)
    alerter = Alerter(RecordingNotifier(), min_interval_s=0, inhibited=dnd.inhibited)
    held = alert(100)
    alerter.handle(step(100, State.ALERTED, held))
    alerter.handle(step(101, State.ALERTED))
    assert not alerter.was_held(held)


def test_a_break_reminder_due_while_inhibited_is_shown_when_the_inhibition_ends():
    notifier, dnd = RecordingNotifier(), Switch(on=True)
    released = []
    alerter = Alerter(notifier, min_interval_s=120, inhibited=dnd.inhibited,
                      on_released=released.append)
    reminder = break_due(3600)
    alerter.handle(step(3600, State.UPRIGHT, reminder))
    assert not alerter.was_held(reminder)  # a reminder waits: it is not a held alert
    for t in range(3601, 3900):
        alerter.handle(step(t, State.UPRIGHT))
    assert notifier.sent == []
    dnd.on = False
    alerter.handle(step(3900, State.UPRIGHT))
    assert [title for title, _ in notifier.sent] == [BREAK_TITLE]
    assert [(e.t_s, e.duration_s) for e in released] == [(3900, 3900)]  # sat 5 min longer


def test_a_waiting_reminder_is_dropped_when_the_break_is_taken_during_the_inhibition():
    notifier, dnd = RecordingNotifier(), Switch(on=True)
    alerter = Alerter(notifier, min_interval_s=0, inhibited=dnd.inhibited)
    alerter.handle(step(3600, State.UPRIGHT, break_due(3600)))
    alerter.handle(step(3700, State.UPRIGHT, Event(EventKind.BREAK_TAKEN, 3700, 300.0)))
    dnd.on = False
    for t in range(3701, 3800):
        alerter.handle(step(t, State.UPRIGHT))
    assert notifier.sent == []


def test_an_alert_held_back_by_the_interval_is_not_shown_once_the_inhibition_begins():
    notifier, dnd = RecordingNotifier(), Switch()
    alerter = Alerter(notifier, min_interval_s=120, inhibited=dnd.inhibited)
    alerter.handle(step(100, State.ALERTED, alert(100)))
    alerter.handle(step(160, State.ALERTED, alert(160)))  # too soon: held back
    dnd.on = True
    for t in range(161, 400):
        alerter.handle(step(t, State.ALERTED))
    assert len(notifier.sent) == 1


def test_without_an_inhibition_source_alerts_are_shown_as_before():
    notifier = RecordingNotifier()
    alerter = Alerter(notifier, min_interval_s=0)
    shown = alert(100)
    alerter.handle(step(100, State.ALERTED, shown))
    assert len(notifier.sent) == 1 and not alerter.was_held(shown)


def test_one_log_line_when_the_inhibition_starts_and_one_when_it_ends(caplog):
    dnd = Switch()
    alerter = Alerter(RecordingNotifier(), min_interval_s=0, inhibited=dnd.inhibited)
    caplog.set_level(logging.INFO, logger="posture_cam")
    for t in range(0, 30):
        dnd.on = 10 <= t < 20
        alerter.handle(step(t, State.UPRIGHT))
    lines = [r.getMessage() for r in caplog.records]
    assert [line for line in lines if "inhibited" in line or "allowed" in line] == [
        "desktop notifications inhibited (Do Not Disturb): posture alerts are held, "
        "break reminders wait",
        "desktop notifications allowed again: alerts resume"]


def test_held_alerts_are_recorded_as_held_and_not_counted_as_shown(steps):
    """Slouched 0-200 s (alerts every 30 s after the first 10 s), inhibited until 100 s."""
    dnd = Switch(on=True)
    notifier, store = RecordingNotifier(), MemoryStore()
    alerter = Alerter(notifier, min_interval_s=0, inhibited=dnd.inhibited)
    recorder = HistoryRecorder(None, ORIGIN, store=store, held=alerter.was_held)
    for result in steps([(200, "slouched")], config=QUICK):
        dnd.on = result.sample.t_s < 100
        alerter.handle(result)  # first, as in the monitor: the recorder asks it
        recorder.handle(result)
    recorder.close()
    kinds = [e.kind for e in store.events(0, 2e9)]
    assert kinds.count("alert_held") >= 2 and kinds.count("alert") >= 2
    assert kinds.count("alert") == len([s for s in notifier.sent if s[0] == POSTURE_TITLE])
    summary = load_period(store, ORIGIN, ORIGIN + 3600, 300).summary
    assert (summary.alerts, summary.alerts_held) == (kinds.count("alert"),
                                                     kinds.count("alert_held"))
    row = dict(summary_rows(summary))["posture alerts"]
    assert row == f"{summary.alerts} shown, {summary.alerts_held} held (Do Not Disturb)"
    exported = [r["event"] for r in export_records([], store.events(0, 2e9))]
    assert exported == kinds


def test_the_live_status_says_alerts_are_held_while_inhibited(steps, tmp_path):
    dnd = Switch(on=True)
    live = LiveStatus(tmp_path / "status.json", inhibited=dnd.inhibited)
    [first, second] = steps([(1.0, "upright")])
    live.handle(first)
    assert (live.current.state, live.current.detail) == ("upright", INHIBITED)
    assert INHIBITED in (tmp_path / "status.json").read_text()
    dnd.on = False
    live.handle(second)
    assert (live.current.state, live.current.detail) == ("upright", "")


def fake_gsettings(folder, output: str, status: int = 0):
    """A `gsettings` program that answers `output` and counts its calls."""
    program = folder / "gsettings"
    calls = folder / "calls"
    program.write_text(f"#!/bin/sh\necho x >> '{calls}'\necho '{output}'\nexit {status}\n")
    program.chmod(0o700)
    return str(program), calls


posix_only = pytest.mark.skipif(sys.platform == "win32", reason="stand-in programs are sh scripts")


@posix_only
def test_gnome_banners_off_counts_as_inhibited_and_is_read_every_poll(tmp_path):
    program, calls = fake_gsettings(tmp_path, "false")
    now = [0.0]
    watch = InhibitionWatch("", program, poll_s=30, clock=lambda: now[0]).start()
    try:
        assert watch.ready.wait(5)
        assert watch.inhibited()
        assert calls.read_text().count("x") == 1  # not read again before 30 s
    finally:
        watch.close()


@posix_only
def test_a_desktop_without_gnomes_schema_is_never_inhibited_and_not_asked_again(tmp_path):
    program, calls = fake_gsettings(tmp_path, "No such schema", status=1)
    now = [0.0]
    watch = InhibitionWatch("", program, poll_s=0, clock=lambda: now[0])
    watch.step_s = 0.01
    watch.start()
    try:
        assert watch.ready.wait(5)
        now[0] = 100.0
        watch._stop.wait(0.1)  # several more rounds of the loop
        assert not watch.inhibited()
        assert calls.read_text().count("x") == 1
    finally:
        watch.close()


def test_no_bus_and_no_gsettings_means_never_inhibited():
    watch = InhibitionWatch("", None).start()
    try:
        assert watch.ready.wait(5) and not watch.inhibited()
    finally:
        watch.close()
