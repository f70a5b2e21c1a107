"""Crafted video files for the bad-input tests (written with OpenCV at test time)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def write_video(path: Path, frames: int = 20, size: tuple[int, int] = (320, 240),
                fps: float = 10.0, value: int = 90, images=None) -> Path:
    """An mp4 of flat grey frames (nobody in view), or of the given images."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    assert writer.isOpened(), "OpenCV cannot write mp4 here"
    for i in range(frames):
        if images is not None:
            image = images[i % len(images)]
        else:
            image = np.full((size[1], size[0], 3), value, np.uint8)
            cv2.circle(image, (10 + i % (size[0] - 20), size[1] // 2), 5, (200, 200, 200), -1)
        writer.write(image)
    writer.release()
    return path


def truncate(source: Path, target: Path, keep: float = 0.5) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * keep)])
    return target
