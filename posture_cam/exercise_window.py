"""The routine's window (OpenCV highgui): the live skeleton, the move, its rep counter or
hold timer. Shown on screen only; frames are drawn on a copy and never saved.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from .core.exercises import RepState
from .core.frame import Frame
from .core.landmarks import PoseFrame
from .core.routine import Routine, RoutineView
from .preview import at_analysed_size, draw_skeleton

WINDOW = "posture-cam break routine (q to stop)"
GREEN, AMBER, GREY, WHITE = (80, 200, 80), (0, 190, 255), (170, 170, 170), (255, 255, 255)
PANEL_H = 96
NOTICE_S = 5.0  # how long a skipped move's reason stays on screen


def _text(canvas: np.ndarray, text: str, xy: tuple[int, int], scale: float,
          colour: tuple[int, int, int], thickness: int = 1) -> None:
    x, y = xy
    for dx, dy in ((1, 1), (-1, -1), (1, -1), (-1, 1)):  # a dark edge, the same glyph widths
        cv2.putText(canvas, text, (x + dx, y + dy), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0),
                    thickness, cv2.LINE_AA)
    cv2.putText(canvas, text, xy, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thickness,
                cv2.LINE_AA)


def draw_routine(frame: Frame, pose_frame: PoseFrame, routine: Routine,
                 view: RoutineView | None, neutral_left_s: float,
                 min_visibility: float = 0.5, notice: str = "") -> np.ndarray:
    """The frame at the analysed size with the skeleton, and a panel below it."""
    image = at_analysed_size(frame.image, pose_frame)
    height, width = image.shape[:2]
    active = view is not None and view.state is RepState.IN
    colour = GREEN if active else AMBER
    for pose in pose_frame.poses[:1] if routine.pose is None else (routine.pose,):
        draw_skeleton(image, pose, colour, 3, min_visibility)
    canvas = np.zeros((height + PANEL_H, width, 3), np.uint8)
    canvas[:height] = image
    if notice:  # e.g. a move skipped because the camera cannot see it: "title: reason"
        canvas[:48] = (canvas[:48] * 0.35).astype(np.uint8)
        for i, line in enumerate(notice.split(": ", 1)):
            _text(canvas, line + (":" if i == 0 else ""), (12, 20 + 20 * i), 0.5, AMBER)
    top = height + 28
    if neutral_left_s > 0:
        _text(canvas, "Sit upright and still: taking your neutral pose", (12, top), 0.6, WHITE)
        _text(canvas, f"{math.ceil(neutral_left_s)}", (12, top + 50), 1.4, AMBER, 3)
        return canvas
    spec = view.spec if view is not None else None
    if spec is None:
        done = sum(r.completed for r in routine.results)
        _text(canvas, f"Routine done: {done} of {len(routine.results)} moves complete",
              (12, top), 0.7, GREEN, 2)
        return canvas
    position = routine.specs.index(spec) + 1
    _text(canvas, f"{position}/{len(routine.specs)}  {spec.title}", (12, top), 0.7, WHITE, 2)
    _text(canvas, spec.how, (12, top + 24), 0.45, GREY)
    if spec.reps == 1 and spec.hold_s:
        counter = f"{min(view.held_s, spec.hold_s):4.0f} / {spec.hold_s:.0f} s"
    else:
        counter = f"{view.reps} / {spec.reps}"
    _text(canvas, counter, (12, top + 60), 1.1, colour, 3)
    _text(canvas, f"{view.remaining_s:3.0f} s left", (width - 130, top + 60), 0.55, GREY)
    # the move's progress: 1 (the full range) at the bar's mark
    bar_x, bar_w = 230, max(60, width - 400)
    value = view.progress if math.isfinite(view.progress) else 0.0
    fill = int(bar_w * min(1.0, max(0.0, value) / 1.5))
    cv2.rectangle(canvas, (bar_x, top + 40), (bar_x + bar_w, top + 62), GREY, 1)
    cv2.rectangle(canvas, (bar_x, top + 41), (bar_x + fill, top + 61), colour, -1)
    mark = bar_x + int(bar_w / 1.5)
    cv2.line(canvas, (mark, top + 34), (mark, top + 68), WHITE, 2)
    if not math.isfinite(view.progress):
        _text(canvas, "not in view", (bar_x + 6, top + 57), 0.5, GREY)
    return canvas


class ExerciseWindow:
    """Shows each frame; q or Esc stops the routine."""

    def __init__(self, min_visibility: float = 0.5) -> None:
        self.min_visibility = min_visibility
        self.last: np.ndarray | None = None
        self._opened = False
        self._results_seen = 0
        self._notice = ""
        self._notice_until_t = 0.0

    def show(self, frame: Frame, pose_frame: PoseFrame, routine: Routine,
             view: RoutineView | None, neutral_left_s: float) -> bool:
        for result in routine.results[self._results_seen:]:
            if result.skipped:
                self._notice = f"{result.title} skipped: {result.skipped}"
                self._notice_until_t = frame.t_s + NOTICE_S
        self._results_seen = len(routine.results)
        notice = self._notice if frame.t_s < self._notice_until_t else ""
        self.last = draw_routine(frame, pose_frame, routine, view, neutral_left_s,
                                 self.min_visibility, notice)
        if not self._opened:  # no toolbar: the picture and the counter only
            cv2.namedWindow(WINDOW, cv2.WINDOW_AUTOSIZE | cv2.WINDOW_GUI_NORMAL)
            self._opened = True
        cv2.imshow(WINDOW, self.last)
        return cv2.waitKey(1) & 0xFF not in (ord("q"), 27)

    def close(self) -> None:
        try:
            cv2.destroyWindow(WINDOW)
            cv2.waitKey(1)
        except cv2.error:
            pass
