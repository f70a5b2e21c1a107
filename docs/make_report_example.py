#!/usr/bin/env python3
"""Draws docs/report-example.png: a day report from sample clips replayed into a history.

    python docs/make_report_example.py [--samples DIR] [--out FILE.png]

The clips are replayed back to back as two sittings on Fri 20 Nov 2026 (09:00 and 09:12
local time), each calibrated on its own first seconds, into a throw-away history; then
`posture-cam report` draws the chart. The clips last under two minutes each, so alerts and
movement reminders are set to come sooner than the defaults to show up in the example.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
OUT = ROOT / "docs" / "report-example.png"
DAY = "2026-11-20"
SITTINGS = [
    ("09:00", ["front_upright_a", "front_forward_head_a", "front_head_turn_a",
               "front_rounded_shoulders_b", "front_trunk_lean_c", "front_away_b",
               "front_slumped_d", "front_second_person_c", "front_mixed_e"]),
    ("09:12", ["side_upright_b", "side_forward_head_c", "side_slumped_a"]),
]
SETTINGS = ["slouch.alert_after_s=10", "slouch.cooldown_s=60",
            "breaks.sitting_min=1", "breaks.repeat_min=1", "breaks.away_reset_s=10"]


def posture_cam(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "posture_cam.cli", *args], cwd=ROOT,
                          capture_output=True, text=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=SAMPLES, help="folder of the clips")
    parser.add_argument("--out", type=Path, default=OUT, help="the chart to write")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        history = Path(tmp) / "history.sqlite3"
        for clock, clips in SITTINGS:
            start = datetime.fromisoformat(f"{DAY}T{clock}")
            for name in clips:
                duration_s = json.loads((args.samples / f"{name}.json").read_text())["duration_s"]
                print(f"{start:%H:%M:%S}  {name}", flush=True)
                sets = [x for s in SETTINGS for x in ("--set", s)]
                replay = posture_cam("replay", str(args.samples / f"{name}.mp4"), "--history",
                                     str(history), "--start", start.isoformat(), *sets)
                if replay.returncode != 0:  # say so, and draw the rest
                    print(f"          skipped: {replay.stderr.strip()}", flush=True)
                start += timedelta(seconds=duration_s)
        report = posture_cam("report", "--day", DAY, "--history", str(history),
                             "--out", str(args.out))
        print(report.stdout + report.stderr)
        return report.returncode


if __name__ == "__main__":
    sys.exit(main())
