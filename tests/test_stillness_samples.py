"""The still-picture gate on real model runs: it saves model runs, and the slouches,
their times and the alerts are the same as with the model on every frame."""

from __future__ import annotations

import json
import re

import pytest

from conftest import sample

pytestmark = [pytest.mark.model, pytest.mark.cli]

ALWAYS = ("--set", "analysis.reuse_still_s=0")


def timeline(cli, clip: str, *extra: str) -> tuple[list[dict], list[dict]]:
    result = cli("replay", sample(clip), "--json", "--set", "slouch.alert_after_s=10", *extra)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    return ([r for r in records if r["type"] == "frame"],
            [r for r in records if r["type"] == "event"])


@pytest.mark.parametrize("clip", ["front_rounded_shoulders_b", "side_slumped_a"])
def test_slouches_start_and_alert_at_the_same_times_as_without_the_gate(cli, clip):
    frames, events = timeline(cli, clip)
    frames_always, events_always = timeline(cli, clip, *ALWAYS)
    assert [f["t_s"] for f in frames] == [f["t_s"] for f in frames_always]
    starts = [(e["event"], e["t_s"]) for e in events if e["event"] in ("slouch_start", "alert")]
    assert starts and starts == [(e["event"], e["t_s"]) for e in events_always
                                 if e["event"] in ("slouch_start", "alert")]
    # the states, frame by frame, agree but for a frame or two at the edges of a slouch
    differ = [a["t_s"] for a, b in zip(frames, frames_always) if a["state"] != b["state"]]
    assert len(differ) <= 2, differ


def test_the_monitor_skips_the_model_on_unchanged_pictures_and_logs_how_often(cli, user_dirs):
    assert cli("calibrate", "--source", sample("side_slumped_a")).returncode == 0
    result = cli("monitor", "--source", sample("side_slumped_a"), "--no-history")
    assert result.returncode == 0, result.stderr
    log = (user_dirs[0]["state"] / "monitor.log").read_text()
    found = re.search(r"stopped after (\d+) analysed frames; pose model runs (\d+), "
                      r"unchanged pictures (\d+)", log)
    assert found, log[-500:]
    frames, runs, unchanged = map(int, found.groups())
    assert runs + unchanged == frames and unchanged > 0.25 * frames, found.group(0)
