"""Calibration profiles: the pure matcher, names, and the files (the old calibration file
is the profile "default", in place)."""

import os
import stat

import pytest

from factories import make_pose
from posture_cam.core.calibration import build_baseline
from posture_cam.core.errors import UserError
from posture_cam.core.geometry import extract_features
from posture_cam.core.profiles import (FIT_MAX_SCORE, MISMATCH, ProfileChooser, check_profile_name,
                                       choose, glimpse_of, score)
from posture_cam.paths import Paths
from posture_cam.profiles import (load_profile, load_profiles, profile_names, profile_path,
                                  profile_table, remove_profile)
from posture_cam.storage import save_baseline

pytestmark = pytest.mark.unit

# Three places: a monitor webcam in front, a camera square to the user's left, and a
# laptop camera lower and nearer in front.
DESK = dict(camera_yaw_deg=0.0)
SIDE = dict(camera_yaw_deg=90.0, camera_distance_m=1.4)
LAPTOP = dict(camera_yaw_deg=0.0, camera_distance_m=0.45, camera_height_m=0.45)


def _features(place, **posture):
    return extract_features(make_pose(**place, **posture), 640, 480)


def _baseline(place, **posture):
    return build_baseline([_features(place, head_forward_deg=10 + (i % 3), **posture)
                           for i in range(10)], 640, 480, source="test")


def _glimpse(place, **posture):
    return glimpse_of([_features(place, **posture) for _ in range(6)], 640, 480)


PROFILES = {"desk": _baseline(DESK), "side": _baseline(SIDE), "laptop": _baseline(LAPTOP)}


@pytest.mark.parametrize("place, name", [(DESK, "desk"), (SIDE, "side"), (LAPTOP, "laptop")])
def test_each_place_picks_its_own_profile_and_it_fits(place, name):
    choice = choose(_glimpse(place, head_forward_deg=11), PROFILES, t_s=5.0)
    assert choice.name == name
    assert choice.fits
    assert choice.margin > 0.5


def test_another_view_can_never_fit():
    assert score(_glimpse(SIDE), PROFILES["desk"]) >= MISMATCH
    assert score(_glimpse(DESK), PROFILES["side"]) >= MISMATCH


def test_the_other_side_is_another_place():
    right = dict(camera_yaw_deg=-90.0, camera_distance_m=1.4)
    assert score(_glimpse(right), PROFILES["side"]) >= MISMATCH


def test_an_unknown_place_fits_none_but_the_closest_is_named():
    far_left = dict(camera_yaw_deg=0.0, camera_distance_m=1.3, camera_height_m=1.0)
    choice = choose(_glimpse(far_left), {"desk": PROFILES["desk"], "side": PROFILES["side"]}, 3.0)
    assert not choice.fits
    assert choice.name == "desk"  # the closest: the same view at least
    assert choice.scores[0][1] > FIT_MAX_SCORE


def test_a_small_shift_in_the_chair_still_fits():
    assert score(_glimpse(DESK, shift_m=(0.04, 0.0, 0.03)), PROFILES["desk"]) <= FIT_MAX_SCORE


def test_chooser_decides_after_the_glimpse_and_again_after_restart():
    chooser = ProfileChooser(PROFILES, glimpse_s=2.0)
    f_desk, f_side = _features(DESK), _features(SIDE)
    assert chooser.update(0.0, None, 640, 480) is None  # nobody yet: the glimpse waits
    assert [chooser.update(t, f_desk, 640, 480) for t in (0.5, 1.0, 1.5)] == [None] * 3
    choice = chooser.update(2.5, f_desk, 640, 480)
    assert choice is not None and choice.name == "desk" and choice.t_s == 2.5
    assert chooser.update(3.0, f_side, 640, 480) is None  # decided until the next restart
    chooser.restart()
    choices = [chooser.update(10.0 + t, f_side, 640, 480) for t in (0.0, 1.0, 2.0)]
    assert choices[:2] == [None, None] and choices[2].name == "side"


@pytest.mark.parametrize("name", ["", "a b", "../x", "x/y", "-x", ".hidden", "é", "x" * 33])
def test_bad_profile_names_are_refused_in_one_line(name):
    with pytest.raises(UserError) as err:
        check_profile_name(name)
    assert "\n" not in str(err.value) and "profile name" in str(err.value)


@pytest.mark.parametrize("name", ["desk", "laptop-sofa", "Office_2", "x" * 32, "default"])
def test_plain_names_pass(name):
    assert check_profile_name(name) == name


# --- files ---------------------------------------------------------------------------------

@pytest.fixture
def paths(tmp_path):
    return Paths(tmp_path / "config", tmp_path / "data", tmp_path / "state")


def test_the_old_calibration_file_is_the_default_profile_and_stays_untouched(paths):
    save_baseline(PROFILES["desk"], paths.calibration_file)  # as an earlier version left it
    before = paths.calibration_file.read_bytes(), paths.calibration_file.stat().st_mtime_ns
    assert profile_names(paths) == ["default"]
    assert load_profile(paths, "default").to_json() == PROFILES["desk"].to_json()
    save_baseline(PROFILES["side"], profile_path(paths, "side"))
    assert profile_names(paths) == ["default", "side"]
    assert set(load_profiles(paths)) == {"default", "side"}
    assert [line.split()[:2] for line in profile_table(paths)] == [["default", "front"],
                                                                    ["side", "side"]]
    assert (paths.calibration_file.read_bytes(),
            paths.calibration_file.stat().st_mtime_ns) == before


def test_profile_files_are_user_only_and_forget_knows_them(paths):
    save_baseline(PROFILES["side"], profile_path(paths, "side"))
    path = profile_path(paths, "side")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path in paths.posture_data_files()


def test_remove_deletes_one_profile_and_names_a_missing_one(paths):
    save_baseline(PROFILES["side"], profile_path(paths, "side"))
    save_baseline(PROFILES["desk"], profile_path(paths, "desk"))
    remove_profile(paths, "side")
    assert profile_names(paths) == ["desk"]
    with pytest.raises(UserError, match="no calibration profile 'side' to remove"):
        remove_profile(paths, "side")


def test_a_damaged_profile_is_skipped_not_fatal(paths, caplog):
    save_baseline(PROFILES["desk"], profile_path(paths, "desk"))
    profile_path(paths, "broken").write_text("{ not json", encoding="utf-8")
    os.chmod(profile_path(paths, "broken"), 0o600)
    assert set(load_profiles(paths)) == {"desk"}
    assert "broken skipped" in caplog.text


# --- what the monitor publishes --------------------------------------------------------------

def test_the_profile_in_use_reaches_status_json_posture_cam_status_and_the_tooltip(tmp_path):
    from datetime import datetime

    from posture_cam.core.status import StatusFacts, assemble
    from posture_cam.live import LiveStatus, read_live_state
    from posture_cam.tray import tooltip

    live = LiveStatus(tmp_path / "status.json", "camera 0", clock=lambda: 1000.0)
    live.profile("side")
    published = read_live_state(tmp_path / "status.json")
    assert published.profile == "side" and published.state == "starting"
    now = datetime(2026, 12, 1, 10, 0).timestamp()
    report = assemble(StatusFacts(now_epoch_s=now, lock_pid=published.pid,
                                  published_pid=published.pid, published_state="upright",
                                  published_since_epoch_s=now,
                                  published_profile=published.profile,
                                  calibrated_epoch_s=now - 3600, calibration_view="front"))
    assert report.to_dict()["profile"] == "side"
    assert "profile side in use" in [line for line in report.lines(now)
                                     if line.startswith("calibration:")][0]
    assert tooltip(published).endswith("(profile side)")
    stale = assemble(StatusFacts(now_epoch_s=now, lock_pid=None, published_pid=published.pid,
                                 published_profile="side"))
    assert stale.profile == ""  # a dead monitor's file is not believed


def test_recalibrating_in_the_monitor_rewrites_the_profile_in_use(paths):
    from factories import frame_of
    from posture_cam.core.pipeline import build_pipeline
    from posture_cam.core.settings import Config
    from posture_cam.profiles import ProfileSwitch
    from posture_cam.recalibrate import LEAD_IN_S, Recalibration

    save_baseline(PROFILES["desk"], paths.calibration_file)
    save_baseline(PROFILES["side"], profile_path(paths, "side"))
    old_default, old_side = (paths.calibration_file.read_bytes(),
                             profile_path(paths, "side").read_bytes())
    config = Config()
    switch = ProfileSwitch(load_profiles(paths), config, "side")
    pipeline = build_pipeline(None, switch.profiles["side"], config)
    recalibration = Recalibration(config, lambda: switch.path_in_use(paths), lambda *_: None,
                                  seconds=2.0, on_saved=switch.recalibrated)
    recalibration.pipeline = pipeline
    recalibration.request()
    t = 0.0
    while t < LEAD_IN_S + 3.0:  # the user now sits somewhat nearer the side camera
        pose = make_pose(**{**SIDE, "camera_distance_m": 1.2})
        recalibration.handle(pipeline.step_pose(frame_of(pose, t_s=t)))
        t += 0.25
    assert profile_path(paths, "side").read_bytes() != old_side
    assert paths.calibration_file.read_bytes() == old_default
    assert switch.chooser.profiles["side"].to_json() == load_profile(paths, "side").to_json()


def test_a_place_no_profile_fits_is_told_once_and_fitwatch_does_not_repeat_it():
    from posture_cam.core.pipeline import build_pipeline
    from posture_cam.core.profiles import choose
    from posture_cam.core.settings import Config
    from posture_cam.profiles import ProfileSwitch

    told = []
    config = Config()
    two = {"desk": PROFILES["desk"], "side": PROFILES["side"]}
    switch = ProfileSwitch(two, config, "side", tell=lambda title, body: told.append(title))
    switch.pipeline = build_pipeline(None, two["side"], config)
    far = _glimpse(dict(camera_yaw_deg=0.0, camera_distance_m=1.3, camera_height_m=1.0))
    for t_s in (5.0, 60.0):  # the same unknown place twice (after an absence)
        switch._chosen(choose(far, two, t_s))
    assert told == ["Please calibrate this place"]
    assert switch.current == "desk"
    assert switch.pipeline.analyzer.baseline is two["desk"]
    assert switch.pipeline.fit.told
