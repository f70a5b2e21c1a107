"""Notifiers and backend detection, in process (delivery over D-Bus: test_notifications_dbus.py).

Every notifier here is real: the terminal, the fallback chain, osascript run as a program
(a stand-in script on PATH records its arguments), plyer's notify-send backend with no
notify-send installed.
"""

import logging
import stat
import sys

import pytest

from conftest import skip_or_fail
from posture_cam import notify
from posture_cam.notify import (APP_NAME, BackendStatus, DesktopNotifier, FallbackNotifier,
                                OsascriptNotifier, RecordingNotifier, TerminalNotifier,
                                applescript_string, desktop_backend_status, desktop_chain,
                                make_notifier, unavailable_message)

pytestmark = pytest.mark.unit


posix_only = pytest.mark.skipif(sys.platform == "win32", reason="stand-in programs are sh scripts")


def fake_program(folder, name, script):
    """An executable shell script standing in for `name`, on a PATH of its own."""
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def no_session_bus(monkeypatch, tmp_path):
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "runtime"))  # no $XDG_RUNTIME_DIR/bus


@pytest.fixture
def empty_path(monkeypatch, tmp_path):
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    return folder


@pytest.fixture
def dbus_hidden(monkeypatch):
    monkeypatch.setitem(sys.modules, "dbus", None)  # `import dbus` now raises ImportError


# --- terminal and fallback ---------------------------------------------------------------

def test_terminal_notifier_prints_one_line_on_stderr(capsys):
    assert TerminalNotifier().notify("Posture check", "Sit back.") is True
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"[{APP_NAME}] Posture check: Sit back.\n")


def test_fallback_goes_to_the_next_notifier_only_when_one_cannot_deliver():
    refusing, second, third = RecordingNotifier(deliver=False), RecordingNotifier(), \
        RecordingNotifier()
    chain = FallbackNotifier(refusing, second, third)
    assert chain.notify("T", "m") is True
    assert (refusing.sent, second.sent, third.sent) == ([("T", "m")], [("T", "m")], [])


def test_terminal_backend_setting_never_probes_the_desktop(monkeypatch):
    def fail(*_args):
        raise AssertionError("probed")

    monkeypatch.setattr(notify, "desktop_backend_status", fail)
    assert isinstance(make_notifier("terminal"), TerminalNotifier)


def test_unknown_backend_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="auto, desktop, terminal"):
        make_notifier("pigeon")


# --- Linux detection ---------------------------------------------------------------------

@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux backends")
def test_nothing_installed_is_reported_with_what_to_install(dbus_hidden, empty_path,
                                                            no_session_bus):
    status = desktop_backend_status()
    assert not status.available and status.backend == "" and not status.may_recover
    assert "no desktop notification backend is installed" in status.description
    assert "pip install dbus-python" in status.fix and "libnotify-bin" in status.fix
    assert desktop_chain(status) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux backends")
def test_dbus_python_without_a_session_bus_says_to_run_inside_the_desktop(no_session_bus):
    try:
        import dbus  # noqa: F401
    except ImportError:
        skip_or_fail("dbus-python is not installed (pip install dbus-python)")
    status = desktop_backend_status()
    assert (status.available, status.backend, status.may_recover) == (False, "dbus", False)
    assert "no D-Bus session bus" in status.description
    assert "desktop session" in status.fix
    assert desktop_chain(status) == []  # no bus: nothing worth retrying


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux backends")
def test_notify_send_is_used_only_with_a_session_bus(dbus_hidden, empty_path, no_session_bus,
                                                     monkeypatch):
    fake_program(empty_path, "notify-send", "exit 0\n")
    assert not desktop_backend_status().available
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
    status = desktop_backend_status()
    assert status.available and status.backend == "notify-send"
    assert "cannot confirm delivery" in status.description


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux backends")
def test_make_notifier_warns_once_and_falls_back_to_the_terminal(dbus_hidden, empty_path,
                                                                 no_session_bus, caplog, capsys):
    with caplog.at_level(logging.INFO):
        notifier = make_notifier("auto")
        notifier.notify("Posture check", "one")
        notifier.notify("Posture check", "two")
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith("desktop notifications unavailable: no desktop notification "
                                  "backend is installed")
    assert "fix: pip install dbus-python" in warnings[0]
    assert capsys.readouterr().err.count(f"[{APP_NAME}] Posture check:") == 2


def test_a_failing_plyer_backend_warns_once_then_quietly(empty_path, caplog, capsys):
    # plyer's notify-send backend, with no notify-send on PATH: subprocess raises OSError.
    desktop = DesktopNotifier("notify-send")
    with caplog.at_level(logging.INFO, logger="posture_cam"):
        assert desktop.notify("T", "one") is False
        assert desktop.notify("T", "two") is False
    levels = [r.levelno for r in caplog.records]
    assert levels == [logging.WARNING, logging.INFO]
    assert "FileNotFoundError" in caplog.records[0].getMessage()


def test_unavailable_message_names_the_problem_the_fallback_and_the_fix():
    status = BackendStatus(False, "no notification service is running on the D-Bus session bus",
                           "start your desktop's notification service", "dbus", True)
    assert unavailable_message(status) == (
        "desktop notifications unavailable: no notification service is running on the D-Bus "
        "session bus; alerts go to the terminal until it answers "
        "(fix: start your desktop's notification service)")


# --- macOS: osascript --------------------------------------------------------------------

@pytest.mark.parametrize("text, literal", [
    ("plain", '"plain"'),
    ('say "hi"', r'"say \"hi\""'),
    ("back\\slash", r'"back\\slash"'),
    ("it's fine", '"it\'s fine"'),
])
def test_applescript_string_escapes_quotes_and_backslashes(text, literal):
    assert applescript_string(text) == literal


@posix_only
def test_osascript_notifier_runs_display_notification(empty_path, tmp_path):
    record = tmp_path / "args.txt"
    fake_program(empty_path, "osascript", f'printf "%s\\n" "$@" > "{record}"\n')
    assert OsascriptNotifier().notify("Posture check", 'Sit "back".') is True
    assert record.read_text().splitlines() == [
        "-e", r'display notification "Sit \"back\"." with title "Posture check"']


@posix_only
def test_osascript_failure_is_reported_once(empty_path, caplog):
    fake_program(empty_path, "osascript", 'echo "execution error: not allowed" >&2\nexit 1\n')
    osa = OsascriptNotifier()
    with caplog.at_level(logging.WARNING):
        assert osa.notify("T", "m") is False
        assert osa.notify("T", "m") is False
    assert [r.getMessage() for r in caplog.records] == [
        "osascript notification failed: execution error: not allowed; alerts go to the terminal"]


@posix_only
def test_macos_without_pyobjus_uses_osascript(empty_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyobjus", None)
    assert not desktop_backend_status("darwin").available  # no osascript either
    assert "plyer[macosx]" in desktop_backend_status("darwin").fix
    fake_program(empty_path, "osascript", "exit 0\n")
    status = desktop_backend_status("darwin")
    assert status.available and status.backend == "osascript"
    assert [n.name for n in desktop_chain(status)] == ["osascript"]


def test_windows_uses_plyers_tray_balloon():
    status = desktop_backend_status("win32")
    assert status.available and status.backend == "plyer"


def test_unknown_platform_is_unavailable():
    assert not desktop_backend_status("plan9").available


def test_every_notifier_keeps_the_protocol():
    for notifier in (TerminalNotifier(), RecordingNotifier(), OsascriptNotifier(),
                     FallbackNotifier(TerminalNotifier())):
        assert isinstance(notifier.name, str) and callable(notifier.notify)
