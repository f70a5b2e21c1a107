"""MediaPipe PoseLandmarker -> numpy landmarks. The only module that imports mediapipe.

MediaPipe's native code logs straight to file descriptor 2; the CLI hides that noise
(see `cli.hide_native_stderr`). The estimator runs in VIDEO mode (it tracks between frames, which is faster and steadier
than detecting afresh) and must be closed deterministically: mediapipe 1.2.3 raises from
`__del__` at interpreter exit otherwise. Use it as a context manager.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import zipfile
from pathlib import Path
import cv2
import numpy as np

from .errors import UserError
from .landmarks import Pose, PoseFrame

log = logging.getLogger(__name__)

MODEL_NAME = "pose_landmarker_full.task"
REQUIRED_MEMBERS = ("pose_detector.tflite", "pose_landmarks_detector.tflite")


def default_model_path() -> Path:
    """The bundled model: beside the package in a checkout (editable install), else where
    pip put the wheel's data files (<prefix>/share/posture-cam/models)."""
    checkout = Path(__file__).resolve().parent.parent / "models" / MODEL_NAME
    installed = Path(sys.prefix) / "share" / "posture-cam" / "models" / MODEL_NAME
    return checkout if checkout.exists() or not installed.exists() else installed


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_model(path: Path) -> None:
    """Clear errors for a missing, truncated or foreign model file, before MediaPipe sees it."""
    if not path.exists():
        raise UserError(f"pose model {path} is missing",
                        hint="reinstall posture-cam, or rebuild it with models/build_model.py")
    if not zipfile.is_zipfile(path):
        raise UserError(f"pose model {path} is not a MediaPipe .task bundle (corrupt?)",
                        hint="rebuild it with models/build_model.py or pass --model PATH")
    try:
        with zipfile.ZipFile(path) as bundle:
            names = set(bundle.namelist())
            bad = bundle.testzip()
    except (zipfile.BadZipFile, OSError) as exc:
        raise UserError(f"pose model {path} is damaged: {exc}",
                        hint="rebuild it with models/build_model.py") from None
    missing = [m for m in REQUIRED_MEMBERS if m not in names]
    if missing or bad:
        raise UserError(f"pose model {path} is not a pose landmarker bundle "
                        f"({'missing ' + missing[0] if missing else 'damaged ' + str(bad)})",
                        hint="use a pose_landmarker_{lite,full,heavy}.task file")
    expected_file = path.with_name(path.name + ".sha256")
    if expected_file.exists():
        expected = expected_file.read_text().split()[0]
        if sha256_of(path) != expected:
            raise UserError(f"pose model {path} does not match its checksum {expected_file.name}",
                            hint="rebuild it with models/build_model.py")


class PoseEstimator:
    """PoseLandmarker in VIDEO mode; `detect(image_bgr, t_s)` -> PoseFrame."""

    def __init__(self, model_path: Path | None = None, num_poses: int = 2,
                 max_image_width: int = 640, min_detection_confidence: float = 0.5) -> None:
        self.model_path = Path(model_path) if model_path else default_model_path()
        check_model(self.model_path)
        from mediapipe.tasks.python import BaseOptions, vision  # slow import: only when needed
        import mediapipe as mp

        self._mp = mp
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=num_poses,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=0.5,
            min_tracking_confidence=0.5,
        )
        try:
            self._landmarker = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            raise UserError(f"pose model {self.model_path} could not be loaded: "
                            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
                            hint="is it a pose_landmarker .task bundle?") from None
        self.max_image_width = max_image_width
        self._last_ms = -1
        self._offset_ms = 0
        self._rgb: np.ndarray | None = None

    def _prepare(self, image_bgr: np.ndarray) -> np.ndarray:
        """Downscale (cheap, before colour conversion) and convert into a reused buffer."""
        if image_bgr.ndim == 2:
            image_bgr = cv2.cvtColor(image_bgr, cv2.COLOR_GRAY2BGR)
        height, width = image_bgr.shape[:2]
        if width > self.max_image_width:
            scale = self.max_image_width / width
            size = (self.max_image_width, max(1, round(height * scale)))
            image_bgr = cv2.resize(image_bgr, size, interpolation=cv2.INTER_AREA)
        if self._rgb is None or self._rgb.shape != image_bgr.shape:
            self._rgb = np.empty_like(image_bgr)
        cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB, dst=self._rgb)
        return self._rgb

    def detect(self, image_bgr: np.ndarray, t_s: float) -> PoseFrame:
        rgb = self._prepare(image_bgr)
        height, width = rgb.shape[:2]
        # VIDEO mode needs strictly increasing integer milliseconds. A source that starts
        # again (a looped or re-read video) is shifted past the last timestamp, keeping
        # the spacing between frames that MediaPipe's own smoothing relies on.
        t_ms = int(round(t_s * 1000)) + self._offset_ms
        if t_ms <= self._last_ms:
            self._offset_ms += self._last_ms + 1 - t_ms
            t_ms = self._last_ms + 1
        self._last_ms = t_ms
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)
        result = self._landmarker.detect_for_video(image, t_ms)
        poses = tuple(
            Pose.from_mediapipe(normalized, world, width, height)
            for normalized, world in zip(result.pose_landmarks, result.pose_world_landmarks)
        )
        return PoseFrame(t_s, width, height, poses)

    def close(self) -> None:
        landmarker = getattr(self, "_landmarker", None)
        if landmarker is not None:
            landmarker.close()
            self._landmarker = None

    def __enter__(self) -> "PoseEstimator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
