"""Why the monitor is paused, and which reason wins when there are several.

    /proc watcher  --"camera in use by zoom"-->  +-----------+
    D-Bus listener --"screen locked"---------->  | PauseGate | --reason()--> monitor loop
    D-Bus listener --"suspending"------------->  +-----------+

A pause closes the camera. Two kinds, because the user is in two different places:
  away     the screen is locked or the machine sleeps: the user left, so the time is
           "nobody in view" (the sitting clock sees an absence, the history an away time)
  paused   another app has the camera (a video call): the user is still at the desk but
           not watched, so the time is neither present nor away (a `paused` span)
Pure: the gate (threads, locks) lives in posture_cam/pause_gate.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Pause:
    """One reason to stop looking: its words (for the log and the status) and its kind."""

    why: str  # e.g. "camera in use by zoom", "screen locked"
    away: bool  # True: count the time as nobody in view; False: as paused (not measured)


def winning_pause(pauses: Iterable[Pause]) -> Pause | None:
    """The reason that decides, or None: an away reason before a paused one (a call that
    keeps the camera while the screen is locked is still an absence), else the first."""
    pauses = list(pauses)
    return next((p for p in pauses if p.away), pauses[0] if pauses else None)
