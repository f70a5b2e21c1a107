"""The loop that connects the stages and owns timing, camera faults and shutdown.

    source --frames--> Pipeline.step --StepResult--> sinks (alerts, history, JSON, preview)

A camera that is missing, busy, unplugged, or whose picture stays black (lens cover) or
frozen (stuck driver) does not end the monitor: it says so once, retries with back-off
and resumes by itself. Black frames never reach the model. SIGINT/SIGTERM set a stop
flag that the loop checks at every frame and while waiting, so the camera is released
within a second.

A pause gate (pause_gate.py) is asked between frames: while it names a reason (another app
has the camera, the screen is locked, the machine sleeps) the source is closed, and every
second the time is fed as nobody in view (an `away` pause) or told to the sinks that keep
paused time apart (`paused(pause, t_s)`, e.g. the history); then the source is reopened.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Protocol

from .core.camera_health import Picture, PictureCheck
from .core.events import Event
from .core.pace import AdaptivePace
from .core.pauses import Pause
from .core.pipeline import Pipeline, StepResult
from .pause_gate import PauseGate
from .sources import CameraError, FrameSource

log = logging.getLogger(__name__)

PAUSE_TICK_S = 1.0  # while paused: how often time is fed to the sinks and stop is checked
BUSY = Pause("camera in use by another application", away=False)


class Sink(Protocol):
    def handle(self, result: StepResult) -> None:
        ...

    def close(self) -> None:
        ...


class PauseSink(Protocol):
    """A sink that keeps paused time apart (optional: sinks without `paused` hear nothing)."""

    def paused(self, pause: Pause | None, t_s: float, events: tuple[Event, ...] = ()) -> None:
        """Every PAUSE_TICK_S while `pause` lasts, then once with None when it ends, with
        the pipeline's events of the resumption (Pipeline.resume)."""
        ...


@dataclass
class RunStats:
    frames: int = 0  # through the pipeline (the model may have skipped unchanged ones)
    skipped_frames: int = 0  # black pictures: nothing for the model to see
    camera_faults: int = 0
    pauses: int = 0
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
        on_fault: Callable[[str], None] | None = None,
        gate: PauseGate | None = None) -> RunStats:
    """Runs until the source ends, or `stop` is set; returns what happened.

    With `retry_camera`, a CameraError (missing, busy, unplugged) and a picture that stays
    black or frozen (`check_picture`, on by default with `retry_camera`) close the source
    and open it again after 1, 2, 4 ... `retry_max_s` seconds; the time in between counts
    as nobody in view. `clock` must be the clock the camera stamps its frames with, so
    that a gap while the camera is away lands on the same timeline. With `pace`, the
    source's analysis rate follows the posture (core/pace.py). `on_fault(message)` hears
    of each camera fault (the live status shows it). With `gate`, the source is closed
    while the gate names a reason to pause (module docstring); a video file reopened after
    a pause continues the timeline where the pause ended.
    """
    sinks = list(sinks)
    check_picture = retry_camera if check_picture is None else check_picture
    stats = RunStats()
    outage = _Outage(retry_max_s)
    start = clock()
    # The frames' timeline: a camera stamps frames with `clock`; a --realtime video starts
    # at 0 when the monitor does.
    timeline: Callable[[], float] = (lambda: clock() - start) if realtime else clock
    offset_s = 0.0  # added to a reopened video's times, so its timeline goes on
    try:
        while not stop.is_set():
            if gate is not None and (pause := gate.reason()) is not None:
                log.info("paused: %s; the camera is closed", pause.why)
                _sit_out(pause, gate, pipeline, sinks, stop, timeline)
                stats.pauses += 1
                offset_s = timeline() if realtime else 0.0
                if gate.reason() is None and not stop.is_set():
                    log.info("%s is over; reopening the camera", pause.why)
                continue
            busy = False
            try:
                source = open_source()
            except CameraError as exc:
                if not retry_camera:
                    raise
                fault: str | Pause | None = str(exc)
                busy = exc.busy
            else:
                try:
                    fault = _play(source, pipeline, sinks, stop, stats, outage,
                                  PictureCheck() if check_picture else None,
                                  start if realtime else None, clock, pace, gate, offset_s)
                except CameraError as exc:
                    if not retry_camera:
                        raise
                    fault = str(exc)
                    busy = exc.busy
                finally:
                    source.close()
                if fault is None and not stop.is_set():
                    return stats  # the source ended (end of a video file)
            if isinstance(fault, Pause) or (gate is not None and gate.reason() is not None):
                continue  # closed for a pause (a camera taken by a call may also fail)
            if fault is None:
                break
            if busy and gate is not None and gate.busy_camera_pauses:
                # No /proc to ask (not Linux): the camera's own "busy" is the sign of a call.
                # A quiet pause too, but the camera must be tried again to see it free.
                wait_s = outage.fault(f"{BUSY.why}; paused")
                _sit_out(BUSY, gate, pipeline, sinks, stop, timeline, for_s=wait_s)
                stats.pauses += 1
                continue
            stats.camera_faults += 1
            if on_fault is not None:
                on_fault(str(fault))
            _feed(sinks, pipeline.gap(clock()))
            stop.wait(outage.fault(str(fault)))
        stats.stopped_by_signal = bool(stop.signal_name)
        return stats
    finally:
        for sink in sinks:
            sink.close()


def _sit_out(pause: Pause, gate: PauseGate, pipeline: Pipeline, sinks: list[Sink],
             stop: StopFlag, timeline: Callable[[], float], for_s: float | None = None) -> None:
    """Waits, with the source closed, until the gate's reason changes (or, with `for_s`,
    that long while the gate names none), or `stop` is set.

    An away pause is fed as nobody in view (a locked screen is an absence, and a long one a
    break); any pause is told to the sinks that have `paused` (status, history)."""
    until_s = None if for_s is None else timeline() + for_s
    paused_at = timeline()

    def lasts() -> bool:
        if until_s is None:
            return gate.reason() == pause
        return gate.reason() is None and timeline() < until_s

    while not stop.is_set():
        t_s = timeline()
        if pause.away:
            _feed(sinks, pipeline.gap(t_s))
        _tell_paused(sinks, pause, t_s)
        if not lasts():
            break
        stop.wait(PAUSE_TICK_S if until_s is None else
                  max(0.0, min(PAUSE_TICK_S, until_s - timeline())))
    now = timeline()
    _tell_paused(sinks, None, now, () if pause.away else tuple(pipeline.resume(paused_at, now)))


def _tell_paused(sinks: list[Sink], pause: Pause | None, t_s: float,
                 events: tuple[Event, ...] = ()) -> None:
    for sink in sinks:
        paused = getattr(sink, "paused", None)
        if paused is not None:
            paused(pause, t_s, events)


def _play(source: FrameSource, pipeline: Pipeline, sinks: list[Sink], stop: StopFlag,
          stats: RunStats, outage: _Outage, check: PictureCheck | None,
          realtime_start: float | None, clock: Callable[[], float],
          pace: AdaptivePace | None = None, gate: PauseGate | None = None,
          offset_s: float = 0.0) -> str | Pause | None:
    """Feeds the source's frames through the pipeline; returns a picture problem, or the
    gate's reason to pause, if any."""
    for frame in source.frames():
        if stop.is_set():
            return None
        pause = gate.reason() if gate is not None else None
        if pause is not None:
            return pause
        if offset_s:
            frame = replace(frame, t_s=frame.t_s + offset_s)
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
