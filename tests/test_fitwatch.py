"""Telling the user once when the calibration no longer fits what the camera sees."""

import pytest

from posture_cam.core.analyzer import PostureSample
from posture_cam.core.events import EventKind
from posture_cam.core.fitwatch import FitWatch
from posture_cam.core.geometry import View
from posture_cam.core.readings import Readings

pytestmark = pytest.mark.unit
MOVED = "your head is 2.0 head widths to the left of where it was at calibration"


def seen(t, misfit=""):
    return PostureSample(t, True, 1, View.FRONT, Readings(head=0.1), Readings(head=0.1), 1.0,
                         misfit=misfit)


def run(watch, samples, slouched=False):
    return [e for s in samples for e in watch.update(s, slouched)]


def test_minutes_of_a_moved_camera_ask_once_for_a_recalibration():
    watch = FitWatch()
    events = run(watch, [seen(t / 2, MOVED) for t in range(2 * 600)])
    [event] = events
    assert event.kind is EventKind.RECALIBRATE and event.detail == MOVED
    assert 120 <= event.t_s <= 125  # once two minutes of frames say so


def test_a_few_odd_frames_or_a_short_visit_elsewhere_say_nothing():
    watch = FitWatch()
    samples = [seen(t / 2, MOVED if t % 4 == 0 else "") for t in range(2 * 600)]
    samples += [seen(600 + t / 2, MOVED) for t in range(2 * 60)]  # a minute at another place
    assert run(watch, samples) == []


def test_slouched_frames_are_the_slouch_detectors_business():
    watch = FitWatch()
    assert run(watch, [seen(t / 2, MOVED) for t in range(2 * 600)], slouched=True) == []


def test_after_fitting_again_it_may_ask_again():
    watch = FitWatch()
    first = run(watch, [seen(t / 2, MOVED) for t in range(2 * 300)])
    back = run(watch, [seen(300 + t / 2) for t in range(2 * 300)])
    again = run(watch, [seen(600 + t / 2, MOVED) for t in range(2 * 300)])
    assert len(first) == 1 and back == [] and len(again) == 1
