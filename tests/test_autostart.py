"""`posture-cam autostart`: the entry each platform reads at login, written and removed."""

import configparser
import plistlib
import shutil
import subprocess
import sys

import pytest

from posture_cam import autostart
from posture_cam.autostart import desktop_exec_arg, macos_entry, windows_entry

pytestmark = pytest.mark.cli

# Keys the Desktop Entry spec (1.5) defines, plus the vendor keys we write.
DESKTOP_KEYS = {"Type", "Version", "Name", "GenericName", "NoDisplay", "Comment", "Icon",
                "Hidden", "OnlyShowIn", "NotShowIn", "DBusActivatable", "TryExec", "Exec",
                "Path", "Terminal", "Actions", "MimeType", "Categories", "Implements",
                "Keywords", "StartupNotify", "StartupWMClass", "URL", "PrefersNonDefaultGPU",
                "SingleMainWindow", "X-GNOME-Autostart-enabled"}
COMMAND = (sys.executable, "-m", "posture_cam.cli", "monitor")


def parse_exec(value: str) -> list[str]:
    """Splits an `Exec` value as the Desktop Entry spec says a desktop does: undo the string
    escape, then split on spaces outside double quotes, where \\ escapes " ` $ and \\."""
    value = value.replace("\\\\", "\\")
    args, current, quoted, i = [], None, False, 0
    while i < len(value):
        c = value[i]
        if quoted and c == "\\" and i + 1 < len(value) and value[i + 1] in '"`$\\':
            current, i = (current or "") + value[i + 1], i + 2
            continue
        if c == '"':
            quoted, current = not quoted, current or ""
        elif c == " " and not quoted:
            if current is not None:
                args.append(current)
            current = None
        else:
            current = (current or "") + c
        i += 1
    assert not quoted, f"unbalanced quotes in {value!r}"
    if current is not None:
        args.append(current)
    return [arg.replace("%%", "%") for arg in args]


def read_desktop_file(path):
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture
def linux_only():
    if not sys.platform.startswith("linux"):
        pytest.skip("the XDG autostart entry is the Linux one")


def test_install_writes_an_xdg_entry_that_runs_the_monitor(linux_only, desktop_cli, tmp_path):
    result = desktop_cli("autostart", "install")
    assert result.returncode == 0, result.stderr
    entry = tmp_path / "xdg-config" / "autostart" / "posture-cam.desktop"
    assert f"Installed {entry}" in result.stdout
    assert "posture-cam calibrate" in result.stdout  # no baseline yet in the temp config dir

    parser = read_desktop_file(entry)
    assert parser.sections() == ["Desktop Entry"]
    keys = dict(parser["Desktop Entry"])
    assert set(keys) <= DESKTOP_KEYS
    assert keys["Type"] == "Application" and keys["Terminal"] == "false"
    argv = parse_exec(keys["Exec"])
    assert argv[1:] == ["-m", "posture_cam.cli", "monitor"]
    assert argv[0] == keys["TryExec"] == sys.executable
    # The command really is posture-cam (asked for its version instead of monitoring).
    version = subprocess.run([*argv[:-1], "--version"], capture_output=True, text=True,
                             timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("posture-cam ")


def test_installed_entry_passes_desktop_file_validate(linux_only, desktop_cli, tmp_path):
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        from conftest import skip_or_fail

        skip_or_fail("desktop-file-validate is not installed (apt install desktop-file-utils)")
    assert desktop_cli("autostart", "install").returncode == 0
    entry = tmp_path / "xdg-config" / "autostart" / "posture-cam.desktop"
    check = subprocess.run([validator, str(entry)], capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout == "", check.stdout + check.stderr


def test_status_install_remove_round_trip_leaves_nothing_behind(linux_only, desktop_cli,
                                                                tmp_path):
    config_home = tmp_path / "xdg-config"
    assert desktop_cli("autostart", "status").returncode == 1
    assert desktop_cli("autostart", "install").returncode == 0
    again = desktop_cli("autostart", "install")
    assert again.returncode == 0 and again.stdout.startswith("Updated ")
    status = desktop_cli("autostart", "status")
    assert status.returncode == 0 and "Autostart is on" in status.stdout
    assert f"It runs: {sys.executable} -m posture_cam.cli monitor" in status.stdout
    removed = desktop_cli("autostart", "remove")
    assert removed.returncode == 0 and removed.stdout.startswith("Removed ")
    assert list(config_home.rglob("*")) == []
    again = desktop_cli("autostart", "remove")
    assert again.returncode == 0 and "not installed" in again.stdout


def test_remove_keeps_other_programs_autostart_entries(linux_only, desktop_cli, tmp_path):
    folder = tmp_path / "xdg-config" / "autostart"
    folder.mkdir(parents=True)
    other = folder / "other.desktop"
    other.write_text("[Desktop Entry]\nType=Application\nName=other\nExec=other\n")
    desktop_cli("autostart", "install")
    desktop_cli("autostart", "remove")
    assert [p.name for p in folder.iterdir()] == ["other.desktop"]


def test_default_location_is_dot_config_autostart(linux_only, monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    entry = autostart.entry_for("linux")
    assert entry.path == tmp_path / ".config" / "autostart" / "posture-cam.desktop"


@pytest.mark.parametrize("arg", ["/opt/posture cam/bin/python", 'odd"name', "back\\slash",
                                 "dollar$HOME", "50%", "plain/path-1.2_x"])
def test_exec_arguments_survive_desktop_quoting(arg):
    assert parse_exec(desktop_exec_arg(arg)) == [arg]


def test_macos_entry_is_a_launch_agent_that_runs_at_login(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    entry = macos_entry(COMMAND)
    assert entry.path == (tmp_path / "Library" / "LaunchAgents"
                          / "io.github.posture-cam.monitor.plist")
    plist = plistlib.loads(entry.content)
    assert plist["Label"] == "io.github.posture-cam.monitor"
    assert plist["ProgramArguments"] == list(COMMAND)
    assert plist["RunAtLoad"] is True


def test_windows_entry_is_a_startup_folder_script(monkeypatch, tmp_path):
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    command = (r"C:\Program Files\Python311\pythonw.exe", "-m", "posture_cam.cli", "monitor")
    entry = windows_entry(command)
    assert entry.path == (tmp_path / "Roaming" / "Microsoft" / "Windows" / "Start Menu"
                          / "Programs" / "Startup" / "posture-cam.cmd")
    lines = entry.content.decode().split("\r\n")
    assert lines[0] == "@echo off"
    assert ('start "" "C:\\Program Files\\Python311\\pythonw.exe" "-m" "posture_cam.cli" '
            '"monitor"') in lines


def test_unknown_action_is_a_user_error():
    from posture_cam.core.errors import UserError

    with pytest.raises(UserError, match="install, remove, status"):
        autostart.run_autostart("enable", platform="linux")
