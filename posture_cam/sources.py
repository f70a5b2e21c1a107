"""Where frames come from: a camera or a video file, behind one small interface.

Both yield `Frame(t_s, image_bgr)` at the analysis rate, skipping the frames in between
with `grab()`: a camera's grab only takes the frame from the driver (decoding a webcam's
MJPEG happens in `retrieve()`, for analysed frames only); a file's grab still decodes
(the codec needs every frame) but skips the colour conversion. A file's timestamps come
from its frame position, so a replay is deterministic however fast the machine is; a
camera's come from a monotonic clock.
"""

from __future__ import annotations

import logging
import math
import os
import time
from pathlib import Path
from typing import Callable, Iterator, Protocol

import cv2
import numpy as np

from .core.errors import UserError
from .core.frame import Frame

log = logging.getLogger(__name__)


class CameraError(UserError):
    """The camera cannot be opened or stopped delivering frames; `busy`: it opened but gives
    no picture, as when another app (a video call) streams from it."""

    busy = False


class FrameSource(Protocol):
    description: str
    analysis_fps: float  # frames per second to deliver; may change between frames

    def frames(self) -> Iterator[Frame]:
        """Frames at the analysis rate until the source ends; may raise CameraError."""
        ...

    def close(self) -> None:
        ...


class _Closing:
    """Context-manager plumbing shared by the sources."""

    def close(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class VideoFileSource(_Closing):
    """A recorded video, analysed at `analysis_fps` (0 = every frame)."""

    def __init__(self, path: Path | str, analysis_fps: float = 2.0) -> None:
        self.path = Path(path)
        self.description = f"video {self.path}"
        if not self.path.exists():
            raise UserError(f"video file {self.path} does not exist")
        if self.path.is_dir():
            raise UserError(f"{self.path} is a directory, not a video file")
        if self.path.stat().st_size == 0:
            raise UserError(f"video file {self.path} is empty (0 bytes)")
        if not os.access(self.path, os.R_OK):
            raise UserError(f"video file {self.path} is not readable (check its permissions)")
        self._capture = cv2.VideoCapture(str(self.path))
        if not self._capture.isOpened():
            self._capture.release()
            raise UserError(f"{self.path} is not a video OpenCV can read",
                            hint="is it cut short or damaged? posture-cam reads .mp4, .avi, "
                                 ".mkv and .webm videos")
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.fps = fps if math.isfinite(fps) and 0.5 <= fps <= 1000 else 30.0
        self.frame_count = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.analysis_fps = analysis_fps
        self.width = int(self._capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(self._capture.get(cv2.CAP_PROP_FRAME_HEIGHT))

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps

    def frames(self) -> Iterator[Frame]:
        next_t = 0.0
        index = 0
        decoded = 0
        while True:
            # read at every frame: the monitor may change the rate as it goes (core/pace.py)
            step_s = 1.0 / self.analysis_fps if self.analysis_fps > 0 else 0.0
            t_s = index / self.fps
            if t_s + 1e-9 >= next_t:
                ok, image = self._capture.read()
                if not ok or image is None:
                    break
                decoded += 1
                next_t += step_s
                # Never fall behind by more than a step (e.g. after a variable-rate stretch).
                next_t = max(next_t, t_s + step_s * 0.5)
                yield Frame(t_s, image)
            elif not self._capture.grab():
                break
            index += 1
        if decoded == 0:
            raise UserError(f"{self.path} contains no frames OpenCV can decode",
                            hint="the file may be truncated or not a video")
        if self.frame_count and index < 0.9 * self.frame_count:
            log.warning("%s ended after %d of %d frames (truncated file?)",
                        self.path, index, self.frame_count)

    def close(self) -> None:
        self._capture.release()


class CameraSource(_Closing):
    """A webcam. Frames are grabbed at the camera's rate (cheap) and decoded only when due.

    Timestamps come from `clock` (monotonic), so a camera reopened after a fault continues
    the same timeline when the monitor passes the same clock.
    With `duty_cycle`, the camera is opened for a short burst every `burst_every_s` and
    released in between, so a video-call app can take it. Faults (missing, busy, unplugged)
    raise CameraError and leave the camera released; the monitor retries with back-off.
    `sleep` waits between bursts; when it returns true (e.g. `StopFlag.wait`), the source
    ends at once instead of opening the camera again.
    """

    WARMUP_FRAMES = 5  # auto-exposure needs a few frames after opening

    def __init__(self, index: int = 0, width: int = 640, height: int = 480, fps: float = 10.0,
                 analysis_fps: float = 2.0, duty_cycle: bool = False,
                 burst_every_s: float = 10.0,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], object] = time.sleep,
                 open_capture: Callable[[int], "cv2.VideoCapture"] | None = None) -> None:
        self.index = index
        self.description = f"camera {index}"
        self.width, self.height, self.fps = width, height, fps
        self.analysis_fps = analysis_fps
        self.duty_cycle = duty_cycle
        self.burst_every_s = burst_every_s
        self._clock, self._sleep = clock, sleep
        self._open_capture = open_capture or (lambda i: cv2.VideoCapture(i))
        self._capture: cv2.VideoCapture | None = None
        if not duty_cycle:
            self._open()

    def _open(self) -> None:
        capture = self._open_capture(self.index)
        if not capture.isOpened():
            capture.release()
            raise CameraError(f"camera {self.index} cannot be opened",
                              hint="is a webcam connected? `posture-cam doctor` checks it")
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        capture.set(cv2.CAP_PROP_FPS, self.fps)
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self._capture = capture
        if not self._grab_ok():
            self._release()
            error = CameraError(f"camera {self.index} is busy or gives no picture",
                                hint="another app, e.g. a video call, may be using it; "
                                     "--duty-cycle shares the camera")
            error.busy = True
            raise error

    def _release(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    def _grab_ok(self) -> bool:
        try:
            return bool(self._capture.grab())  # type: ignore[union-attr]
        except cv2.error:
            return False

    def _lost(self) -> CameraError:
        self._release()
        return CameraError(f"camera {self.index} stopped delivering frames",
                           hint="was it unplugged, or taken by another app?")

    def _grab(self) -> None:
        """Takes the next frame from the driver without decoding it."""
        if not self._grab_ok():
            raise self._lost()

    def _retrieve(self) -> np.ndarray:
        """Decodes the frame grabbed last."""
        try:
            ok, image = self._capture.retrieve()  # type: ignore[union-attr]
        except cv2.error:
            ok, image = False, None
        if not ok or image is None or image.size == 0:
            raise self._lost()
        return image

    def frames(self) -> Iterator[Frame]:
        if self.duty_cycle:
            yield from self._bursts()
            return
        next_t = self._clock()
        while True:
            step_s = 1.0 / self.analysis_fps  # the monitor may change it (core/pace.py)
            if self._capture is None:
                self._open()
            # The driver paces us: grab (no decoding) until the next analysis is due.
            self._grab()
            now = self._clock()
            while now < next_t:
                self._grab()
                now = self._clock()
            image = self._retrieve()
            next_t = max(next_t + step_s, now)
            yield Frame(now, image)

    def _bursts(self) -> Iterator[Frame]:
        """One analysed frame per burst; the camera is released while we wait."""
        while True:
            started = self._clock()
            self._open()
            try:
                for _ in range(self.WARMUP_FRAMES):
                    self._grab()
                image = self._retrieve()
            finally:
                self._release()
            yield Frame(self._clock(), image)
            if self._sleep(max(0.0, started + self.burst_every_s - self._clock())):
                return  # asked to stop while waiting: do not open the camera again

    def close(self) -> None:
        self._release()


class LoopingSource(_Closing):
    """Replays a video again and again with a continuous timeline (soak tests, demos)."""

    def __init__(self, path: Path | str, analysis_fps: float = 2.0, max_loops: int = 0) -> None:
        self.path = Path(path)
        self.analysis_fps = analysis_fps
        self.max_loops = max_loops
        self.description = f"video {self.path} (looped)"
        self._current = VideoFileSource(self.path, analysis_fps)

    def frames(self) -> Iterator[Frame]:
        offset_s = 0.0
        loops = 0
        while True:
            last_t = 0.0
            for frame in self._current.frames():
                last_t = frame.t_s
                yield Frame(offset_s + frame.t_s, frame.image)
                self._current.analysis_fps = self.analysis_fps  # the monitor may change it
            loops += 1
            if self.max_loops and loops >= self.max_loops:
                return
            # The next loop starts one clip length later (or just after the last frame
            # when the container does not say how long it is).
            offset_s += max(self._current.duration_s, last_t + 1.0 / self._current.fps)
            self._current.close()
            self._current = VideoFileSource(self.path, self.analysis_fps)

    def close(self) -> None:
        self._current.close()
