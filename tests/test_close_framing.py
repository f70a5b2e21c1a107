"""A laptop webcam close to the face: the shoulders at or below the bottom edge.

Calibration accepts such a framing (head only), says what it cannot see, and a head
forward / dropped slouch still alerts: on the rendered close-up sample, and on a real clip
of ../shared/real cropped (at test time, never committed) so that its shoulders leave the
picture.
"""

import json
import os
from pathlib import Path

import cv2
import pytest

from conftest import ROOT, sample, sample_truth

pytestmark = [pytest.mark.model, pytest.mark.cli]
REAL = Path(os.environ.get("POSTURE_CAM_REAL_CLIPS", ROOT.parent / "shared" / "real"))


def events(records, kind):
    return [r for r in records if r["type"] == "event" and r["event"] == kind]


def calibrate_head_only(cli, video, output, seconds):
    result = cli("calibrate", "--source", video, "--output", output, "--seconds", seconds)
    assert result.returncode == 0, result.stderr
    assert "head only" in result.stdout
    assert "cannot detect:" in result.stdout and "shoulders out of view" in result.stdout
    assert json.loads(Path(output).read_text())["framing"] == "head_only"


def test_the_rendered_close_up_calibrates_on_the_head_and_alerts(cli, tmp_path):
    clip = sample("front_closeup_forward_head_e")
    truth = sample_truth("front_closeup_forward_head_e")
    (start, end), = [(s["start_s"], s["end_s"]) for s in truth["segments"]
                     if s["label"] == "slouched"]
    calibration = tmp_path / "calibration.json"
    calibrate_head_only(cli, clip, calibration, 8)
    result = cli("replay", clip, "--calibration", calibration, "--json",
                 "--set", "slouch.alert_after_s=10")
    assert result.returncode == 0, result.stderr
    alert, = events(result.json_lines(), "alert")
    assert start + 10 - 2 <= alert["t_s"] <= min(end, start + 10 + 8)


def crop_rows(source: Path, target: Path, rows: int) -> Path:
    """The top `rows` rows of every frame: the same camera, framed closer."""
    capture = cv2.VideoCapture(str(source))
    fps = capture.get(cv2.CAP_PROP_FPS)
    writer = None
    while True:
        ok, image = capture.read()
        if not ok:
            break
        image = image[:rows]
        if writer is None:
            writer = cv2.VideoWriter(str(target), cv2.VideoWriter_fourcc(*"mp4v"), fps,
                                     (image.shape[1], image.shape[0]))
        writer.write(image)
    capture.release()
    assert writer is not None, f"{source} has no frames"
    writer.release()
    return target


def test_a_real_laptop_clip_cropped_above_the_shoulders_still_alerts(cli, tmp_path):
    labels_file = REAL / "labels.json"
    if not labels_file.exists():
        if os.environ.get("POSTURE_CAM_REQUIRE_REAL_CLIPS"):
            pytest.fail(f"the real clips are missing at {REAL}")
        pytest.skip(f"no real clips at {REAL}")
    name = "front_timliang4_laptop.mp4"
    labels = json.loads(labels_file.read_text())[name]
    (slouch_start, slouch_end), = labels["slouch"]
    # The shoulders of this clip sit at y ~ 450 of 480: 400 rows leave them out.
    calib = crop_rows(REAL / labels["calib"], tmp_path / "calib.mp4", rows=400)
    clip = crop_rows(REAL / name, tmp_path / "clip.mp4", rows=400)
    calibration = tmp_path / "calibration.json"
    calibrate_head_only(cli, calib, calibration, 15)
    result = cli("replay", clip, "--calibration", calibration, "--json")
    assert result.returncode == 0, result.stderr
    alerts = events(result.json_lines(), "alert")
    assert len(alerts) == 1
    assert slouch_start < alerts[0]["t_s"] <= min(slouch_end, slouch_start + 60)
