"""`posture-cam status`: gathers the facts (lock, status.json, snooze, history, files) and
prints what core/status.py makes of them. Exit 0 while a monitor runs, 3 when none does.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import date, datetime

from .core.errors import UserError
from .core.settings import Config
from .core.status import StatusFacts, StatusReport, assemble
from .wiring import Env, history_path

log = logging.getLogger(__name__)

EXIT_RUNNING, EXIT_NOT_RUNNING = 0, 3


def gather(env: Env, config: Config, now_epoch_s: float | None = None) -> StatusFacts:
    from .control import read_snooze
    from .instance import holder
    from .live import read_live_state

    paths = env.paths
    now = time.time() if now_epoch_s is None else now_epoch_s
    live = read_live_state(paths.status_file)
    calibrated, view = _calibration(env)
    share, alerts = _today(env, config)
    return StatusFacts(
        now_epoch_s=now, lock_pid=holder(paths.lock_file),
        published_pid=live.pid if live else None,
        published_state=live.state if live else "",
        published_since_epoch_s=live.since_epoch_s if live else float("nan"),
        published_detail=live.detail if live else "",
        published_profile=live.profile if live else "",
        snooze_until_epoch_s=read_snooze(paths.snooze_file),
        schedule=config.schedule.schedule(), autostart_on=_autostart_on(),
        calibrated_epoch_s=calibrated, calibration_view=view,
        camera_index=config.camera.index, today_upright_share=share, today_alerts=alerts)


def _calibration(env: Env) -> tuple[float | None, str]:
    from .storage import load_baseline

    try:
        baseline = load_baseline(env.paths.calibration_file)
        return datetime.fromisoformat(baseline.created_utc).timestamp(), baseline.view.value
    except (UserError, ValueError):
        return None, ""


def _today(env: Env, config: Config) -> tuple[float, int]:
    """Today's upright share and alert count; (NaN, 0) without a history."""
    from .core.summary import day_bounds, load_period

    path = history_path(env.paths, config)
    if not config.history.enabled or not path.exists() or path.stat().st_size == 0:
        return float("nan"), 0
    from .history_sqlite import open_history

    try:
        store = open_history(path)
    except UserError as exc:
        log.warning("history not read: %s", exc)
        return float("nan"), 0
    try:
        summary = load_period(store, *day_bounds(date.today()), config.breaks.away_reset_s).summary
    finally:
        store.close()
    return summary.upright_share, summary.alerts


def _autostart_on() -> bool:
    from .autostart import entry_for

    try:
        return entry_for().path.exists()
    except (UserError, OSError):
        return False


def run_status(env: Env, config: Config, as_json: bool) -> int:
    facts = gather(env, config)
    report: StatusReport = assemble(facts)
    if as_json:
        env.say(json.dumps(report.to_dict()))
    else:
        for line in report.lines(facts.now_epoch_s):
            env.say(line)
    return EXIT_RUNNING if report.running else EXIT_NOT_RUNNING
