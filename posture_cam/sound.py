"""The gentle chime (`alerts.style = "sound" | "both"`), played with what the platform has.

    Linux    pw-play (PipeWire) > paplay (PulseAudio) > aplay (ALSA)
    macOS    afplay
    Windows  winsound (standard library)

The sound is `data/chime.wav` (0.4 s, ~6 KB, made by data/make_sounds.py), shipped in the
package. The player runs in the background, so the monitor never waits for it. With no
player at all there is one log line and the alert still reaches you another way.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CHIME = Path(__file__).resolve().parent / "data" / "chime.wav"
PLAYERS = {"linux": ("pw-play", "paplay", "aplay"), "darwin": ("afplay",)}


def find_player(platform: str | None = None) -> list[str] | None:
    """The command that plays a WAV file here (the file is appended), or None."""
    for name in PLAYERS.get(_key(platform or sys.platform), ()):
        found = shutil.which(name)
        if found:
            return [found, "-q"] if name == "aplay" else [found]
    return None


def _key(platform: str) -> str:
    return "linux" if platform.startswith(("linux", "freebsd")) else platform


class SoundNotifier:
    """A Notifier that plays the chime: True when a player was started."""

    name = "sound"

    def __init__(self, path: Path = CHIME, platform: str | None = None) -> None:
        self.path = path
        self.platform = platform or sys.platform
        self._player = None if self.platform == "win32" else find_player(self.platform)
        self._running: subprocess.Popen[bytes] | None = None
        self._warned = False
        if self.platform != "win32" and self._player is None:
            looked_for = ", ".join(PLAYERS.get(_key(self.platform), ())) or "none known here"
            self._warn(f"no sound player found (looked for: {looked_for}); alerts are "
                       "not played as a sound")

    def notify(self, title: str, message: str) -> bool:
        if self.platform == "win32":
            return self._winsound()
        if self._player is None:
            return False
        if self._running is not None and self._running.poll() is None:
            return True  # still chiming: one at a time
        try:
            self._running = subprocess.Popen([*self._player, str(self.path)],
                                             stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL)
        except OSError as exc:
            self._warn(f"the sound player {self._player[0]} failed: {exc}")
            return False
        return True

    def _winsound(self) -> bool:  # pragma: no cover - Windows only
        try:
            import winsound

            winsound.PlaySound(str(self.path), winsound.SND_FILENAME | winsound.SND_ASYNC)
        except (ImportError, RuntimeError) as exc:
            self._warn(f"winsound failed: {exc}")
            return False
        return True

    def _warn(self, text: str) -> None:
        if not self._warned:
            log.warning("%s", text)
            self._warned = True


class BothNotifier:
    """The notification and the chime (`alerts.style = "both"`)."""

    def __init__(self, notifier: Any, sound: SoundNotifier) -> None:
        self.notifier = notifier
        self.sound = sound
        self.name = f"{notifier.name}+sound"

    def notify(self, title: str, message: str) -> bool:
        self.sound.notify(title, message)
        return bool(self.notifier.notify(title, message))
