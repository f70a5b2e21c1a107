"""The words of the product: short, kind, with what was seen and one thing to do."""

from __future__ import annotations

import math

from .events import Event, EventKind, Posture

POSTURE_TITLE = "Posture check"
BREAK_TITLE = "Time to move"
RECALIBRATE_TITLE = "Please recalibrate posture-cam"

_SEEN = {
    Posture.HEAD_FORWARD: "Your head has been forward",
    Posture.TRUNK_FORWARD: "You have been leaning toward the screen",
    Posture.SHOULDERS_ROUNDED: "Your shoulders have been rounded",
    Posture.SLUMPED: "You have been slumped down in your chair",
}

POSTURE_TIPS = {
    Posture.HEAD_FORWARD: (
        "Sit back and draw your chin gently back over your shoulders.",
        "Lift your sternum a little; your head will follow.",
        "Bring the screen closer rather than your head.",
    ),
    Posture.TRUNK_FORWARD: (
        "Sit back and let the backrest carry you.",
        "Slide your hips to the back of the chair and lift your sternum.",
        "Bring the keyboard and screen to you, not you to them.",
    ),
    Posture.SHOULDERS_ROUNDED: (
        "Squeeze your shoulder blades together for five seconds, then let them settle.",
        "Stretch your chest: hands behind your head, elbows wide, three slow breaths.",
        "Roll your shoulders up, back and down, and let your arms hang loose.",
    ),
    Posture.SLUMPED: (
        "Slide your hips to the back of the seat and sit tall.",
        "Plant your feet, push your hips back and let your spine stack up.",
        "Stand up for a moment, then sit back down all the way to the backrest.",
    ),
}

BREAK_TIPS = (
    "Get up and move for two minutes: walk down the corridor and back.",
    "Take two minutes: climb a flight of stairs.",
    "Take two minutes: stand in a doorway and stretch your chest, then walk a little.",
)


def duration_text(seconds: float, precise: bool = False) -> str:
    """Rounded the way people say it: '40 s', '2 min', '1 h', '1 h 15 min'.

    `precise` (reports, where minutes add up): '35 s', '4 min 10 s', '12 min', '1 h 05 min'.
    """
    if precise:
        return _precise_duration(seconds)
    if seconds < 90:
        return f"{max(1, int(seconds + 0.5))} s"
    minutes = int(seconds / 60 + 0.5)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h" if minutes == 0 else f"{hours} h {minutes} min"


def _precise_duration(seconds: float) -> str:
    seconds = round(max(0.0, seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 10 and secs:
        return f"{minutes} min {secs} s"
    if minutes < 60:
        return f"{round(seconds / 60)} min"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes:02d} min"


def percent(share: float) -> str:
    """A share as a whole percentage; '-' where there is none (NaN)."""
    return "-" if not math.isfinite(share) else f"{100 * share:.0f} %"


def compose(event: Event, rotation: int) -> tuple[str, str]:
    """(title, body) for a notification: what was seen, then one thing to do.

    `rotation` picks the tip, so successive notifications of a kind do not repeat themselves.
    """
    if event.kind is EventKind.RECALIBRATE:
        return RECALIBRATE_TITLE, (
            f"posture-cam no longer sees you as you were calibrated: {event.detail}. "
            "When you sit the way you want to sit, run `posture-cam calibrate`.")
    if event.kind is EventKind.BREAK_DUE:
        tip = BREAK_TIPS[rotation % len(BREAK_TIPS)]
        return BREAK_TITLE, f"You have been sitting for {duration_text(event.duration_s)}. {tip}"
    if event.kind is EventKind.ALERT:
        posture = event.posture or Posture.HEAD_FORWARD
        tips = POSTURE_TIPS[posture]
        seen = f"{_SEEN[posture]} for {duration_text(event.duration_s)}."
        return POSTURE_TITLE, f"{seen} {tips[rotation % len(tips)]}"
    raise ValueError(f"no message for {event.kind.value}")
