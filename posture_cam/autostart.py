"""`posture-cam autostart install|remove|status`: start the monitor with the desktop session.

One small function per platform builds that platform's own kind of entry:

    Linux    $XDG_CONFIG_HOME/autostart/posture-cam.desktop   (XDG Autostart; ~/.config)
    macOS    ~/Library/LaunchAgents/io.github.posture-cam.monitor.plist   (launchd, RunAtLoad)
    Windows  %APPDATA%/Microsoft/Windows/Start Menu/Programs/Startup/posture-cam.cmd

Each entry runs `posture-cam monitor` through the absolute path of the Python that runs
this command (`python -m posture_cam.cli monitor`), so it keeps working in a virtualenv
whose bin/ is not on the login PATH.
"""

from __future__ import annotations


import os
import plistlib
import sys
from dataclasses import dataclass
from typing import TextIO
from pathlib import Path

from .core.errors import UserError
from .paths import Paths

DESKTOP_FILE = "posture-cam.desktop"
LAUNCHD_LABEL = "io.github.posture-cam.monitor"
WINDOWS_FILE = "posture-cam.cmd"


@dataclass(frozen=True)
class Entry:
    path: Path
    content: bytes
    command: tuple[str, ...]


def monitor_command(platform: str | None = None) -> tuple[str, ...]:
    """The absolute command line that starts the monitor with this interpreter."""
    python = Path(sys.executable).absolute()  # absolute, not resolved: keep the venv's python
    if (platform or sys.platform) == "win32":
        windowless = python.with_name("pythonw.exe")
        python = windowless if windowless.exists() else python
    return (str(python), "-m", "posture_cam.cli", "monitor")


# --- Linux: XDG Autostart ----------------------------------------------------------------

_EXEC_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def desktop_exec_arg(arg: str) -> str:
    """One argument of a Desktop Entry `Exec` key, quoted and escaped as the spec asks."""
    arg = arg.replace("%", "%%")  # a lone % starts a field code such as %f
    if not any(c in _EXEC_RESERVED for c in arg):
        return arg
    quoted = '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'
    return quoted.replace("\\", "\\\\")  # the string escape applies on top of the quoting


def linux_entry(command: tuple[str, ...]) -> Entry:
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    lines = [
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.0",
        "Name=posture-cam",
        "Comment=Webcam posture coach: kind alerts when a slouch lasts too long",
        f"TryExec={command[0]}",
        "Exec=" + " ".join(desktop_exec_arg(arg) for arg in command),
        "Terminal=false",
        "X-GNOME-Autostart-enabled=true",
        "",
    ]
    return Entry(Path(config_home) / "autostart" / DESKTOP_FILE,
                 "\n".join(lines).encode("utf-8"), command)


# --- macOS: a launchd LaunchAgent --------------------------------------------------------

def macos_entry(command: tuple[str, ...]) -> Entry:
    plist = {
        "Label": LAUNCHD_LABEL,
        "ProgramArguments": list(command),
        "RunAtLoad": True,
        "LimitLoadToSessionType": "Aqua",  # only in a graphical login: camera and notifications
        "ProcessType": "Background",
    }
    return Entry(Path.home() / "Library" / "LaunchAgents" / f"{LAUNCHD_LABEL}.plist",
                 plistlib.dumps(plist), command)


# --- Windows: the Startup folder ---------------------------------------------------------

def windows_entry(command: tuple[str, ...]) -> Entry:
    appdata = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
    startup = Path(appdata) / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup"
    quoted = " ".join(f'"{arg}"' for arg in command).replace("%", "%%")
    lines = ["@echo off",
             "rem posture-cam: starts the posture monitor at login "
             "(`posture-cam autostart remove` deletes this file)",
             f'start "" {quoted}', ""]
    return Entry(startup / WINDOWS_FILE, "\r\n".join(lines).encode("utf-8"), command)


def entry_for(platform: str | None = None) -> Entry:
    platform = platform or sys.platform
    command = monitor_command(platform)
    if platform.startswith("linux") or platform.startswith("freebsd"):
        return linux_entry(command)
    if platform == "darwin":
        return macos_entry(command)
    if platform == "win32":
        return windows_entry(command)
    raise UserError(f"autostart is not supported on {platform}",
                    hint="start `posture-cam monitor` from your session's own startup settings")


# --- the command -------------------------------------------------------------------------

def install(entry: Entry) -> bool:
    """Writes the entry; True if it replaced an existing one."""
    existed = entry.path.exists()
    entry.path.parent.mkdir(parents=True, exist_ok=True)
    tmp = entry.path.with_name(entry.path.name + ".tmp")
    tmp.write_bytes(entry.content)
    os.replace(tmp, entry.path)
    return existed


def remove(entry: Entry, platform: str | None = None) -> bool:
    """Deletes the entry; True if there was one. An XDG autostart folder left empty goes too."""
    try:
        entry.path.unlink()
    except FileNotFoundError:
        return False
    if (platform or sys.platform).startswith("linux"):
        try:
            entry.path.parent.rmdir()
        except OSError:
            pass  # not empty: other programs' entries live there
    return True


def run_autostart(action: str, platform: str | None = None, paths: Paths | None = None,
                  out: TextIO | None = None) -> int:
    def say(*parts: object) -> None:
        print(*parts, file=out or sys.stdout)

    entry = entry_for(platform)
    shown = " ".join(entry.command)
    if action == "install":
        replaced = install(entry)
        say(f"{'Updated' if replaced else 'Installed'} {entry.path}")
        say(f"At your next login it runs: {shown}")
        calibration = (paths or Paths.for_user()).calibration_file
        if not calibration.exists():
            say("Run `posture-cam calibrate` once before that: the monitor needs your baseline.")
        return 0
    if action == "remove":
        say(f"Removed {entry.path}" if remove(entry, platform)
              else "Autostart was not installed; nothing to remove.")
        return 0
    if action == "status":
        if not entry.path.exists():
            say(f"Autostart is off (no {entry.path}).")
            return 1
        current = entry.path.read_bytes() == entry.content
        say(f"Autostart is on: {entry.path}")
        say(f"It runs: {shown}" if current else
              "It was written by another installation of posture-cam; "
              "`posture-cam autostart install` updates it to this one.")
        return 0
    raise UserError(f"unknown autostart action {action!r} (valid: install, remove, status)")
