"""Pose landmarks as validated numpy values, independent of MediaPipe.

The pose adapter (`pose.py`) is the only module that imports mediapipe; everything
downstream sees these small frozen values, so the analysis can be tested with
hand-made landmark arrays.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

N_LANDMARKS = 33


class LandmarkId(enum.IntEnum):
    """MediaPipe's 33 BlazePose landmark indices (left/right are the person's own)."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


# Skeleton edges drawn by the preview window (upper body only: that is what we analyse).
UPPER_BODY_EDGES: tuple[tuple[LandmarkId, LandmarkId], ...] = (
    (LandmarkId.LEFT_EAR, LandmarkId.LEFT_EYE),
    (LandmarkId.LEFT_EYE, LandmarkId.NOSE),
    (LandmarkId.NOSE, LandmarkId.RIGHT_EYE),
    (LandmarkId.RIGHT_EYE, LandmarkId.RIGHT_EAR),
    (LandmarkId.LEFT_SHOULDER, LandmarkId.RIGHT_SHOULDER),
    (LandmarkId.LEFT_SHOULDER, LandmarkId.LEFT_ELBOW),
    (LandmarkId.LEFT_ELBOW, LandmarkId.LEFT_WRIST),
    (LandmarkId.RIGHT_SHOULDER, LandmarkId.RIGHT_ELBOW),
    (LandmarkId.RIGHT_ELBOW, LandmarkId.RIGHT_WRIST),
    (LandmarkId.LEFT_SHOULDER, LandmarkId.LEFT_HIP),
    (LandmarkId.RIGHT_SHOULDER, LandmarkId.RIGHT_HIP),
    (LandmarkId.LEFT_HIP, LandmarkId.RIGHT_HIP),
)


def _checked(name: str, array: np.ndarray) -> np.ndarray:
    array = np.asarray(array, dtype=np.float64)
    if array.shape != (N_LANDMARKS, 4):
        raise ValueError(f"{name}: expected shape ({N_LANDMARKS}, 4), got {array.shape}")
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class Pose:
    """One person's landmarks.

    image_xyzv: (33, 4) x, y in pixels of the analysed image (y down), z in pixels on
        the same scale as x (MediaPipe's relative depth, smaller = nearer the camera,
        origin at the hips), and visibility in [0, 1].
    world_xyzv: (33, 4) metres, origin between the hips, y down, z toward the camera
        is negative; visibility again in the last column.
    """

    image_xyzv: np.ndarray
    world_xyzv: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "image_xyzv", _checked("image_xyzv", self.image_xyzv))
        object.__setattr__(self, "world_xyzv", _checked("world_xyzv", self.world_xyzv))

    @classmethod
    def from_mediapipe(
        cls,
        normalized: Sequence[object],
        world: Sequence[object],
        image_width: int,
        image_height: int,
    ) -> "Pose":
        """Adapts MediaPipe landmark objects (duck-typed: .x .y .z .visibility).

        Normalised coordinates are scaled to pixels here so that every distance
        downstream is isotropic (MediaPipe's x and y are normalised by different sizes).
        """
        image = np.array(
            [[lm.x, lm.y, lm.z, _visibility(lm)] for lm in normalized], dtype=np.float64
        )
        image[:, 0] *= image_width
        image[:, 1] *= image_height
        image[:, 2] *= image_width
        world_xyzv = np.array(
            [[lm.x, lm.y, lm.z, _visibility(lm)] for lm in world], dtype=np.float64
        )
        return cls(image, world_xyzv)

    def xy(self, *ids: LandmarkId) -> np.ndarray:
        """Image x, y of the given landmarks, shape (len(ids), 2)."""
        return self.image_xyzv[list(ids), :2]

    def visibility(self, *ids: LandmarkId) -> np.ndarray:
        return self.image_xyzv[list(ids), 3]


def _visibility(landmark: object) -> float:
    value = getattr(landmark, "visibility", None)
    return 0.0 if value is None else float(value)


@dataclass(frozen=True)
class PoseFrame:
    """Everything the pose stage saw in one analysed frame."""

    t_s: float
    image_width: int
    image_height: int
    poses: tuple[Pose, ...] = field(default_factory=tuple)

    @property
    def person_seen(self) -> bool:
        return bool(self.poses)
