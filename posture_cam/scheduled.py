"""Working hours around a frame source: outside them there are no frames at all.

    open_source() --> ScheduledSource --frames inside [schedule]--> monitor loop --> sinks

Nothing downstream needs to know about the schedule: no frame means nothing analysed,
nothing recorded, nothing notified. A live camera is *closed* off hours (the light goes
off) and reopened when they begin; a video file (replay, tests) has no "later" to wait
for, so its frames outside the hours are skipped. `wall_of(t_s)` turns a frame's time into
wall-clock epoch seconds, the one thing a schedule can be checked against.
"""

from __future__ import annotations

import logging
from typing import Callable, Iterator

from .core.frame import Frame
from .core.schedule import Schedule
from .sources import FrameSource

log = logging.getLogger(__name__)

OFF_HOURS_CHECK_S = 60.0  # longest sleep off hours: a changed clock or schedule is seen soon


class ScheduledSource:
    """A FrameSource that yields only frames inside working hours."""

    def __init__(self, open_inner: Callable[[], FrameSource], schedule: Schedule,
                 wall_of: Callable[[float], float], *, live: bool,
                 now: Callable[[], float] | None = None,
                 wait: Callable[[float], bool] | None = None,
                 on_off_hours: Callable[[bool], None] | None = None) -> None:
        """`live`: a camera (close it and `wait(seconds) -> stop?` off hours, asking
        `now()` for the wall clock); else a file (skip the frames off hours)."""
        self._open_inner = open_inner
        self.schedule = schedule
        self._wall_of = wall_of
        self._live = live
        self._now = now
        self._wait = wait
        self._on_off_hours = on_off_hours
        self._inner: FrameSource | None = None
        self._off: bool | None = None
        self.description = "camera"
        self.analysis_fps = 0.0
        if not live:
            self._open()

    def _open(self) -> FrameSource:
        if self._inner is None:
            self._inner = self._open_inner()
            self.description = self._inner.description
            if self.analysis_fps:
                self._inner.analysis_fps = self.analysis_fps
            else:
                self.analysis_fps = self._inner.analysis_fps
        return self._inner

    def _note(self, off: bool) -> None:
        if off == self._off:
            return
        self._off = off
        log.info("%s", f"off hours ({self.schedule.words()}): the camera is closed" if off
                 else "working hours: monitoring")
        if self._on_off_hours is not None:
            self._on_off_hours(off)

    def frames(self) -> Iterator[Frame]:
        if not self._live:
            for frame in self._open().frames():
                self._forward_rate()
                inside = self.schedule.is_working(self._wall_of(frame.t_s))
                self._note(not inside)
                if inside:
                    yield frame
            return
        assert self._now is not None and self._wait is not None, "a live source needs a clock"
        while True:
            now = self._now()
            if not self.schedule.is_working(now):
                self.close()
                self._note(True)
                start = self.schedule.next_start(now)
                pause = OFF_HOURS_CHECK_S if start is None else min(OFF_HOURS_CHECK_S,
                                                                     max(1.0, start - now))
                if self._wait(pause):
                    return  # stopped
                continue
            self._note(False)
            for frame in self._open().frames():
                self._forward_rate()
                if not self.schedule.is_working(self._wall_of(frame.t_s)):
                    break
                yield frame
            else:
                return  # the camera ended by itself (a stop during a duty-cycle pause)

    def _forward_rate(self) -> None:
        """The monitor sets `analysis_fps` on us (core/pace.py); the inner source reads it."""
        if self._inner is not None and self._inner.analysis_fps != self.analysis_fps:
            self._inner.analysis_fps = self.analysis_fps

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()
            self._inner = None

    def __enter__(self) -> "ScheduledSource":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
