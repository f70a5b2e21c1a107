"""The loop that connects the stages and owns timing, camera faults and shutdown.

    source --frames--> Pipeline.step --StepResult--> sinks (alerts, history, JSON, preview)

A camera that is missing, busy or unplugged does not end the monitor: it says so once,
retries with back-off and resumes by itself. SIGINT/SIGTERM set a stop flag that the loop
checks at every frame and while waiting, so the camera is released within a second.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Protocol

from .pipeline import Pipeline, StepResult
from .sources import CameraError, FrameSource

log = logging.getLogger(__name__)


class Sink(Protocol):
    def handle(self, result: StepResult) -> None:
        ...

    def close(self) -> None:
        ...


@dataclass
class RunStats:
    frames: int = 0
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


def run(open_source: Callable[[], FrameSource], pipeline: Pipeline, sinks: Iterable[Sink],
        stop: StopFlag, *, retry_camera: bool = False, retry_max_s: float = 60.0,
        realtime: bool = False, clock: Callable[[], float] = time.monotonic) -> RunStats:
    """Runs until the source ends, or `stop` is set; returns what happened.

    `clock` must be the clock the camera source stamps its frames with, so that a gap
    while the camera is away lands on the same timeline.
    """
    sinks = list(sinks)
    stats = RunStats()
    backoff_s = 1.0
    fault_reported = False
    start = clock()
    try:
        while not stop.is_set():
            try:
                source = open_source()
            except CameraError as exc:
                if not retry_camera:
                    raise
                stats.camera_faults += 1
                if not fault_reported:
                    log.warning("%s; retrying in the background", exc)
                    fault_reported = True
                _feed(sinks, pipeline.gap(clock()))
                stop.wait(backoff_s)
                backoff_s = min(backoff_s * 2, retry_max_s)
                continue
            try:
                if fault_reported:
                    log.warning("%s is back; monitoring again", source.description)
                    fault_reported = False
                for frame in source.frames():
                    if stop.is_set():
                        break
                    if realtime:
                        delay = start + frame.t_s - clock()
                        if delay > 0 and stop.wait(delay):
                            break
                    _feed(sinks, pipeline.step(frame))
                    stats.frames += 1
                    backoff_s = 1.0
                else:
                    return stats  # the source ended (end of a video file)
            except CameraError as exc:
                if not retry_camera:
                    raise
                stats.camera_faults += 1
                log.warning("%s; retrying in the background", exc)
                fault_reported = True
                stop.wait(backoff_s)
                backoff_s = min(backoff_s * 2, retry_max_s)
            finally:
                source.close()
        stats.stopped_by_signal = bool(stop.signal_name)
        return stats
    finally:
        for sink in sinks:
            sink.close()


def _feed(sinks: list[Sink], result: StepResult) -> None:
    for sink in sinks:
        sink.handle(result)
