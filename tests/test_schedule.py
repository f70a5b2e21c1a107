"""Working hours: the pure schedule, its settings, and the source that closes the camera."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from posture_cam.config import settings_from
from posture_cam.core.errors import UserError
from posture_cam.core.frame import Frame
from posture_cam.core.schedule import Schedule
from posture_cam.scheduled import ScheduledSource

pytestmark = pytest.mark.unit

OFFICE = Schedule.from_settings(("mon", "tue", "wed", "thu", "fri"), "09:00", "18:00")
TUESDAY = datetime(2026, 12, 1)  # a Tuesday


def at(day: datetime, hh_mm: str) -> float:
    hours, minutes = map(int, hh_mm.split(":"))
    return day.replace(hour=hours, minute=minutes).timestamp()


@pytest.mark.parametrize("moment, inside", [
    ("08:59", False), ("09:00", True), ("12:30", True), ("17:59", True), ("18:00", False)])
def test_working_hours_are_start_inclusive_and_end_exclusive(moment, inside):
    assert OFFICE.is_working(at(TUESDAY, moment)) is inside


def test_a_day_not_listed_is_off_all_day():
    saturday = datetime(2026, 12, 5)
    assert not OFFICE.is_working(at(saturday, "12:00"))


def test_after_friday_evening_the_next_start_is_monday_morning():
    friday = datetime(2026, 12, 4)
    assert OFFICE.next_start(at(friday, "18:30")) == at(datetime(2026, 12, 7), "09:00")
    assert OFFICE.next_start(at(friday, "10:00")) == at(friday, "10:00")  # inside: now


def test_the_default_schedule_is_always_and_says_so():
    schedule = settings_from(None).schedule.schedule()
    assert schedule.always and schedule.words() == "always"
    assert OFFICE.words() == "mon-fri 09:00-18:00"


@pytest.mark.parametrize("overrides, message", [
    (["schedule.start=09:00", "schedule.end=08:00"], "'schedule.end' = '08:00' must be after"),
    (['schedule.days=["mon", "funday"]'], "'schedule.days' has unknown value 'funday'"),
    (["schedule.start=9h"], "'schedule.start' = '9h' must be a time"),
    (["schedule.end=24:30"], "'schedule.end' = '24:30' must be a time"),
    (["schedule.days=mon"], "'schedule.days' must be a list"),
])
def test_schedule_mistakes_name_the_key(overrides, message):
    with pytest.raises(UserError, match=message.replace("[", r"\[")):
        settings_from(None, overrides)


def test_schedule_settings_from_a_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[schedule]\ndays = ["mon", "wed"]\nstart = "08:30"\nend = "17:00"\n')
    assert settings_from(path).schedule.schedule().words() == "mon,wed 08:30-17:00"


class ListSource:
    """A real FrameSource over a list of timestamps; remembers being closed."""

    def __init__(self, times, log):
        self.times = times
        self.log = log
        self.description = "list"
        self.analysis_fps = 2.0
        log.append("open")

    def frames(self):
        for t in self.times:
            yield Frame(t, np.zeros((2, 2, 3), np.uint8))

    def close(self):
        self.log.append("close")


def test_a_file_replayed_across_the_end_of_the_day_yields_nothing_after_it():
    log, changes = [], []
    origin = at(TUESDAY, "17:59")
    source = ScheduledSource(lambda: ListSource([0.0, 30.0, 59.5, 60.0, 90.0], log), OFFICE,
                             lambda t: origin + t, live=False, on_off_hours=changes.append)
    assert [f.t_s for f in source.frames()] == [0.0, 30.0, 59.5]
    assert changes == [False, True]


def test_a_live_camera_is_closed_off_hours_and_reopened_when_they_begin():
    log, waits, seen = [], [], []
    clock = [at(TUESDAY, "17:59")]
    evening = [clock[0], clock[0] + 30, clock[0] + 60]  # the last one is 18:00:00
    morning = at(datetime(2026, 12, 2), "09:00")

    class Camera(ListSource):
        def frames(self):
            for frame in super().frames():
                clock[0] = frame.t_s  # a camera stamps frames with the clock
                yield frame

    def wait(seconds):
        waits.append(seconds)
        clock[0] += seconds
        return clock[0] >= morning + 1  # stop the test once the morning's frame is in

    opened = iter([evening, [morning]])
    source = ScheduledSource(lambda: Camera(next(opened), log), OFFICE, lambda t: t,
                             live=True, now=lambda: clock[0], wait=wait)
    for frame in source.frames():
        seen.append(frame.t_s)
        if frame.t_s == morning:
            break
    assert seen == evening[:2] + [morning]  # nothing from 18:00 to 09:00
    assert log == ["open", "close", "open"]  # closed at 18:00, reopened at 09:00
    assert max(waits) <= 60.0  # checks the clock at least once a minute while closed


def test_the_hours_off_count_as_a_break_when_work_begins_again(tmp_path, steps):
    from posture_cam.actions import ActionInbox
    from posture_cam.monitor_command import off_hours
    from posture_cam.core.breaks import SittingTimer
    from posture_cam.live import LiveStatus

    live, inbox, timer = LiveStatus(None), ActionInbox(tmp_path / "snooze.json"), SittingTimer()
    inbox.sitting = timer
    for t in range(0, 600, 10):  # ten minutes at the desk before 18:00
        timer.update(float(t), True)
    off_hours(False, live, inbox)  # working hours at start-up: nothing to restart
    [frame] = steps([(0.5, "upright")], t0_s=600.0)
    inbox.handle(frame)
    assert timer.sitting_s(600.0) == 600.0
    off_hours(True, live, inbox)
    assert live.current.state == "off hours"
    off_hours(False, live, inbox)  # the next morning
    [frame] = steps([(0.5, "upright")], t0_s=54_000.0)
    inbox.handle(frame)
    assert timer.sitting_s(54_010.0) == 10.0
