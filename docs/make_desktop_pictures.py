#!/usr/bin/env python3
"""Draws docs/notification-buttons.png from what a notification server really received.

    python docs/make_desktop_pictures.py     (needs the desktop-tests extra: dbusmock)

A private session bus with dbusmock's notification_daemon (offering "actions") receives a
posture alert sent by posture-cam's own ActionNotifier; the Notify call it recorded (icon,
title, body, buttons) is drawn the way a typical notification bubble shows it. No real
notification daemon draws in a headless test machine, hence a rendering, said so in
docs/desktop.md. (The tray screenshot, docs/tray.png, is taken by tests/test_tray.py.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OUT = Path(__file__).resolve().parent / "notification-buttons.png"


def received_alert() -> tuple[str, str, str, list[str]]:
    from dbusmock import SpawnedMock
    from dbusmock.templates.notification_daemon import default_caps
    from dbusmock.testcase import BusType, PrivateDBus

    from posture_cam.actions import open_action_notifier
    from posture_cam.core.events import Event, EventKind, Posture
    from posture_cam.core.messages import compose

    bus = PrivateDBus(BusType.SESSION)
    bus.start()
    try:
        server = SpawnedMock.spawn_with_template(
            "notification_daemon", {"capabilities": " ".join(default_caps + ["actions"])},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            notifier = open_action_notifier(lambda _key: None)
            assert notifier is not None and notifier.actions, "the server offers no actions"
            event = Event(EventKind.ALERT, 60.0, duration_s=50.0, posture=Posture.HEAD_FORWARD,
                          worst=1.6)
            notifier.notify(*compose(event, 0))
            notifier.close()
            [(_t, args)] = server.obj.GetMethodCalls(
                "Notify", dbus_interface="org.freedesktop.DBus.Mock")
        finally:
            server.terminate()
    finally:
        bus.stop()
    return str(args[2]), str(args[3]), str(args[4]), [str(a) for a in args[5]]


def font(size: int, bold: bool = False):  # type: ignore[no-untyped-def]
    from PIL import ImageFont
    import matplotlib

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name), size)


def draw(icon: str, title: str, body: str, actions: list[str]) -> None:
    from PIL import Image, ImageDraw

    labels = actions[1::2]
    lines = textwrap.wrap(body, 46)
    width, height = 480, 92 + 20 * len(lines) + (48 if labels else 0)
    image = Image.new("RGB", (width + 24, height + 24), (236, 239, 241))
    d = ImageDraw.Draw(image)
    d.rounded_rectangle((12, 12, 12 + width, 12 + height), 14, fill=(48, 52, 58))
    image.paste(Image.open(icon).convert("RGBA").resize((48, 48)), (28, 30),
                Image.open(icon).convert("RGBA").resize((48, 48)))
    d.text((92, 28), "posture-cam", font=font(13), fill=(170, 176, 184))
    d.text((92, 48), title, font=font(17, bold=True), fill=(255, 255, 255))
    for i, line in enumerate(lines):
        d.text((92, 76 + 20 * i), line, font=font(14), fill=(225, 228, 232))
    x, y = 92, 84 + 20 * len(lines)
    for label in labels:
        w = int(d.textlength(label, font=font(14))) + 32
        d.rounded_rectangle((x, y, x + w, y + 34), 8, fill=(74, 80, 90))
        d.text((x + 16, y + 8), label, font=font(14), fill=(255, 255, 255))
        x += w + 10
    image.save(OUT, optimize=True)
    print(f"{OUT}: {OUT.stat().st_size} bytes (buttons: {labels})")


if __name__ == "__main__":
    os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
    draw(*received_alert())
