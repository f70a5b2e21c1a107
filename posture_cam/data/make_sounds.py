#!/usr/bin/env python3
"""Writes chime.wav, the alert sound: 0.4 s, two soft sines (E5 + B5) with a gentle fade,
8 kHz 16-bit mono (~6 KB). Run once; the WAV is committed (pure standard library).

    python posture_cam/data/make_sounds.py
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE_HZ = 8000
SECONDS = 0.4
PEAK = 0.35  # of full scale: gentle, not a beep


def chime() -> bytes:
    n = int(RATE_HZ * SECONDS)
    samples = []
    for i in range(n):
        t = i / RATE_HZ
        attack = min(1.0, t / 0.02)  # 20 ms rise: no click
        decay = math.exp(-t * 7.0) * min(1.0, (SECONDS - t) / 0.05)  # fades to silence
        value = 0.7 * math.sin(2 * math.pi * 659.3 * t) + 0.3 * math.sin(2 * math.pi * 987.8 * t)
        samples.append(int(32767 * PEAK * attack * decay * value))
    return struct.pack(f"<{n}h", *samples)


def main() -> None:
    out = Path(__file__).resolve().parent / "chime.wav"
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE_HZ)
        w.writeframes(chime())
    print(f"{out}: {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
