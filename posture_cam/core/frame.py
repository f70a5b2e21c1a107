"""One picture with its time: what a frame source yields and the pipeline consumes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Frame:
    t_s: float  # video position, or a monotonic clock for a camera
    image: np.ndarray  # (height, width, 3) uint8, BGR as OpenCV delivers it
