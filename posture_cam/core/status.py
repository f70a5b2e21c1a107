"""`posture-cam status`, assembled: facts gathered by posture_cam/status.py in, words out.

Pure, so every case (running, stopped, snoozed, off hours, a stale status file from a
killed monitor) is a table row in a test. "Running" is decided by the lock alone: a
published state counts only when it names the PID that holds the lock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from .schedule import Schedule


@dataclass(frozen=True)
class StatusFacts:
    """What is true now, as read from the files and the lock (no interpretation yet)."""

    now_epoch_s: float
    lock_pid: int | None  # None = no monitor holds the lock; -1 = held, PID unreadable
    published_pid: int | None  # the PID in status.json, if any
    published_state: str = ""
    published_since_epoch_s: float = math.nan
    published_detail: str = ""
    published_profile: str = ""  # the calibration profile the monitor uses, if several
    snooze_until_epoch_s: float = 0.0
    schedule: Schedule | None = None
    autostart_on: bool = False
    calibrated_epoch_s: float | None = None
    calibration_view: str = ""
    camera_index: int = 0
    today_upright_share: float = math.nan
    today_alerts: int = 0


@dataclass(frozen=True)
class StatusReport:
    running: bool
    pid: int | None
    state: str  # upright / slouching / away / off hours / camera problem / starting / unknown / stopped
    since_epoch_s: float | None
    detail: str
    snoozed_until_epoch_s: float | None
    schedule: str
    working_now: bool
    autostart: bool
    calibration_age_s: float | None
    calibration_view: str
    camera_index: int
    today_upright_share: float | None
    today_alerts: int
    profile: str = ""

    def to_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def lines(self, now_epoch_s: float) -> list[str]:
        if self.running:
            since = (f" since {_clock(self.since_epoch_s)}"
                     if self.since_epoch_s is not None else "")
            detail = f" ({self.detail})" if self.detail else ""
            first = f"monitor:      running (PID {self.pid}), {self.state}{since}{detail}"
        else:
            first = "monitor:      not running"
        share = ("no time at the desk yet" if self.today_upright_share is None
                 else f"{self.today_upright_share:.0%} upright")
        alerts = f"{self.today_alerts} alert{'s' if self.today_alerts != 1 else ''}"
        snooze = (f"until {_clock(self.snoozed_until_epoch_s)}"
                  if self.snoozed_until_epoch_s is not None else "no")
        hours = f"{self.schedule} ({'working hours now' if self.working_now else 'off hours now'})"
        if self.calibration_age_s is None:
            calibration = "none (run `posture-cam calibrate`)"
        else:
            calibration = f"{self.calibration_view} view, {_age(self.calibration_age_s)} old"
        if self.profile:
            calibration = f"profile {self.profile} in use (default: {calibration})"
        return [first,
                f"today:        {share}, {alerts}",
                f"snoozed:      {snooze}",
                f"schedule:     {hours}",
                f"autostart:    {'on' if self.autostart else 'off'}",
                f"calibration:  {calibration}",
                f"camera:       {self.camera_index}"]


def assemble(f: StatusFacts) -> StatusReport:
    running = f.lock_pid is not None
    trusted = running and f.published_pid is not None and f.published_pid == f.lock_pid
    if trusted:
        state, since, detail = f.published_state, f.published_since_epoch_s, f.published_detail
    else:  # no file, or one left by a monitor that died: do not repeat what it said
        state, since, detail = ("unknown" if running else "stopped"), math.nan, ""
    working = f.schedule.is_working(f.now_epoch_s) if f.schedule else True
    if running and not working and state not in ("off hours", "stopped"):
        state = "off hours"  # the file is written on the next frame; the clock says it now
    snoozed = f.snooze_until_epoch_s if f.snooze_until_epoch_s > f.now_epoch_s else None
    share = f.today_upright_share if math.isfinite(f.today_upright_share) else None
    age = (max(0.0, f.now_epoch_s - f.calibrated_epoch_s)
           if f.calibrated_epoch_s is not None else None)
    return StatusReport(
        running=running, pid=f.lock_pid if running else None, state=state,
        since_epoch_s=since if math.isfinite(since) else None, detail=detail,
        snoozed_until_epoch_s=snoozed,
        schedule=f.schedule.words() if f.schedule else "always", working_now=working,
        autostart=f.autostart_on, calibration_age_s=age,
        calibration_view=f.calibration_view, camera_index=f.camera_index,
        today_upright_share=share, today_alerts=f.today_alerts,
        profile=f.published_profile if trusted else "")


def _clock(epoch_s: float | None) -> str:
    return "?" if epoch_s is None else f"{datetime.fromtimestamp(epoch_s):%H:%M}"


def _age(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"
