"""Buttons on notifications, for real: a dbusmock notification server that offers actions,
a monitor in a subprocess, and a click sent as the server's ActionInvoked signal."""

from __future__ import annotations

import json
import time

import pytest

from conftest import sample
from waiting import wait_for
from posture_cam.actions import DONE, ROUTINE, SNOOZE, ActionInbox
from posture_cam.core.breaks import SittingTimer
from posture_cam.core.settings import BreakConfig
from posture_cam.icons import ICON

MOCK = "org.freedesktop.DBus.Mock"
IFACE = "org.freedesktop.Notifications"
NOTIFICATION_ID = 4242
CLIP = "front_low_dim_f"  # slouches at 11-25 s and 33-48 s: two alerts 15 s of cool-down apart
SETTINGS = ("--set", "slouch.alert_after_s=5", "--set", "slouch.cooldown_s=15",
            "--set", "notify.min_interval_s=0", "--set", "breaks.enabled=false")


@pytest.fixture
def server_with_actions(notification_server):
    """The session's server, made to offer buttons and to number every notification 4242
    (so the test knows which one to click); restored to the template afterwards."""
    from dbusmock.templates.notification_daemon import default_caps

    mock = notification_server._mock  # noqa: SLF001
    mock.AddMethod(IFACE, "GetCapabilities", "", "as", f"ret = {default_caps + ['actions']!r}",
                   dbus_interface=MOCK)
    mock.AddMethod(IFACE, "Notify", "susssasa{sv}i", "u", f"ret = {NOTIFICATION_ID}",
                   dbus_interface=MOCK)
    yield notification_server
    mock.AddMethod(IFACE, "GetCapabilities", "", "as", f"ret = {default_caps!r}",
                   dbus_interface=MOCK)
    mock.AddMethod(IFACE, "Notify", "susssasa{sv}i", "u", "if args[1]:\n    ret = args[1]\n"
                   "else:\n    ret = self.next_id\n    self.next_id += 1\n",
                   dbus_interface=MOCK)


def notify_calls(server):
    calls = server._mock.GetMethodCalls("Notify", dbus_interface=MOCK)  # noqa: SLF001
    # Notify(app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout)
    return [(str(a[2]), str(a[3]), [str(x) for x in a[5]]) for _t, a in calls]


@pytest.mark.desktop
def test_snooze_on_a_delivered_alert_holds_the_next_alert(desktop_cli, server_with_actions,
                                                          user_dirs):
    import dbus

    dirs, _ = user_dirs
    calibrated = desktop_cli("calibrate", "--source", sample("front_upright_a"), "--seconds", "6")
    assert calibrated.returncode == 0, calibrated.stderr
    proc = desktop_cli.spawn("monitor", "--source", sample(CLIP), "--realtime", "--no-history",
                             *SETTINGS, env=server_with_actions.env)
    try:
        first = wait_for(lambda: notify_calls(server_with_actions), 90)
        assert first, "no alert arrived"
        assert first == [(str(ICON), "Posture check", [SNOOZE, "Snooze 30 min"])]
        clicked = time.time()
        server_with_actions._mock.EmitSignal(  # noqa: SLF001 - the user clicks the button
            IFACE, "ActionInvoked", "us", [dbus.UInt32(NOTIFICATION_ID), SNOOZE],
            dbus_interface=MOCK)
        snooze_file = dirs["state"] / "snooze.json"
        assert wait_for(snooze_file.exists, 10), "the click did not snooze"
        until = json.loads(snooze_file.read_text())["snooze_until_epoch_s"]
        assert until == pytest.approx(clicked + 30 * 60, abs=10)
        _, stderr = proc.communicate(timeout=120)  # the clip ends at 48 s
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, stderr
    assert len(notify_calls(server_with_actions)) == 1  # the second slouch's alert was held
    log = (dirs["state"] / "monitor.log").read_text()
    assert "alerts snoozed for 30 min from the notification" in log
    assert "posture alert not shown: snoozed" in log


@pytest.mark.desktop
def test_done_on_a_break_reminder_restarts_the_sitting_clock(desktop_cli, server_with_actions,
                                                           user_dirs):
    """Reminders after 6 s of sitting, repeated 15 s later if ignored. After "Done" the next
    reminder is a first one again, 6 s after the click, not a repeat at 21 s."""
    import re

    import dbus

    dirs, _ = user_dirs
    calibrated = desktop_cli("calibrate", "--source", sample("front_upright_a"), "--seconds", "6")
    assert calibrated.returncode == 0, calibrated.stderr
    proc = desktop_cli.spawn("monitor", "--source", sample("front_upright_a"), "--realtime",
                             "--no-history", "--set", "breaks.sitting_min=0.1",
                             "--set", "breaks.repeat_min=0.25", "--set", "notify.min_interval_s=0",
                             env=server_with_actions.env)
    try:
        first = wait_for(lambda: notify_calls(server_with_actions), 60)
        assert first and first[0][1:] == ("Time to move", [ROUTINE, "Start routine", DONE,
                                                            "Done", SNOOZE, "Snooze 30 min"])
        server_with_actions._mock.EmitSignal(  # noqa: SLF001 - the user clicks "Done"
            IFACE, "ActionInvoked", "us", [dbus.UInt32(NOTIFICATION_ID), DONE],
            dbus_interface=MOCK)
        assert wait_for(lambda: len(notify_calls(server_with_actions)) >= 2, 30)
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
    calls = server_with_actions._mock.GetMethodCalls("Notify", dbus_interface=MOCK)  # noqa: SLF001
    second_body = str(calls[1][1][4])
    sitting_s = int(re.search(r"sitting for (\d+) s", second_body).group(1))
    assert 5 <= sitting_s <= 8, second_body  # counted from the click, not from the start
    log = (dirs["state"] / "monitor.log").read_text()
    assert "break taken (from the notification)" in log


@pytest.mark.unit
def test_done_restarts_the_sitting_clock_at_the_next_frame(tmp_path, steps):
    timer = SittingTimer(BreakConfig(sitting_min=1.0))
    inbox = ActionInbox(tmp_path / "snooze.json", clock=lambda: 1000.0)
    inbox.sitting = timer
    for t in range(0, 50):
        timer.update(float(t), True)
    assert timer.sitting_s(50.0) == 50.0
    inbox(DONE)  # from the listener thread: nothing changes until the monitor's next frame
    assert timer.sitting_s(50.0) == 50.0
    [frame] = steps([(0.5, "upright")], t0_s=50.0)
    inbox.handle(frame)
    assert timer.sitting_s(60.0) == 10.0
    assert not (tmp_path / "snooze.json").exists()
    inbox(SNOOZE)
    assert json.loads((tmp_path / "snooze.json").read_text()) == {
        "snooze_until_epoch_s": 1000.0 + 30 * 60}
