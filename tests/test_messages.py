"""The words users read: what was seen, for how long, and one thing to do."""

import pytest

from posture_cam.core.events import Event, EventKind, Posture
from posture_cam.core.messages import (BREAK_TIPS, BREAK_TITLE, POSTURE_TIPS, POSTURE_TITLE, compose,
                                  duration_text)

pytestmark = pytest.mark.unit


def alert(posture, duration_s=120.0):
    return Event(EventKind.ALERT, 500.0, duration_s=duration_s, posture=posture,
                 worst=1.6)


@pytest.mark.parametrize("posture, seen", [
    (Posture.HEAD_FORWARD, "Your head has been forward for 2 min."),
    (Posture.TRUNK_FORWARD, "You have been leaning toward the screen for 2 min."),
    (Posture.SHOULDERS_ROUNDED, "Your shoulders have been rounded for 2 min."),
    (Posture.SLUMPED, "You have been slumped down in your chair for 2 min."),
])
def test_alert_says_what_was_seen_and_for_how_long(posture, seen):
    title, body = compose(alert(posture), 0)
    assert title == POSTURE_TITLE
    assert body.startswith(seen + " ")
    assert body.endswith(POSTURE_TIPS[posture][0])


@pytest.mark.parametrize("posture", list(Posture))
def test_each_posture_rotates_through_distinct_short_tips(posture):
    bodies = [compose(alert(posture), i)[1] for i in range(len(POSTURE_TIPS[posture]))]
    assert len(set(bodies)) == len(bodies) >= 3
    assert compose(alert(posture), len(bodies))[1] == bodies[0]  # wraps around
    assert all(len(body) <= 160 for body in bodies)  # fits a notification bubble


def test_recalibration_request_says_why_and_what_to_run():
    event = Event(EventKind.RECALIBRATE, 400.0, detail="you sit nearer the camera than at "
                                                       "calibration")
    title, body = compose(event, 0)
    assert "recalibrate" in title.lower()
    assert "you sit nearer the camera" in body and "posture-cam calibrate" in body


def test_break_reminder_says_how_long_and_asks_to_move():
    event = Event(EventKind.BREAK_DUE, 3600.0, duration_s=3600.0)
    title, body = compose(event, 0)
    assert title == BREAK_TITLE
    assert body == f"You have been sitting for 1 h. {BREAK_TIPS[0]}"
    assert "two minutes" in body
    assert compose(event, 1)[1].endswith(BREAK_TIPS[1])


def test_alert_without_a_posture_still_reads_well():
    title, body = compose(Event(EventKind.ALERT, 60.0, duration_s=45.0), 0)
    assert body.startswith("Your head has been forward for 45 s.")


@pytest.mark.parametrize("kind", [EventKind.SLOUCH_START, EventKind.BREAK_TAKEN])
def test_events_that_are_not_notifications_have_no_message(kind):
    with pytest.raises(ValueError, match=kind.value):
        compose(Event(kind, 0.0), 0)


@pytest.mark.parametrize("seconds, text", [
    (0.2, "1 s"), (5.4, "5 s"), (45, "45 s"), (89, "89 s"), (90, "2 min"), (150, "3 min"),
    (600, "10 min"), (3569, "59 min"), (3600, "1 h"), (4500, "1 h 15 min"), (7200, "2 h"),
])
def test_durations_are_rounded_the_way_people_say_them(seconds, text):
    assert duration_text(seconds) == text
