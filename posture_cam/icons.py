"""posture-cam's icon, drawn with Pillow: a seated figure on a coloured disc.

The notification icon (`data/icon.png`) is drawn once by `python -m posture_cam.icons` and
shipped; the tray draws the same figure live in the colour of the current state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

ICON = Path(__file__).resolve().parent / "data" / "icon.png"
SIZE = 64

# The disc's colour per state (tray); distinct in hue *and* brightness for colour-blind users.
COLOURS = {
    "upright": (46, 160, 67),        # green
    "slouching": (230, 126, 34),     # orange
    "away": (127, 140, 141),         # grey
    "paused": (52, 101, 164),        # blue
    "off hours": (44, 62, 80),       # dark slate
    "camera problem": (192, 57, 43), # red
    "starting": (127, 140, 141),
}


def draw_icon(colour: tuple[int, int, int], size: int = SIZE) -> Any:
    """An RGBA Pillow image: the disc in `colour`, a white seated figure on it."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(image)
    s = size / 64
    d.ellipse((1 * s, 1 * s, 63 * s, 63 * s), fill=colour + (255,))
    white = (255, 255, 255, 255)
    d.ellipse((26 * s, 10 * s, 38 * s, 22 * s), fill=white)  # head
    d.line((32 * s, 24 * s, 32 * s, 42 * s), fill=white, width=max(1, round(6 * s)))  # spine
    d.line((32 * s, 42 * s, 44 * s, 42 * s, 44 * s, 54 * s), fill=white,
           width=max(1, round(5 * s)), joint="curve")  # thigh and shin
    return image


def main() -> None:
    ICON.parent.mkdir(exist_ok=True)
    draw_icon(COLOURS["upright"]).save(ICON, optimize=True)
    print(f"{ICON}: {ICON.stat().st_size} bytes")


if __name__ == "__main__":
    main()
