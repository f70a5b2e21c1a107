"""Do Not Disturb for real: the dbusmock notification server with the spec's `Inhibited`
property, a monitor on a slouching clip in a subprocess, and the property flipped mid-way."""

from __future__ import annotations

import json

import pytest

from conftest import sample
from waiting import wait_for
from history_rows import query_history

MOCK = "org.freedesktop.DBus.Mock"
IFACE = "org.freedesktop.Notifications"
CLIP = "front_forward_head_a"  # upright, then the head forward from 11 s to 37 s, of 48 s
SETTINGS = ("--set", "slouch.alert_after_s=3", "--set", "slouch.cooldown_s=4",
            "--set", "notify.min_interval_s=0", "--set", "breaks.sitting_min=0.1",
            "--set", "breaks.repeat_min=10")


def set_inhibited(mock, value: bool) -> None:
    """Sets the server's Inhibited property, announcing it with PropertiesChanged; the
    session's server gets the property on first use (the template has none)."""
    import dbus

    try:
        mock.AddProperty(IFACE, "Inhibited", dbus.Boolean(value), dbus_interface=MOCK)
    except dbus.exceptions.DBusException as exc:
        if "already exists" not in str(exc):
            raise
        mock.UpdateProperties(IFACE, {"Inhibited": dbus.Boolean(value)}, dbus_interface=MOCK)


@pytest.fixture
def inhibiting_server(notification_server):
    """The session's server with Do Not Disturb on; off again afterwards (a server whose
    Inhibited is false behaves as one without the property, for the other tests)."""
    mock = notification_server._mock  # noqa: SLF001
    set_inhibited(mock, True)
    yield notification_server
    set_inhibited(mock, False)


def titles(server) -> list[str]:
    return [n.title for n in server.received()]


def history_kinds(path) -> list[str]:
    return [kind for (kind,) in query_history(path, "SELECT kind FROM events ORDER BY t_s")]


@pytest.mark.desktop
def test_a_server_without_the_property_never_inhibits(notification_server):
    from posture_cam.inhibition import InhibitionWatch

    if "Inhibited" in notification_server._mock.GetAll(  # noqa: SLF001
            IFACE, dbus_interface="org.freedesktop.DBus.Properties"):
        pytest.skip("an earlier test of this session gave the server the property")
    watch = InhibitionWatch(notification_server.address, None).start()
    try:
        assert watch.ready.wait(10) and not watch.inhibited()
    finally:
        watch.close()


@pytest.mark.desktop
def test_the_watch_follows_the_servers_inhibited_property(inhibiting_server):
    from posture_cam.inhibition import InhibitionWatch

    watch = InhibitionWatch(inhibiting_server.address, None).start()
    try:
        assert watch.ready.wait(10) and watch.inhibited()
        set_inhibited(inhibiting_server._mock, False)  # noqa: SLF001
        assert wait_for(lambda: not watch.inhibited(), 10), "PropertiesChanged not heard"
        set_inhibited(inhibiting_server._mock, True)  # noqa: SLF001
        assert wait_for(watch.inhibited, 10), "PropertiesChanged not heard"
    finally:
        watch.close()


@pytest.mark.desktop
def test_alerts_are_held_while_inhibited_and_shown_again_after(desktop_cli, inhibiting_server,
                                                               user_dirs, tmp_path):
    dirs, _ = user_dirs
    history = tmp_path / "history.sqlite3"
    calibrated = desktop_cli("calibrate", "--source", sample("front_upright_a"), "--seconds", "6")
    assert calibrated.returncode == 0, calibrated.stderr
    proc = desktop_cli.spawn("monitor", "--source", sample(CLIP), "--realtime",
                             "--history", history, *SETTINGS, env=inhibiting_server.env)
    log_file = dirs["state"] / "monitor.log"

    def held_alerts() -> int:
        return log_file.read_text().count("posture alert held:") if log_file.exists() else 0

    try:
        assert wait_for(lambda: held_alerts() >= 2, 120), "no alert was held"
        assert titles(inhibiting_server) == []  # neither the alerts nor the reminder
        status = desktop_cli("status", env=inhibiting_server.env)
        assert "notifications inhibited: alerts held" in status.stdout, status.stdout
        set_inhibited(inhibiting_server._mock, False)  # noqa: SLF001 - Do Not Disturb ends
        assert wait_for(lambda: {"Time to move", "Posture check"} <= set(
            titles(inhibiting_server)), 60), titles(inhibiting_server)
        _, stderr = proc.communicate(timeout=120)  # the clip ends at 48 s
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, stderr
    shown = titles(inhibiting_server)
    assert shown[0] == "Time to move"  # the reminder that waited comes first, at the flip
    kinds = history_kinds(history)
    assert kinds.count("alert_held") >= 2
    assert kinds.count("alert") == shown.count("Posture check") >= 1
    assert kinds.index("alert_held") < kinds.index("alert")
    log = log_file.read_text()
    assert log.count("desktop notifications inhibited (Do Not Disturb)") == 1
    assert log.count("desktop notifications allowed again") == 1
    report = desktop_cli("report", "--history", history)
    assert report.returncode == 0, report.stderr
    assert (f"{kinds.count('alert')} shown, {kinds.count('alert_held')} held (Do Not Disturb)"
            in report.stdout), report.stdout
    exported = desktop_cli("export", "--json", "--history", history)
    assert exported.returncode == 0, exported.stderr
    events = [r["event"] for r in json.loads(exported.stdout)["records"] if r["type"] == "event"]
    assert events == kinds
