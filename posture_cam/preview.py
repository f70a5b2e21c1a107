"""`monitor --preview`: the camera picture with the skeleton and the angles, in a window.

Only shown on request and only on screen: the frame is drawn on a copy and never saved.
"""

from __future__ import annotations

import os
import sys

import cv2
import numpy as np

from .core.decision import State
from .core.landmarks import UPPER_BODY_EDGES, Pose, PoseFrame
from .monitor import StopFlag
from .core.pipeline import StepResult

WINDOW = "posture-cam preview (q to close)"
_STATE_COLOURS = {State.AWAY: (160, 160, 160), State.UPRIGHT: (80, 200, 80),
                  State.SLOUCHING: (0, 190, 255), State.ALERTED: (60, 60, 230)}


def display_available() -> bool:
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                    or os.environ.get("QT_QPA_PLATFORM") == "offscreen")
    return True


def at_analysed_size(image_bgr: np.ndarray, frame: PoseFrame) -> np.ndarray:
    """A copy of the picture at the size the landmarks were found in (never the original:
    what is drawn must not reach the camera's buffer)."""
    if frame.image_width and image_bgr.shape[1] != frame.image_width:
        return cv2.resize(image_bgr, (frame.image_width, frame.image_height),
                          interpolation=cv2.INTER_AREA)
    return image_bgr.copy()


def draw_skeleton(canvas: np.ndarray, pose: Pose, colour: tuple[int, int, int],
                  thickness: int, min_visibility: float) -> None:
    """The upper-body skeleton, leaving out bones whose ends are not seen well enough."""
    xy = pose.image_xyzv[:, :2]
    for a, b in UPPER_BODY_EDGES:
        if min(pose.image_xyzv[a, 3], pose.image_xyzv[b, 3]) < min_visibility:
            continue
        cv2.line(canvas, tuple(int(v) for v in xy[a]), tuple(int(v) for v in xy[b]),
                 colour, thickness, cv2.LINE_AA)


def draw_overlay(image_bgr: np.ndarray, result: StepResult,
                 min_visibility: float) -> np.ndarray:
    """A copy of the frame at the analysed size with skeleton, angles and state."""
    frame = result.pose_frame
    canvas = at_analysed_size(image_bgr, frame)
    colour = _STATE_COLOURS[result.state]
    for pose in frame.poses:
        draw_skeleton(canvas, pose, colour, 2, min_visibility)
    s = result.sample
    lines = [f"{result.state.value}  ({s.view.value} view, confidence {s.confidence:.2f})"]
    if s.person_seen:
        lines += [f"{name:<9} {100 * value:4.0f} % of its threshold"
                  for name, value in zip(s.severity.names(), s.severity.values())
                  if value == value]
    for i, text in enumerate(lines):
        y = 22 + 22 * i
        cv2.putText(canvas, text, (10, y), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(canvas, text, (10, y), cv2.FONT_HERSHEY_SIMPLEX, 0.6, colour, 1, cv2.LINE_AA)
    return canvas


class PreviewWindow:
    """A sink that shows each analysed frame; closing the window (q/Esc) stops the monitor."""

    def __init__(self, stop: StopFlag, min_visibility: float) -> None:
        self.stop = stop
        self.min_visibility = min_visibility

    def handle(self, result: StepResult) -> None:
        if result.image is None:
            return
        cv2.imshow(WINDOW, draw_overlay(result.image, result, self.min_visibility))
        if cv2.waitKey(1) & 0xFF in (ord("q"), 27):
            self.stop.event.set()

    def close(self) -> None:
        try:
            cv2.destroyWindow(WINDOW)
            cv2.waitKey(1)
        except cv2.error:
            pass
