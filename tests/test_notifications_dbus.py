"""Delivery for real: posture-cam -> plyer -> D-Bus -> a recording notification server.

The server is dbusmock's `notification_daemon` template on a private session bus (see
conftest.py); what plyer sent comes back from the mock's call log. posture-cam always
runs as a subprocess, handed the bus address, exactly as it runs at a desk. Clips are
replayed with a short alert delay (the default is 45 s; the clips last 36-90 s), and what
to expect is read from each clip's ground truth, so re-rendered clips keep the tests valid.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import pytest

from conftest import hide_python_module, sample, sample_truth
from waiting import wait_for
from posture_cam.core.messages import BREAK_TIPS, BREAK_TITLE, POSTURE_TITLE

pytestmark = pytest.mark.desktop

APP = "posture-cam"
FAST_ALERTS = ("--set", "slouch.alert_after_s=5")
NO_RATE_FLOOR = ("--set", "notify.min_interval_s=0")
SEEN_BY_KIND = {"forward_head": "Your head has been forward",
                "trunk_lean": "You have been leaning toward the screen",
                "rounded_shoulders": "Your shoulders have been rounded"}
WARNING = "desktop notifications unavailable:"

NOTIFY_SCRIPT = """
import logging, sys
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
from posture_cam.notify import make_notifier
notifier = make_notifier("auto")
for body in sys.argv[1:]:
    print(notifier.notify("Posture check", body), flush=True)
"""


def send_directly(desktop_cli, *bodies, env=None):
    """make_notifier("auto").notify(...) in a fresh process: (stdout lines, stderr)."""
    proc = subprocess.run([sys.executable, "-c", NOTIFY_SCRIPT, *bodies], capture_output=True,
                          text=True, env=desktop_cli.env(env), timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split(), proc.stderr


def truth_of(clip):
    sample(clip)  # a clear failure when the clip itself is missing
    return sample_truth(clip)


def slouch_segments(truth, min_s):
    return [s for s in truth["segments"]
            if s["label"] == "slouched" and s["end_s"] - s["start_s"] >= min_s]


def away_segments(truth):
    return [s for s in truth["segments"] if s["label"] == "away"]


def replay(desktop_cli, clip, *settings, env=None):
    result = desktop_cli("replay", sample(clip), "--notify", *settings, env=env)
    assert result.returncode == 0, result.stderr
    return result


# --- the delivery path itself (no video) ------------------------------------------------

def test_plyer_delivers_over_dbus_with_app_name_title_body_and_timeout(desktop_cli,
                                                                       notification_server):
    printed, stderr = send_directly(desktop_cli, "Sit back.", env=notification_server.env)
    assert printed == ["True"]
    assert "notifications: plyer via D-Bus (dbus-python)" in stderr
    assert WARNING not in stderr
    [sent] = notification_server.received()
    assert (sent.app_name, sent.title, sent.body, sent.timeout_ms) == (
        APP, "Posture check", "Sit back.", 10_000)


def test_quotes_and_non_ascii_text_arrive_intact(desktop_cli, notification_server):
    body = "It's \"fine\" — 2 min; <b>not markup</b> & more"
    send_directly(desktop_cli, body, env=notification_server.env)
    assert [n.body for n in notification_server.received()] == [body]


def test_bus_without_a_notification_service_warns_once_and_uses_the_terminal(
        desktop_cli, bus_without_notification_server):
    env = {"DBUS_SESSION_BUS_ADDRESS": bus_without_notification_server}
    printed, stderr = send_directly(desktop_cli, "one", "two", env=env)
    assert printed == ["True", "True"]  # delivered: by the terminal
    assert stderr.count(WARNING) == 1
    assert "no notification service is running on the D-Bus session bus" in stderr
    assert "until it answers" in stderr and "fix: start your desktop's notification" in stderr
    assert stderr.count(f"[{APP}] Posture check: ") == 2
    assert "desktop notification failed" in stderr  # retried at each alert, logged quietly
    assert "WARNING desktop notification failed" not in stderr


# --- alerts from a replayed clip ----------------------------------------------------------

@pytest.mark.parametrize("clip", [
    "front_forward_head_a",
    "side_forward_head_c",
])
def test_sustained_slouch_sends_exactly_one_notification_saying_what_was_seen(
        desktop_cli, notification_server, clip):
    [segment] = slouch_segments(truth_of(clip), min_s=15)
    result = replay(desktop_cli, clip, *FAST_ALERTS, env=notification_server.env)

    [sent] = notification_server.received()
    assert (sent.app_name, sent.title, sent.timeout_ms) == (APP, POSTURE_TITLE, 10_000)
    seen = SEEN_BY_KIND[segment["kind"]]
    match = re.fullmatch(rf"{seen} for (\d+) s\. .+", sent.body)
    assert match, f"{sent.body!r} does not say {seen!r} and for how long"
    assert 5 <= int(match[1]) <= 10  # alerted once the slouch had lasted alert_after_s
    assert f"ALERT: {sent.body}" in result.stdout  # the timeline shows the same words
    assert f"[{APP}]" not in result.stderr  # delivered by the desktop, not the terminal


def test_cooldown_holds_across_two_slouches_and_a_short_one_lets_both_through(
        desktop_cli, notification_server):
    clip = "front_mixed_e"
    segments = slouch_segments(truth_of(clip), min_s=10)
    assert len(segments) == 2, "front_mixed_e should hold two clear slouches"
    longest = max(s["end_s"] - s["start_s"] for s in segments)
    gap = segments[1]["start_s"] - segments[0]["start_s"]
    short_cooldown_s = (longest + gap) / 2  # no re-alert within a slouch, none held back between
    assert longest + 5 < short_cooldown_s < gap - 5

    replay(desktop_cli, clip, *FAST_ALERTS, *NO_RATE_FLOOR, env=notification_server.env)
    assert len(notification_server.received()) == 1  # default cool-down: 10 min

    notification_server.clear()
    replay(desktop_cli, clip, *FAST_ALERTS, *NO_RATE_FLOOR,
           "--set", f"slouch.cooldown_s={short_cooldown_s:.0f}", env=notification_server.env)
    sent = notification_server.received()
    assert [n.title for n in sent] == [POSTURE_TITLE, POSTURE_TITLE]
    expected = [SEEN_BY_KIND[s["kind"]] for s in segments]
    assert [n.body.split(" for ")[0] for n in sent] == expected


def test_snooze_from_another_command_silences_alerts_and_resume_restores_them(
        desktop_cli, notification_server):
    clip = "front_forward_head_a"
    snoozed = desktop_cli("snooze", "10")
    assert snoozed.returncode == 0 and snoozed.stdout.startswith("Alerts snoozed until ")

    result = replay(desktop_cli, clip, *FAST_ALERTS, env=notification_server.env)
    assert "ALERT:" in result.stdout  # the slouch was seen...
    assert notification_server.received() == []  # ...and not shown
    assert f"[{APP}]" not in result.stderr

    resumed = desktop_cli("resume")
    assert resumed.returncode == 0 and resumed.stdout.strip() == "Alerts resumed."
    replay(desktop_cli, clip, *FAST_ALERTS, env=notification_server.env)
    assert [n.title for n in notification_server.received()] == [POSTURE_TITLE]
    assert desktop_cli("resume").stdout.strip() == "Alerts were not snoozed."


@pytest.mark.slow
def test_snooze_and_resume_reach_a_running_monitor(desktop_cli, notification_server,
                                                   user_dirs):
    """`monitor` plays the clip at camera speed; snooze, then resume, from other processes."""
    clip = "front_forward_head_a"
    [segment] = slouch_segments(truth_of(clip), min_s=15)
    dirs, _ = user_dirs
    log_file = dirs["state"] / "monitor.log"
    calibrated = desktop_cli("calibrate", "--source", sample(clip), "--seconds", "8")
    assert calibrated.returncode == 0, calibrated.stderr

    snoozed = desktop_cli("snooze", "10")  # before the slouch: the first alert must be held
    assert snoozed.returncode == 0
    monitor = desktop_cli.spawn("monitor", "--source", sample(clip), "--realtime",
                                "--no-history", *FAST_ALERTS, *NO_RATE_FLOOR,
                                "--set", "slouch.cooldown_s=4", env=notification_server.env)
    try:
        wait_for(lambda: log_file.exists() and "not shown: snoozed" in log_file.read_text(),
                 timeout_s=segment["start_s"] + 30, what="an alert suppressed by the snooze")
        assert notification_server.received() == []
        assert desktop_cli("resume").returncode == 0
        sent = wait_for(notification_server.received, timeout_s=20,
                        what="a notification after `resume`")
        assert sent[0].title == POSTURE_TITLE
    finally:
        monitor.send_signal(signal.SIGTERM)
        stdout, stderr = monitor.communicate(timeout=30)
    assert monitor.returncode == 0, stderr
    assert (stdout, stderr) == ("", "")  # quiet: everything goes to the log
    log = log_file.read_text()
    assert "alerts snoozed until" in log and "alerts resumed" in log
    shown = [line for line in log.splitlines() if f" {POSTURE_TITLE}: " in line]
    assert len(shown) == len(notification_server.received())  # one log line per alert


# --- movement breaks --------------------------------------------------------------------

def test_sitting_reminder_fires_and_repeats_only_after_repeat_min(desktop_cli,
                                                                  notification_server):
    clip = "front_upright_a"
    truth = truth_of(clip)
    assert away_segments(truth) == [] and slouch_segments(truth, min_s=3) == []
    sitting_s, repeat_s = 12.0, 15.0  # breaks.sitting_min=0.2, breaks.repeat_min=0.25
    due = [t for t in (sitting_s + k * repeat_s for k in range(10)) if t < truth["duration_s"]]
    assert all(abs(t - truth["duration_s"]) > 2 for t in due)

    replay(desktop_cli, clip, *NO_RATE_FLOOR, "--set", "breaks.sitting_min=0.2",
           "--set", "breaks.repeat_min=0.25", env=notification_server.env)
    sent = notification_server.received()
    assert [n.title for n in sent] == [BREAK_TITLE] * len(due)
    assert sent[0].body == f"You have been sitting for {sitting_s:.0f} s. {BREAK_TIPS[0]}"
    assert sent[1].body == f"You have been sitting for {sitting_s + repeat_s:.0f} s. " \
                           f"{BREAK_TIPS[1]}"


def test_long_absence_resets_the_sitting_clock_and_a_short_limit_does_not(desktop_cli,
                                                                         notification_server):
    clip = "front_away_b"
    truth = truth_of(clip)
    [away] = away_segments(truth)
    away_s = away["end_s"] - away["start_s"]
    before_s, after_s = away["start_s"], truth["duration_s"] - away["end_s"]
    sitting_s = 6.0  # breaks.sitting_min=0.1, the shortest allowed
    assert before_s > sitting_s + 2 and after_s > sitting_s + 4 and away_s > 12
    common = (*NO_RATE_FLOOR, "--set", "breaks.sitting_min=0.1", "--set", "breaks.repeat_min=60")

    # An absence longer than away_reset_s is a break: a fresh reminder after coming back.
    result = desktop_cli("replay", sample(clip), "--notify", "--json", *common,
                         "--set", "breaks.away_reset_s=10", env=notification_server.env)
    assert result.returncode == 0, result.stderr
    events = [e for e in result.json_lines() if e["type"] == "event"]
    [taken] = [e for e in events if e["event"] == "break_taken"]
    assert abs(taken["duration_s"] - away_s) < 4
    assert abs(taken["t_s"] - away["end_s"]) < 4
    assert [n.title for n in notification_server.received()] == [BREAK_TITLE, BREAK_TITLE]

    # The same absence under a longer away_reset_s is not a break: no second reminder.
    notification_server.clear()
    result = desktop_cli("replay", sample(clip), "--notify", "--json", *common,
                         "--set", f"breaks.away_reset_s={away_s + 20:.0f}",
                         env=notification_server.env)
    assert result.returncode == 0, result.stderr
    assert not [e for e in result.json_lines() if e.get("event") == "break_taken"]
    assert [n.title for n in notification_server.received()] == [BREAK_TITLE]


# --- no notification backend at all -----------------------------------------------------

def test_replay_without_any_backend_warns_once_and_alerts_in_the_terminal(desktop_cli,
                                                                          tmp_path):
    env = {**hide_python_module(tmp_path / "shim", "dbus"),
           "PATH": str(tmp_path / "empty-bin")}  # and no notify-send
    result = replay(desktop_cli, "front_forward_head_a", *FAST_ALERTS, env=env)
    assert result.stderr.count(WARNING) == 1
    assert "no desktop notification backend is installed" in result.stderr
    assert "fix: pip install dbus-python" in result.stderr
    [line] = [x for x in result.stderr.splitlines() if x.startswith(f"[{APP}] ")]
    assert line.startswith(f"[{APP}] {POSTURE_TITLE}: Your head has been forward for ")


def test_monitor_without_a_session_bus_warns_once_and_logs_each_alert(desktop_cli,
                                                                      user_dirs):
    clip = "front_forward_head_a"
    dirs, _ = user_dirs
    assert desktop_cli("calibrate", "--source", sample(clip), "--seconds", "8").returncode == 0
    result = desktop_cli("monitor", "--source", sample(clip), "--no-history", *FAST_ALERTS)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.count(WARNING) == 1
    assert "no D-Bus session bus" in result.stderr or "no desktop notification" in \
        result.stderr
    terminal = [x for x in result.stderr.splitlines() if not x.startswith("posture-cam: ")]
    assert len(terminal) == 1 and terminal[0].startswith(f"[{APP}] {POSTURE_TITLE}: ")
    log = (dirs["state"] / "monitor.log").read_text()
    assert log.count(WARNING) == 1
    assert len([x for x in log.splitlines() if f" {POSTURE_TITLE}: " in x]) == 1
