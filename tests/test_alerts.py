"""The alert gate: rate limit, snooze through a real file, tip rotation, one log line each."""

import logging
import time

import pytest

from posture_cam.alerts import Alerter
from posture_cam.core.analyzer import PostureSample
from posture_cam.control import SnoozeWatch, clear_snooze, read_snooze, write_snooze
from posture_cam.core.decision import State
from posture_cam.core.events import Event, EventKind, Posture
from posture_cam.core.landmarks import PoseFrame
from posture_cam.core.messages import BREAK_TITLE, POSTURE_TIPS, POSTURE_TITLE
from posture_cam.notify import RecordingNotifier
from posture_cam.core.pipeline import StepResult

pytestmark = pytest.mark.unit


def alert(t, duration_s=45.0, posture=Posture.HEAD_FORWARD):
    return Event(EventKind.ALERT, t, duration_s=duration_s, posture=posture, worst=1.7)


def break_due(t, duration_s=3600.0):
    return Event(EventKind.BREAK_DUE, t, duration_s=duration_s)


def step(t, state=State.UPRIGHT, *events):
    return StepResult(PostureSample.nobody(t), state, tuple(events), PoseFrame(t, 0, 0, ()), 0.0)


@pytest.fixture
def notifier():
    return RecordingNotifier()


def test_first_alert_is_shown_with_what_was_seen(notifier):
    alerter = Alerter(notifier, min_interval_s=120)
    alerter.handle(step(50, State.ALERTED, alert(50)))
    assert notifier.sent == [(POSTURE_TITLE, "Your head has been forward for 45 s. "
                              + POSTURE_TIPS[Posture.HEAD_FORWARD][0])]


def test_events_that_are_not_alerts_are_not_shown(notifier):
    alerter = Alerter(notifier)
    alerter.handle(step(10, State.SLOUCHING, Event(EventKind.SLOUCH_START, 7.0)))
    alerter.handle(step(20, State.AWAY, Event(EventKind.AWAY_START, 17.0)))
    assert notifier.sent == []


def test_alert_too_soon_after_the_previous_is_held_and_dropped_if_the_slouch_ended(notifier):
    alerter = Alerter(notifier, min_interval_s=120)
    alerter.handle(step(100, State.ALERTED, alert(100)))
    alerter.handle(step(160, State.ALERTED, alert(160)))
    alerter.handle(step(200, State.UPRIGHT, Event(EventKind.SLOUCH_END, 195.0)))
    for t in range(201, 400):
        alerter.handle(step(t, State.UPRIGHT))
    assert len(notifier.sent) == 1
    assert alerter.suppressed == 1


def test_held_alert_is_shown_when_the_interval_is_over_if_still_slouching(notifier):
    alerter = Alerter(notifier, min_interval_s=120)
    alerter.handle(step(100, State.ALERTED, alert(100)))
    alerter.handle(step(160, State.ALERTED, alert(160, duration_s=45)))
    for t in range(161, 220):
        alerter.handle(step(t, State.ALERTED))
    assert len(notifier.sent) == 1
    alerter.handle(step(220, State.ALERTED))
    assert len(notifier.sent) == 2
    assert notifier.sent[1][1].startswith("Your head has been forward for 2 min.")  # 45 + 60 s


def test_break_reminder_right_after_a_posture_alert_waits_instead_of_being_lost(notifier):
    alerter = Alerter(notifier, min_interval_s=120)
    alerter.handle(step(3560, State.ALERTED, alert(3560)))
    alerter.handle(step(3600, State.ALERTED, break_due(3600)))
    alerter.handle(step(3630, State.ALERTED, alert(3630)))  # does not displace the reminder
    for t in range(3631, 3700):
        alerter.handle(step(t, State.UPRIGHT))
    assert [title for title, _ in notifier.sent] == [POSTURE_TITLE, BREAK_TITLE]
    assert notifier.sent[1][1].startswith("You have been sitting for 1 h 1 min.")  # shown at 3680 s


def test_held_break_reminder_is_dropped_when_the_user_takes_the_break(notifier):
    alerter = Alerter(notifier, min_interval_s=120)
    alerter.handle(step(3560, State.ALERTED, alert(3560)))
    alerter.handle(step(3600, State.UPRIGHT, break_due(3600)))
    alerter.handle(step(3620, State.AWAY))
    alerter.handle(step(3660, State.UPRIGHT, Event(EventKind.BREAK_TAKEN, 3660, duration_s=40)))
    for t in range(3661, 3800):
        alerter.handle(step(t, State.UPRIGHT))
    assert [title for title, _ in notifier.sent] == [POSTURE_TITLE]


def test_notifications_spaced_by_the_interval_are_all_shown_with_rotating_tips(notifier):
    alerter = Alerter(notifier, min_interval_s=120)
    for t in (100, 220, 340, 460):
        alerter.handle(step(t, State.ALERTED, alert(t)))
    tips = POSTURE_TIPS[Posture.HEAD_FORWARD]
    assert [body.split(". ", 1)[1] for _, body in notifier.sent] == [*tips, tips[0]]


def test_rotation_is_kept_per_kind(notifier):
    alerter = Alerter(notifier, min_interval_s=0)
    alerter.handle(step(1, State.ALERTED, alert(1)))
    alerter.handle(step(2, State.ALERTED, break_due(2)))
    alerter.handle(step(3, State.ALERTED, alert(3)))
    bodies = [body for _, body in notifier.sent]
    assert bodies[1].endswith("walk down the corridor and back.")  # the first break tip
    assert bodies[0] != bodies[2]


def test_snooze_file_silences_alerts_and_resume_restores_them(notifier, tmp_path):
    snooze_file = tmp_path / "state" / "snooze.json"
    alerter = Alerter(notifier, min_interval_s=0, snooze=SnoozeWatch(snooze_file))
    write_snooze(snooze_file, time.time() + 600)
    alerter.handle(step(10, State.ALERTED, alert(10)))
    alerter.handle(step(20, State.UPRIGHT, break_due(20)))
    assert notifier.sent == [] and alerter.suppressed == 2
    assert clear_snooze(snooze_file)
    alerter.handle(step(30, State.ALERTED, alert(30)))
    assert len(notifier.sent) == 1


def test_snooze_ends_by_itself_when_its_time_is_up(notifier, tmp_path):
    now = [1000.0]
    snooze_file = tmp_path / "snooze.json"
    write_snooze(snooze_file, 1600.0)
    alerter = Alerter(notifier, min_interval_s=0, snooze=SnoozeWatch(snooze_file, lambda: now[0]))
    alerter.handle(step(10, State.ALERTED, alert(10)))
    now[0] = 1601.0
    alerter.handle(step(20, State.ALERTED, alert(20)))
    assert len(notifier.sent) == 1


def test_a_new_snooze_written_while_running_is_picked_up(notifier, tmp_path):
    snooze_file = tmp_path / "snooze.json"
    watch = SnoozeWatch(snooze_file)
    write_snooze(snooze_file, time.time() - 1)  # an old, expired snooze
    assert not watch.snoozed()
    write_snooze(snooze_file, time.time() + 60)  # same size, maybe the same mtime tick
    assert watch.snoozed()
    assert 0 < watch.remaining_s() <= 60


@pytest.mark.parametrize("content", ["{not json", '{"other": 1}', '{"snooze_until_epoch_s": "x"}',
                                     '{"snooze_until_epoch_s": Infinity}'])
def test_damaged_snooze_file_is_ignored_with_a_warning(tmp_path, caplog, content):
    snooze_file = tmp_path / "snooze.json"
    snooze_file.write_text(content)
    with caplog.at_level(logging.WARNING):
        assert read_snooze(snooze_file) == 0.0
    assert "posture-cam resume" in caplog.text


def test_resume_without_a_snooze_says_so(tmp_path):
    assert clear_snooze(tmp_path / "snooze.json") is False


def test_one_log_line_per_notification_and_per_snooze_change(notifier, tmp_path, caplog):
    snooze_file = tmp_path / "snooze.json"
    alerter = Alerter(notifier, min_interval_s=0, snooze=SnoozeWatch(snooze_file))
    with caplog.at_level(logging.INFO, logger="posture_cam"):
        alerter.handle(step(10, State.ALERTED, alert(10)))
        write_snooze(snooze_file, time.time() + 600)
        alerter.handle(step(11, State.ALERTED))
        alerter.handle(step(12, State.ALERTED))
        clear_snooze(snooze_file)
        alerter.handle(step(13, State.UPRIGHT))
        alerter.handle(step(70, State.UPRIGHT, Event(EventKind.BREAK_TAKEN, 70, duration_s=300)))
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == notifier.sent[0][0] + ": " + notifier.sent[0][1]
    assert lines[1].startswith("alerts snoozed until ")
    assert lines[2:] == ["alerts resumed", "break taken: away for 5 min; the sitting clock "
                         "starts again"]


def test_a_notifier_that_cannot_deliver_does_not_stop_the_alerter(tmp_path):
    refusing = RecordingNotifier(deliver=False)
    alerter = Alerter(refusing, min_interval_s=0)
    alerter.handle(step(10, State.ALERTED, alert(10)))
    alerter.handle(step(20, State.ALERTED, alert(20)))
    assert len(refusing.sent) == 2
    alerter.close()
