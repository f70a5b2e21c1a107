"""The loop that connects the stages and owns timing, camera faults and shutdown.

    source --frames--> Pipeline.step --StepResult--> sinks (alerts, history, JSON, preview)

A camera that is missing, busy, unplugged, or whose picture stays black (lens cover) or
frozen (stuck driver) does not end the monitor: it says so once, retries with back-off
and resumes by itself. Black frames never reach the model. SIGINT/SIGTERM set a stop
flag that the loop checks at every frame and while waiting, so the camera is released
within a second.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Protocol

from .core.camera_health import Picture, PictureCheck
from .core.pace import AdaptivePace
from .core.pipeline import Pipeline, StepResult
from .sources import CameraError, FrameSource

log = logging.getLogger(__name__)


class Sink(Protocol):
    def handle(self, result: StepResult) -> None:
        ...

    def close(self) -> None:
        ...


@dataclass
class RunStats:
    frames: int = 0  # analysed by the model
    skipped_frames: int = 0  # black pictures: nothing for the model to see
    camera_faults: int = 0
    stopped_by_signal: bool = False


class StopFlag:
    """A threading.Event that SIGINT/SIGTERM set (installed only in the main thread)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signal_name = ""

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._handler)

    def _handler(self, signum: int, _frame: object) -> None:
        self.signal_name = signal.Signals(signum).name
        self.event.set()

    def is_set(self) -> bool:
        return self.event.is_set()

    def wait(self, timeout_s: float) -> bool:
        return self.event.wait(timeout_s)


class _Outage:
    """Says what went wrong once per outage, backs off, and says when the camera is back."""

    def __init__(self, retry_max_s: float) -> None:
        self.retry_max_s = retry_max_s
        self.backoff_s = 1.0
        self.reported: str | None = None

    def fault(self, message: str) -> float:
        """Says `message` once per outage (later changes go to the log file only);
        returns how long to wait before the next attempt."""
        if self.reported is None:
            log.warning("%s; retrying in the background", message)
        elif message != self.reported:
            log.info("%s; still retrying", message)
        self.reported = message
        wait_s = self.backoff_s
        self.backoff_s = min(self.backoff_s * 2, self.retry_max_s)
        return wait_s

    def healthy(self, description: str) -> None:
        if self.reported is not None:
            log.warning("%s is back; monitoring again", description)
            self.reported = None
        self.backoff_s = 1.0


def run(open_source: Callable[[], FrameSource], pipeline: Pipeline, sinks: Iterable[Sink],
        stop: StopFlag, *, retry_camera: bool = False, retry_max_s: float = 60.0,
        realtime: bool = False, clock: Callable[[], float] = time.monotonic,
        check_picture: bool | None = None, pace: AdaptivePace | None = None,
        on_fault: Callable[[str], None] | None = None) -> RunStats:
    """Runs until the source ends, or `stop` is set; returns what happened.

    With `retry_camera`, a CameraError (missing, busy, unplugged) and a picture that stays
    black or frozen (`check_picture`, on by default with `retry_camera`) close the source
    and open it again after 1, 2, 4 ... `retry_max_s` seconds; the time in between counts
    as nobody in view. `clock` must be the clock the camera stamps its frames with, so
    that a gap while the camera is away lands on the same timeline. With `pace`, the
    source's analysis rate follows the posture (core/pace.py). `on_fault(message)` hears
    of each camera fault (the live status shows it).
    """
    sinks = list(sinks)
    check_picture = retry_camera if check_picture is None else check_picture
    stats = RunStats()
    outage = _Outage(retry_max_s)
    start = clock()
    try:
        while not stop.is_set():
            try:
                source = open_source()
            except CameraError as exc:
                if not retry_camera:
                    raise
                fault = str(exc)
            else:
                try:
                    fault = _play(source, pipeline, sinks, stop, stats, outage,
                                  PictureCheck() if check_picture else None,
                                  start if realtime else None, clock, pace)
                except CameraError as exc:
                    if not retry_camera:
                        raise
                    fault = str(exc)
                finally:
                    source.close()
                if fault is None and not stop.is_set():
                    return stats  # the source ended (end of a video file)
            if fault is None:
                break
            stats.camera_faults += 1
            if on_fault is not None:
                on_fault(fault)
            _feed(sinks, pipeline.gap(clock()))
            stop.wait(outage.fault(fault))
        stats.stopped_by_signal = bool(stop.signal_name)
        return stats
    finally:
        for sink in sinks:
            sink.close()


def _play(source: FrameSource, pipeline: Pipeline, sinks: list[Sink], stop: StopFlag,
          stats: RunStats, outage: _Outage, check: PictureCheck | None,
          realtime_start: float | None, clock: Callable[[], float],
          pace: AdaptivePace | None = None) -> str | None:
    """Feeds the source's frames through the pipeline; returns a picture problem, if any."""
    for frame in source.frames():
        if stop.is_set():
            return None
        if realtime_start is not None:
            delay = realtime_start + frame.t_s - clock()
            if delay > 0 and stop.wait(delay):
                return None
        look = check.update(frame.image, frame.t_s) if check else Picture.LIVE
        if look is Picture.LIVE:
            outage.healthy(source.description)
        elif check is not None and check.problem:
            return f"{source.description} {check.problem}"
        if look is Picture.BLACK:
            _feed(sinks, pipeline.gap(frame.t_s))  # nothing to see: spare the model
            stats.skipped_frames += 1
        else:
            result = pipeline.step(frame)
            _feed(sinks, result)
            stats.frames += 1
            if pace is not None:
                source.analysis_fps = pace.after(result)
    return None


def _feed(sinks: list[Sink], result: StepResult) -> None:
    for sink in sinks:
        sink.handle(result)
