"""A webcam that fails on cue, behind cv2.VideoCapture's interface.

`FakeCamera` is the device; its `open` method is what `CameraSource(open_capture=...)`
calls, and returns a `FakeCapture` with isOpened/grab/retrieve/read/set/get/release.

    clock = FakeClock()
    camera = FakeCamera(clock)
    camera.missing_for(opens=2)                 # not plugged in: the next 2 opens fail
    camera.busy_for(opens=3)                    # another app has it: opens work, no frames
    camera.unplug_after(frames=20, opens=2)     # reads fail after 20 more frames; the next
                                                #   2 opens fail; then it is back
    camera.show(Picture.BLACK, from_t=5, until_t=30)   # lens cover
    camera.show(Picture.FROZEN, from_t=5, until_reopened=True)  # a stuck driver

Frames come at `fps` on the camera's own timeline, like a driver with a one-frame buffer:
`grab()` returns the newest frame at once, or waits (through `sleep`) for the next one.
With `FakeClock` the waiting is simulated, so a test replays minutes in milliseconds; with
`time.monotonic`/`time.sleep` and a `VideoScene`, it serves a video at real time
(benchmarks/bench.py uses that to compare duty-cycle and continuous capture).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from posture_cam.core.camera_health import Picture


class FakeClock:
    """Simulated monotonic time: `sleep` advances it instead of waiting."""

    def __init__(self, t_s: float = 1000.0) -> None:
        self.t_s = t_s

    def __call__(self) -> float:
        return self.t_s

    def sleep(self, seconds: float) -> None:
        self.t_s += max(0.0, seconds)


class StopAt:
    """monitor.StopFlag's interface on a FakeClock: set once the clock reaches `end_t`."""

    signal_name = ""

    def __init__(self, clock: FakeClock, end_t: float) -> None:
        self.clock, self.end_t = clock, end_t

    def is_set(self) -> bool:
        return self.clock() >= self.end_t

    def wait(self, timeout_s: float) -> bool:
        self.clock.sleep(min(timeout_s, max(0.0, self.end_t - self.clock())))
        return self.is_set()


def noisy_scene(size: tuple[int, int] = (80, 60)) -> Callable[[float], np.ndarray]:
    """A grey room with sensor noise: no two frames are identical, as with a real camera."""
    width, height = size

    def scene(t_s: float) -> np.ndarray:
        rng = np.random.default_rng(int(t_s * 1000))
        return rng.integers(90, 110, (height, width, 3), dtype=np.uint8)

    return scene


class VideoScene:
    """A video's frames, kept JPEG-compressed like a webcam's MJPEG stream.

    Decoding happens when a frame is retrieved, as with a real USB webcam.
    """

    def __init__(self, path: Path | str) -> None:
        capture = cv2.VideoCapture(str(path))
        self.fps = capture.get(cv2.CAP_PROP_FPS) or 10.0
        self._jpegs: list[bytes] = []
        while True:
            ok, image = capture.read()
            if not ok:
                break
            self._jpegs.append(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])[1]
                               .tobytes())
        capture.release()
        if not self._jpegs:
            raise ValueError(f"{path}: no frames")
        self.duration_s = len(self._jpegs) / self.fps

    def __call__(self, t_s: float) -> np.ndarray:
        index = int(t_s * self.fps + 1e-6) % len(self._jpegs)
        return cv2.imdecode(np.frombuffer(self._jpegs[index], np.uint8), cv2.IMREAD_COLOR)


class FakeCamera:
    """A webcam device; `open(index)` plays the part of `cv2.VideoCapture(index)`."""

    def __init__(self, clock: Callable[[], float], sleep: Callable[[float], object] | None = None,
                 fps: float = 10.0, scene: Callable[[float], np.ndarray] | None = None) -> None:
        self.clock = clock
        self.sleep = sleep if sleep is not None else getattr(clock, "sleep", time.sleep)
        self.fps = fps
        self.scene = scene or noisy_scene()
        self.t0 = clock()  # the camera's timeline starts when it is plugged in
        self._missing_opens = 0
        self._busy_opens = 0
        self._frames_until_unplug: int | None = None
        self._missing_after_unplug = 0
        self._generation = 0  # bumped by an unplug: captures opened before it stop working
        self._pictures: list[tuple[float, float, Picture, bool]] = []
        self._last_image: np.ndarray | None = None
        self._last_k = -1
        # What happened, for the tests' assertions.
        self.open_attempts = 0
        self.opened = 0
        self.open_now = 0
        self.max_open_at_once = 0
        self.frames_delivered = 0
        self.decoded = 0
        self.log: list[tuple[float, str]] = []  # (clock time, "open" / "release" / "frame")

    # --- faults on cue ---------------------------------------------------------------------
    def missing_for(self, opens: int) -> None:
        self._missing_opens = opens

    def busy_for(self, opens: int) -> None:
        self._busy_opens = opens

    def unplug_after(self, frames: int, opens: int = 0) -> None:
        self._frames_until_unplug = frames
        self._missing_after_unplug = opens

    def show(self, picture: Picture, from_t: float = -math.inf, until_t: float = math.inf,
             until_reopened: bool = False) -> None:
        """A black or frozen picture between two clock times (a live one elsewhere);
        `until_reopened`: until the camera is next opened after `from_t`."""
        self._pictures.append((from_t, until_t, picture, until_reopened))

    # --- the device ------------------------------------------------------------------------
    def open(self, index: int = 0) -> "FakeCapture":
        self.open_attempts += 1
        if self._missing_opens > 0:
            self._missing_opens -= 1
            self.log.append((self.clock(), "missing"))
            return FakeCapture(self, opened=False, busy=False)
        now = self.clock()
        self._pictures = [p for p in self._pictures if not (p[3] and p[0] <= now)]
        busy = self._busy_opens > 0
        if busy:
            self._busy_opens -= 1
        self.opened += 1
        self.open_now += 1
        self.max_open_at_once = max(self.max_open_at_once, self.open_now)
        self.log.append((self.clock(), "busy" if busy else "open"))
        return FakeCapture(self, opened=True, busy=busy)

    def _released(self) -> None:
        self.open_now -= 1
        self.log.append((self.clock(), "release"))

    def _next_frame(self) -> int | None:
        """Waits for the next frame like a driver with a one-frame buffer; its number."""
        if self._frames_until_unplug is not None:
            if self._frames_until_unplug <= 0:
                self._frames_until_unplug = None
                self._generation += 1
                self._missing_opens = self._missing_after_unplug
                return None
            self._frames_until_unplug -= 1
        k = math.floor((self.clock() - self.t0) * self.fps + 1e-6)
        if k <= self._last_k:
            k = self._last_k + 1
            self.sleep(max(0.0, self.t0 + k / self.fps - self.clock()))
        self._last_k = k
        self.frames_delivered += 1
        self.log.append((self.clock(), "frame"))
        return k

    def _picture_at(self, t: float) -> Picture:
        for from_t, until_t, picture, _ in self._pictures:
            if from_t <= t < until_t:
                return picture
        return Picture.LIVE

    def _image(self, k: int) -> np.ndarray:
        t = self.t0 + k / self.fps
        picture = self._picture_at(t)
        if picture is Picture.FROZEN and self._last_image is not None:
            return self._last_image.copy()
        self.decoded += 1
        image = self.scene(k / self.fps)
        if picture is Picture.BLACK:
            image = np.minimum(image, 3)
        self._last_image = image
        return image.copy()


class FakeCapture:
    """cv2.VideoCapture's interface, as CameraSource uses it."""

    def __init__(self, camera: FakeCamera, opened: bool, busy: bool) -> None:
        self.camera = camera
        self._opened = opened
        self._busy = busy
        self._generation = camera._generation
        self._grabbed: int | None = None
        self.props: dict[int, float] = {}

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name
        return self._opened

    def set(self, prop: int, value: float) -> bool:
        self.props[prop] = value
        return self._opened

    def get(self, prop: int) -> float:
        return self.props.get(prop, 0.0)

    def grab(self) -> bool:
        self._grabbed = None
        if not self._opened or self._busy or self._generation != self.camera._generation:
            return False
        self._grabbed = self.camera._next_frame()
        return self._grabbed is not None

    def retrieve(self) -> tuple[bool, np.ndarray | None]:
        if self._grabbed is None:
            return False, None
        return True, self.camera._image(self._grabbed)

    def read(self) -> tuple[bool, np.ndarray | None]:
        return self.retrieve() if self.grab() else (False, None)

    def release(self) -> None:
        if self._opened:
            self._opened = False
            self.camera._released()
